from __future__ import annotations

from typing import Any

import pytest

from refund_desk.cases.models import RefundCase, SellerAccount
from refund_desk.integrations.allegro.intake import account_get_or_create, case_ingest_customer_return
from refund_desk.policy.tests.builders import case


@pytest.fixture
def account(db: Any) -> SellerAccount:
    return account_get_or_create(name="shop-one")


@pytest.fixture
def stored_case(account: SellerAccount) -> RefundCase:
    data = case()
    result = case_ingest_customer_return(
        data={"order": data["order"], "customerReturn": data["customerReturn"]}, account=account
    )
    assert result.case_id is not None, result.errors
    return RefundCase.objects.get(pk=result.case_id)
