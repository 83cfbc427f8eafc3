"""`refund-desk ai classify|train|evaluate`: the ai app's models on the command line."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from refund_desk.ai import comments
from refund_desk.ai.registry import registered

INVALID_INPUT = 2


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _format_metrics(name: str, metrics: dict[str, Any]) -> str:
    lines = [f"{name}:"]
    for key, value in metrics.items():
        if isinstance(value, dict):
            lines.append(f"  {key}:")
            lines.extend(f"    {k:<24} {v}" for k, v in value.items())
        else:
            lines.append(f"  {key:<26} {value}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Classify a buyer comment, train and evaluate the ai models."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        cl = sub.add_parser("classify", help="Classify one buyer comment and print JSON.")
        cl.add_argument("text", nargs="?", default="-", help="the comment, or - (default) to read stdin")
        cl.add_argument("--selected-reason", help="reason type the buyer selected (flags reason_mismatch)")

        tr = sub.add_parser("train", help="Train, save a new model version and print its metrics.")
        tr.add_argument("--comments-only", action="store_true", help="train only the comment classifier")
        tr.add_argument("--json", action="store_true", help="print metadata and metrics as JSON")

        ev = sub.add_parser("evaluate", help="Print held-out metrics of the current models.")
        ev.add_argument("--comments", action="store_true", help="evaluate the comment classifier")
        ev.add_argument("--json", action="store_true", help="print metrics as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "classify":
            self._classify(options["text"], options.get("selected_reason"))
        elif action == "train":
            self._run("train", ["comments"] if options["comments_only"] else None, options["json"])
        else:
            self._run("evaluate", ["comments"] if options["comments"] else None, options["json"])

    def _classify(self, text: str, selected_reason: str | None) -> None:
        if text == "-":
            data = sys.stdin.buffer.read()
            analysis = comments.classify(data, selected_reason)
        else:
            analysis = comments.classify(text, selected_reason)
        self.stdout.write(_dump(analysis.to_json()))

    def _run(self, what: str, names: list[str] | None, as_json: bool) -> None:
        models = registered()
        chosen = names or list(models)
        unknown = [n for n in chosen if n not in models]
        if unknown:
            raise CommandError(f"unknown model(s): {', '.join(unknown)}", returncode=INVALID_INPUT)
        results = {name: getattr(models[name], what)() for name in chosen}
        if as_json:
            self.stdout.write(_dump(results))
            return
        for name, result in results.items():
            if what == "train":
                metrics = result.get("metrics", {})
                self.stdout.write(
                    f"{name}: trained version {result['version']} on {result['train_size']} comments "
                    f"({result['agent_labels']} agent labels) in {result['training_seconds']} s"
                )
                self.stdout.write(_format_metrics(f"{name} held-out metrics", metrics))
            else:
                self.stdout.write(_format_metrics(f"{name} (version {result['version']})", result))
