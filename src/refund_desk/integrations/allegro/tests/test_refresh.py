"""Re-reading a case from Allegro writes Allegro's values over wrong stored ones and takes the case off
"needs attention"; a person of another account, an auditor and a case not from Allegro are refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import httpx
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseSource, EventType
from refund_desk.cases.models import AccountMembership, CaseEvent, OrderLineItem, RefundCase, SellerAccount
from refund_desk.cases.tests.factories import make_user
from refund_desk.core.errors import DomainError, PermissionDenied
from refund_desk.core.roles import Role
from refund_desk.integrations.allegro import refresh
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.emulator.app import EmulatorApp
from refund_desk.integrations.allegro.sync import sync_customer_returns, sync_issues
from refund_desk.payments.choices import AlertKind
from refund_desk.payments.models import Alert
from refund_desk.workflows.attention import cases_health_scan

from .test_sync_issues import with_issues

pytestmark = pytest.mark.django_db


ABSURD = Decimal("5000000000.00")


def _poison(case: RefundCase) -> OrderLineItem:
    line = OrderLineItem.objects.filter(order_id=case.order_id).order_by("pk").first()
    assert line is not None
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_orderlineitem SET unit_price = %s WHERE id = %s", [ABSURD, line.pk])
        cursor.execute("UPDATE cases_refundcase SET requested_amount = %s WHERE id = %s", [ABSURD, case.pk])
    return line


def _set_aside(case: RefundCase) -> RefundCase:
    assert cases_health_scan() >= 1
    case.refresh_from_db()
    assert case.needs_attention
    Alert.objects.create(
        kind=AlertKind.CASE_ATTENTION, case=case, account=case.account, message="m", dedup_key=f"a{case.pk}"
    )
    return case


def _agent(works_for: SellerAccount, name: str = "reader", roles: list[Role] | None = None) -> Any:
    user = cast(User, make_user(name, roles or [Role.AGENT]))
    AccountMembership.objects.filter(user=user).delete()
    AccountMembership.objects.create(user=user, account=works_for)
    return user


def test_a_return_case_re_read_gets_allegro_values_back_and_comes_off(
    emulator: EmulatorApp,
    account: SellerAccount,
    allegro: AllegroClient,
) -> None:
    emulator.scenario.seed_returns(3)
    sync_customer_returns(account=account, client=allegro)
    case = RefundCase.objects.filter(account=account, source=CaseSource.CUSTOMER_RETURN).order_by("pk")[0]
    line = OrderLineItem.objects.filter(order_id=case.order_id).order_by("pk").first()
    assert line is not None
    right_price, right_amount = line.unit_price, case.requested_amount
    _poison(case)
    case = _set_aside(case)

    refreshed = refresh.case_reread(case=case, actor=Actor.for_user(_agent(account)), client=allegro)

    line.refresh_from_db()
    assert line.unit_price == right_price and refreshed.requested_amount == right_amount
    assert not refreshed.needs_attention and refreshed.attention == ""
    assert not Alert.objects.filter(case=case, resolved_at__isnull=True).exists()
    synced = CaseEvent.objects.filter(case=case, type=EventType.SYNCED).order_by("-pk").first()
    assert synced is not None and "lineItems" in synced.payload["changes"]["order"]
    assert CaseEvent.objects.get(case=case, type=EventType.ATTENTION_CLEARED).reason == "re-read from Allegro"


def test_a_complaint_case_re_read_too(
    emulator: EmulatorApp,
    account: SellerAccount,
    allegro: AllegroClient,
) -> None:
    with_issues(emulator)
    sync_issues(account=account, client=allegro)
    case = RefundCase.objects.filter(account=account, source=CaseSource.POST_PURCHASE_ISSUE).order_by("pk")[0]
    line = _poison(case)
    case = _set_aside(case)
    refreshed = refresh.case_reread(case=case, actor=Actor.for_user(_agent(account)), client=allegro)
    line.refresh_from_db()
    assert line.unit_price < 500_000 and refreshed.requested_amount < 1_000_000
    assert not refreshed.needs_attention


def test_re_reading_is_refused_to_auditors_other_accounts_and_manual_cases(
    emulator: EmulatorApp,
    account: SellerAccount,
    allegro: AllegroClient,
) -> None:
    emulator.scenario.seed_returns(1)
    sync_customer_returns(account=account, client=allegro)
    case = RefundCase.objects.get(account=account)
    other = SellerAccount.objects.create(name="other-shop")
    auditor = make_user("auditor-1", [Role.AUDITOR])
    with pytest.raises(PermissionDenied):
        refresh.case_reread(case=case, actor=Actor.for_user(auditor), client=allegro)
    with pytest.raises(PermissionDenied):
        refresh.case_reread(case=case, actor=Actor.for_user(_agent(other, "outsider")), client=allegro)
    RefundCase.objects.filter(pk=case.pk).update(source=CaseSource.MANUAL)
    case.refresh_from_db()
    with pytest.raises(DomainError, match="not opened from Allegro"):
        refresh.case_reread(case=case, actor=Actor.for_user(_agent(account)), client=allegro)


def test_the_desk_button_re_reads_and_says_so(
    emulator: EmulatorApp,
    account: SellerAccount,
    allegro: AllegroClient,
    transport: httpx.WSGITransport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator.scenario.seed_returns(1)
    sync_customer_returns(account=account, client=allegro)
    case = RefundCase.objects.get(account=account)
    _poison(case)
    case = _set_aside(case)
    monkeypatch.setattr(refresh, "client_for_account", lambda _account: allegro)
    browser = Client()
    browser.force_login(_agent(account))
    page = browser.get(reverse("desk:case", args=[case.pk])).content.decode()
    assert "Needs attention" in page and "Re-read from Allegro" in page
    answer = browser.post(reverse("desk:case_reread", args=[case.pk]), follow=True)
    assert "The case was re-read from Allegro." in answer.content.decode()
    case.refresh_from_db()
    assert not case.needs_attention
