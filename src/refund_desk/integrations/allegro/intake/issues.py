"""Post-purchase issues: {"order": …, "issue": <PostPurchaseIssue>, "chat": [<messages>]} into a complaint case
(`cases_import_issues`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from refund_desk.cases.choices import CaseKind, CaseSource, CaseStatus, EventType
from refund_desk.cases.models import (
    Buyer,
    CaseItem,
    Order,
    OrderLineItem,
    RefundCase,
    SellerAccount,
)
from refund_desk.cases.services import case_add_note, case_due_at, event_append
from refund_desk.core.calendar import COMPLAINT_ANSWER_DAYS, period_end
from refund_desk.core.effects import run_after_commit
from refund_desk.core.errors import ValidationFailed
from refund_desk.integrations.allegro.intake.common import (
    INTAKE_ACTOR,
    IntakeResult,
    IntakeSummary,
    Known,
    Outcome,
    case_items_value,
    file_fingerprint,
    object_errors,
    order_consistency,
    order_marketplace,
    requested_amount,
    upsert_order,
    validated,
)
from refund_desk.integrations.allegro.interface import CheckoutForm, PostPurchaseIssue
from refund_desk.integrations.allegro.responses import IssueMessage

# Chat messages of an issue (GET /sale/issues/{id}/chat) are kept in the case snapshot under this key,
# next to Allegro's own `chat` summary; the policy engine ignores it.
CHAT_KEY = "chatMessages"


# Reason types that mean a withdrawal or cancellation was not refunded: the order's other cases get a note.
REFUND_REASON_TYPES = {
    "NO_REFUND_AFTER_RETURNING_PRODUCT": "after returning the goods",
    "NO_REFUND_AFTER_CANCELING_ORDER": "after cancelling the order",
}


# Allegro issue status -> the case status a newly seen issue starts in (others start NEW).
ISSUE_INITIAL_STATUS = {
    "DISPUTE_CLOSED": CaseStatus.CLOSED,
    "CLAIM_REJECTED": CaseStatus.REJECTED,
}


ISSUE_FIELD_LIMITS = (
    ("issue.id", 64),
    ("issue.referenceNumber", 64),
    ("issue.currentState.status", 40),
    ("issue.reason.type", 40),
)


@dataclass(frozen=True, slots=True)
class ParsedIssueFile:
    order: CheckoutForm
    issue: PostPurchaseIssue
    chat: list[IssueMessage] | None
    marketplace: str
    currency: str
    raw_order: dict[str, Any]
    raw_issue: dict[str, Any]
    raw_chat: list[dict[str, Any]] | None
    fingerprint: str

    @property
    def snapshot(self) -> dict[str, Any]:
        """What the case stores: the issue as Allegro sent it, plus its chat when one was fetched."""
        if self.raw_chat is None:
            return dict(self.raw_issue)
        return {**self.raw_issue, CHAT_KEY: self.raw_chat}

    @property
    def reason_type(self) -> str:
        return (self.issue.reason.type if self.issue.reason else None) or ""

    @property
    def comment(self) -> str:
        if self.issue.reason and self.issue.reason.description:
            return self.issue.reason.description
        summary = self.raw_issue.get("chat")
        if isinstance(summary, dict) and isinstance(summary.get("initialMessage"), dict):
            text = summary["initialMessage"].get("text")
            if isinstance(text, str) and text:
                return text
        buyer_texts = [m.text for m in self.chat or [] if m.author and m.author.role == "BUYER" and m.text]
        return buyer_texts[0] if buyer_texts else (self.issue.description or "")


def _chat_count(snapshot: dict[str, Any]) -> int:
    messages = snapshot.get(CHAT_KEY)
    if isinstance(messages, list):
        return len(messages)
    summary = snapshot.get("chat")
    return int(summary.get("messagesCount") or 0) if isinstance(summary, dict) else 0


def _field_value(raw: dict[str, Any], path: str) -> object:
    value: object = raw
    for part in path.split(".")[1:]:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def parse_issue_file(data: object) -> ParsedIssueFile:
    """Validate an issue case file; raise ValidationFailed listing every problem with its field path."""
    if not isinstance(data, dict):
        raise ValidationFailed([("$", "an issue case file must be a JSON object with 'order' and 'issue'")])
    errors = object_errors(data, ("order", "issue"))
    raw_order, raw_issue, raw_chat = data.get("order"), data.get("issue"), data.get("chat")
    if raw_chat is not None and not isinstance(raw_chat, list):
        errors.append(("chat", "must be a JSON array of chat messages"))
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(raw_order, dict) and isinstance(raw_issue, dict)
    order = validated(CheckoutForm, raw_order, "order", errors)
    issue = validated(PostPurchaseIssue, raw_issue, "issue", errors)
    chat: list[IssueMessage] | None = None
    if raw_chat is not None:
        messages = [validated(IssueMessage, m, f"chat[{i}]", errors) for i, m in enumerate(raw_chat)]
        chat = [m for m in messages if m is not None]
    if order is None or issue is None or errors:
        raise ValidationFailed(errors)

    errors += _issue_consistency_errors(order, issue, raw_issue)
    currency = order.lineItems[0].price.currency
    marketplace = order_marketplace(order, None, errors)
    if errors:
        raise ValidationFailed(errors)
    assert marketplace is not None
    return ParsedIssueFile(
        order=order,
        issue=issue,
        chat=chat,
        marketplace=marketplace,
        currency=currency,
        raw_order=raw_order,
        raw_issue=raw_issue,
        raw_chat=raw_chat,
        fingerprint=file_fingerprint(raw_order, {"issue": raw_issue, "chat": raw_chat}),
    )


def _issue_consistency_errors(
    order: CheckoutForm, issue: PostPurchaseIssue, raw_issue: dict[str, Any]
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if issue.checkoutForm.id != order.id:
        errors.append(
            ("issue.checkoutForm.id", f"refers to order {issue.checkoutForm.id!r}, not {order.id!r}")
        )
    for path, limit in ISSUE_FIELD_LIMITS:
        value = _field_value(raw_issue, path)
        if isinstance(value, str) and len(value) > limit:
            errors.append((path, f"is longer than {limit} characters"))
    for path, moment in (
        ("issue.openedDate", issue.openedDate),
        ("issue.decisionDueDate", issue.decisionDueDate),
    ):
        if moment is not None and moment.tzinfo is None:
            errors.append((path, "must include a time zone"))
    bought = order_consistency(
        order,
        errors,
        [
            (f"issue.expectations[{i}].refund.currency", expectation.refund.currency)
            for i, expectation in enumerate(issue.expectations)
            if expectation.refund is not None
        ],
    )
    offer = issue.offer
    if offer is not None and offer.id is not None:
        if offer.id not in bought:
            errors.append(("issue.offer.id", f"offer {offer.id} is not in order {order.id}"))
        elif offer.quantity is not None and offer.quantity > bought[offer.id]:
            errors.append(
                (
                    "issue.offer.quantity",
                    f"claims {offer.quantity} of offer {offer.id}, but only {bought[offer.id]} were bought",
                )
            )
    return errors


def _issue_allocation(
    parsed: ParsedIssueFile, lines: list[OrderLineItem]
) -> list[tuple[OrderLineItem, int, str, str]]:
    """The line items a complaint is about: the issue's offer (its quantity, else all bought), filling
    the offer's lines in order; an issue without an offer (e.g. parcel not received) covers the order."""
    reason, comment = parsed.reason_type, parsed.comment
    offer = parsed.issue.offer
    if offer is None or offer.id is None:
        return [(line, line.quantity, reason, comment) for line in lines]
    allocation = []
    remaining = offer.quantity or sum(line.quantity for line in lines if line.offer_id == offer.id)
    for line in lines:
        if line.offer_id != offer.id or remaining <= 0:
            continue
        take = min(line.quantity, remaining)
        remaining -= take
        allocation.append((line, take, reason, comment))
    return allocation


