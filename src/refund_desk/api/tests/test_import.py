"""POST /api/v1/cases/import/: idempotent intake of Allegro case files with field-path errors."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from refund_desk.api.tests.conftest import ClientFor, assert_problem, case_files, error_fields
from refund_desk.cases.choices import EventType
from refund_desk.cases.models import (
    Buyer,
    CaseEvent,
    CaseItem,
    Order,
    OrderLineItem,
    RefundCase,
    SellerAccount,
)

IMPORT_URL = "/api/v1/cases/import/"


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (SellerAccount, Buyer, Order, OrderLineItem, RefundCase, CaseItem, CaseEvent)
    }


def post_json(client: APIClient, body: Any, **params: str) -> Any:
    url = IMPORT_URL + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture(autouse=True)
def accounts(db: None) -> list[SellerAccount]:
    """Imports go into existing seller accounts only."""
    return [SellerAccount.objects.create(name=name) for name in ("default", "shop-one")]


def test_valid_file_creates_the_case(agent_client: APIClient, db: None) -> None:
    (data,) = case_files(1, seed=21)

    response = post_json(agent_client, data, account="shop-one")

    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["rejected"]) == (1, 0, 0, 0)
    (result,) = body["results"]
    assert result["outcome"] == "created" and result["errors"] == []
    case = RefundCase.objects.get(pk=result["caseId"])
    assert response["Location"] == f"/api/v1/cases/{case.pk}/"
    assert case.account.name == "shop-one"
    assert case.external_id == data["customerReturn"]["id"] == result["externalId"]
    assert case.order_external_id == data["order"]["id"]
    assert case.currency == data["order"]["lineItems"][0]["price"]["currency"]
    assert case.items.count() >= len(data["customerReturn"]["items"])
    assert sum(i.quantity for i in case.items.all()) == sum(
        i["quantity"] for i in data["customerReturn"]["items"]
    )
    assert list(case.events.values_list("type", flat=True)) == [EventType.CREATED]


def test_account_defaults_to_default(agent_client: APIClient, db: None) -> None:
    response = post_json(agent_client, case_files(1, seed=22)[0])

    assert response.status_code == 201
    assert RefundCase.objects.get().account.name == "default"


def test_same_file_twice_is_unchanged_and_writes_no_event(agent_client: APIClient, db: None) -> None:
    (data,) = case_files(1, seed=23)
    assert post_json(agent_client, data).status_code == 201
    before = row_counts()

    response = post_json(agent_client, data)

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["unchanged"]) == (0, 1)
    assert body["results"][0]["outcome"] == "unchanged"
    assert row_counts() == before


def test_changed_status_updates_the_case_with_exactly_one_event(agent_client: APIClient, db: None) -> None:
    (data,) = case_files(1, seed=24)
    data["customerReturn"]["status"] = "CREATED"
    case_id = post_json(agent_client, data).json()["results"][0]["caseId"]
    events_before = CaseEvent.objects.filter(case_id=case_id).count()
    changed = copy.deepcopy(data)
    changed["customerReturn"]["status"] = "DISPATCHED"

    response = post_json(agent_client, changed)

    assert response.status_code == 200
    assert response.json()["updated"] == 1
    assert response.json()["results"][0] == {
        "outcome": "updated",
        "caseId": case_id,
        "externalId": data["customerReturn"]["id"],
        "errors": [],
    }
    case = RefundCase.objects.get(pk=case_id)
    assert case.external_status == "DISPATCHED"
    new_events = list(CaseEvent.objects.filter(case_id=case_id)[events_before:])
    assert len(new_events) == 1
    assert new_events[0].type == EventType.SYNCED


# --- rejected input ----------------------------------------------------------------------------------


def _missing_created_at(data: dict[str, Any]) -> None:
    del data["customerReturn"]["createdAt"]


def _unknown_currency(data: dict[str, Any]) -> None:
    data["order"]["lineItems"][0]["price"]["currency"] = "USD"


def _zero_quantity(data: dict[str, Any]) -> None:
    data["customerReturn"]["items"][0]["quantity"] = 0


def _negative_quantity(data: dict[str, Any]) -> None:
    data["customerReturn"]["items"][0]["quantity"] = -2


def _item_not_in_order(data: dict[str, Any]) -> None:
    data["customerReturn"]["items"][0]["offerId"] = "99999999999"


def _two_currencies(data: dict[str, Any]) -> None:
    line = copy.deepcopy(data["order"]["lineItems"][0])
    line["id"] = "second-line"
    line["offer"]["id"] = "18888888888"
    line["price"] = {"amount": "10.00", "currency": "EUR"}
    data["order"]["lineItems"].insert(1, line)


@pytest.mark.parametrize(
    ("corrupt", "field"),
    [
        (_missing_created_at, "customerReturn.createdAt"),
        (_unknown_currency, "order.lineItems[0].price.currency"),
        (_zero_quantity, "customerReturn.items[0].quantity"),
        (_negative_quantity, "customerReturn.items[0].quantity"),
        (_item_not_in_order, "customerReturn.items[0].offerId"),
        (_two_currencies, "order.lineItems[1].price.currency"),
    ],
)
def test_invalid_single_file_is_a_400_problem_naming_the_field_and_writes_nothing(
    agent_client: APIClient, db: None, corrupt: Any, field: str
) -> None:
    (data,) = case_files(1, seed=25)
    data["order"]["marketplace"]["id"] = "allegro-pl"
    for line in data["order"]["lineItems"]:
        line["price"]["currency"] = "PLN"
    data["order"]["delivery"]["cost"]["currency"] = "PLN"
    for item in data["customerReturn"]["items"]:
        item["price"]["currency"] = "PLN"
    corrupt(data)
    before = row_counts()

    response = post_json(agent_client, data, account="shop-one")

    body = assert_problem(response, 400)
    assert field in error_fields(body), body
    assert body["type"] == "urn:refund-desk:problem:validation-error"
    assert body["instance"] == IMPORT_URL
    assert row_counts() == before


def test_malformed_json_is_a_400_problem_naming_the_body(agent_client: APIClient, db: None) -> None:
    before = row_counts()

    response = agent_client.post(IMPORT_URL, data='{"order": {"id": ', content_type="application/json")

    body = assert_problem(response, 400)
    assert error_fields(body) == {"body"}
    assert body["type"] == "urn:refund-desk:problem:malformed-body"
    assert "not valid JSON" in body["detail"]
    assert row_counts() == before


@pytest.mark.parametrize("payload", [[], "just a string", 42])
def test_body_that_is_no_case_file_is_a_400_problem(agent_client: APIClient, db: None, payload: Any) -> None:
    body = assert_problem(post_json(agent_client, payload), 400)

    assert error_fields(body) & {"body", "$"}
    assert RefundCase.objects.count() == 0


def test_mixed_array_imports_the_good_files_and_reports_the_bad(agent_client: APIClient, db: None) -> None:
    good_one, bad, good_two = case_files(3, seed=26)
    bad["customerReturn"]["items"][0]["quantity"] = 0

    response = post_json(agent_client, [good_one, bad, good_two])

    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["rejected"]) == (2, 1)
    assert [r["outcome"] for r in body["results"]] == ["created", "rejected", "created"]
    rejected = body["results"][1]
    assert rejected["caseId"] is None
    assert rejected["externalId"] == bad["customerReturn"]["id"]
    assert {
        "field": "customerReturn.items[0].quantity",
        "message": rejected["errors"][0]["message"],
    } in rejected["errors"]
    assert set(RefundCase.objects.values_list("external_id", flat=True)) == {
        good_one["customerReturn"]["id"],
        good_two["customerReturn"]["id"],
    }


def test_array_of_only_rejected_files_is_a_400_naming_each_file_and_writes_nothing(
    agent_client: APIClient, db: None
) -> None:
    files = case_files(2, seed=27)
    for data in files:
        data["customerReturn"]["items"][0]["offerId"] = "nope"
    before = row_counts()

    response = post_json(agent_client, files, account="shop-one")

    body = assert_problem(response, 400)
    fields = {error["field"] for error in body["errors"]}
    assert {field.split(".")[0] for field in fields} == {"[0]", "[1]"}
    assert all(field.endswith("offerId") for field in fields), fields
    assert row_counts() == before


def test_auditor_cannot_import(auditor: Any, client_for: ClientFor, db: None) -> None:
    body = assert_problem(post_json(client_for(auditor), case_files(1, seed=28)[0]), 403)

    assert "read-only" in body["detail"]
    assert RefundCase.objects.count() == 0


def test_import_without_token_is_401(anonymous_client: APIClient, db: None) -> None:
    response = post_json(anonymous_client, case_files(1, seed=29)[0])

    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == "Token"
    assert RefundCase.objects.count() == 0


@pytest.mark.parametrize("name", ["nope", "emulatr-shop", "../../etc/passwd", "x" * 500])
def test_an_unknown_account_is_a_400_listing_the_accounts_and_creates_none(
    agent_client: APIClient, name: str
) -> None:
    before = row_counts()
    body = assert_problem(post_json(agent_client, case_files(1, seed=31)[0], account=name), 400)

    assert error_fields(body) == {"account"}
    assert "choose one of: default, shop-one" in json.dumps(body)
    assert row_counts() == before


def test_an_account_the_person_does_not_work_for_is_refused_like_an_unknown_one(
    client_for: ClientFor, accounts: list[SellerAccount]
) -> None:
    from refund_desk.api.tests.conftest import make_user
    from refund_desk.cases.models import AccountMembership
    from refund_desk.core.roles import Role

    agent = make_user("only-default", Role.AGENT)
    AccountMembership.objects.filter(user=agent).update(account=accounts[0])
    before = row_counts()
    body = assert_problem(post_json(client_for(agent), case_files(1, seed=32)[0], account="shop-one"), 400)

    assert (
        "choose one of: default" in json.dumps(body) and "shop-one" not in body["errors"][0]["message"][-20:]
    )
    assert row_counts() == before


def test_empty_account_name_is_a_400_problem(agent_client: APIClient, db: None) -> None:
    body = assert_problem(post_json(agent_client, case_files(1, seed=30)[0], account=""), 400)

    assert error_fields(body) == {"account"}
    assert RefundCase.objects.count() == 0


def test_too_many_files_in_one_request_is_a_400_problem(agent_client: APIClient, db: None) -> None:
    body = assert_problem(post_json(agent_client, [{}] * 501), 400)

    assert error_fields(body) == {"body"}
    assert "500" in body["detail"]


def test_non_json_body_is_a_415_problem(agent_client: APIClient, db: None) -> None:
    response = agent_client.post(IMPORT_URL, data="order=1", content_type="text/plain")

    assert_problem(response, 415)
    assert RefundCase.objects.count() == 0
