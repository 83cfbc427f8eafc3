"""The refund-case state machine: the one table of legal moves and who may make them."""

from __future__ import annotations

from refund_desk.cases.choices import ActorType, CaseStatus
from refund_desk.core.roles import Role

S = CaseStatus

ALLOWED_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.NEW: frozenset({S.UNDER_REVIEW, S.AWAITING_RETURN, S.APPROVED, S.ESCALATED, S.REJECTED, S.CLOSED}),
    S.UNDER_REVIEW: frozenset({S.AWAITING_RETURN, S.APPROVED, S.REJECTED, S.ESCALATED}),
    S.ESCALATED: frozenset({S.UNDER_REVIEW, S.AWAITING_RETURN, S.APPROVED, S.REJECTED}),
    # Proof of dispatch may release the refund before the parcel arrives (withholding rule).
    S.AWAITING_RETURN: frozenset({S.RETURN_RECEIVED, S.APPROVED, S.ESCALATED, S.CLOSED}),
    S.RETURN_RECEIVED: frozenset({S.APPROVED, S.REJECTED, S.ESCALATED}),
    S.APPROVED: frozenset({S.REFUND_PENDING, S.REFUNDED, S.ESCALATED}),
    # A refund Allegro cancels (e.g. seller balance too low) goes back to APPROVED for another try.
    S.REFUND_PENDING: frozenset({S.REFUNDED, S.APPROVED, S.ESCALATED}),
    S.REFUNDED: frozenset({S.CLOSED}),
    S.REJECTED: frozenset({S.APPEALED, S.CLOSED}),
    S.APPEALED: frozenset({S.UNDER_REVIEW, S.APPROVED, S.REJECTED}),
    S.CLOSED: frozenset({S.APPEALED}),
}

OPEN_STATUSES = frozenset(
    {
        S.NEW,
        S.UNDER_REVIEW,
        S.AWAITING_RETURN,
        S.RETURN_RECEIVED,
        S.APPROVED,
        S.REFUND_PENDING,
        S.ESCALATED,
        S.APPEALED,
    }
)

# Moves out of an appeal decide it: only a supervisor may do that, never the agent whose decision is contested.
SUPERVISOR_ONLY: frozenset[tuple[CaseStatus, CaseStatus]] = frozenset(
    (S.APPEALED, to) for to in ALLOWED_TRANSITIONS[S.APPEALED]
) | frozenset({(S.CLOSED, S.APPEALED)})

# Automation acts only in the buyer's favour: a rejection always needs a person (GDPR Art. 22).
PERSON_ONLY_TARGETS = frozenset({S.REJECTED})


def required_role(from_status: CaseStatus, to_status: CaseStatus) -> Role:
    """The least role a person needs for this move."""
    if (from_status, to_status) in SUPERVISOR_ONLY:
        return Role.SUPERVISOR
    return Role.AGENT


def automation_may(to_status: CaseStatus, actor_type: ActorType) -> bool:
    return actor_type == ActorType.USER or to_status not in PERSON_ONLY_TARGETS
