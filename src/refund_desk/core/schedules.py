"""The worker's timetable: every periodic job and when it runs, in one place.

Each app's `tasks.py` registers its job with `@periodic("<name>")`, which looks the timing up here; a
name missing from this table is an error at import time, and a test checks that every entry is
registered. `refund-desk schedules` prints the table with each job's next run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from huey import crontab


@dataclass(frozen=True, slots=True)
class Schedule:
    """A cron-style timing (fields as in crontab(5), in UTC as Huey reads them) and what the job is for."""

    name: str
    purpose: str
    minute: str = "*"
    hour: str = "*"
    day_of_week: str = "*"

    @property
    def expression(self) -> str:
        return f"{self.minute} {self.hour} * * {self.day_of_week}"

    def crontab(self) -> Callable[[datetime], bool]:
        """Huey's validator for this timing: true for the minutes the job runs."""
        check: Callable[[datetime], bool] = crontab(
            minute=self.minute, hour=self.hour, day_of_week=self.day_of_week
        )
        return check

    def is_due(self, moment: datetime) -> bool:
        return self.crontab()(moment)

    def next_run(self, after: datetime) -> datetime | None:
        """The first whole minute after `after` when the job runs (None if not within 8 days)."""
        is_due = self.crontab()
        moment = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(8 * 24 * 60):
            if is_due(moment):
                return moment
            moment += timedelta(minutes=1)
        return None


SCHEDULES: tuple[Schedule, ...] = (
    Schedule("allegro.sync", "pull new and changed requests from every connected Allegro account"),
    Schedule("payments.outbox_run", "send refunds whose outbox message is due (retries included)"),
    Schedule("payments.refunds_reconcile", "follow submitted refunds to SUCCESS or CANCELED", minute="*/5"),
    Schedule("payments.commission_claims_sync", "file due commission claims and follow them", minute="17"),
    Schedule("outbound.commands_run", "carry out due decisions on Allegro (retries included)"),
    Schedule("partners.webhooks_deliver", "deliver due webhook attempts to partners"),
    Schedule("partners.case_events_publish", "turn new case events into webhook deliveries"),
    Schedule(
        "logistics.parcels_track",
        "pick up return parcels of awaiting cases and follow them through carrier tracking",
        minute="*/15",
    ),
    Schedule("logistics.parcels_check_stale", "alert on parcels without a scan", minute="5", hour="7"),
    Schedule(
        "workflows.cases_health_scan",
        "set aside open cases whose stored amounts lie outside the intake limits",
        minute="*/10",
    ),
    Schedule("ai.review_outcomes", "compare automatic reviews with what people decided", minute="*/15"),
    Schedule(
        "ai.risk_retrain",
        "retrain the risk model; promote it only if it is not worse",
        minute="30",
        hour="3",
        day_of_week="0",
    ),
)
BY_NAME = {schedule.name: schedule for schedule in SCHEDULES}


def periodic(name: str) -> Callable[[Callable[[], None]], Any]:
    """Register a function as the periodic job `name`, at the timing this table gives it."""
    from huey.contrib.djhuey import db_periodic_task

    try:
        schedule = BY_NAME[name]
    except KeyError:
        raise LookupError(f"no schedule named {name!r} in refund_desk.core.schedules") from None
    return db_periodic_task(schedule.crontab(), name=name)