def _issue_requested_amount(
    parsed: ParsedIssueFile, allocation: list[tuple[OrderLineItem, int, str, str]]
) -> Decimal:
    """What the buyer expects back: the refund of a (partial-)refund expectation, else the items' value."""
    expected = _expected_refund(parsed)
    return expected if expected is not None else requested_amount(allocation)


def _expected_refund(parsed: ParsedIssueFile) -> Decimal | None:
    for expectation in parsed.issue.expectations:
        if expectation.name in ("REFUND", "PARTIAL_REFUND") and expectation.refund is not None:
            return expectation.refund.amount
    return None


def _issue_opened_at(parsed: ParsedIssueFile) -> datetime:
    if parsed.issue.openedDate is not None:
        return parsed.issue.openedDate
    stamps = [m.createdAt for m in parsed.chat or [] if m.createdAt.tzinfo is not None]
    return min(stamps) if stamps else timezone.now()


def _issue_respond_by(parsed: ParsedIssueFile, opened_at: datetime) -> datetime:
    """Allegro's decisionDueDate is authoritative; without one, the marketplace's complaint period."""
    if parsed.issue.decisionDueDate is not None:
        return parsed.issue.decisionDueDate
    days = COMPLAINT_ANSWER_DAYS.get(parsed.marketplace, 30)
    return period_end(opened_at, days, parsed.marketplace)


