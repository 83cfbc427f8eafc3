"""`refund-desk emulator`: serve the Allegro emulator, or check its money ledger."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from refund_desk.integrations.allegro.emulator import build_app
from refund_desk.integrations.allegro.emulator.buyer_view import buyer_view, buyer_view_lines
from refund_desk.integrations.allegro.emulator.faults import FaultConfig
from refund_desk.integrations.allegro.emulator.ledger import ledger_report
from refund_desk.integrations.allegro.emulator.scenario import Rates
from refund_desk.integrations.allegro.emulator.store import Store


def default_db() -> Path:
    return Path(settings.DATA_DIR) / "emulator.sqlite3"


class Command(BaseCommand):
    help = (
        "Run the local Allegro API emulator (default), inspect its ledger (`emulator ledger --check`), or "
        "show what it shows one buyer (`emulator buyer-view LOGIN`)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--db", type=Path, default=None, help="SQLite file with the emulator state")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--speed", type=float, default=60.0, help="emulated seconds per real second")
        parser.add_argument(
            "--faults", default="", help="e.g. 429=0.1,5xx=0.05,timeout=0.02,drop=0.02,duplicate=0.05"
        )
        parser.add_argument(
            "--timeout-delay", type=float, default=30.0, help="seconds a 'timeout' fault stalls"
        )
        parser.add_argument(
            "--rates", default="", help="per emulated hour, e.g. orders=30,returns=6,issues=1"
        )
        parser.add_argument(
            "--initial-returns", type=int, default=0, help="seed this many historical returns"
        )
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--token-ttl", type=int, default=43199, help="access token lifetime, seconds")
        parser.add_argument("--device-interval", type=int, default=5, help="device flow polling interval")
        sub = parser.add_subparsers(dest="action")
        ledger = sub.add_parser("ledger", help="print paid/refunded/commands per order")
        ledger.add_argument(
            "--check", action="store_true", help="exit 1 on over-refund or a command run twice"
        )
        ledger.add_argument("--db", type=Path, default=None, dest="ledger_db")
        buyer = sub.add_parser("buyer-view", help="what Allegro shows one buyer (returns, issues, refunds)")
        buyer.add_argument("login", help="the buyer's Allegro login")
        buyer.add_argument("--json", action="store_true", help="print JSON instead of text")
        buyer.add_argument("--db", type=Path, default=None, dest="buyer_db")

    def handle(self, *args: Any, **options: Any) -> None:
        db = options.get("ledger_db") or options.get("buyer_db") or options["db"] or default_db()
        if options.get("action") == "ledger":
            self._ledger(db, check=options["check"])
            return
        if options.get("action") == "buyer-view":
            self._buyer_view(db, login=options["login"], as_json=options["json"])
            return
        try:
            faults = FaultConfig.parse(options["faults"], timeout_delay=options["timeout_delay"])
            rates = Rates.parse(options["rates"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        app = build_app(
            db,
            seed=options["seed"],
            speed=options["speed"],
            faults=faults,
            rates=rates,
            token_ttl=options["token_ttl"],
            device_interval=options["device_interval"],
        )
        if options["initial_returns"]:
            added = app.scenario.seed_returns(options["initial_returns"])
            self.stdout.write(f"seeded {added} customer returns")
        pair = app.oauth.issue()
        base = f"http://{options['host']}:{options['port']}"
        self.stdout.write(
            f"Allegro emulator on {base} (db {db}, seed {options['seed']}, speed x{options['speed']:g}, "
            f"faults {faults.describe()})\n"
            f"  demo access token:  {pair['access_token']}\n"
            f"  demo refresh token: {pair['refresh_token']}\n"
            f"  connect: refund-desk allegro account add demo --environment emulator --api-url {base} "
            f"--access-token={pair['access_token']} --refresh-token={pair['refresh_token']}\n"
            f'  change faults: curl -X POST {base}/__emulator/faults -d \'{{"faults": "5xx=0.1"}}\''
        )
        from waitress import serve

        try:
            serve(
                app,
                host=options["host"],
                port=options["port"],
                threads=options["threads"],
                ident="allegro-emulator",
            )
        finally:
            app.clock.save()

    def _buyer_view(self, db: Path, *, login: str, as_json: bool) -> None:
        if not Path(db).exists():
            raise CommandError(f"no emulator database at {db}")
        view = buyer_view(Store(db), login)
        if as_json:
            self.stdout.write(json.dumps(view, ensure_ascii=False, indent=2))
            return
        for line in buyer_view_lines(view):
            self.stdout.write(line)

    def _ledger(self, db: Path, *, check: bool) -> None:
        if not Path(db).exists():
            raise CommandError(f"no emulator database at {db}")
        report = ledger_report(Store(db))
        for line in report.lines():
            self.stdout.write(line)
        problems = report.problems
        for problem in problems:
            self.stderr.write(f"PROBLEM: {problem}")
        self.stdout.write(f"{len(report.orders)} orders with refunds, {len(problems)} problems")
        if check and problems:
            sys.exit(1)
