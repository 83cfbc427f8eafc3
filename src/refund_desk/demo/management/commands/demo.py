"""`refund-desk demo`: load the demo installation (logins in every role, realistic cases)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from refund_desk.demo.loader import DEMO_PASSWORD, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Load demo logins and realistic demo cases across every kind and status (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=400, help="customer returns to generate")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Loading demo data ...")
        result = demo_load(cases=options["cases"], seed=options["seed"])
        if result.already_loaded:
            self.stdout.write("Demo cases already loaded; logins reset.")
        else:
            self.stdout.write(f"Loaded {result.created_cases} demo cases.")
        logins = ", ".join(f"{name} ({role.value})" for name, role in DEMO_USERS.items())
        self.stdout.write(self.style.SUCCESS(f"Logins: {logins}; password: {DEMO_PASSWORD}"))
