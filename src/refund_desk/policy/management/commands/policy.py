"""`refund-desk policy evaluate|simulate|export|import|show`: the refund policy engine on the command line."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from pydantic import TypeAdapter, ValidationError

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import Marketplace
from refund_desk.cases.models import SellerAccount
from refund_desk.core.errors import ValidationFailed
from refund_desk.policy.documents import case_documents
from refund_desk.policy.engine import STATUTORY_DEFAULT, Policy, evaluate, policy_from_yaml
from refund_desk.policy.engine.law import LANGUAGES
from refund_desk.policy.selectors import (
    policy_changes,
    policy_export_yaml,
    policy_get,
    policy_simulate,
    policy_versions,
)
from refund_desk.policy.services import policy_import

INVALID_INPUT = 2
_DATETIME = TypeAdapter(datetime)


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=INVALID_INPUT)


def _invalid(what: str, exc: ValidationFailed) -> CommandError:
    lines = "\n".join(f"  {path}: {message}" for path, message in exc.errors)
    return _fail(f"invalid {what}:\n{lines}")


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}") from exc


def _load_policy(path: str | None) -> Policy:
    if path is None:
        return STATUTORY_DEFAULT
    try:
        return policy_from_yaml(_read(path))
    except ValidationFailed as exc:
        raise _invalid(f"policy {path}", exc) from exc


def _moment(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = _DATETIME.validate_python(value)
    except ValidationError as exc:
        raise _fail(f"{option}: not an ISO-8601 date-time: {value!r}") from exc
    if moment.tzinfo is None:
        raise _fail(f"{option}: must include a UTC offset, e.g. 2025-03-01T12:00:00+01:00")
    return moment


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time.min, tzinfo=ZoneInfo("UTC"))
    except ValueError:
        return _moment(value, "--since")


def _account(name: str | None, *, required: bool) -> SellerAccount | None:
    if name is None:
        if required:
            raise _fail("--account is required")
        return None
    account = SellerAccount.objects.filter(name=name).first()
    if account is None:
        raise _fail(f"--account: no seller account named {name!r}")
    return account


class Command(BaseCommand):
    help = "Evaluate cases under a refund policy, simulate a policy change, import/export/show policies."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        ev = sub.add_parser("evaluate", help="Evaluate one CASE.json and print the evaluation as JSON.")
        ev.add_argument("case", help="path to CASE.json, or - for stdin")
        ev.add_argument("--policy", help="policy YAML (default: the statutory minimum)")
        ev.add_argument(
            "--now", help="evaluation time, ISO-8601 with offset (default: the case's 'now' or the clock)"
        )
        ev.add_argument("--lang", choices=LANGUAGES, help="explanation language (default: the marketplace's)")

        sim = sub.add_parser(
            "simulate", help="Replay stored cases under a proposed policy and report changes."
        )
        sim.add_argument("--policy", required=True, help="proposed policy YAML")
        sim.add_argument("--account", help="seller account name (default: all accounts)")
        sim.add_argument("--marketplace", choices=Marketplace.values)
        sim.add_argument("--since", help="only cases opened on or after this date (YYYY-MM-DD or ISO-8601)")
        sim.add_argument("--now", help="evaluation time, ISO-8601 with offset (default: the clock)")

        ex = sub.add_parser("export", help="Print the active policy of an account and marketplace as YAML.")
        ex.add_argument("--account", required=True)
        ex.add_argument("--marketplace", required=True, choices=Marketplace.values)

        im = sub.add_parser("import", help="Publish a YAML policy as the new active version.")
        im.add_argument("file", help="policy YAML, or - for stdin")
        im.add_argument("--account", required=True)
        im.add_argument("--marketplace", required=True, choices=Marketplace.values)

        sh = sub.add_parser("show", help="Show the active policy and its version history.")
        sh.add_argument("--account", required=True)
        sh.add_argument("--marketplace", required=True, choices=Marketplace.values)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _print_json(self, data: object) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    def _evaluate(self, options: dict[str, Any]) -> None:
        policy = _load_policy(options["policy"])
        now = _moment(options["now"], "--now")
        text = _read(options["case"])
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _fail(
                f"invalid case: $: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
            ) from exc
        try:
            case = case_documents.get().parse(data)
        except ValidationFailed as exc:
            raise _invalid("case", exc) from exc
        self._print_json(evaluate(case, policy, now=now, lang=options["lang"]).to_json())

    def _simulate(self, options: dict[str, Any]) -> None:

        policy = _load_policy(options["policy"])
        report = policy_simulate(
            proposed=policy,
            account=_account(options["account"], required=False),
            marketplace=options["marketplace"],
            since=_since(options["since"]),
            now=_moment(options["now"], "--now"),
        )
        self._print_json(report.to_json())

    def _export(self, options: dict[str, Any]) -> None:

        account = _account(options["account"], required=True)
        assert account is not None
        self.stdout.write(policy_export_yaml(account=account, marketplace=options["marketplace"]), ending="")

    def _import(self, options: dict[str, Any]) -> None:

        account = _account(options["account"], required=True)
        assert account is not None
        try:
            version = policy_import(
                account=account,
                marketplace=options["marketplace"],
                yaml_text=_read(options["file"]),
                actor=Actor.system("cli"),
            )
        except ValidationFailed as exc:
            raise _invalid(f"policy {options['file']}", exc) from exc
        self.stdout.write(f"imported {version.label}")

    def _show(self, options: dict[str, Any]) -> None:

        account = _account(options["account"], required=True)
        assert account is not None
        policy = policy_get(account=account, marketplace=options["marketplace"])
        if policy is None or policy.active_version is None:
            self.stdout.write(f"# active: {STATUTORY_DEFAULT.version} (no policy published)")
            self.stdout.write(STATUTORY_DEFAULT.to_yaml(), ending="")
            return
        self.stdout.write(f"# active: {policy.active_version.label}")
        self.stdout.write(policy.active_version.source_yaml.rstrip("\n"))
        self.stdout.write("# history:")
        for version in policy_versions(policy=policy):
            self.stdout.write(
                f"#   {version.label}  {version.created_at.isoformat()}  {version.created_by_label}"
            )
        for change in policy_changes(policy=policy):
            self.stdout.write(f"#   {change.action} {change.version.label} by {change.actor_label}")
