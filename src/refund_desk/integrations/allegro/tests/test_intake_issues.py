"""Intake of Allegro post-purchase issues (disputes and claims) as complaint cases."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from refund_desk.ai.synthetic.casefiles import build_order, make_buyer
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseKind, CaseSource, CaseStatus, EventType
from refund_desk.cases.models import CaseEvent, CaseItem, Order, RefundCase
from refund_desk.cases.services import case_transition
from refund_desk.cases.tests.factories import case_file, imported_case, make_account, make_user
from refund_desk.core.calendar import period_end
from refund_desk.core.roles import Role
from refund_desk.integrations.allegro.intake import CHAT_KEY, Outcome, cases_import, cases_import_issues
from refund_desk.policy.selectors import case_document, case_input

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday


def issue_file(
    *,
    seed: int = 1,
    kind: str = "CLAIM",
    marketplace: str = "allegro-pl",
    order: dict[str, Any] | None = None,
    reason: str = "DEFECT_FOUND_DURING_USE",
    decision_due: str | None = "2026-11-16T10:00:00.000Z",
    chat: bool = True,
) -> dict[str, Any]:
    """An issue case file {"order", "issue", "chat"} in Allegro's shapes."""
    rng = random.Random(seed)
    if order is None:
        order = build_order(
            rng, marketplace=marketplace, bought_at=OPENED.replace(day=1), buyer=make_buyer(rng)
        )
    line = order["lineItems"][0]
    issue_id = f"7c1f{seed:04d}-0000-4000-8000-{rng.randint(10**11, 10**12 - 1)}"
    issue: dict[str, Any] = {
        "id": issue_id,
        "type": kind,
        "referenceNumber": f"R{seed:06d}",
        "decisionDueDate": decision_due if kind == "CLAIM" else None,
        "openedDate": "2026-11-02T10:00:00.000Z",
        "subject": None,
        "buyer": {"id": order["buyer"]["id"], "login": order["buyer"]["login"]},
        "checkoutForm": {"id": order["id"], "createdAt": line["boughtAt"]},
        "currentState": {
            "status": "CLAIM_SUBMITTED" if kind == "CLAIM" else "DISPUTE_ONGOING",
            "statusDueDate": "2026-11-16T10:00:00.000Z",
            "returnRequired": None,
            "chatActive": True,
        },
        "chat": {
            "lastMessage": {"status": "NEW"},
            "messagesCount": 1,
            "initialMessage": {
                "text": "Po tygodniu przestało działać",
                "createdAt": "2026-11-02T10:00:00.000Z",
            },
        },
        "expectations": [{"name": "REPAIR", "refund": None}] if kind == "CLAIM" else [],
        "offer": {"id": line["offer"]["id"], "quantity": line["quantity"]},
        "reason": {"type": reason, "description": "Urządzenie przestało działać po tygodniu"},
        "right": "WARRANTY" if kind == "CLAIM" else None,
        "attachments": [],
    }
    data: dict[str, Any] = {"order": order, "issue": issue}
    if chat:
        data["chat"] = [
            {
                "id": f"m-{seed}-1",
                "text": "Po tygodniu przestało działać",
                "author": {"login": order["buyer"]["login"], "role": "BUYER"},
                "createdAt": "2026-11-02T10:00:00.000Z",
                "attachments": [],
            }
        ]
    return data


def test_a_claim_becomes_a_complaint_case_with_items_deadline_snapshot_and_one_event() -> None:
    account = make_account("shop")
    data = issue_file(seed=3)

    result = cases_import_issues(items=[data], account=account).results[0]

    assert result.outcome == Outcome.CREATED, result.errors
    case = imported_case(result)
    issue, order = data["issue"], data["order"]
    line = order["lineItems"][0]
    assert (case.kind, case.source, case.status) == (
        CaseKind.COMPLAINT,
        CaseSource.POST_PURCHASE_ISSUE,
        CaseStatus.NEW,
    )
    assert case.external_id == issue["id"] and case.reference == issue["referenceNumber"]
    assert case.external_status == "CLAIM_SUBMITTED" and case.primary_reason == "DEFECT_FOUND_DURING_USE"
    assert case.order.external_id == order["id"] and case.buyer_login == order["buyer"]["login"].lower()
    item = case.items.get()
    assert (item.line_item.external_id, item.quantity) == (line["id"], line["quantity"])
    assert (item.reason_type, item.comment) == (
        "DEFECT_FOUND_DURING_USE",
        "Urządzenie przestało działać po tygodniu",
    )
    assert case.requested_amount == Decimal(line["price"]["amount"]) * line["quantity"]
    assert case.respond_by == datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # Allegro's decisionDueDate
    assert case.refund_by is None and case.due_at == case.respond_by
    assert case.snapshot[CHAT_KEY] == data["chat"] and case.snapshot["id"] == issue["id"]
    event = case.events.get()
    assert (event.type, event.to_status, event.actor_label) == (EventType.CREATED, CaseStatus.NEW, "intake")
    assert event.payload["issueType"] == "CLAIM"


