"""The worker's timetable: one table, every entry registered with Huey, nothing registered outside it."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.core.management import call_command
from huey.contrib.djhuey import HUEY

from refund_desk.core.schedules import BY_NAME, SCHEDULES, Schedule, periodic


def registered() -> dict[str, object]:
    return {task.name: task for task in HUEY._registry.periodic_tasks}


def test_every_periodic_job_comes_from_the_table_and_every_entry_is_registered() -> None:
    import refund_desk.ai.tasks
    import refund_desk.integrations.allegro.tasks
    import refund_desk.logistics.tasks
    import refund_desk.outbound.tasks
    import refund_desk.partners.tasks
    import refund_desk.payments.tasks
    import refund_desk.workflows.tasks  # noqa: F401  -- importing registers the jobs

    assert set(registered()) == set(BY_NAME)
    assert len(BY_NAME) == len(SCHEDULES)  # no name twice


def test_registered_jobs_run_when_the_table_says() -> None:
    tasks = registered()
    sunday_0330 = datetime(2026, 11, 29, 3, 30)
    monday_0705 = datetime(2026, 11, 30, 7, 5)
    due_sunday = {name for name, task in tasks.items() if task.validate_datetime(sunday_0330)}  # type: ignore[attr-defined]
    due_monday = {name for name, task in tasks.items() if task.validate_datetime(monday_0705)}  # type: ignore[attr-defined]

    every_minute = {
        "allegro.sync",
        "payments.outbox_run",
        "partners.webhooks_deliver",
        "partners.case_events_publish",
        "outbound.commands_run",
    }
    assert due_sunday == every_minute | {
        "workflows.cases_health_scan",
        "ai.risk_retrain",
        "logistics.parcels_track",
        "payments.refunds_reconcile",
        "ai.review_outcomes",
    }
    assert due_monday == every_minute | {"logistics.parcels_check_stale", "payments.refunds_reconcile"}
    for name, task in tasks.items():
        assert task.validate_datetime(sunday_0330) == BY_NAME[name].is_due(sunday_0330)  # type: ignore[attr-defined]


def test_next_run_and_an_unknown_name() -> None:
    weekly = BY_NAME["ai.risk_retrain"]
    assert weekly.expression == "30 3 * * 0"
    assert weekly.next_run(datetime(2026, 11, 26, 10, 0)) == datetime(2026, 11, 29, 3, 30)
    assert BY_NAME["payments.refunds_reconcile"].next_run(datetime(2026, 11, 26, 10, 2, 30)) == datetime(
        2026, 11, 26, 10, 5
    )
    assert Schedule("hourly", "at :40", minute="40").expression == "40 * * * *"
    with pytest.raises(LookupError, match=r"no schedule named 'payments\.typo'"):
        periodic("payments.typo")


def test_schedules_command_lists_every_job_with_its_next_run(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("schedules", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in rows] == [s.name for s in SCHEDULES]
    stale = next(row for row in rows if row["name"] == "logistics.parcels_check_stale")
    assert stale["cron"] == "5 7 * * *" and stale["next"].endswith("07:05")

    call_command("schedules")
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:2] == ["job", "cron"]
    assert len(table) == len(SCHEDULES) + 1
