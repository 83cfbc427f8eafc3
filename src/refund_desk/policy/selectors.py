"""Reads: the active policy for an account and marketplace, the engine input of a stored case, its
evaluation, and the simulation of a proposed policy over stored cases."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from refund_desk.cases.choices import CaseKind, CaseSource, CaseStatus
from refund_desk.cases.models import CaseEvent, RefundCase, SellerAccount
from refund_desk.core.errors import ValidationFailed
from refund_desk.policy.documents import case_documents
from refund_desk.policy.engine import (
    STATUTORY_DEFAULT,
    CaseInput,
    Decision,
    Evaluation,
    Policy,
    evaluate,
    policy_from_document,
)
from refund_desk.policy.engine.law import BUYER_FREQUENCY_WINDOW_DAYS
from refund_desk.policy.models import CaseFacts, PolicyChange, PolicyVersion, RefundPolicy


@lru_cache(maxsize=256)
def _parsed(label: str, canonical_document: str) -> Policy:
    # Versions are immutable; keyed by content, a parsed policy can be reused for the life of the process.
    return policy_from_document(json.loads(canonical_document), version=label)


def _policy_of(label: str, document: Any) -> Policy:
    return _parsed(label, json.dumps(document, sort_keys=True))


def policy_for_version(version: PolicyVersion) -> Policy:
    return _policy_of(version.label, version.document)


def policy_active(*, account: SellerAccount | int, marketplace: str) -> Policy:
    """The account's active policy on the marketplace, or the statutory default."""
    account_id = account if isinstance(account, int) else account.pk
    row = (
        RefundPolicy.objects.filter(account_id=account_id, marketplace=marketplace)
        .values_list("active_version__label", "active_version__document")
        .first()
    )
    if row is None or row[0] is None:
        return STATUTORY_DEFAULT
    return _policy_of(row[0], row[1])


def policy_get(*, account: SellerAccount, marketplace: str) -> RefundPolicy | None:
    return (
        RefundPolicy.objects.select_related("account", "active_version")
        .filter(account=account, marketplace=marketplace)
        .first()
    )


def policy_list() -> QuerySet[RefundPolicy]:
    return RefundPolicy.objects.select_related("account", "active_version").all()


def policy_versions(*, policy: RefundPolicy) -> QuerySet[PolicyVersion]:
    return policy.versions.order_by("-number")


def policy_changes(*, policy: RefundPolicy) -> QuerySet[PolicyChange]:
    return policy.changes.select_related("version").order_by("-created_at", "-id")


def policy_export_yaml(*, account: SellerAccount, marketplace: str) -> str:
    """The active policy as YAML (the statutory default when none was published)."""
    return policy_active(account=account, marketplace=marketplace).to_yaml()


# --- stored cases -> engine input ----------------------------------------------------------------


def _received_at(case: RefundCase) -> datetime | None:
    """When the goods came back: the moment the case moved to RETURN_RECEIVED, if it did."""
    return (
        CaseEvent.objects.filter(case=case, to_status=CaseStatus.RETURN_RECEIVED)
        .order_by("created_at", "id")
        .values_list("created_at", flat=True)
        .first()
    )


def _buyer_case_count(case: RefundCase) -> int:
    window_start = case.opened_at - timedelta(days=BUYER_FREQUENCY_WINDOW_DAYS)
    return (
        RefundCase.objects.filter(
            account_id=case.account_id,
            buyer_id=case.buyer_id,
            opened_at__gte=window_start,
            opened_at__lte=case.opened_at,
        )
        .exclude(pk=case.pk)
        .count()
    )


# Facts Allegro's payloads do not carry; the desk may keep them next to the snapshot under this key.
FACTS_KEY = "refundDesk"
FACT_FIELDS = (
    "deliveredAt",
    "returnDispatchedAt",
    "returnDeliveredAt",
    "buyerInformedOfWithdrawalRight",
    "offers",
    "deductions",
    "cheapestStandardDelivery",
)


# A complaint opened by hand is decided in the desk: its status there is the claim's status.
_MANUAL_CLAIM_STATUS = {
    CaseStatus.REJECTED: "CLAIM_REJECTED",
    CaseStatus.APPROVED: "CLAIM_ACCEPTED",
    CaseStatus.REFUND_PENDING: "CLAIM_ACCEPTED",
    CaseStatus.REFUNDED: "CLAIM_ACCEPTED",
    CaseStatus.REMEDY: "CLAIM_ACCEPTED",
}


