"""Cases set aside as "needs attention": found by the health scan or by a job their data broke, dealt with
by a person who re-reads the case from Allegro (integrations.allegro.refresh) or closes it with a reason.

While a case is set aside, automation neither reviews, approves nor pays it; every page still shows it,
with the error and the two ways out.
"""

from __future__ import annotations

import logging

from django.db import transaction

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseStatus
from refund_desk.cases.models import RefundCase
from refund_desk.cases.selectors import cases_out_of_bounds
from refund_desk.cases.services import case_attention_clear, case_attention_flag, case_transition
from refund_desk.core.errors import IllegalTransition, ValidationFailed
from refund_desk.payments.choices import AlertKind
from refund_desk.payments.services import alerts_resolve_for_case

logger = logging.getLogger("refund_desk.workflows")
HEALTH_SCAN = Actor.system("health scan")


def cases_health_scan() -> int:
    """Set aside every open case whose stored amounts lie outside the intake limits; returns how many."""
    flagged = 0
    for case_id, problem in cases_out_of_bounds():
        flagged += case_attention_flag(case_id=case_id, error=problem, actor=HEALTH_SCAN)
    if flagged:
        logger.warning("health scan set %s case(s) aside", flagged)
    return flagged


@transaction.atomic
def case_attention_resolve(*, case: RefundCase, actor: Actor, reason: str) -> RefundCase:
    """Take a case off "needs attention" after a person dealt with it, and resolve its alert."""
    cleared = case_attention_clear(case=case, actor=actor, reason=reason)
    alerts_resolve_for_case(case=cleared, kind=AlertKind.CASE_ATTENTION, actor=actor)
    return cleared


@transaction.atomic
def case_attention_close(*, case: RefundCase, actor: Actor, reason: str) -> RefundCase:
    """Close a case set aside, with the person's reason (nothing is paid or told to Allegro)."""
    if not case.needs_attention:
        raise IllegalTransition("this case is not set aside; close it with the status buttons")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed([("reason", "say why the case is closed")])
    if not case.can_transition_to(CaseStatus.CLOSED):
        raise IllegalTransition(
            f"a {case.get_status_display()} case cannot be closed; re-read it from Allegro instead"
        )
    closed = case_transition(case=case, to=CaseStatus.CLOSED, actor=actor, reason=reason)
    return case_attention_resolve(case=closed, actor=actor, reason=reason)