def test_the_stored_case_is_what_the_policy_engine_reads_as_an_issue() -> None:
    account = make_account()
    case = imported_case(cases_import_issues(items=[issue_file(seed=4)], account=account).results[0])

    document = case_document(case)

    assert document["issue"]["id"] == case.external_id and "customerReturn" not in document
    parsed = case_input(case, now=OPENED)
    assert parsed is not None and parsed.issue is not None and parsed.issue.claim


def test_without_decision_due_date_the_marketplace_complaint_period_applies() -> None:
    account = make_account()
    pl = issue_file(seed=5, kind="DISPUTE")
    cz = issue_file(seed=6, marketplace="allegro-cz", decision_due=None)

    results = cases_import_issues(items=[pl, cz], account=account).results

    pl_case, cz_case = imported_case(results[0]), imported_case(results[1])
    # Opened Monday 2 Nov 2026 in Warsaw: day 14 is Monday 16 Nov (PL 14 days, UPK Art. 7a).
    assert pl_case.respond_by is not None
    assert pl_case.respond_by.isoformat() == "2026-11-16T22:59:59.999999+00:00"
    # CZ: 30 days -> Wednesday 2 Dec 2026, end of day in Prague.
    assert cz_case.respond_by is not None
    assert cz_case.respond_by.isoformat() == "2026-12-02T22:59:59.999999+00:00"
    assert cz_case.currency == "CZK"


def test_same_payload_twice_is_unchanged_and_writes_nothing() -> None:
    account = make_account()
    data = issue_file(seed=7)
    cases_import_issues(items=[data], account=account)
    before = (RefundCase.objects.count(), CaseEvent.objects.count(), CaseItem.objects.count())

    again = cases_import_issues(items=[copy.deepcopy(data)], account=account).results[0]

    assert again.outcome == Outcome.UNCHANGED
    assert (RefundCase.objects.count(), CaseEvent.objects.count(), CaseItem.objects.count()) == before


def test_changed_status_or_chat_writes_exactly_one_synced_event() -> None:
    account = make_account()
    data = issue_file(seed=8)
    case = imported_case(cases_import_issues(items=[data], account=account).results[0])

    changed = copy.deepcopy(data)
    changed["issue"]["currentState"]["status"] = "CLAIM_ACCEPTED"
    changed["chat"].append(
        {
            "id": "m-8-2",
            "text": "Uznajemy reklamację",
            "author": {"login": "shop", "role": "SELLER"},
            "createdAt": "2026-11-03T10:00:00.000Z",
        }
    )
    changed["issue"]["chat"]["messagesCount"] = 2
    first = cases_import_issues(items=[changed], account=account).results[0]
    second = cases_import_issues(items=[changed], account=account).results[0]

    assert (first.outcome, second.outcome) == (Outcome.UPDATED, Outcome.UNCHANGED)
    case.refresh_from_db()
    synced = case.events.filter(type=EventType.SYNCED).get()
    assert synced.payload["changes"]["externalStatus"] == {"from": "CLAIM_SUBMITTED", "to": "CLAIM_ACCEPTED"}
    assert synced.payload["changes"]["chat"] == {"from": 1, "to": 2}
    assert case.external_status == "CLAIM_ACCEPTED" and len(case.snapshot[CHAT_KEY]) == 2
    assert case.status == CaseStatus.NEW  # Allegro's status is recorded; the desk decides