def _note_unrefunded(case: RefundCase, parsed: ParsedIssueFile) -> None:
    """A buyer complaining that a refund never came: tell whoever handles the order's other cases."""
    what = REFUND_REASON_TYPES.get(parsed.reason_type)
    if what is None:
        return
    issue = parsed.issue
    label = "claim" if issue.type == "CLAIM" else "dispute"
    text = (
        f"The buyer opened an Allegro {label} {issue.referenceNumber or issue.id} ({parsed.reason_type}): "
        f"they have not received their refund {what}. See complaint case #{case.pk}."
    )
    others = (
        RefundCase.objects.filter(account_id=case.account_id, order_id=case.order_id)
        .exclude(source=CaseSource.POST_PURCHASE_ISSUE)
        .order_by("pk")
    )
    for other in others:
        case_add_note(case=other, actor=INTAKE_ACTOR, text=text)


def _create_issue_case(parsed: ParsedIssueFile, account: SellerAccount) -> RefundCase:
    issue, b = parsed.issue, parsed.order.buyer
    buyer, _ = Buyer.objects.get_or_create(
        allegro_id=b.id, defaults={"login": b.login, "email_masked": b.email}
    )
    known = Known(
        orders={o.external_id: o for o in Order.objects.filter(account=account, external_id=parsed.order.id)}
    )
    order, lines, _ = upsert_order(parsed, account, buyer, known)
    allocation = _issue_allocation(parsed, lines)
    external_status = issue.status or ""
    status = ISSUE_INITIAL_STATUS.get(external_status, CaseStatus.NEW)
    opened_at = _issue_opened_at(parsed)
    respond_by = _issue_respond_by(parsed, opened_at)
    case = RefundCase.objects.create(
        account=account,
        kind=CaseKind.COMPLAINT,
        source=CaseSource.POST_PURCHASE_ISSUE,
        external_id=issue.id,
        reference=issue.referenceNumber or "",
        order=order,
        buyer=buyer,
        status=status,
        external_status=external_status,
        marketplace=parsed.marketplace,
        currency=parsed.currency,
        buyer_login=b.login.lower(),
        order_external_id=order.external_id,
        primary_reason=parsed.reason_type,
        requested_amount=_issue_requested_amount(parsed, allocation),
        opened_at=opened_at,
        respond_by=respond_by,
        refund_by=None,  # nothing is owed until the complaint is accepted
        due_at=case_due_at(status=status, respond_by=respond_by, refund_by=None),
        snapshot=parsed.snapshot,
        fingerprint=parsed.fingerprint,
    )
    CaseItem.objects.bulk_create(
        CaseItem(case=case, line_item=line, quantity=qty, reason_type=reason, comment=comment)
        for line, qty, reason, comment in allocation
    )
    event_append(
        case=case,
        type=EventType.CREATED,
        actor=INTAKE_ACTOR,
        to_status=status,
        payload={
            "source": CaseSource.POST_PURCHASE_ISSUE,
            "externalId": issue.id,
            "externalStatus": external_status,
            "issueType": issue.type,
        },
    )
    run_after_commit("workflows.review_cases", [case.pk])
    _note_unrefunded(case, parsed)
    return case


