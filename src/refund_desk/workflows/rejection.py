"""A person rejects a request: with Allegro's rejection code and a reason the buyer reads, recorded on
the case and carried out on Allegro exactly once through the outbound outbox, in the same transaction as
the decision (a customer return's refund is rejected; a claim gets its rejection status, the reason going
into the issue chat). Disputes and cases not from Allegro are rejected in the desk only. Automation never
rejects (GDPR Art. 22)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone

from refund_desk.cases.actors import Actor
from refund_desk.cases.choices import CaseKind, CaseSource, CaseStatus
from refund_desk.cases.models import RefundCase
from refund_desk.cases.services import case_transition, check_transition_allowed
from refund_desk.core.errors import IllegalTransition, ValidationFailed
from refund_desk.notices.choices import NoticeKind
from refund_desk.notices.models import Notice
from refund_desk.notices.services import NoticeDraft, notice_send, notice_text_errors
from refund_desk.outbound.choices import (
    REJECTION_REASON_MAX,
    ClaimRejectionStatus,
    CommandKind,
    ReturnRejectionCode,
)
from refund_desk.outbound.services import command_enqueue
from refund_desk.policy.engine import Evaluation, Outcome
from refund_desk.policy.engine.law import DEEMED_ACCEPTANCE_MARKETPLACES
from refund_desk.policy.selectors import case_evaluation
from refund_desk.workflows.notices import Decided, decision_notice


def is_claim(case: RefundCase) -> bool:
    """A complaint decided with a remedy: an Allegro post-purchase issue of type CLAIM (the one kind
    Allegro lets a seller accept or reject), or a complaint entered by hand."""
    if case.source == CaseSource.MANUAL:
        return case.kind == CaseKind.COMPLAINT
    return is_allegro_claim(case)


def is_allegro_claim(case: RefundCase) -> bool:
    """A claim Allegro must be told the decision of."""
    return case.source == CaseSource.POST_PURCHASE_ISSUE and (case.snapshot or {}).get("type") == "CLAIM"


def deemed_accepted_since(case: RefundCase, evaluation: Evaluation | None = None) -> datetime | None:
    """The day a claim left unanswered counts as accepted (Polish marketplace), else None."""
    if not is_claim(case) or case.marketplace not in DEEMED_ACCEPTANCE_MARKETPLACES:
        return None
    evaluation = evaluation if evaluation is not None else case_evaluation(case)
    if evaluation is None or evaluation.respond_by is None or timezone.now() <= evaluation.respond_by:
        return None
    deemed = any(r.id == "complaint.deadline" and r.outcome == Outcome.PASS for r in evaluation.rules)
    return evaluation.respond_by if deemed else None


def rejection_codes(case: RefundCase) -> type[TextChoices]:
    """The codes a rejection of this case takes: a claim's decision statuses, else the return codes."""
    return ClaimRejectionStatus if is_claim(case) else ReturnRejectionCode


def rejection_errors(*, case: RefundCase, code: str, reason: str) -> list[tuple[str, str]]:
    """What is wrong with a rejection's code and reason, as (field, message) pairs (empty: nothing)."""
    errors = []
    codes = rejection_codes(case)
    if code not in codes.values:
        errors.append(("code", f"choose one of Allegro's rejection codes: {', '.join(codes.values)}"))
    text = reason.strip()
    if not text:
        errors.append(("reason", "say why in words: the buyer reads this"))
    elif len(text) > REJECTION_REASON_MAX:
        errors.append(
            ("reason", f"at most {REJECTION_REASON_MAX} characters (Allegro's limit); this has {len(text)}")
        )
    return errors


def rejection_notice(*, case: RefundCase, code: str, reason: str) -> NoticeDraft:
    """The notice the buyer gets for this rejection, as drafted (a person's decision: never automated)."""
    return decision_notice(
        case=case, decided=Decided(kind=NoticeKind.REJECTED, automated=False, code=code, reason=reason)
    )


@transaction.atomic
def case_reject(
    *, case: RefundCase, actor: Actor, code: str, reason: str, notice: str | None = None
) -> RefundCase:
    """Reject the case (the state machine checks the move and that a person makes it), tell the buyer
    and queue what Allegro must be told, all in one transaction.

    `notice`: the text the person confirmed (default: the drafted notice). A claim's notice is the
    message of its rejection in the issue chat; any other case's goes through its own channel. Raises
    ValidationFailed naming `code`, `reason` or `notice`; nothing is written then.
    """
    check_transition_allowed(case=case, to=CaseStatus.REJECTED, actor=actor)  # 403/409 before 400
    deemed = deemed_accepted_since(case)
    if deemed is not None:
        raise IllegalTransition(
            f"this complaint was not answered by {deemed:%Y-%m-%d} and counts as accepted (Polish Consumer "
            "Rights Act Art. 7a): it can no longer be rejected, only accepted with a remedy"
        )
    errors = rejection_errors(case=case, code=code, reason=reason)
    if errors:
        raise ValidationFailed(errors)
    text = reason.strip()
    draft = rejection_notice(case=case, code=code, reason=text)
    told = (draft.text if notice is None else notice).strip()
    errors = notice_text_errors(draft, told)
    if errors:
        raise ValidationFailed(errors)
    rejected = case_transition(
        case=case, to=CaseStatus.REJECTED, actor=actor, reason=text, payload={"rejectionCode": code}
    )
    carried_by = None
    if rejected.source == CaseSource.CUSTOMER_RETURN:
        command_enqueue(
            case=rejected,
            kind=CommandKind.RETURN_REJECT,
            # Allegro rejects a return's refund once: a second rejection (after an appeal) sends nothing.
            key=f"return-reject:{rejected.pk}",
            payload={"returnId": rejected.external_id, "code": code, "reason": text},
            actor=actor,
        )
    elif is_allegro_claim(rejected):
        carried_by = command_enqueue(
            case=rejected,
            kind=CommandKind.CLAIM_REJECT,
            # Allegro lets a rejected claim move only to an acceptance: one rejection is sent per claim.
            key=f"claim-reject:{rejected.pk}",
            payload={"issueId": rejected.external_id, "status": code, "message": told},
            actor=actor,
        )
        if Notice.objects.filter(command=carried_by).exists():
            carried_by = None  # a second rejection after an appeal: its notice goes as a chat message
    notice_send(case=rejected, draft=draft, actor=actor, text=told, carried_by=carried_by)
    return rejected
