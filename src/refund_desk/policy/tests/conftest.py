from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from refund_desk.cases.intake import account_get_or_create, case_ingest_customer_return
from refund_desk.cases.models import RefundCase, SellerAccount
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


@pytest.fixture
def desk_base(settings: Any, tmp_path: Path) -> None:
    """A stand-in for the desk's base template (written by another team) with the agreed blocks."""
    (tmp_path / "desk").mkdir()
    (tmp_path / "desk" / "base.html").write_text(
        "<html><title>{% block title %}{% endblock %}</title><body>{% block content %}{% endblock %}</body></html>"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
