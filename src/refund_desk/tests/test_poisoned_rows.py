"""Rows planted straight in the database, past every check intake makes (an older version, a hand edit, a
restore): every page, list, export and periodic job still works, the bad cases are set aside as "needs
attention" with the error and an alert, automation leaves them alone, and a person gets them out again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import EventType
from refund_desk.cases.models import CaseEvent, RefundCase
from refund_desk.cases.selectors import cases_out_of_bounds
from refund_desk.core.effects import TASKS
from refund_desk.core.errors import DomainError
from refund_desk.payments.choices import AlertKind
from refund_desk.payments.models import Alert, RefundOrder
from refund_desk.payments.services import alert_resolve, refund_order_create
from refund_desk.tests.test_route_matrix import ROUTES
from refund_desk.tests.world import World
from refund_desk.workflows.approval import automatic_approval_check
from refund_desk.workflows.attention import cases_health_scan

# Inside NUMERIC(14, 2), so PostgreSQL holds it too, and far above the 500,000 PLN line limit.
ABSURD = Decimal("5000000000.00")


def _plant(world: World) -> dict[str, RefundCase]:
    fresh, cod = world.cases["fresh"], world.cases["cod"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_orderlineitem SET unit_price = %s WHERE order_id = %s", [ABSURD, fresh.order_id]
        )
        cursor.execute("UPDATE cases_refundcase SET requested_amount = %s WHERE id = %s", [ABSURD, fresh.pk])
        # A snapshot that no longer validates for the policy engine.
        cursor.execute(
            "UPDATE cases_refundcase SET snapshot = %s WHERE id = %s", ['{"items": "x", "id": [1]}', cod.pk]
        )
        if connection.vendor == "sqlite":  # more digits than the column has: only SQLite stores them
            cursor.execute(
                "UPDATE cases_refundcase SET requested_amount = 1e13 WHERE id = %s",
                [world.cases["returning"].pk],
            )
    return {"absurd": fresh, "snapshot": cod}


def _get_every_route(client: Client, world: World) -> dict[str, int]:
    answers = {}
    for route in ROUTES:
        url = reverse(route.name, kwargs={name: world.kwargs[name] for name in route.arguments})
        answers[route.name] = client.get(url).status_code
    for query in ("?attention=1", "?open=1", "?q=matrix"):
        answers[f"desk:queue{query}"] = client.get(reverse("desk:queue") + query).status_code
        answers[f"api:v1:case-list{query}"] = client.get(reverse("api:v1:case-list") + query).status_code
    return answers


@pytest.fixture
def planted(world: World) -> Iterator[dict[str, RefundCase]]:
    yield _plant(world)


@pytest.fixture
def admin(world: World) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(world.people["admin"])
    return client


def _run_periodic_jobs() -> list[str]:
    ran = []
    for job in HUEY._registry.periodic_tasks:
        job.execute()
        ran.append(job.name)
    return ran


def test_every_page_and_list_works_with_the_planted_rows(
    world: World, planted: dict[str, RefundCase], admin: Client
) -> None:
    answers = _get_every_route(admin, world)
    assert {name: code for name, code in answers.items() if code >= 500} == {}
    body = admin.get(reverse("desk:case", args=[planted["absurd"].pk])).content.decode()
    assert "5000000000" in body.replace(",", "").replace(" ", "").replace("\xa0", "")


def test_the_health_scan_sets_the_bad_cases_aside_once_with_an_alert(
    world: World, planted: dict[str, RefundCase], django_capture_on_commit_callbacks: Any
) -> None:
    absurd = planted["absurd"]
    problems = dict(cases_out_of_bounds())
    assert "line price above 500000 PLN" in problems[absurd.pk]
    assert "requested amount above 1000000 PLN" in problems[absurd.pk] or absurd.pk in problems
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        flagged = cases_health_scan()
    for callback in callbacks:
        callback.func.call_local(*callback.args)
    expected = {absurd.pk} | ({world.cases["returning"].pk} if connection.vendor == "sqlite" else set())
    assert flagged == len(expected)
    assert (
        set(RefundCase.objects.filter(attention_since__isnull=False).values_list("pk", flat=True)) == expected
    )
    absurd.refresh_from_db()
    assert absurd.needs_attention and "line price above 500000 PLN" in absurd.attention
    [alert] = Alert.objects.filter(kind=AlertKind.CASE_ATTENTION, case=absurd)
    assert "needs attention" in alert.message and alert.resolved_at is None
    assert CaseEvent.objects.filter(case=absurd, type=EventType.ATTENTION).count() == 1
    # A second scan finds nothing new and raises nothing twice.
    assert cases_health_scan() == 0
    assert CaseEvent.objects.filter(case=absurd, type=EventType.ATTENTION).count() == 1


def test_every_periodic_job_runs_with_the_planted_rows_and_goes_on_with_the_others(
    world: World,
    planted: dict[str, RefundCase],
    admin: Client,
    settings: Any,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.DATA_DIR = tmp_path  # the weekly retraining saves its model there
    # The worker closes its connection around each job; here it is the test's, inside its transaction.
    monkeypatch.setattr("huey.contrib.djhuey.close_old_connections", lambda: None)
    before = CaseEvent.objects.order_by("-pk").values_list("pk", flat=True)[0]
    ran = _run_periodic_jobs()
    assert "workflows.cases_health_scan" in ran and "partners.case_events_publish" in ran
    absurd = RefundCase.objects.get(pk=planted["absurd"].pk)
    assert absurd.needs_attention
    # The cursor of case events moved past every event, the planted cases' included.
    from refund_desk.partners.models import PublishCursor, WebhookDelivery

    assert PublishCursor.objects.get(name="case-events").last_id >= before
    payloads = [d.payload["data"] for d in WebhookDelivery.objects.filter(event__startswith="case.")]
    published = {data["case"]["id"] for data in payloads if "case" in data}
    assert {world.cases["awaiting"].pk, world.cases["fresh"].pk} <= published
    # Pages still answer afterwards, and the queue filter finds the case set aside.
    answers = _get_every_route(admin, world)
    assert {name: code for name, code in answers.items() if code >= 500} == {}
    listed = admin.get(reverse("api:v1:case-list") + "?attention=1").json()
    assert absurd.pk in {row["id"] for row in listed["results"]}
    row = next(r for r in listed["results"] if r["id"] == absurd.pk)
    assert "line price above" in row["needsAttention"]["error"]
    page = admin.get(reverse("desk:queue") + "?attention=1").content.decode()
    assert f'data-case-id="{absurd.pk}"' in page and "Needs attention" in page


def test_automation_neither_approves_nor_pays_a_case_set_aside(
    world: World, planted: dict[str, RefundCase]
) -> None:
    cases_health_scan()
    absurd = RefundCase.objects.get(pk=planted["absurd"].pk)
    check = automatic_approval_check(case=absurd, evaluation=None)
    assert not check.allowed and check.reasons[0].startswith("the case is set aside")
    RefundCase.objects.filter(pk=absurd.pk).update(status="APPROVED")
    absurd.refresh_from_db()
    with pytest.raises(DomainError, match="set aside"):
        refund_order_create(case=absurd, actor=Actor.for_user(world.people["supervisor"]))
    assert not RefundOrder.objects.filter(case=absurd).exists()


def test_a_person_closes_a_case_set_aside_with_a_reason(world: World, planted: dict[str, RefundCase]) -> None:
    cases_health_scan()
    absurd = RefundCase.objects.get(pk=planted["absurd"].pk)
    Alert.objects.create(
        kind=AlertKind.CASE_ATTENTION, case=absurd, account=absurd.account, message="m", dedup_key="k"
    )
    agent = Client()
    agent.force_login(world.people["agent"])
    page = agent.get(reverse("desk:case", args=[absurd.pk])).content.decode()
    # shop-a is not connected to Allegro: no re-read button, a way out in words instead.
    assert "cannot be re-read" in page and "Re-read from Allegro" not in page and "Close the case" in page
    refused = agent.post(reverse("desk:case_attention_close", args=[absurd.pk]), {"reason": " "})
    assert refused.status_code == 303
    absurd.refresh_from_db()
    assert absurd.needs_attention and absurd.status == "NEW"
    answer = agent.post(reverse("desk:case_attention_close", args=[absurd.pk]), {"reason": "test order"})
    assert answer.status_code == 303
    absurd.refresh_from_db()
    assert absurd.status == "CLOSED" and not absurd.needs_attention
    cleared = CaseEvent.objects.get(case=absurd, type=EventType.ATTENTION_CLEARED)
    assert cleared.reason == "test order" and "line price" in cleared.payload["error"]
    assert not Alert.objects.filter(case=absurd, kind=AlertKind.CASE_ATTENTION, resolved_at__isnull=True)
    # Closed, it is not set aside again.
    assert cases_health_scan() == 0
    absurd.refresh_from_db()
    assert not absurd.needs_attention


def test_an_auditor_sees_the_case_set_aside_but_cannot_close_it(
    world: World, planted: dict[str, RefundCase]
) -> None:
    cases_health_scan()
    absurd = planted["absurd"]
    auditor = Client()
    auditor.force_login(world.people["auditor"])
    page = auditor.get(reverse("desk:case", args=[absurd.pk])).content.decode()
    assert "Needs attention" in page and "Close the case" not in page
    assert (
        auditor.post(reverse("desk:case_attention_close", args=[absurd.pk]), {"reason": "x"}).status_code
        == 403
    )
    absurd.refresh_from_db()
    assert absurd.needs_attention and absurd.status == "NEW"


def test_resolving_the_alert_takes_the_case_off_and_the_scan_puts_it_back_while_still_wrong(
    world: World, planted: dict[str, RefundCase], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cases_health_scan()
    for callback in callbacks:
        callback.func.call_local(*callback.args)
    absurd = RefundCase.objects.get(pk=planted["absurd"].pk)
    alert = Alert.objects.get(case=absurd, kind=AlertKind.CASE_ATTENTION)
    alert_resolve(alert=alert, actor=Actor.for_user(world.people["supervisor"]))
    absurd.refresh_from_db()
    assert not absurd.needs_attention
    assert cases_health_scan() >= 1
    absurd.refresh_from_db()
    assert absurd.needs_attention


def test_a_job_that_breaks_on_one_case_sets_it_aside_and_goes_on(
    world: World, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from refund_desk.workflows import tasks as workflow_tasks

    broken, fine = world.cases["fresh"], world.cases["other"]
    reviewed: list[int] = []

    def review(case: RefundCase) -> None:
        if case.pk == broken.pk:
            raise ArithmeticError("planted")
        reviewed.append(case.pk)

    monkeypatch.setattr(workflow_tasks, "review_case", review)
    TASKS["workflows.review_cases"].call_local([broken.pk, fine.pk])
    assert reviewed == [fine.pk]
    broken.refresh_from_db()
    assert broken.needs_attention and "automatic review: ArithmeticError: planted" in broken.attention
    # Set aside, it is skipped the next time.
    TASKS["workflows.review_cases"].call_local([broken.pk, fine.pk])
    assert reviewed == [fine.pk, fine.pk]


def test_a_failing_panel_shows_a_notice_and_sets_the_case_aside(
    world: World, admin: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from refund_desk.core.panels import case_panels

    panel = case_panels.panels()[0]

    def broken(obj: Any, request: Any) -> dict[str, Any]:
        raise ValueError("planted")

    monkeypatch.setitem(case_panels._panels, panel.name, replace(panel, context=broken))
    case = world.cases["fresh"]
    answer = admin.get(reverse("desk:case", args=[case.pk]))
    assert answer.status_code == 200
    assert "could not be shown" in answer.content.decode()
    case.refresh_from_db()
    assert case.needs_attention and f"{panel.name} panel: ValueError: planted" in case.attention


def test_the_alert_kind_cases_names_is_the_one_payments_declares() -> None:
    from refund_desk.cases.services import ATTENTION_ALERT_KIND

    assert AlertKind(ATTENTION_ALERT_KIND) == AlertKind.CASE_ATTENTION
