"""A person composes a refund: the engine's lawful refund as the start, a partial line with a reason, four
eyes, and the buyer's notice — held while the refund waits for approval, sent once when it is released."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest
from django.contrib.auth.models import AbstractUser
from django.test import Client
from rest_framework.test import APIClient

from refund_desk.cases.actors import Actor
from refund_desk.cases.models import RefundCase
from refund_desk.core.errors import PermissionDenied, ValidationFailed
from refund_desk.notices.choices import NoticeKind
from refund_desk.notices.models import Notice
from refund_desk.notices.texts import ADR, CONTEST
from refund_desk.outbound.choices import CommandKind
from refund_desk.outbound.models import Command
from refund_desk.payments.choices import LineType, RefundStatus
from refund_desk.payments.models import RefundOrder
from refund_desk.payments.services import LineSpec, refund_order_approve
from refund_desk.payments.tests.conftest import (  # noqa: F401  -- fixtures
    account,
    agent,
    approved_case,
    fake,
    supervisor,
)
from refund_desk.workflows.refunds import case_refund, refund_plan, specs_from_amounts

pytestmark = pytest.mark.django_db


def _partial(case: RefundCase) -> list[LineSpec]:
    plan = refund_plan(case)
    assert plan is not None and plan.engine_pays
    first = plan.lines[0]
    return specs_from_amounts(plan, {first.line_item_id: (first.engine_amount - Decimal("69.50"))})


def test_the_plan_is_the_engines_refund_line_by_line(approved_case: RefundCase) -> None:  # noqa: F811
    plan = refund_plan(approved_case)
    assert plan is not None
    assert sum(line.engine_amount for line in plan.lines) + plan.delivery == plan.total
    assert all(line.engine_amount <= line.paid for line in plan.lines)
    # the engine's own amounts give back the engine's lines (whole units stay QUANTITY)
    specs = specs_from_amounts(plan, {line.line_item_id: line.engine_amount for line in plan.lines})
    assert [s.type for s in specs] == [line.engine_type for line in plan.lines if line.engine_amount > 0]


def test_a_deduction_needs_a_reason_and_a_second_person_and_tells_the_buyer_once_released(
    approved_case: RefundCase,  # noqa: F811
    agent: AbstractUser,  # noqa: F811
    supervisor: AbstractUser,  # noqa: F811
) -> None:
    by_agent = Actor.for_user(agent)
    with pytest.raises(ValidationFailed) as refused:
        case_refund(case=approved_case, actor=by_agent, lines=_partial(approved_case))
    assert [f for f, _ in refused.value.errors] == ["override_reason"]
    assert not RefundOrder.objects.exists() and not Notice.objects.exists()

    refund = case_refund(
        case=approved_case,
        actor=by_agent,
        lines=_partial(approved_case),
        delivery=Decimal("0.00"),
        override_reason="Ślady użytkowania na obudowie.",
    )
    assert refund.status == RefundStatus.AWAITING_APPROVAL and refund.overrides_engine
    assert refund.lines.get().type == LineType.AMOUNT
    # the notice waits with the refund: nothing told, nothing queued for the buyer yet
    assert refund.notice["kind"] == NoticeKind.PARTIAL_REFUND and not Notice.objects.exists()
    assert not Command.objects.exists()

    with pytest.raises(PermissionDenied):
        refund_order_approve(refund=refund, actor=by_agent)
    refund_order_approve(refund=refund, actor=Actor.for_user(supervisor))

    notice = Notice.objects.get(case=approved_case)
    assert notice.kind == NoticeKind.PARTIAL_REFUND and not notice.automated and notice.lang == "pl"
    assert "Ślady użytkowania na obudowie." in notice.text and CONTEST["pl"] in notice.text
    assert ADR["allegro-pl"]["pl"] in notice.text and f"{refund.total:.2f}".replace(".", ",") in notice.text
    assert notice.command is not None and notice.command.kind == CommandKind.NEW_MESSAGE
    assert Notice.objects.filter(case=approved_case).count() == 1


def test_the_engines_refund_by_a_person_sends_the_full_refund_notice_at_once(
    approved_case: RefundCase,  # noqa: F811
    agent: AbstractUser,  # noqa: F811
) -> None:
    refund = case_refund(case=approved_case, actor=Actor.for_user(agent))
    assert refund.status == RefundStatus.PLANNED
    notice = Notice.objects.get(case=approved_case)
    assert notice.kind == NoticeKind.REFUND and CONTEST["pl"] not in notice.text
    assert "zwrócimy" in notice.text


def test_a_notice_over_the_channels_limit_is_refused_naming_it(
    approved_case: RefundCase,  # noqa: F811
    agent: AbstractUser,  # noqa: F811
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        case_refund(case=approved_case, actor=Actor.for_user(agent), notice="x" * 2001)
    assert refused.value.errors[0][0] == "notice" and "2000" in refused.value.errors[0][1]
    assert not RefundOrder.objects.exists()


def test_the_desk_builder_reviews_then_confirms_a_partial_refund(
    approved_case: RefundCase,  # noqa: F811
    agent: AbstractUser,  # noqa: F811
) -> None:
    client = Client()
    client.force_login(cast(Any, agent))
    url = f"/cases/{approved_case.pk}/refund/"
    page = client.get(url).content.decode()
    plan = refund_plan(approved_case)
    assert plan is not None and "The policy engine's lawful refund" in page
    first = plan.lines[0]
    amount = first.engine_amount - Decimal("69.50")
    form: dict[str, Any] = {f"line-{i}": f"{line.engine_amount:.2f}" for i, line in enumerate(plan.lines)}
    form.update({"line-0": f"{amount:.2f}", "delivery": f"{plan.delivery:.2f}"})

    missing = client.post(url, form)
    assert missing.status_code == 422 and "say why" in missing.content.decode()
    bad = client.post(url, {**form, "line-0": "1e9999", "override_reason": "x"})
    assert bad.status_code == 422 and "at most two decimals" in bad.content.decode()

    review = client.post(url, {**form, "override_reason": "Rysa na ekranie."})
    text = review.content.decode()
    assert review.status_code == 200 and "Confirm the refund" in text and 'name="notice"' in text
    assert not RefundOrder.objects.exists()

    done = client.post(url, {**form, "override_reason": "Rysa na ekranie.", "confirm": "1"}, follow=True)
    refund = RefundOrder.objects.get(case=approved_case)
    assert refund.status == RefundStatus.AWAITING_APPROVAL and refund.total == plan.total - Decimal("69.50")
    assert "second person" in done.content.decode()


def test_the_api_refunds_a_case_per_line(
    approved_case: RefundCase,  # noqa: F811
    agent: AbstractUser,  # noqa: F811
) -> None:
    client = APIClient()
    client.force_authenticate(agent)
    url = f"/api/v1/cases/{approved_case.pk}/refunds/"
    plan = refund_plan(approved_case)
    assert plan is not None
    line = {"id": plan.lines[0].line_item_id, "type": "AMOUNT", "amount": "-5"}
    refused = client.post(url, {"lines": [line]}, format="json")
    assert refused.status_code == 400 and "lines" in refused.content.decode()
    line["amount"] = "10.00"
    no_reason = client.post(url, {"lines": [line], "delivery": "0.00"}, format="json")
    assert no_reason.status_code == 400
    assert [e["field"] for e in no_reason.json()["errors"]] == ["overrideReason"]
    created = client.post(
        url, {"lines": [line], "delivery": "0.00", "overrideReason": "Uzgodnione z kupującym."}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "AWAITING_APPROVAL" and body["total"] == {"amount": "10.00", "currency": "PLN"}
    again = client.post(url, {"lines": [line], "overrideReason": "again"}, format="json")
    assert again.status_code == 409 and RefundOrder.objects.count() == 1