def _recorded_complaint(case: RefundCase) -> dict[str, Any]:
    """A complaint entered by hand (by phone, e-mail, at the counter), in the shape of an Allegro claim:
    the buyer wants their money back for the items recorded, to be answered by the case's deadline."""
    items = list(case.items.select_related("line_item").order_by("pk"))
    offers = {item.line_item.offer_id for item in items}
    claim: dict[str, Any] = {
        "id": case.external_id or str(case.pk),
        "type": "CLAIM",
        "openedDate": case.opened_at.isoformat(),
        "checkoutForm": {"id": case.order_external_id},
        "currentState": {"status": _MANUAL_CLAIM_STATUS.get(CaseStatus(case.status), "CLAIM_SUBMITTED")},
        "expectations": [{"name": "REFUND"}],
        "reason": {"type": case.primary_reason or None},
    }
    if case.respond_by is not None:
        claim["decisionDueDate"] = case.respond_by.isoformat()
    if len(offers) == 1:
        claim["offer"] = {"id": next(iter(offers)), "quantity": sum(item.quantity for item in items)}
    return claim


def _recorded_facts(case: RefundCase) -> dict[str, Any]:
    """The typed facts recorded on the case, in the case document's names (recorded ones win)."""
    facts = CaseFacts.objects.filter(case_id=case.pk).first()
    if facts is None:
        return {}
    found: dict[str, Any] = {}
    if facts.delivered_at is not None:
        found["deliveredAt"] = facts.delivered_at.isoformat()
    if facts.buyer_informed is not None:
        found["buyerInformedOfWithdrawalRight"] = facts.buyer_informed
    if facts.return_dispatched_at is not None:
        found["returnDispatchedAt"] = facts.return_dispatched_at.isoformat()
    if facts.cheapest_delivery is not None:
        found["cheapestStandardDelivery"] = {
            "amount": f"{facts.cheapest_delivery:.2f}",
            "currency": case.currency,
        }
    if facts.seal_broken:
        found["offers"] = {offer: {"sealBroken": bool(broken)} for offer, broken in facts.seal_broken.items()}
    return found


def case_document(case: RefundCase) -> dict[str, Any]:
    """The CASE.json document of a stored case (the format `refund-desk policy evaluate` reads)."""
    snapshot = dict(case.snapshot or {})
    facts = snapshot.pop(FACTS_KEY, None) or {}
    document: dict[str, Any] = {"order": case.order.snapshot}
    if case.source == CaseSource.POST_PURCHASE_ISSUE:
        document["issue"] = snapshot
    elif case.source == CaseSource.ORDER_EVENT and case.kind == CaseKind.CANCELLATION:
        document["cancellation"] = snapshot
    elif case.source == CaseSource.MANUAL and case.kind == CaseKind.COMPLAINT:
        document["issue"] = _recorded_complaint(case)
    elif case.source == CaseSource.MANUAL and case.kind == CaseKind.CANCELLATION:
        document["cancellation"] = {"type": "BUYER_CANCELLED", "occurredAt": case.opened_at.isoformat()}
    else:
        document["customerReturn"] = snapshot
    for name in FACT_FIELDS:
        if name in facts:
            document[name] = facts[name]
    recorded = _recorded_facts(case)
    offers = recorded.pop("offers", {})
    document.update(recorded)
    if offers:
        known = dict(document.get("offers") or {})
        for offer_id, fact in offers.items():
            known[offer_id] = {**(known.get(offer_id) or {}), **fact}
        document["offers"] = known
    if "returnDeliveredAt" not in document:
        received = _received_at(case)
        if received is not None:
            document["returnDeliveredAt"] = received.isoformat()
    document["buyerCasesLast30Days"] = _buyer_case_count(case)
    return document


def case_input(case: RefundCase, *, now: datetime | None = None) -> CaseInput | None:
    """Engine input for a stored case; None when its snapshots no longer validate."""
    try:
        return case_documents.get().parse(case_document(case), now=now or timezone.now())
    except ValidationFailed:
        return None


def case_evaluation(case: RefundCase, *, lang: str = "en") -> Evaluation | None:
    """Evaluate a stored case under its account's active policy for its marketplace (or the statutory one)."""
    parsed = case_input(case)
    if parsed is None:
        return None
    policy = policy_active(account=case.account_id, marketplace=parsed.marketplace)
    return evaluate(parsed, policy, lang=lang)


# --- simulation ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Tally:
    cases: int = 0
    moved: int = 0
    current: Counter[str] = field(default_factory=Counter)
    proposed: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "moved": self.moved,
            "current": dict(sorted(self.current.items())),
            "proposed": dict(sorted(self.proposed.items())),
        }


