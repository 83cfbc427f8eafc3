"""Facts only a person knows, recorded on the case as typed facts, change what the policy engine decides;
bad values are refused naming the field and write nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.test import Client
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import EventType
from refund_desk.cases.models import CaseEvent, RefundCase, SellerAccount
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.errors import PermissionDenied, ValidationFailed
from refund_desk.core.roles import Role
from refund_desk.payments.tests.conftest import account, ingest  # noqa: F401  -- fixture
from refund_desk.policy.models import CaseFacts
from refund_desk.policy.selectors import case_document, case_evaluation
from refund_desk.policy.services import case_facts_set
from refund_desk.policy.tests.builders import case as case_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(account: SellerAccount) -> RefundCase:  # noqa: F811
    return ingest(account, case_file())


def _set(case: RefundCase, actor: Actor, **facts: Any) -> CaseFacts:
    values = {
        "delivered_at": None,
        "buyer_informed": None,
        "return_dispatched_at": None,
        "cheapest_delivery": None,
        "seal_broken": {},
        **facts,
    }
    return case_facts_set(case=case, actor=actor, **values)


def test_the_delivery_date_and_the_withdrawal_information_decide_a_late_return(case: RefundCase) -> None:
    agent = Actor.for_user(make_user("agent-kasia", [Role.AGENT]))
    long_ago = datetime(2025, 1, 2, 12, tzinfo=UTC)  # the statement came 2025-03-10: two months later
    _set(case, agent, delivered_at=long_ago)
    late = case_evaluation(case)
    assert late is not None and late.decision == "REJECT"
    assert case_document(case)["deliveredAt"] == long_ago.isoformat()

    _set(case, agent, delivered_at=long_ago, buyer_informed=False)
    extended = case_evaluation(case)
    assert extended is not None and extended.decision != "REJECT"
    events = CaseEvent.objects.filter(case=case, type=EventType.EDIT).order_by("pk")
    assert [list(e.payload["facts"]) for e in events] == [["delivered_at"], ["buyer_informed"]]
    assert events[1].payload["facts"]["buyer_informed"] == {"from": None, "to": False}


def test_bad_facts_are_refused_naming_the_field(case: RefundCase) -> None:
    agent = Actor.for_user(make_user("agent-ola", [Role.AGENT]))
    future = timezone.now() + timedelta(days=3)
    for facts, name in (
        ({"delivered_at": future}, "delivered_at"),
        ({"cheapest_delivery": Decimal("-1")}, "cheapest_delivery"),
        ({"cheapest_delivery": Decimal("Infinity")}, "cheapest_delivery"),
        ({"seal_broken": {"not-an-offer": True}}, "seal_broken"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            _set(case, agent, **facts)
        assert refused.value.errors[0][0] == name
    with pytest.raises(PermissionDenied):
        _set(case, Actor.for_user(make_user("auditor-ida", [Role.AUDITOR])), buyer_informed=False)
    assert not CaseFacts.objects.exists()


def test_the_case_page_form_records_the_facts(case: RefundCase) -> None:
    client = Client()
    client.force_login(cast(Any, make_user("agent-ela", [Role.AGENT])))
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Facts only a person knows" in page
    offer = case.order.line_items.first()
    assert offer is not None
    client.post(
        f"/policy/cases/{case.pk}/facts/",
        {"delivered_at": "2025-03-01", "buyer_informed": "no", f"seal:{offer.offer_id}": "broken"},
    )
    facts = CaseFacts.objects.get(case=case)
    assert facts.buyer_informed is False and facts.seal_broken == {offer.offer_id: True}
    assert facts.delivered_at is not None and facts.delivered_at.date().isoformat() == "2025-03-01"
    bad = client.post(f"/policy/cases/{case.pk}/facts/", {"delivered_at": "yesterday"}, follow=True)
    assert "delivered_at" in bad.content.decode()
