"""Schemathesis over the REST API's own OpenAPI schema: generated requests, valid and invalid by the schema,
against every operation, as a person with every permission (an admin) working for the accounts the world
holds. Every answer must be a documented non-5xx status with the documented body; an invalid request
must be refused (4xx) and a valid one must not be refused as malformed (400/422), so the schema declares
the real limits.

Bounded by time (REFUND_DESK_SCHEMA_FUZZ_SECONDS, default 150, split over the operations) and by count
(REFUND_DESK_SCHEMA_FUZZ_EXAMPLES, default 300 per operation and kind). The requests are the same on every
run unless REFUND_DESK_SCHEMA_FUZZ_RANDOM=1 (then new ones each time: use it to look for new failures); set
REFUND_DESK_SCHEMA_FUZZ_REPORT=path to have the figures written there.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from knox.models import AuthToken
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok

from refund_desk.tests.world import World

SECONDS = float(os.environ.get("REFUND_DESK_SCHEMA_FUZZ_SECONDS", "150"))
EXAMPLES = int(os.environ.get("REFUND_DESK_SCHEMA_FUZZ_EXAMPLES", "300"))  # per operation and mode, at most
# The same requests on every run (a CI run never fails on luck); REFUND_DESK_SCHEMA_FUZZ_RANDOM=1 explores.
DERANDOMIZE = os.environ.get("REFUND_DESK_SCHEMA_FUZZ_RANDOM") != "1"
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
)
# Refusals of schema-valid requests that no schema can foresee, per operation: the named field must point
# at something that exists (a server-issued cursor, an account, a return), or a rule across fields holds
# (intake checks a case file against Allegro's models and its own sums). Each is a 400 naming the field.
SEMANTIC_FIELDS = {
    "GET /api/v1/cases/": ("cursor",),
    "POST /api/v1/cases/import/": ("order", "customerReturn", "account", "body", "$", "["),
    "POST /api/v1/inspections/": ("reference", "items"),
    # `rejectionCode` and a `reason` are required together with `to: REJECTED` only; how long the buyer's
    # `notice` may be depends on where it goes for this case (2,000 or 20,000 characters).
    "POST /api/v1/cases/{case_id}/transitions/": ("rejectionCode", "reason", "notice", "to"),
    # Lines must be this order's, a refund that differs from the engine's needs a reason, the notice's
    # length depends on its channel, a cash-on-delivery order needs the buyer's bank account.
    "POST /api/v1/cases/{case_id}/refunds/": ("lines", "overrideReason", "notice", "bankAccount"),
    # Only a claim is accepted; a price reduction needs its amount, within what the claimed items cost.
    "POST /api/v1/cases/{case_id}/acceptance/": ("case", "amount", "notice"),
}

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=False)]


def _check(name: str) -> Any:
    return next(check for check in CHECKS.get_all() if check.__name__ == name)


def _checks() -> list[Any]:
    return [_check(name) for name in CHECK_NAMES]


def _semantic_refusal(label: str, response: Any) -> bool:
    """A 400 whose every error names a field the schema cannot constrain (see SEMANTIC_FIELDS)."""
    if response.status_code != 400:
        return False
    try:
        fields = [error["field"] for error in response.json()["errors"]]
    except (ValueError, KeyError, TypeError):
        return False
    allowed = SEMANTIC_FIELDS.get(label, ())
    return bool(fields) and all(field.startswith(allowed) for field in fields)


def _exercise(
    operation: Any,
    mode: GenerationMode,
    fixed: dict[str, Any],
    budget: float,
    headers: dict[str, str],
    checks: list[Any],
    figures: Counter[str],
    failures: dict[str, str],
) -> None:
    """Generated requests for one operation in one mode until its share of the time is spent."""
    ends = time.monotonic() + budget
    accepts_valid = _check("positive_data_acceptance")

    @settings(
        max_examples=EXAMPLES,
        derandomize=DERANDOMIZE,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    def exercise(case: Any) -> None:
        if time.monotonic() > ends:
            return
        response = case.call(headers=headers)
        figures["requests"] += 1
        figures[f"{mode.value} {response.status_code // 100}xx"] += 1
        key = f"{operation.label} [{mode.value}]"
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (Failure, FailureGroup, AssertionError) as exc:
            failures.setdefault(key, f"{type(exc).__name__}: {str(exc)[:600]}")
            figures["failures"] += 1
            return
        if mode == GenerationMode.POSITIVE:
            try:
                case.validate_response(response, checks=[accepts_valid], headers=headers)
            except (Failure, FailureGroup, AssertionError) as exc:
                if _semantic_refusal(operation.label, response):
                    figures["refused for a reason no schema states"] += 1
                else:
                    failures.setdefault(key, f"{type(exc).__name__}: {str(exc)[:600]}")
                    figures["failures"] += 1

    exercise()


def _fixed(operation: Any, mode: GenerationMode, world: World) -> dict[str, Any]:
    """Values that name something real, so generated bodies reach the code behind the lookups: the case
    of the world's new request (valid requests only; invalid ones get generated ids), the account to
    import into."""
    fixed: dict[str, Any] = {}
    if "{case_id}" in operation.path and mode == GenerationMode.POSITIVE:
        fixed["path_parameters"] = {"case_id": world.kwargs["case_id"]}
    if operation.path.endswith("/cases/import/"):
        fixed["query"] = {"account": world.account.name}
    return fixed


def test_generated_requests_get_documented_answers_and_no_server_error(world: World) -> None:
    _, token = AuthToken.objects.create(user=world.people["admin"])
    headers = {"Authorization": f"Token {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    results = list(schema.get_all_operations())
    # Every operation of the schema must load (an invalid one would be left out unnoticed).
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results) >= 8
    checks = _checks()
    figures: Counter[str] = Counter()
    failures: dict[str, str] = {}
    budget = SECONDS / (2 * len(operations))

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _exercise(
                operation, mode, _fixed(operation, mode, world), budget, headers, checks, figures, failures
            )
        figures["operations"] += 1

    report = os.environ.get("REFUND_DESK_SCHEMA_FUZZ_REPORT")
    if report:
        with open(report, "w", encoding="utf-8") as out:
            json.dump({"figures": dict(figures), "failures": failures}, out, indent=2)
    assert failures == {}, json.dumps(failures, indent=1, ensure_ascii=False)[:6000]
    assert figures["requests"] > len(operations) and figures["positive 5xx"] + figures["negative 5xx"] == 0
