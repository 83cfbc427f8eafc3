"""The refund-case state machine: the one table of legal moves and who may make them."""

from __future__ import annotations

from refund_desk.cases.choices import ActorType, CaseKind, CaseStatus
from refund_desk.core.permissions import Perm

S = CaseStatus

ALLOWED_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.NEW: frozenset(
        {S.UNDER_REVIEW, S.AWAITING_RETURN, S.APPROVED, S.ESCALATED, S.REJECTED, S.CLOSED, S.REMEDY}
    ),
    S.UNDER_REVIEW: frozenset({S.AWAITING_RETURN, S.APPROVED, S.REJECTED, S.ESCALATED, S.REMEDY}),
    S.ESCALATED: frozenset({S.UNDER_REVIEW, S.AWAITING_RETURN, S.APPROVED, S.REJECTED, S.REMEDY}),
    # A complaint accepted with a repair or a replacement: closed once the goods are back with the buyer,
    # or turned into a refund when the remedy fails.
    S.REMEDY: frozenset({S.CLOSED, S.APPROVED, S.ESCALATED}),
    # Proof of dispatch may release the refund before the parcel arrives (withholding rule).
    S.AWAITING_RETURN: frozenset({S.RETURN_RECEIVED, S.APPROVED, S.ESCALATED, S.CLOSED}),
    S.RETURN_RECEIVED: frozenset({S.APPROVED, S.REJECTED, S.ESCALATED}),
    S.APPROVED: frozenset({S.REFUND_PENDING, S.REFUNDED, S.ESCALATED}),
    # A refund Allegro cancels (e.g. seller balance too low) goes back to APPROVED for another try.
    S.REFUND_PENDING: frozenset({S.REFUNDED, S.APPROVED, S.ESCALATED}),
    S.REFUNDED: frozenset({S.CLOSED}),
    S.REJECTED: frozenset({S.APPEALED, S.CLOSED}),
    S.APPEALED: frozenset({S.UNDER_REVIEW, S.APPROVED, S.REJECTED, S.REMEDY}),
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
        S.REMEDY,
    }
)

# Moves out of an appeal decide it: only a supervisor may do that, never the agent whose decision is contested.
SUPERVISOR_ONLY: frozenset[tuple[CaseStatus, CaseStatus]] = frozenset(
    (S.APPEALED, to) for to in ALLOWED_TRANSITIONS[S.APPEALED]
) | frozenset({(S.CLOSED, S.APPEALED)})

# Automation acts only in the buyer's favour: a rejection always needs a person (GDPR Art. 22).
PERSON_ONLY_TARGETS = frozenset({S.REJECTED})
# Money moves only through refunds: the desk marks a case refund-pending when its refund is on its way and
# refunded when Allegro paid it, a bank transfer was confirmed or a refund paid elsewhere was confirmed by
# a second person. No person moves a case there by hand.
SYSTEM_ONLY_TARGETS = frozenset({S.REFUND_PENDING, S.REFUNDED})
# Moves that only some kinds of case make: a repair or replacement is a complaint's remedy.
KIND_ONLY_TARGETS: dict[CaseStatus, frozenset[str]] = {S.REMEDY: frozenset({CaseKind.COMPLAINT})}
# Moves that decide what the buyer gets.
DECISION_TARGETS = frozenset({S.APPROVED, S.REJECTED, S.AWAITING_RETURN, S.REMEDY})


def required_permission(from_status: CaseStatus, to_status: CaseStatus) -> Perm:
    """The permission a person needs for this move."""
    if (from_status, to_status) in SUPERVISOR_ONLY:
        return Perm.CASE_APPEAL_DECIDE
    if to_status in DECISION_TARGETS:
        return Perm.CASE_DECIDE
    return Perm.CASE_WORK


def automation_may(to_status: CaseStatus, actor_type: ActorType) -> bool:
    return actor_type == ActorType.USER or to_status not in PERSON_ONLY_TARGETS


def person_may(to_status: CaseStatus, actor_type: ActorType) -> bool:
    return actor_type != ActorType.USER or to_status not in SYSTEM_ONLY_TARGETS
