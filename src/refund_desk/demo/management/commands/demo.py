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
        parser.add_argument(
            "--live",
            action="store_true",
            help="then run the Allegro emulator, the worker and the desk together (Ctrl+C stops them)",
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--emulator-port", type=int, default=8100)
        parser.add_argument(
            "--emulator-args", default="", help="extra emulator options, e.g. '--faults 5xx=0.05 --speed 600'"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("Loading demo data ...")
        result = demo_load(cases=options["cases"], seed=options["seed"])
        if result.already_loaded:
            self.stdout.write("Demo cases already loaded; logins reset.")
        else:
            self.stdout.write(f"Loaded {result.created_cases} demo cases.")
        logins = ", ".join(f"{name} ({role.value})" for name, role in DEMO_USERS.items())
        self.stdout.write(self.style.SUCCESS(f"Logins: {logins}; password: {DEMO_PASSWORD}"))
        if options["live"]:
            # Deferred: only --live starts the emulator and loads the models.
            from refund_desk.demo.live import run_live_demo

            run_live_demo(
                host=options["host"],
                port=options["port"],
                emulator_port=options["emulator_port"],
                emulator_args=options["emulator_args"],
                say=self.stdout.write,
            )