def test_invalid_files_are_rejected_with_field_paths_and_write_nothing() -> None:
    account = make_account()
    wrong_offer = issue_file(seed=9)
    wrong_offer["issue"]["offer"]["id"] = "999"
    too_many = issue_file(seed=10)
    too_many["issue"]["offer"]["quantity"] = 50
    other_order = issue_file(seed=11)
    other_order["issue"]["checkoutForm"]["id"] = "someone-else"
    bad_chat = issue_file(seed=12)
    bad_chat["chat"][0]["createdAt"] = "yesterday"
    no_issue = {"order": issue_file(seed=13)["order"]}
    bad_refund = issue_file(seed=14)
    bad_refund["issue"]["expectations"] = [
        {"name": "REFUND", "refund": {"amount": "10.00", "currency": "USD"}}
    ]

    results = cases_import_issues(
        items=[wrong_offer, too_many, other_order, bad_chat, no_issue, bad_refund, "nope"], account=account
    ).results

    assert all(r.outcome == Outcome.REJECTED for r in results)
    paths = [[path for path, _ in r.errors] for r in results]
    assert paths[0] == ["issue.offer.id"]
    assert paths[1] == ["issue.offer.quantity"] and "only" in results[1].errors[0][1]
    assert paths[2] == ["issue.checkoutForm.id"]
    assert paths[3] == ["chat[0].createdAt"]
    assert paths[4] == ["issue"]
    assert paths[5] == ["issue.expectations[0].refund.currency"]
    assert paths[6] == ["$"]
    assert results[0].external_id == wrong_offer["issue"]["id"]
    assert RefundCase.objects.count() == 0 and Order.objects.count() == 0


def test_expected_refund_is_the_requested_amount_and_issue_without_offer_covers_the_order() -> None:
    account = make_account()
    partial = issue_file(seed=15)
    partial["issue"]["expectations"] = [
        {"name": "PARTIAL_REFUND", "refund": {"amount": "12.34", "currency": "PLN"}}
    ]
    not_received = issue_file(seed=16, kind="DISPUTE", reason="NO_PRODUCT_RECEIVED", chat=False)
    not_received["issue"]["offer"] = None
    not_received["issue"]["reason"]["description"] = None

    results = cases_import_issues(items=[partial, not_received], account=account).results

    assert imported_case(results[0]).requested_amount == Decimal("12.34")
    whole = imported_case(results[1])
    lines = not_received["order"]["lineItems"]
    assert sum(i.quantity for i in whole.items.all()) == sum(li["quantity"] for li in lines)
    assert {i.comment for i in whole.items.all()} == {"Po tygodniu przestało działać"}  # chat.initialMessage
    assert CHAT_KEY not in whole.snapshot


def test_a_closed_dispute_starts_closed_and_the_return_intake_is_untouched() -> None:
    account = make_account()
    closed = issue_file(seed=17, kind="DISPUTE")
    closed["issue"]["currentState"]["status"] = "DISPUTE_CLOSED"
    ret = case_file(seed=17)

    issue_result = cases_import_issues(items=[closed], account=account).results[0]
    return_result = cases_import(items=[ret], account=account).results[0]

    assert imported_case(issue_result).status == CaseStatus.CLOSED
    assert imported_case(return_result).kind == CaseKind.WITHDRAWAL


def test_unrefunded_withdrawal_complaint_adds_a_note_on_the_orders_return_case() -> None:
    account = make_account()
    ret = case_file(seed=18)
    withdrawal = imported_case(cases_import(items=[ret], account=account).results[0])
    complaint = issue_file(
        seed=18, kind="DISPUTE", order=ret["order"], reason="NO_REFUND_AFTER_RETURNING_PRODUCT"
    )
    complaint["issue"]["offer"] = {"id": ret["customerReturn"]["items"][0]["offerId"], "quantity": 1}

    first = cases_import_issues(items=[complaint], account=account).results[0]
    cases_import_issues(items=[complaint], account=account)  # seen again: no second note

    issue_case = imported_case(first)
    assert issue_case.order_id == withdrawal.order_id
    note = withdrawal.events.get(type=EventType.NOTE)
    assert "NO_REFUND_AFTER_RETURNING_PRODUCT" in note.reason and f"#{issue_case.pk}" in note.reason
    assert not issue_case.events.filter(type=EventType.NOTE).exists()


def test_accepting_a_complaint_starts_its_refund_deadline() -> None:
    account = make_account("shop")
    case = imported_case(cases_import_issues(items=[issue_file(seed=4)], account=account).results[0])
    supervisor = make_user("sup", [Role.AGENT, Role.SUPERVISOR])

    approved = case_transition(case=case, to=CaseStatus.APPROVED, actor=Actor.for_user(supervisor))

    assert approved.refund_by is not None and approved.respond_by is not None
    assert case.refund_by is None  # nothing was owed before the acceptance
    assert approved.refund_by == period_end(approved.updated_at, 14, "allegro-pl")
    assert approved.refund_by - approved.updated_at >= timedelta(days=13)
    assert approved.due_at == min(approved.respond_by, approved.refund_by)
    assert RefundCase.objects.get(pk=case.pk).refund_by == approved.refund_by
