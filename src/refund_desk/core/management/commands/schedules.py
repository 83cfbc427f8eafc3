"""`refund-desk schedules`: the worker's periodic jobs, when they run and when they run next."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from refund_desk.core.schedules import SCHEDULES


class Command(BaseCommand):
    help = "List the worker's periodic jobs (refund_desk.core.schedules) with their next run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now().astimezone(UTC).replace(tzinfo=None)  # Huey reads crontabs in UTC
        rows = []
        for schedule in SCHEDULES:
            upcoming = schedule.next_run(now)
            rows.append(
                {
                    "name": schedule.name,
                    "cron": schedule.expression,
                    "next": upcoming.strftime("%Y-%m-%d %H:%M") if upcoming else "",
                    "purpose": schedule.purpose,
                }
            )
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        width = max(len(row["name"]) for row in rows)
        self.stdout.write(f"{'job':<{width}}  {'cron (UTC)':<12}  {'next run UTC':<16}  purpose")
        for row in rows:
            self.stdout.write(
                f"{row['name']:<{width}}  {row['cron']:<12}  {row['next']:<16}  {row['purpose']}"
            )