def _update_issue_case(case: RefundCase, parsed: ParsedIssueFile) -> None:
    issue = parsed.issue
    previous = case.snapshot or {}
    new_snapshot = parsed.snapshot
    changes: dict[str, Any] = {}
    if case.external_status != (issue.status or ""):
        changes["externalStatus"] = {"from": case.external_status, "to": issue.status or ""}
    if previous.get("type") != issue.type:
        changes["type"] = {"from": previous.get("type"), "to": issue.type}
    if previous.get("chat") != parsed.raw_issue.get("chat") or previous.get(CHAT_KEY) != new_snapshot.get(
        CHAT_KEY
    ):
        changes["chat"] = {"from": _chat_count(previous), "to": _chat_count(new_snapshot)}
    if previous.get("decisionDueDate") != parsed.raw_issue.get("decisionDueDate"):
        changes["decisionDueDate"] = {
            "from": previous.get("decisionDueDate"),
            "to": parsed.raw_issue.get("decisionDueDate"),
        }
    known = Known(orders={case.order.external_id: case.order})
    _, _, order_changes = upsert_order(parsed, case.account, case.buyer, known)
    if order_changes:
        changes["order"] = sorted(order_changes)
    if not changes and previous != new_snapshot:
        changes["details"] = "issue details changed"
    previous_reason = (
        (previous.get("reason") or {}) if isinstance(previous.get("reason"), dict) else {}
    ).get("type")

    case.external_status = issue.status or ""
    case.snapshot = new_snapshot
    case.fingerprint = parsed.fingerprint
    case.reference = issue.referenceNumber or case.reference
    if issue.decisionDueDate is not None:
        case.respond_by = issue.decisionDueDate
    case.updated_at = timezone.now()
    case.due_at = case_due_at(status=case.status, respond_by=case.respond_by, refund_by=case.refund_by)
    fields = ["external_status", "snapshot", "fingerprint", "reference", "respond_by", "updated_at", "due_at"]
    if "lineItems" in order_changes:
        expected = _expected_refund(parsed)
        case.requested_amount = expected if expected is not None else case_items_value(case)
        fields.append("requested_amount")
    case.save(update_fields=fields)
    event_append(case=case, type=EventType.SYNCED, actor=INTAKE_ACTOR, payload={"changes": changes})
    if previous_reason != parsed.reason_type:
        _note_unrefunded(case, parsed)


def _ingest_issue(parsed: ParsedIssueFile, account: SellerAccount) -> IntakeResult:
    issue_id = parsed.issue.id
    with transaction.atomic():
        case = (
            RefundCase.objects.select_for_update(of=("self",))
            .select_related("account", "buyer", "order")
            .filter(account=account, source=CaseSource.POST_PURCHASE_ISSUE, external_id=issue_id)
            .first()
        )
        if case is None:
            created = _create_issue_case(parsed, account)
            return IntakeResult(Outcome.CREATED, created.pk, issue_id)
        if case.fingerprint == parsed.fingerprint:
            return IntakeResult(Outcome.UNCHANGED, case.pk, issue_id)
        _update_issue_case(case, parsed)
        return IntakeResult(Outcome.UPDATED, case.pk, issue_id)


def cases_import_issues(*, items: Iterable[object], account: SellerAccount) -> IntakeSummary:
    """Import Allegro post-purchase issues (disputes and claims) as complaint cases, idempotently.

    Each item is {"order": <checkout form>, "issue": <PostPurchaseIssue>, "chat": [<messages>]}, "chat"
    optional. One savepoint per file: a rejected or conflicting file does not stop the batch. The
    external id is the issue id; the same file twice is `unchanged` and writes nothing; a changed status,
    chat or order writes one SYNCED event.
    """
    summary = IntakeSummary()
    for data in items:
        try:
            parsed = parse_issue_file(data)
        except ValidationFailed as exc:
            external_id = ""
            if isinstance(data, dict) and isinstance(data.get("issue"), dict):
                external_id = str(data["issue"].get("id", ""))
            summary.results.append(IntakeResult(Outcome.REJECTED, external_id=external_id, errors=exc.errors))
            continue
        try:
            summary.results.append(_ingest_issue(parsed, account))
        except IntegrityError:
            # Another writer created the case (or its order, buyer) meanwhile: it is there now.
            summary.results.append(_ingest_issue(parsed, account))
    return summary