@dataclass(slots=True)
class SimulationReport:
    """What a proposed policy would change on stored cases."""

    policy_version: str
    cases: int = 0
    skipped: int = 0
    moves: Counter[tuple[str, str]] = field(default_factory=Counter)
    current: Counter[str] = field(default_factory=Counter)
    proposed: Counter[str] = field(default_factory=Counter)
    totals_current: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    totals_proposed: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    per_reason: dict[str, _Tally] = field(default_factory=lambda: defaultdict(_Tally))
    changed: list[dict[str, Any]] = field(default_factory=list)

    @staticmethod
    def _rate(counter: Counter[str], total: int) -> str:
        if total == 0:
            return "0.0"
        automated = sum(counter[d] for d in Decision.AUTOMATED)
        return f"{Decimal(automated * 100) / Decimal(total):.1f}"

    @property
    def moved(self) -> int:
        return sum(count for (before, after), count in self.moves.items() if before != after)

    @property
    def automation_rate_current(self) -> str:
        return self._rate(self.current, self.cases)

    @property
    def automation_rate_proposed(self) -> str:
        return self._rate(self.proposed, self.cases)

    @property
    def moves_list(self) -> list[dict[str, Any]]:
        return [
            {"from": before, "to": after, "cases": count}
            for (before, after), count in sorted(self.moves.items())
            if before != after
        ]

    @property
    def totals_list(self) -> list[dict[str, str]]:
        currencies = sorted(set(self.totals_current) | set(self.totals_proposed))
        return [
            {
                "currency": c,
                "current": f"{self.totals_current.get(c, Decimal(0)):.2f}",
                "proposed": f"{self.totals_proposed.get(c, Decimal(0)):.2f}",
                "difference": f"{self.totals_proposed.get(c, Decimal(0)) - self.totals_current.get(c, Decimal(0)):.2f}",
            }
            for c in currencies
        ]

    @property
    def reasons_list(self) -> list[dict[str, Any]]:
        return [{"reason": reason, **tally.to_json()} for reason, tally in sorted(self.per_reason.items())]

    def to_json(self) -> dict[str, Any]:
        return {
            "policyVersion": self.policy_version,
            "cases": self.cases,
            "skipped": self.skipped,
            "decisionsMoved": self.moved,
            "moves": self.moves_list,
            "decisions": {
                "current": dict(sorted(self.current.items())),
                "proposed": dict(sorted(self.proposed.items())),
            },
            "refundTotals": self.totals_list,
            "automationRate": {
                "current": self.automation_rate_current,
                "proposed": self.automation_rate_proposed,
            },
            "perReason": self.reasons_list,
            "changedCases": self.changed,
        }


def _counted_total(evaluation: Evaluation) -> Decimal:
    # Money that would go out: rejected and escalated cases pay nothing automatically.
    if evaluation.decision in (Decision.REFUND, Decision.AWAIT_RETURN):
        return evaluation.total.amount
    return Decimal(0)


def policy_simulate(
    *,
    proposed: Policy,
    account: SellerAccount | None = None,
    marketplace: str | None = None,
    since: datetime | None = None,
    now: datetime | None = None,
    changed_limit: int = 200,
) -> SimulationReport:
    """Replay stored cases under `proposed` and compare with their active policies. Reads only."""
    cases = RefundCase.objects.select_related("order").order_by("opened_at", "id")
    if account is not None:
        cases = cases.filter(account=account)
    if marketplace is not None:
        cases = cases.filter(marketplace=marketplace)
    if since is not None:
        cases = cases.filter(opened_at__gte=since)
    moment = now or timezone.now()
    report = SimulationReport(policy_version=proposed.version)
    for case in cases.iterator(chunk_size=500):
        parsed = case_input(case, now=moment)
        if parsed is None:
            report.skipped += 1
            continue
        current_policy = policy_active(account=case.account_id, marketplace=parsed.marketplace)
        before = evaluate(parsed, current_policy, now=moment, lang="en")
        after = evaluate(parsed, proposed, now=moment, lang="en")
        report.cases += 1
        report.moves[(before.decision, after.decision)] += 1
        report.current[before.decision] += 1
        report.proposed[after.decision] += 1
        report.totals_current[parsed.currency] += _counted_total(before)
        report.totals_proposed[parsed.currency] += _counted_total(after)
        tally = report.per_reason[case.primary_reason or "NONE"]
        tally.cases += 1
        tally.current[before.decision] += 1
        tally.proposed[after.decision] += 1
        changed = before.decision != after.decision or before.total != after.total
        if before.decision != after.decision:
            tally.moved += 1
        if changed and len(report.changed) < changed_limit:
            report.changed.append(
                {
                    "caseId": case.pk,
                    "reference": case.reference or case.external_id,
                    "from": before.decision,
                    "to": after.decision,
                    "totalFrom": before.total.to_json(),
                    "totalTo": after.total.to_json(),
                }
            )
    return report
