"""Intake of Allegro customer returns: idempotent, exact, and all-or-nothing per file."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from refund_desk.cases.choices import CaseKind, CaseSource, CaseStatus, EventType
from refund_desk.cases.models import (
    Buyer,
    CaseEvent,
    CaseItem,
    Order,
    OrderLineItem,
    RefundCase,
    SellerAccount,
)
from refund_desk.cases.tests.factories import case_file, imported_case, make_account, with_changes
from refund_desk.integrations.allegro.intake import Outcome, cases_import

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (RefundCase, CaseItem, CaseEvent, Order, OrderLineItem, Buyer))


def test_new_return_creates_a_case_with_order_items_deadlines_and_one_event() -> None:
    account = make_account("shop")
    data = case_file(seed=5)
    result = cases_import(items=[data], account=account).results[0]
    assert result.outcome == Outcome.CREATED
    case = imported_case(result)
    ret, order = data["customerReturn"], data["order"]
    assert (case.kind, case.source, case.status) == (
        CaseKind.WITHDRAWAL,
        CaseSource.CUSTOMER_RETURN,
        CaseStatus.NEW,
    )
    assert case.external_id == ret["id"] and case.reference == ret["referenceNumber"]
    assert case.order.external_id == order["id"] and case.order.payment_id == order["payment"]["id"]
    assert (
        case.buyer.allegro_id == order["buyer"]["id"] and case.buyer_login == order["buyer"]["login"].lower()
    )
    assert case.currency == "PLN" and case.marketplace == "allegro-pl"
    expected = sum(Decimal(i["price"]["amount"]) * i["quantity"] for i in ret["items"])
    assert case.requested_amount == expected
    assert sum(item.quantity for item in case.items.all()) == sum(i["quantity"] for i in ret["items"])
    assert {i.line_item.offer_id for i in case.items.all()} == {i["offerId"] for i in ret["items"]}
    # Return created 2026-11-02 (Monday) in Warsaw: day 14 is Monday 16 November, end of day local time.
    assert case.refund_by is not None
    assert case.refund_by.isoformat() == "2026-11-16T22:59:59.999999+00:00"
    event = case.events.get()
    assert (event.type, event.to_status, event.actor_label) == (EventType.CREATED, CaseStatus.NEW, "intake")


def test_same_payload_twice_changes_nothing_and_writes_no_event() -> None:
    account = make_account()
    data = case_file(seed=6)
    first = cases_import(items=[data], account=account)
    counts = _counts()
    second = cases_import(items=[copy.deepcopy(data)], account=account)
    assert first.count(Outcome.CREATED) == 1
    assert second.results[0].outcome == Outcome.UNCHANGED
    assert second.results[0].case_id == first.results[0].case_id
    assert _counts() == counts


def test_changed_status_updates_the_case_with_exactly_one_event() -> None:
    account = make_account()
    data = case_file(seed=7, status="DISPATCHED")
    case_id = imported_case(cases_import(items=[data], account=account).results[0]).pk
    RefundCase.objects.filter(pk=case_id).update(status=CaseStatus.AWAITING_RETURN)
    delivered = with_changes(data, status="DELIVERED")
    result = cases_import(items=[delivered], account=account).results[0]
    assert result.outcome == Outcome.UPDATED
    case = RefundCase.objects.get(pk=case_id)
    assert case.external_status == "DELIVERED"
    assert case.status == CaseStatus.RETURN_RECEIVED
    sync_events = case.events.filter(type=EventType.SYNCED)
    assert sync_events.count() == 1
    event = sync_events.get()
    assert (event.from_status, event.to_status) == (CaseStatus.AWAITING_RETURN, CaseStatus.RETURN_RECEIVED)
    assert event.payload["changes"]["externalStatus"] == {"from": "DISPATCHED", "to": "DELIVERED"}
    # and the same update again is a no-op
    assert cases_import(items=[delivered], account=account).results[0].outcome == Outcome.UNCHANGED
    assert case.events.count() == 2


def test_duplicate_within_one_batch_creates_one_case() -> None:
    account = make_account()
    data = case_file(seed=8)
    summary = cases_import(items=[data, copy.deepcopy(data)], account=account)
    assert [r.outcome for r in summary.results] == [Outcome.CREATED, Outcome.UNCHANGED]
    assert RefundCase.objects.count() == 1


def test_returns_of_the_same_order_share_one_order_snapshot() -> None:
    account = make_account()
    data = case_file(seed=9)
    second = copy.deepcopy(data)
    second["customerReturn"]["id"] = "another-return"
    summary = cases_import(items=[data, second], account=account)
    assert summary.count(Outcome.CREATED) == 2
    assert Order.objects.count() == 1
    assert OrderLineItem.objects.count() == len(data["order"]["lineItems"])


def _break(data: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    broken = copy.deepcopy(data)
    target: Any = broken
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return broken


_DELETE = object()
BAD_INPUT = [
    ("missing order", ["order"], _DELETE, "order", "Field required"),
    ("missing return id", ["customerReturn", "id"], _DELETE, "customerReturn.id", "Field required"),
    (
        "unknown currency",
        ["order", "lineItems", 0, "price", "currency"],
        "USD",
        "order.lineItems[0].price.currency",
        "unknown currency 'USD'",
    ),
    (
        "zero quantity",
        ["customerReturn", "items", 0, "quantity"],
        0,
        "customerReturn.items[0].quantity",
        "greater than 0",
    ),
    (
        "negative quantity",
        ["customerReturn", "items", 0, "quantity"],
        -2,
        "customerReturn.items[0].quantity",
        "greater than 0",
    ),
    (
        "item not in order",
        ["customerReturn", "items", 0, "offerId"],
        "999",
        "customerReturn.items[0].offerId",
        "not in order",
    ),
    (
        "too many returned",
        ["customerReturn", "items", 0, "quantity"],
        99,
        "customerReturn.items[0].quantity",
        "only",
    ),
    (
        "two currencies",
        ["customerReturn", "items", 0, "price", "currency"],
        "EUR",
        "customerReturn.items[0].price.currency",
        "differs from the order's PLN",
    ),
    ("malformed date", ["customerReturn", "createdAt"], "yesterday", "customerReturn.createdAt", "datetime"),
    ("wrong order", ["customerReturn", "orderId"], "other", "customerReturn.orderId", "refers to order"),
]


def test_a_line_item_id_twice_in_the_order_is_rejected() -> None:
    data = case_file(seed=40)
    data["order"]["lineItems"].append(copy.deepcopy(data["order"]["lineItems"][0]))
    index = len(data["order"]["lineItems"]) - 1
    result = cases_import(items=[data], account=make_account()).results[0]
    assert result.outcome == Outcome.REJECTED
    assert (
        f"order.lineItems[{index}].id",
        f"line item {data['order']['lineItems'][0]['id']} appears twice in the order",
    ) in result.errors
    assert RefundCase.objects.count() == 0


@pytest.mark.parametrize(
    ("label", "path", "value", "field", "message"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT]
)
def test_bad_input_is_rejected_with_the_field_path_and_nothing_is_written(
    label: str, path: list[str | int], value: Any, field: str, message: str
) -> None:
    account = make_account()
    good = case_file(seed=12)
    bad = _break(case_file(seed=13), path, value)
    summary = cases_import(items=[bad, good], account=account)
    rejected, created = summary.results
    assert rejected.outcome == Outcome.REJECTED
    assert any(f == field and message in m for f, m in rejected.errors), rejected.errors
    assert created.outcome == Outcome.CREATED
    assert RefundCase.objects.count() == 1 and Order.objects.count() == 1


def test_import_command_prints_a_summary_and_is_idempotent(tmp_path: Path) -> None:
    make_account("shop-a")
    files = [case_file(seed=20), case_file(seed=21, marketplace="allegro-hu")]
    path = tmp_path / "returns.json"
    path.write_text(json.dumps(files))
    out = StringIO()
    call_command("import", str(path), "--account", "shop-a", stdout=out)
    assert "created 2, updated 0, unchanged 0, rejected 0" in out.getvalue()
    assert set(RefundCase.objects.values_list("currency", flat=True)) == {"PLN", "HUF"}
    out = StringIO()
    call_command("import", str(path), "--account", "shop-a", stdout=out)
    assert "created 0, updated 0, unchanged 2, rejected 0" in out.getvalue()


def test_import_command_exits_2_naming_the_field_and_keeps_the_good_files(tmp_path: Path) -> None:
    make_account("default")
    bad = case_file(seed=30)
    bad["customerReturn"]["items"][0]["quantity"] = 0
    path = tmp_path / "returns.json"
    path.write_text(json.dumps([case_file(seed=31), bad]))
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import", str(path), stdout=out)
    assert excinfo.value.returncode == 2
    assert "customerReturn.items[0].quantity" in out.getvalue()
    assert RefundCase.objects.count() == 1


def test_import_command_refuses_an_unknown_account_listing_the_known_ones(tmp_path: Path) -> None:
    make_account("emulator-shop")
    path = tmp_path / "returns.json"
    path.write_text(json.dumps([case_file(seed=32)]))
    with pytest.raises(CommandError) as excinfo:
        call_command("import", str(path), "--account", "emulatr-shop")
    assert excinfo.value.returncode == 2
    assert "no seller account named 'emulatr-shop'; choose one of: emulator-shop" in str(excinfo.value)
    assert list(SellerAccount.objects.values_list("name", flat=True)) == ["emulator-shop"]
    assert RefundCase.objects.count() == 0


def test_import_command_rejects_malformed_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"order": ')
    with pytest.raises(CommandError, match="malformed JSON at line 1") as excinfo:
        call_command("import", str(path))
    assert excinfo.value.returncode == 2
    assert RefundCase.objects.count() == 0
