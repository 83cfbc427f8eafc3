"""Re-read a case from Allegro: its customer return or post-purchase issue and its order as Allegro shows
them now, written over what the desk stored. The way out for a case set aside as "needs attention" whose
stored values were wrong; also a person's "this case looks stale" button."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from refund_desk.cases.access import require_account
from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseSource
from refund_desk.cases.models import RefundCase
from refund_desk.cases.selectors import cases_out_of_bounds
from refund_desk.core.errors import DomainError, ValidationFailed
from refund_desk.core.permissions import Perm, require
from refund_desk.integrations.allegro.client import AllegroClient
from refund_desk.integrations.allegro.intake import cases_import, cases_import_issues
from refund_desk.integrations.allegro.intake.common import IntakeSummary, Outcome
from refund_desk.integrations.allegro.services import client_for_account
from refund_desk.workflows.attention import case_attention_resolve

logger = logging.getLogger("refund_desk.allegro")
REREADABLE = frozenset({CaseSource.CUSTOMER_RETURN, CaseSource.POST_PURCHASE_ISSUE})


def _case_file(case: RefundCase, client: AllegroClient) -> dict[str, Any]:
    if case.source == CaseSource.CUSTOMER_RETURN:
        listed = client.customer_returns(return_ids=[case.external_id], limit=1).raw
        found = [item for item in listed if str(item.get("id")) == case.external_id]
        if not found:
            raise DomainError(f"Allegro no longer lists customer return {case.external_id}")
        return {"order": client.checkout_form_raw(case.order_external_id), "customerReturn": found[0]}
    return {
        "order": client.checkout_form_raw(case.order_external_id),
        "issue": client.issue_raw(case.external_id),
        "chat": client.issue_chat_raw(case.external_id),
    }


def case_reread(*, case: RefundCase, actor: Actor, client: AllegroClient | None = None) -> RefundCase:
    """Fetch the case's Allegro objects and write them over the stored ones (lines and amounts included).

    If the case was set aside and its values are now within the limits, it comes off "needs attention"
    and its alert is resolved. Raises DomainError when the case has no Allegro object to read, and
    ValidationFailed (naming Allegro's fields) when what Allegro answers does not validate either.
    """
    require(actor, Perm.CASE_WORK)
    require_account(actor, case.account_id)
    if case.source not in REREADABLE:
        raise DomainError("this case was not opened from Allegro; there is nothing to re-read")
    client = client or client_for_account(case.account)
    data = _case_file(case, client)  # outside the transaction: no row lock held while Allegro answers
    with transaction.atomic():
        locked = RefundCase.objects.select_for_update().get(pk=case.pk)
        # A re-read always rewrites: the stored values may be wrong although Allegro's answer is the same.
        RefundCase.objects.filter(pk=locked.pk).update(fingerprint="")
        summary: IntakeSummary
        if case.source == CaseSource.CUSTOMER_RETURN:
            summary = cases_import(items=[data], account=locked.account)
        else:
            summary = cases_import_issues(items=[data], account=locked.account)
        [result] = summary.results
        if result.outcome == Outcome.REJECTED:
            raise ValidationFailed(result.errors)
        refreshed = RefundCase.objects.get(pk=locked.pk)
        if refreshed.needs_attention:
            problems = dict(cases_out_of_bounds(case_ids=[refreshed.pk], include_flagged=True))
            if refreshed.pk in problems:
                raise DomainError(f"Allegro's data is still outside the limits: {problems[refreshed.pk]}")
            refreshed = case_attention_resolve(case=refreshed, actor=actor, reason="re-read from Allegro")
    logger.info("case %s re-read from Allegro by %s", case.pk, actor.label)
    return refreshed
