"""Intake: turn an Allegro customer return or post-purchase issue plus its checkout form into a case.

A case file is {"order": <Allegro checkout form>, "customerReturn": <Allegro customer return>}
(`cases_import`), or {"order": …, "issue": <PostPurchaseIssue>, "chat": [<issue chat messages>]}
(`cases_import_issues`: a complaint case). The same file twice changes nothing and writes no event; a
changed return (e.g. parcel DELIVERED) or issue (status, chat) updates the case and writes exactly one
event. Invalid files are rejected whole, with field paths.
"""

from refund_desk.integrations.allegro.intake.common import (
    INTAKE_ACTOR,
    IntakeResult,
    IntakeSummary,
    Outcome,
    account_get_or_create,
)
from refund_desk.integrations.allegro.intake.issues import CHAT_KEY, cases_import_issues, parse_issue_file
from refund_desk.integrations.allegro.intake.returns import (
    case_ingest_customer_return,
    cases_import,
    parse_case_file,
)

__all__ = [
    "CHAT_KEY",
    "INTAKE_ACTOR",
    "IntakeResult",
    "IntakeSummary",
    "Outcome",
    "account_get_or_create",
    "case_ingest_customer_return",
    "cases_import",
    "cases_import_issues",
    "parse_case_file",
    "parse_issue_file",
]
