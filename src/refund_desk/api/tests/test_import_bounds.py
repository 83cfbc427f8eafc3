"""Hostile case files: every absurd amount, string, count, nesting and size is refused naming the field (or
the limit), with a 400/413 problem, and nothing is written."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from refund_desk.api.tests.conftest import assert_problem, case_files, error_fields
from refund_desk.cases.models import Buyer, CaseEvent, Order, OrderLineItem, RefundCase, SellerAccount

IMPORT_URL = "/api/v1/cases/import/?account=shop-one"
Change = Callable[[dict[str, Any]], None]


@pytest.fixture(autouse=True)
def accounts(db: None) -> list[SellerAccount]:
    return [SellerAccount.objects.create(name="shop-one")]


def rows() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Buyer, Order, OrderLineItem, RefundCase, CaseEvent))


def a_file() -> dict[str, Any]:
    (data,) = case_files(1, seed=5)
    return copy.deepcopy(data)


def _line_price(value: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        data["order"]["lineItems"][0]["price"]["amount"] = value

    return change


def _set(path: str, value: Any) -> Change:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


def _above_line_limit(data: dict[str, Any]) -> None:
    line = data["order"]["lineItems"][0]
    limit = Decimal(django_settings.INTAKE_MAX_LINE_AMOUNT[line["price"]["currency"]])
    line["price"]["amount"] = str(limit / line["quantity"] + 1)


def _paid_more(data: dict[str, Any]) -> None:
    total = Decimal(data["order"]["summary"]["totalToPay"]["amount"])
    data["order"]["payment"]["paidAmount"]["amount"] = str(total + Decimal("0.01"))


def _other_currency(parent: str, key: str) -> Change:
    def change(data: dict[str, Any]) -> None:
        price = data["order"][parent][key]
        price["currency"] = "EUR" if price["currency"] != "EUR" else "PLN"

    return change


HOSTILE: dict[str, tuple[Change, str]] = {
    "price 10^12": (_line_price("1000000000000"), "order.lineItems[0].price.amount"),
    "price 0": (_line_price("0"), "order.lineItems[0].price.amount"),
    "price 0.001": (_line_price("0.001"), "order.lineItems[0].price.amount"),
    "negative price": (_line_price("-5.00"), "order.lineItems[0].price.amount"),
    "price above the line limit": (_above_line_limit, "order.lineItems[0].price.amount"),
    "NaN price": (_line_price("NaN"), "order.lineItems[0].price.amount"),
    "30 digits and 3 decimals": (
        _line_price("123456789012345678901234567890.001"),
        "order.lineItems[0].price.amount",
    ),
    "negative paid amount": (
        _set("order.payment.paidAmount.amount", "-1.00"),
        "order.payment.paidAmount.amount",
    ),
    "paid more than the total": (_paid_more, "order.payment.paidAmount.amount"),
    "negative delivery": (_set("order.delivery.cost.amount", "-12.99"), "order.delivery.cost.amount"),
    "total does not match": (
        _set("order.summary.totalToPay.amount", "1.00"),
        "order.summary.totalToPay.amount",
    ),
    "total in another currency": (
        _other_currency("summary", "totalToPay"),
        "order.summary.totalToPay.currency",
    ),
    "paid in another currency": (
        _other_currency("payment", "paidAmount"),
        "order.payment.paidAmount.currency",
    ),
    "quantity 10^20": (_set("order.lineItems.0.quantity", 10**20), "order.lineItems[0].quantity"),
    "quantity as text": (_set("order.lineItems.0.quantity", "many"), "order.lineItems[0].quantity"),
    "order id of 65 characters": (_set("order.id", "x" * 65), "order.id"),
    "return reference of 65 characters": (
        _set("customerReturn.referenceNumber", "R" * 65),
        "customerReturn.referenceNumber",
    ),
    "login of 101 characters": (_set("customerReturn.buyer.login", "b" * 101), "customerReturn.buyer.login"),
    "comment of 5001 characters": (
        _set("customerReturn.items.0.reason", {"type": "DAMAGED", "userComment": "ę" * 5001}),
        "customerReturn.items[0].reason.userComment",
    ),
    "items as text": (_set("customerReturn.items", "x"), "customerReturn.items"),
    "lines as a list of numbers": (_set("order.lineItems", [1]), "order.lineItems[0]"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_value_is_refused_naming_the_field(agent_client: APIClient, name: str) -> None:
    change, field = HOSTILE[name]
    data = a_file()
    change(data)
    before = rows()

    response = agent_client.post(IMPORT_URL, data=json.dumps(data), content_type="application/json")

    body = assert_problem(response, 400)
    assert field in error_fields(body), body
    assert rows() == before


def test_return_prices_must_be_positive(agent_client: APIClient) -> None:
    data = a_file()
    data["customerReturn"]["items"][0]["price"] = {"amount": "0.001", "currency": "PLN"}
    response = agent_client.post(IMPORT_URL, data=json.dumps(data), content_type="application/json")
    assert "customerReturn.items[0].price.amount" in error_fields(assert_problem(response, 400))


def test_the_line_limit_is_a_setting(agent_client: APIClient, settings: Any) -> None:
    data = a_file()
    settings.INTAKE_MAX_LINE_AMOUNT = dict.fromkeys(settings.INTAKE_MAX_LINE_AMOUNT, "1.00")
    body = assert_problem(
        agent_client.post(IMPORT_URL, data=json.dumps(data), content_type="application/json"), 400
    )
    assert any("INTAKE_MAX_LINE_AMOUNT" in e["message"] for e in body["errors"])


def test_nesting_too_deep_is_a_400_not_a_crash(agent_client: APIClient) -> None:
    body = "[" * 5000 + "]" * 5000
    problem = assert_problem(agent_client.post(IMPORT_URL, data=body, content_type="application/json"), 400)
    assert "deep" in problem["detail"]
    assert rows() == (0, 0, 0, 0, 0)


def test_a_body_above_the_limit_is_a_413_naming_the_limit(agent_client: APIClient, settings: Any) -> None:
    body = json.dumps({"order": {"id": "x" * (3 * 1024 * 1024)}})
    problem = assert_problem(agent_client.post(IMPORT_URL, data=body, content_type="application/json"), 413)
    assert "MiB" in problem["detail"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("account=99999999999999999999999", "account"),
        ("account=-1", "account"),
        ("overdue=maybe", "overdue"),
        ("open=2", "open"),
        ("q=" + "x" * 101, "q"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
    ],
)
def test_queue_parameters_are_checked_naming_the_parameter(
    agent_client: APIClient, query: str, parameter: str
) -> None:
    body = assert_problem(agent_client.get(f"/api/v1/cases/?{query}"), 400)
    assert parameter in error_fields(body)


def test_an_empty_account_name_is_refused(agent_client: APIClient) -> None:
    response = agent_client.post(
        "/api/v1/cases/import/?account=", data=json.dumps(a_file()), content_type="application/json"
    )
    assert "account" in error_fields(assert_problem(response, 400))
