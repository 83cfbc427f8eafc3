from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AbstractUser

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.cases.services import case_transition
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.roles import Role
from refund_desk.integrations.allegro.intake import account_get_or_create, case_ingest_customer_return
from refund_desk.payments.tests.fakes import FakeGateway, gateway_override
from refund_desk.policy import services as policy_services
from refund_desk.policy.tests.builders import case as case_file
from refund_desk.policy.tests.builders import customer_return, order

IMMEDIATE = "name: Immediate\nwithdrawal:\n  periodDays: 30\n  refundTiming: IMMEDIATELY\n"
SYSTEM = Actor.system("test")


@pytest.fixture
def fake() -> Iterator[FakeGateway]:
    gateway = FakeGateway()
    with gateway_override(gateway):
        yield gateway


@pytest.fixture
def account(db: Any) -> SellerAccount:
    account = account_get_or_create(name="shop-one")
    policy_services.policy_publish(
        account=account, marketplace="allegro-pl", yaml_text=IMMEDIATE, actor=SYSTEM
    )
    return account


def ingest(account: SellerAccount, data: dict[str, Any]) -> RefundCase:
    result = case_ingest_customer_return(
        data={"order": data["order"], "customerReturn": data["customerReturn"]}, account=account
    )
    assert result.case_id is not None, result.errors
    return RefundCase.objects.get(pk=result.case_id)


@pytest.fixture
def approved_case(account: SellerAccount, fake: FakeGateway) -> RefundCase:
    case = ingest(account, case_file())
    fake.register_order(case.order)
    return case_transition(case=case, to="APPROVED", actor=SYSTEM)


@pytest.fixture
def cod_case(account: SellerAccount, fake: FakeGateway) -> RefundCase:
    ret = customer_return()
    ret["refund"] = {"bankAccount": {"owner": "Jan Kowalski", "accountNumber": "61109010140000071219812874"}}
    case = ingest(account, case_file(order_data=order(payment_type="CASH_ON_DELIVERY"), return_data=ret))
    return case_transition(case=case, to="APPROVED", actor=SYSTEM)


@pytest.fixture
def agent(db: Any) -> AbstractUser:
    return make_user("agent-anna", [Role.AGENT])


@pytest.fixture
def supervisor(db: Any) -> AbstractUser:
    return make_user("super-sam", [Role.SUPERVISOR])
