"""`refund-desk payments run-outbox | reconcile | export-transfers --currency EUR | claims-sync`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import SellerAccount
from refund_desk.core.errors import DomainError
from refund_desk.payments import services


class Command(BaseCommand):
    help = (
        "Refund payments: send the outbox, reconcile with Allegro, export bank transfers, commission claims."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("run-outbox", help="send every due refund to Allegro (same commandId on every retry)")
        sub.add_parser("reconcile", help="drain the outbox and poll Allegro for submitted refunds")
        export = sub.add_parser("export-transfers", help="write a bank transfer file for manual refunds")
        export.add_argument("--currency", required=True, choices=["PLN", "CZK", "EUR", "HUF"])
        export.add_argument("--account", help="seller account name (default: every account)")
        export.add_argument("--output-dir", default=".", help="where to write the files")
        sub.add_parser("claims-sync", help="file planned commission claims and refresh open ones")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "run-outbox":
            self.stdout.write(f"{services.outbox_run()} refund(s) attempted")
        elif action == "reconcile":
            self.stdout.write(f"{services.refunds_reconcile_all()} submitted refund(s) checked")
        elif action == "claims-sync":
            filed, refreshed = services.commission_claims_sync()
            self.stdout.write(f"{filed} claim(s) filed, {refreshed} refreshed")
        elif action == "export-transfers":
            self._export(options)

    def _export(self, options: dict[str, Any]) -> None:
        from pathlib import Path

        accounts = SellerAccount.objects.order_by("pk")
        if options.get("account"):
            accounts = accounts.filter(name=options["account"])
            if not accounts.exists():
                raise CommandError(f"no account named {options['account']!r}")
        written = 0
        for account in accounts:
            try:
                batch = services.transfer_batch_export(
                    account=account, currency=options["currency"], actor=Actor.system("cli")
                )
            except DomainError as exc:
                raise CommandError(str(exc)) from exc
            if batch is None:
                continue
            path = Path(options["output_dir"]) / batch.file_name
            path.write_text(batch.content, encoding="utf-8")
            self.stdout.write(
                f"{path}: {batch.refund_orders.count()} transfer(s), {batch.total} {batch.currency}"
            )
            written += 1
        if not written:
            self.stdout.write("nothing to export")
