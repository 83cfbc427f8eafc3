"""Seeded generator of a seller's labelled refund history, for developing and evaluating the risk model.

Kept apart from the model code on purpose: this is the *world*, not the model. It simulates buyers
(normal ones and a configurable share of abusive ones who return much more, often claim damage on intact
goods and return worn clothes late in the withdrawal period — "wardrobing"), their orders with one seller,
the returns they open (Allegro case files built with `ai.synthetic.casefiles`), the return parcels and a ground-truth
label: would a careful agent NOT approve the request as asked?

The label comes from a hidden process over things a model can observe — the buyer's earlier returns and
how they ended, whether the comment contradicts the chosen reason, how late the request comes, its value —
plus noise. The latent "abusive" trait itself never enters the label; it only shapes behaviour.
Evaluate on a different seed than you train on.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from refund_desk.ai.synthetic.casefiles import (
    COMMENTS,
    LANGUAGE_BY_MARKETPLACE,
    MARKETPLACE_WEIGHTS,
    MARKETPLACES,
    OFFERS,
    REASON_WEIGHTS,
    build_customer_return,
    build_order,
    make_buyer,
)

DEFAULT_NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
HISTORY_DAYS = 420
SHARPNESS = 2.0  # how decisive the careful agent is; the noise below keeps it imperfect
# Offers where trying on matters (clothes, shoes): where wardrobing happens.
WEARABLE = frozenset(
    {"Buty do biegania TrailRun 42", "Kurtka zimowa męska parka L", "Sukienka letnia w kwiaty M"}
)
CHANGE_OF_MIND = ("DONT_LIKE_IT", "NOT_AS_EXPECTED", "MISTAKE", "TOO_SMALL", "TOO_LARGE")
ABUSIVE_REASONS = {
    "DAMAGED": 34,
    "DONT_LIKE_IT": 16,
    "TOO_SMALL": 12,
    "NOT_AS_DESCRIBED": 14,
    "HIDDEN_FLAW": 8,
}


@dataclass(slots=True)
class _Counts:
    orders: int = 0
    cases: int = 0
    decided: int = 0
    not_approved: int = 0
    complaints: int = 0
    first_seen_at: datetime | None = None
    last_case_at: datetime | None = None


@dataclass(slots=True)
class HistoryRequest:
    """One generated refund request with what was known before it and the hidden label."""

    case_file: dict[str, Any]
    opened_at: datetime
    delivered_at: datetime
    buyer_login: str
    buyer_first_seen_at: datetime
    reason: str
    comment: str
    offer_ids: list[str]
    # Aggregates as they stood just before the request (what BuyerStats/OfferStats would hold).
    buyer: dict[str, Any]
    offers: dict[str, dict[str, int]]
    label: int  # 1 = a careful agent would not approve the request as asked
    label_probability: float  # the hidden process's probability (for measuring the achievable ceiling)
    abusive_buyer: bool
    comment_mismatch: bool


@dataclass(slots=True)
class _Buyer:
    data: dict[str, str]
    abusive: bool
    first_seen_at: datetime
    marketplace: str
    counts: _Counts = field(default_factory=_Counts)


def _offer_catalogue(rng: random.Random) -> dict[str, str]:
    return {name: str(rng.randint(10_000_000_000, 19_999_999_999)) for name, _ in OFFERS}


def _choose(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _comment(rng: random.Random, reason: str, language: str) -> str:
    texts = COMMENTS.get(reason) or COMMENTS["NONE"]
    return rng.choice(texts.get(language) or texts["en"])


def _hidden_label(
    rng: random.Random,
    *,
    buyer: _Counts,
    mismatch: bool,
    days_after_delivery: float,
    value_pln: float,
    reason: str,
    wearable: bool,
) -> tuple[int, float]:
    """The careful agent, as a noisy function of observable facts: (label, its probability)."""
    return_rate = buyer.cases / buyer.orders if buyer.orders else 0.0
    refused_rate = buyer.not_approved / buyer.decided if buyer.decided else 0.0
    z = -4.2
    z += 2.0 * min(buyer.not_approved, 3) / 3 + 2.2 * refused_rate * min(buyer.decided, 4) / 4
    z += 2.4 * max(0.0, return_rate - 0.2) * min(buyer.orders, 6) / 6
    z += 2.6 * mismatch
    z += (
        1.4
        * (days_after_delivery > 11)
        * (1.0 + (reason in ("TOO_SMALL", "TOO_LARGE", "DONT_LIKE_IT")) * wearable)
    )
    z += 0.5 * max(0.0, math.log(max(value_pln, 1.0) / 400.0))
    z = SHARPNESS * z + rng.gauss(0.0, 0.5)
    probability = 1.0 / (1.0 + math.exp(-z))
    return int(rng.random() < probability), probability


def generate_history(
    *,
    seed: int,
    buyers: int = 4000,
    abusive_share: float = 0.08,
    now: datetime = DEFAULT_NOW,
    days: int = HISTORY_DAYS,
) -> list[HistoryRequest]:
    """Every refund request of `buyers` simulated buyers over `days` days before `now`, oldest first."""
    rng = random.Random(seed)
    catalogue = _offer_catalogue(rng)
    start = now - timedelta(days=days)
    people: list[_Buyer] = []
    for _ in range(buyers):
        marketplace = rng.choices(list(MARKETPLACES), weights=MARKETPLACE_WEIGHTS)[0]
        abusive = rng.random() < abusive_share
        first = start + timedelta(minutes=rng.randint(0, (days - 20) * 24 * 60))
        people.append(_Buyer(make_buyer(rng), abusive, first, marketplace))

    # Orders of every buyer, then everything in time order so aggregates only hold the past.
    orders: list[tuple[datetime, int]] = []
    for index, person in enumerate(people):
        count = 1 + int(rng.expovariate(1 / (7.0 if person.abusive else 3.5)))
        span = (now - person.first_seen_at).total_seconds() / 60
        for k in range(count):
            offset = 0 if k == 0 else rng.uniform(0, span - 60 * 24 * 16)
            orders.append((person.first_seen_at + timedelta(minutes=max(0.0, offset)), index))
    orders.sort()

    offer_counts: dict[str, _Counts] = {oid: _Counts() for oid in catalogue.values()}
    pending: list[tuple[datetime, int, dict[str, Any]]] = []
    for bought_at, index in orders:
        person = people[index]
        order = build_order(
            rng,
            marketplace=person.marketplace,
            bought_at=bought_at,
            buyer=person.data,
            company=rng.random() < 0.03,
        )
        for line in order["lineItems"]:
            line["offer"]["id"] = catalogue[line["offer"]["name"]]
        wearable = any(line["offer"]["name"] in WEARABLE for line in order["lineItems"])
        base = (0.42 if person.abusive else 0.07) + (0.06 if wearable else 0.0)
        delivered_at = bought_at + timedelta(days=rng.uniform(1, 3.5))
        returns = rng.random() < base
        if returns:
            if person.abusive and wearable and rng.random() < 0.5:
                delay = rng.uniform(11, 13.8)  # worn, then sent back at the end of the period
            elif person.abusive:
                delay = rng.uniform(2, 13.5)
            else:
                delay = min(13.5, rng.expovariate(1 / 3.0) + 0.2)
            opened_at = delivered_at + timedelta(days=delay)
            if opened_at < now:
                pending.append(
                    (opened_at, index, {"order": order, "delivered_at": delivered_at, "wearable": wearable})
                )
        # The order is counted when it happens; requests come later.
        pending.append((bought_at, index, {"order_only": order}))
    pending.sort(key=lambda item: item[0])

    requests: list[HistoryRequest] = []
    for moment, index, payload in pending:
        person = people[index]
        if "order_only" in payload:
            person.counts.orders += 1
            for line in payload["order_only"]["lineItems"]:
                offer_counts[line["offer"]["id"]].orders += 1
            continue
        order = payload["order"]
        language = LANGUAGE_BY_MARKETPLACE[person.marketplace] if rng.random() < 0.85 else "en"
        reason = _choose(rng, ABUSIVE_REASONS if person.abusive else REASON_WEIGHTS)
        mismatch = False
        if (
            person.abusive
            and reason in ("DAMAGED", "NOT_AS_DESCRIBED", "HIDDEN_FLAW")
            and rng.random() < 0.55
        ):
            comment = _comment(rng, rng.choice(CHANGE_OF_MIND), language)  # intact goods, claimed defect
            mismatch = True
        elif not person.abusive and rng.random() < 0.03:
            comment = _comment(rng, rng.choice(CHANGE_OF_MIND), language)
            mismatch = reason not in CHANGE_OF_MIND and reason != "NONE"
        else:
            comment = _comment(rng, reason, language)
        status = rng.choices(["CREATED", "DISPATCHED", "IN_TRANSIT"], weights=[45, 35, 20])[0]
        ret = build_customer_return(rng, order=order, created_at=moment, status=status)
        for item in ret["items"]:
            item["reason"] = {"type": reason, "userComment": comment or None}
        _currency, rate = MARKETPLACES[person.marketplace]
        value = sum(Decimal(i["price"]["amount"]) * i["quantity"] for i in ret["items"])
        value_pln = float(value / rate)
        days_after_delivery = (moment - payload["delivered_at"]).total_seconds() / 86400
        offer_ids = [i["offerId"] for i in ret["items"]]
        snapshot_buyer = {
            "orders": person.counts.orders,
            "cases": person.counts.cases,
            "decided": person.counts.decided,
            "not_approved": person.counts.not_approved,
            "complaints": person.counts.complaints,
            "first_seen_at": person.first_seen_at,
            "last_case_at": person.counts.last_case_at,
        }
        snapshot_offers = {
            oid: {
                "orders": offer_counts[oid].orders,
                "cases": offer_counts[oid].cases,
                "decided": offer_counts[oid].decided,
                "not_approved": offer_counts[oid].not_approved,
            }
            for oid in offer_ids
        }
        label, label_probability = _hidden_label(
            rng,
            buyer=person.counts,
            mismatch=mismatch,
            days_after_delivery=days_after_delivery,
            value_pln=value_pln,
            reason=reason,
            wearable=payload["wearable"],
        )
        requests.append(
            HistoryRequest(
                case_file={
                    "order": order,
                    "customerReturn": ret,
                    "deliveredAt": payload["delivered_at"].astimezone(UTC).isoformat(),
                },
                opened_at=moment,
                delivered_at=payload["delivered_at"],
                buyer_login=person.data["login"],
                buyer_first_seen_at=person.first_seen_at,
                reason=reason,
                comment=comment,
                offer_ids=offer_ids,
                buyer=snapshot_buyer,
                offers=snapshot_offers,
                label=label,
                label_probability=label_probability,
                abusive_buyer=person.abusive,
                comment_mismatch=mismatch,
            )
        )
        # The agent decides; later requests see the outcome.
        person.counts.cases += 1
        person.counts.decided += 1
        person.counts.not_approved += label
        person.counts.last_case_at = moment
        for oid in set(offer_ids):
            offer_counts[oid].cases += 1
            offer_counts[oid].decided += 1
            offer_counts[oid].not_approved += label
    return requests


def iter_case_files(requests: list[HistoryRequest]) -> Iterator[dict[str, Any]]:
    """The generated requests as case files `cases_import` accepts."""
    for request in requests:
        yield {"order": request.case_file["order"], "customerReturn": request.case_file["customerReturn"]}
