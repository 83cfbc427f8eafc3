"""Seller account names are short and plain: they appear in filters, exports and file names."""

from __future__ import annotations

import pytest

from refund_desk.cases.access import account_name_errors
from refund_desk.cases.models import SellerAccount
from refund_desk.core.errors import ValidationFailed
from refund_desk.integrations.allegro.intake import account_get_or_create


@pytest.mark.parametrize("name", ["../../etc/passwd", "x" * 101, "a/b", "<script>", "", "\x00shop"])
def test_a_hostile_account_name_is_refused_and_nothing_is_created(db: None, name: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        account_get_or_create(name=name)
    assert [field for field, _message in refused.value.errors] == ["account"]
    assert not SellerAccount.objects.exists()


@pytest.mark.parametrize("name", ["emulator-shop", "Sklep Kowalski & Syn", "shop_2 (CZ)", "Žluťoučký kůň.cz"])
def test_a_plain_account_name_is_accepted(name: str) -> None:
    assert account_name_errors(name) == []
