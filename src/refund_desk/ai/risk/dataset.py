"""Training/evaluation rows from the generated history (`ai.synthetic.history`): the same feature function the
desk uses on stored cases, fed with the aggregates the generator kept (what BuyerStats/OfferStats hold)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from refund_desk.ai.risk.features import (
    BuyerHistory,
    CommentReading,
    OfferHistory,
    RequestFacts,
    feature_vector,
)
from refund_desk.ai.synthetic.history import HistoryRequest
from refund_desk.policy.documents import case_documents
from refund_desk.policy.engine import Decision, evaluate

Reader = Callable[[str, str], CommentReading]


@dataclass(slots=True)
class Dataset:
    x: np.ndarray
    y: np.ndarray
    marketplaces: list[str]
    reasons: list[str]
    # Whether the policy engine would let automation approve the request (REFUND/AWAIT_RETURN within limits).
    eligible: np.ndarray
    opened_at: list[datetime]
    source: str


def comment_reader() -> Reader:
    """Comment classifier readings, cached per (text, reason): histories repeat phrasings a lot."""
    # Deferred: the comment model loads scikit-learn, which only reading comments needs.
    from refund_desk.ai import comments

    model = comments.get_model()
    cache: dict[tuple[str, str], CommentReading] = {}

    def read(text: str, reason: str) -> CommentReading:
        key = (text, reason)
        found = cache.get(key)
        if found is None:
            if text.strip():
                found = CommentReading.from_analysis(model.analyse(text, reason), text)
            else:
                found = CommentReading()
            cache[key] = found
        return found

    return read


def request_facts_from_case_file(case_file: dict[str, Any], opened_at: datetime) -> RequestFacts:
    order, ret = case_file["order"], case_file["customerReturn"]
    amount = sum(Decimal(i["price"]["amount"]) * int(i["quantity"]) for i in ret["items"])
    delivered = case_file.get("deliveredAt")
    return RequestFacts(
        marketplace=order["marketplace"]["id"],
        kind="WITHDRAWAL",
        currency=order["summary"]["totalToPay"]["currency"],
        reason=ret["items"][0]["reason"]["type"] if ret["items"] else "",
        amount=float(amount),
        order_total=float(Decimal(order["summary"]["totalToPay"]["amount"])),
        items=len(ret["items"]),
        opened_at=opened_at,
        bought_at=datetime.fromisoformat(order["lineItems"][0]["boughtAt"].replace("Z", "+00:00")),
        delivered_at=datetime.fromisoformat(delivered) if delivered else None,
        has_return_parcel=bool(ret.get("parcels")),
        business_purchase=bool((order.get("invoice") or {}).get("address")),
        payment_type=order["payment"]["type"],
        offer_ids=[i["offerId"] for i in ret["items"]],
    )


def history_features(request: HistoryRequest, read: Reader) -> np.ndarray:
    b = request.buyer
    buyer = BuyerHistory(
        orders=b["orders"],
        cases=b["cases"],
        decided=b["decided"],
        not_approved=b["not_approved"],
        complaints=b["complaints"],
        first_seen_at=b["first_seen_at"],
        last_case_at=b["last_case_at"],
    )
    offer = OfferHistory()
    for counts in request.offers.values():
        offer.orders += counts["orders"]
        offer.cases += counts["cases"]
        offer.decided += counts["decided"]
        offer.not_approved += counts["not_approved"]
    facts = request_facts_from_case_file(request.case_file, request.opened_at)
    return feature_vector(facts, buyer, offer, read(request.comment, request.reason))


def engine_eligible(request: HistoryRequest, policy: Any) -> bool:
    """Would the policy engine let automation approve this request (decision REFUND or AWAIT_RETURN)?"""
    case = case_documents.get().parse(request.case_file, now=request.opened_at + timedelta(hours=1))
    return evaluate(case, policy, lang="en").decision in (Decision.REFUND, Decision.AWAIT_RETURN)


def dataset_from_history(
    requests: Sequence[HistoryRequest], *, read: Reader | None = None, policy: Any = None, source: str = ""
) -> Dataset:
    read = read or comment_reader()
    x = np.vstack([history_features(r, read) for r in requests]) if requests else np.empty((0, 0))
    eligible = np.array(
        [engine_eligible(r, policy) if policy is not None else True for r in requests], dtype=bool
    )
    return Dataset(
        x=x,
        y=np.array([r.label for r in requests], dtype=np.int8),
        marketplaces=[r.case_file["order"]["marketplace"]["id"] for r in requests],
        reasons=[r.reason for r in requests],
        eligible=eligible,
        opened_at=[r.opened_at for r in requests],
        source=source,
    )
