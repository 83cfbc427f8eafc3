"""`refund-desk ai classify|train|evaluate|replay|rollback|stats-backfill|automation`: the ai app on the command line."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from refund_desk.ai import comments
from refund_desk.ai.registry import registered
from refund_desk.ai.risk import training
from refund_desk.ai.services import ReviewNotFound, account_automation_set, review_replay, stats_backfill
from refund_desk.cases.actors import Actor
from refund_desk.cases.models import SellerAccount

INVALID_INPUT = 2


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _with_headline(results: dict[str, Any]) -> dict[str, Any]:
    """The figures the issue asks for, at the top level, next to each model's full metrics."""
    out: dict[str, Any] = dict(results)
    if "comments" in results:
        out["classifier"] = {"macro_f1": results["comments"].get("reason_macro_f1")}
    risk = results.get("risk")
    if risk:
        out["risk"] = {**risk}
        out["automation_rate"] = risk.get("automation_rate")
        out["wrong_decision_rate"] = risk.get("wrong_decision_rate")
        out["scoring_p99_ms"] = (risk.get("scoring_ms") or {}).get("p99")
    return out


def _printable(result: dict[str, Any]) -> dict[str, Any]:
    hidden = {"calibration", "per_reason", "svg"}
    return {k: v for k, v in result.items() if k not in hidden}


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
        ev.add_argument("--risk", action="store_true", help="evaluate the risk model")
        ev.add_argument("--seed", type=int, help="evaluate the risk model on a fresh history with this seed")
        ev.add_argument("--json", action="store_true", help="print metrics as JSON")

        rp = sub.add_parser("replay", help="Recompute a case's latest risk review with its recorded inputs.")
        rp.add_argument("case_id", type=int)
        rp.add_argument("--json", action="store_true")

        rb = sub.add_parser("rollback", help="Make a saved risk model version the current one again.")
        rb.add_argument("version")

        sub.add_parser("versions", help="List saved risk model versions.")
        sub.add_parser("stats-backfill", help="Compute buyer/offer aggregates for every stored case.")

        au = sub.add_parser("automation", help="Set the risk model's mode for a seller account.")
        au.add_argument("account", help="seller account name")
        au.add_argument("mode", choices=["off", "shadow", "live"])
        au.add_argument("--threshold", type=float, help="risk threshold (default: the model's own)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "classify":
            self._classify(options["text"], options.get("selected_reason"))
        elif action == "train":
            self._run("train", ["comments"] if options["comments_only"] else None, options["json"])
        elif action == "evaluate":
            self._evaluate(options)
        elif action == "replay":
            self._replay(options["case_id"], options["json"])
        elif action == "rollback":
            self._rollback(options["version"])
        elif action == "versions":
            self._versions()
        elif action == "stats-backfill":
            count = stats_backfill(progress=lambda n: self.stderr.write(f"{n} cases"))
            self.stdout.write(f"aggregates updated for {count} cases")
        else:
            self._automation(options)

    def _evaluate(self, options: dict[str, Any]) -> None:
        names = [n for n, flag in (("comments", "comments"), ("risk", "risk")) if options[flag]] or None
        if options.get("seed") is not None and names is None:
            names = ["comments", "risk"]
        if names is None or "risk" not in names or options.get("seed") is None:
            results = self._collect("evaluate", names)
        else:
            results = self._collect("evaluate", [n for n in names if n != "risk"])
            results["risk"] = training.evaluate(seed=options["seed"])
        if options["json"]:
            self.stdout.write(_dump(_with_headline(results)))
            return
        for name, result in results.items():
            self.stdout.write(_format_metrics(f"{name} (version {result['version']})", _printable(result)))

    def _collect(self, what: str, names: list[str] | None) -> dict[str, Any]:
        models = registered()
        chosen = list(models) if names is None else names
        unknown = [n for n in chosen if n not in models]
        if unknown:
            raise CommandError(f"unknown model(s): {', '.join(unknown)}", returncode=INVALID_INPUT)
        return {name: getattr(models[name], what)() for name in chosen}

    def _replay(self, case_id: int, as_json: bool) -> None:

        try:
            replay = review_replay(case_id=case_id)
        except ReviewNotFound as exc:
            raise CommandError(str(exc), returncode=INVALID_INPUT) from exc
        data = replay.to_json()
        if as_json:
            self.stdout.write(_dump(data))
        else:
            self.stdout.write(
                f"case {case_id}, model {data['modelVersion']}: recorded score {data['recordedScore']:.6f} "
                f"({data['recordedRecommendation']}), replayed {data['replayedScore']:.6f} "
                f"({data['replayedRecommendation']}) -> {'MATCHES' if replay.matches else 'DIFFERS'}"
            )
        if not replay.matches:
            raise CommandError("the replay does not match the recorded review", returncode=1)

    def _rollback(self, version: str) -> None:

        try:
            training.rollback(version)
        except FileNotFoundError as exc:
            raise CommandError(str(exc), returncode=INVALID_INPUT) from exc
        self.stdout.write(f"risk model {version} is current again")

    def _versions(self) -> None:

        for meta in training.versions_with_cards():
            held = meta.get("held_out", {})
            self.stdout.write(
                f"{'*' if meta['current'] else ' '} {meta['version']}  AUC {held.get('roc_auc')}  "
                f"automation {held.get('automation_rate')}  wrong {held.get('wrong_decision_rate')}"
            )

    def _automation(self, options: dict[str, Any]) -> None:

        account = SellerAccount.objects.filter(name=options["account"]).first()
        if account is None:
            raise CommandError(f"no seller account {options['account']!r}", returncode=INVALID_INPUT)

        row = account_automation_set(
            account=account,
            mode=options["mode"],
            risk_threshold=options["threshold"],
            actor=Actor.system("cli"),
        )
        self.stdout.write(
            f"{account.name}: mode {row.mode}, threshold {row.risk_threshold or 'model default'}"
        )

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
                if name == "risk":
                    self.stdout.write(
                        f"{name}: trained version {result['version']} on {result['train_size']} requests "
                        f"({result['data']}) in {result['training_seconds']} s; promoted: {result['promoted']} "
                        f"({result['promotion']})"
                    )
                else:
                    self.stdout.write(
                        f"{name}: trained version {result['version']} on {result['train_size']} comments "
                        f"({result['agent_labels']} agent labels) in {result['training_seconds']} s"
                    )
                self.stdout.write(_format_metrics(f"{name} held-out metrics", metrics))
            else:
                self.stdout.write(_format_metrics(f"{name} (version {result['version']})", result))
