"""Property test of the intake: random amounts, strings, counts, types and nesting planted anywhere in a
valid case file. Every file is either refused with every error naming its field, or becomes a case that the
case page, the queue, the API list and detail, and the policy engine all handle.

Bounded by time, not by count (REFUND_DESK_FUZZ_SECONDS, default 60); set REFUND_DESK_FUZZ_REPORT=path to
have the figures written there.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refund_desk.ai.synthetic.casefiles import generate_case_files
from refund_desk.cases.models import RefundCase
from refund_desk.integrations.allegro.intake import cases_import
from refund_desk.policy.selectors import case_evaluation
from refund_desk.tests.world import World

SECONDS = float(os.environ.get("REFUND_DESK_FUZZ_SECONDS", "60"))
FIGURES: Counter[str] = Counter()

amounts = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["0", "0.001", "-0.01", "1e30", "1E-7", "", " 12.30 ", "12,30", "NaN", "Infinity"]),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.text(max_size=300),
    st.text(min_size=60, max_size=6000),
    amounts,
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, (*prefix, index))
    return found


def _plant(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _base() -> dict[str, Any]:
    (data,) = generate_case_files(count=1, seed=3)
    return data


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def _fuzz(world: World, agent: Client, data: st.DataObject) -> None:
    case_file = copy.deepcopy(_base())
    case_file["customerReturn"]["id"] = f"fuzz-{FIGURES['files']}"
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(case_file)
        path = data.draw(st.sampled_from(paths))
        _plant(case_file, path, data.draw(values))
    FIGURES["files"] += 1
    summary = cases_import(items=[case_file], account=world.account)
    (result,) = summary.results
    if result.outcome == "rejected":
        FIGURES["refused"] += 1
        assert result.errors, case_file
        nameless = [message for field, message in result.errors if not field]
        FIGURES["refusals without a field name"] += len(nameless)
        assert not nameless, result.errors
        return
    FIGURES["accepted"] += 1
    assert result.case_id is not None
    case = RefundCase.objects.get(pk=result.case_id)
    assert case.requested_amount.is_finite() and abs(case.requested_amount) < Decimal(10**12)
    evaluation = case_evaluation(case)
    assert evaluation is None or evaluation.total.amount >= 0
    for url in ("/", f"/cases/{case.pk}/", "/api/v1/cases/", f"/api/v1/cases/{case.pk}/"):
        status = agent.get(url).status_code
        FIGURES["5xx"] += status >= 500
        assert status == 200, (url, status, case_file)


@pytest.mark.fuzz
def test_any_case_file_is_refused_naming_the_field_or_handled_everywhere(world: World) -> None:
    agent = Client()
    agent.force_login(world.people["agent"])
    started = time.monotonic()
    while time.monotonic() - started < SECONDS:  # rounds of fresh random examples until the time is up
        _fuzz(world, agent)
    report = os.environ.get("REFUND_DESK_FUZZ_REPORT")
    if report:
        with open(report, "w", encoding="utf-8") as out:
            json.dump({"seconds": SECONDS, **FIGURES}, out, indent=2)
    assert FIGURES["files"] > 0 and FIGURES["5xx"] == 0
