"""`refund-desk import FILE.json|-`: import Allegro case files ({"order", "customerReturn"})."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from refund_desk.cases.access import account_named
from refund_desk.core.errors import ValidationFailed
from refund_desk.integrations.allegro.intake import (
    IntakeSummary,
    Outcome,
    cases_import,
)


class Command(BaseCommand):
    help = (
        "Import case files: a JSON object or array of {'order': <Allegro checkout form>, "
        "'customerReturn': <Allegro customer return>}. Idempotent: re-importing changes nothing. "
        "Exits 2 when any file was rejected (the others are still imported)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to a JSON file, or - for standard input")
        parser.add_argument("--account", default="default", help="name of an existing seller account")
        parser.add_argument("--json", action="store_true", help="print the full result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}", returncode=2) from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", returncode=2
            ) from exc
        items = data if isinstance(data, list) else [data]
        try:
            account = account_named(name=options["account"])
        except ValidationFailed as exc:
            raise CommandError(str(exc), returncode=2) from exc

        started = time.perf_counter()
        total = len(items)

        def progress(summary: IntakeSummary) -> None:
            if total >= 1000 and options["verbosity"] >= 1:
                self.stderr.write(f"  {len(summary.results)}/{total} files processed")

        summary = cases_import(items=items, account=account, progress=progress)
        elapsed = time.perf_counter() - started
        if options["json"]:
            self.stdout.write(json.dumps(summary.to_json(), indent=2))
        else:
            self._print_summary(summary, elapsed)
        rejected = summary.count(Outcome.REJECTED)
        if rejected:
            raise CommandError(f"{rejected} of {len(summary.results)} files rejected", returncode=2)

    def _print_summary(self, summary: IntakeSummary, elapsed: float) -> None:
        counts = summary.to_json()
        self.stdout.write(
            f"created {counts['created']}, updated {counts['updated']}, "
            f"unchanged {counts['unchanged']}, rejected {counts['rejected']} "
            f"({len(summary.results)} files in {elapsed:.1f} s)"
        )
        for index, result in enumerate(summary.results):
            if result.outcome != Outcome.REJECTED:
                continue
            label = f"file {index}" + (f" (return {result.external_id})" if result.external_id else "")
            self.stdout.write(self.style.ERROR(f"rejected {label}:"))
            for field, message in result.errors:
                self.stdout.write(f"  {field}: {message}")
