"""Complaints (Allegro post-purchase issues): a CLAIM is decided on its answer deadline and the buyer's
expectation; any other issue goes to a person. Sources for each rule: `law.SOURCES`.
"""

from __future__ import annotations

from datetime import datetime

from refund_desk.core.calendar import period_end, zone_for
from refund_desk.core.money import Money
from refund_desk.policy.engine import law
from refund_desk.policy.engine.inputs import IssueInput, IssueStatus
from refund_desk.policy.engine.messages import expectation_label
from refund_desk.policy.engine.policy import Policy
from refund_desk.policy.engine.result import Decision, Evaluation, Outcome, RefundLine
from refund_desk.policy.engine.run import (
    Run,
    allocate,
    check_paid,
    finish,
    item_label,
    quantity_lines,
    refund_method,
)

REASON_COMPLAINT = "COMPLAINT"


def evaluate_complaint(run: Run) -> Evaluation:
    case, policy = run.case, run.policy
    issue = case.issue
    assert issue is not None
    marketplace = case.marketplace
    check_paid(run)
    if not issue.claim:
        run.add("complaint.type", Outcome.ESCALATE, "complaint.type.dispute")
        return finish(
            run,
            approved=Decision.ESCALATE,
            refund_reason=REASON_COMPLAINT,
            lines=[],
            delivery=None,
            deductions=[],
            withdrawal_ends_at=None,
            refund_by=None,
            respond_by=None,
        )
    run.add("complaint.type", Outcome.INFO, "complaint.type.claim")
    respond_by = _complaint_deadline(issue, policy, marketplace, run.now)
    overdue = run.now > respond_by
    granted_at: datetime | None = None
    if issue.status == IssueStatus.REJECTED:
        run.add("complaint.deadline", Outcome.INFO, "complaint.deadline.answered", date=run.date(respond_by))
        run.reject("complaint.status", law.REJECTION_REFUND_REJECTED, "complaint.status.rejected")
    elif issue.status == IssueStatus.ACCEPTED:
        run.add("complaint.deadline", Outcome.INFO, "complaint.deadline.answered", date=run.date(respond_by))
        run.add("complaint.status", Outcome.PASS, "complaint.status.accepted")
        granted_at = run.now
    elif overdue and marketplace in law.DEEMED_ACCEPTANCE_MARKETPLACES:
        run.add("complaint.status", Outcome.INFO, "complaint.status.open")
        run.add(
            "complaint.deadline",
            Outcome.PASS,
            "complaint.deadline.deemed_accepted",
            date=run.date(respond_by),
        )
        granted_at = respond_by
    else:
        run.add("complaint.status", Outcome.INFO, "complaint.status.open")
        key = "complaint.deadline.overdue" if overdue else "complaint.deadline.pending"
        run.add("complaint.deadline", Outcome.ESCALATE, key, date=run.date(respond_by))

    lines: list[RefundLine] = []
    if run.rejection is None:
        lines = _complaint_lines(run, issue)
    approved = Decision.REFUND
    refund_by: datetime | None = None
    if granted_at is not None and lines:
        if issue.return_required:
            # Termination: money due within 14 days of the goods or proof of dispatch (UPK Art. 43g).
            proof = case.return_delivered_at or case.return_dispatched_at
            if proof is None:
                run.add("refund.timing", Outcome.PENDING, "refund.timing.await")
                approved = Decision.AWAIT_RETURN
            else:
                key = (
                    "refund.timing.goods_back"
                    if case.return_delivered_at
                    else "refund.timing.dispatch_proven"
                )
                run.add("refund.timing", Outcome.PASS, key)
                refund_by = period_end(proof, law.STATUTORY_REFUND_DAYS, marketplace)
        else:
            refund_by = period_end(granted_at, law.STATUTORY_REFUND_DAYS, marketplace)
        if refund_by is not None:
            run.add("refund.deadline", Outcome.INFO, "refund.deadline.complaint", date=run.date(refund_by))
        run.add("refund.delivery", Outcome.INFO, "refund.delivery.complaint")
        refund_method(run)
    return finish(
        run,
        approved=approved,
        refund_reason=REASON_COMPLAINT,
        lines=lines,
        delivery=None,
        deductions=[],
        withdrawal_ends_at=None,
        refund_by=refund_by,
        respond_by=respond_by,
    )


def _complaint_deadline(issue: IssueInput, policy: Policy, marketplace: str, now: datetime) -> datetime:
    """Allegro's decisionDueDate wins; otherwise the policy's answer period from the opening (UPK Art. 7a)."""
    due = issue.due_at
    if due is not None:
        return due.astimezone(zone_for(marketplace))
    days = policy.complaint_answer_days.get(marketplace, law.DEFAULT_COMPLAINT_ANSWER_DAYS)
    if marketplace in law.DEEMED_ACCEPTANCE_MARKETPLACES:
        days = min(days, law.PL_COMPLAINT_ANSWER_DAYS)
    return period_end(issue.opened_at or now, days, marketplace)


def _complaint_lines(run: Run, issue: IssueInput) -> list[RefundLine]:
    case = run.case
    names = [e.name for e in issue.expectations if e.name]
    expectation = next((e for e in issue.expectations if e.name in ("REFUND", "PARTIAL_REFUND")), None)
    if issue.offer_id is not None:
        bought = sum(line.quantity for line in case.order.lines if line.offer_id == issue.offer_id)
        wanted = [(issue.offer_id, issue.offer_quantity or bought, "")]
    else:
        wanted = [(line.offer_id, line.quantity, "") for line in case.order.lines]
    merged = quantity_lines(allocate(case, wanted))
    rule = "complaint.expectation"
    if expectation is None:
        if names:
            label = expectation_label(names[0], run.lang)
            run.add(rule, Outcome.ESCALATE, "complaint.expectation.other", expectation=label)
        else:
            run.add(rule, Outcome.ESCALATE, "complaint.expectation.missing")
        # The person deciding sees what a full refund of the claimed goods would be.
        return [
            RefundLine(lid, "QUANTITY", qty, line.price * qty, line.offer_id, line.offer_name)
            for lid, (line, qty) in merged.items()
        ]
    if expectation.name == "REFUND":
        labels = ", ".join(item_label(line) for line, _ in merged.values())
        run.add(rule, Outcome.PASS, "complaint.expectation.refund", item=labels)
        return [
            RefundLine(lid, "QUANTITY", qty, line.price * qty, line.offer_id, line.offer_name)
            for lid, (line, qty) in merged.items()
        ]
    if expectation.refund is None:
        run.add(rule, Outcome.ESCALATE, "complaint.expectation.missing")
        return []
    asked = expectation.refund
    paid = Money.zero(case.currency)
    for line, qty in merged.values():
        paid = paid + line.price * qty
    if asked > paid:
        run.add(
            rule,
            Outcome.PASS,
            "complaint.expectation.partial_capped",
            amount=run.money(asked),
            paid=run.money(paid),
        )
        asked = paid
    else:
        run.add(rule, Outcome.PASS, "complaint.expectation.partial_refund", amount=run.money(asked))
    lines: list[RefundLine] = []
    remaining = asked
    for lid, (line, qty) in merged.items():
        if remaining.amount <= 0:
            break
        value = line.price * qty
        take = remaining if remaining <= value else value
        remaining = remaining - take
        lines.append(RefundLine(lid, "AMOUNT", None, take.rounded(), line.offer_id, line.offer_name))
    return lines
