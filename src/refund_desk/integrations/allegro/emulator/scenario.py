"""Seeded marketplace life over emulated time: orders, returns and their parcels, disputes, refunds.

Time advances in one-minute steps; each step draws from an RNG seeded with (seed, step time), so a
given seed produces the same marketplace however often, or how fast, the emulator is asked about it.
"""

from __future__ import annotations

import json
import math
import random
import time
import uuid
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from refund_desk.ai.synthetic.casefiles import (
    CARRIERS,
    LANGUAGE_BY_MARKETPLACE,
    MARKETPLACE_WEIGHTS,
    MARKETPLACES,
    build_customer_return,
    build_order,
    generate_case_files,
    make_buyer,
)
from refund_desk.integrations.allegro.emulator.store import Store, dumps, prune_nulls

STEP = timedelta(minutes=1)
MAX_STEPS_PER_TICK = 20_000
SELLER_ID = "44556677"
SELLER_LOGIN = "refund-desk-demo"
# Return status -> (next status, tracking code written then, hours until it happens (min, max)).
PARCEL_FLOW = {
    "CREATED": ("DISPATCHED", "PENDING", (2, 40)),
    "DISPATCHED": ("IN_TRANSIT", "IN_TRANSIT", (6, 30)),
    "IN_TRANSIT": ("DELIVERED", "DELIVERED", (12, 72)),
}
TRACKING_TEXT = {
    "PENDING": "Parcel registered by the sender",
    "IN_TRANSIT": "Parcel in transit",
    "RELEASED_FOR_DELIVERY": "Released for delivery",
    "DELIVERED": "Delivered to the recipient",
}
ISSUE_REASONS = [
    ("NO_PRODUCT_RECEIVED", "Nie otrzymałem paczki, status stoi od tygodnia"),
    ("DEFECT_FOUND_DURING_USE", "Po kilku dniach urządzenie przestało działać"),
    ("MISSING_PRODUCT_ELEMENT", "W zestawie brakuje ładowarki"),
    ("NOT_AS_DESCRIBED", "Produkt nie zgadza się z opisem aukcji"),
    ("NO_REFUND_AFTER_RETURNING_PRODUCT", "Odesłałam towar dwa tygodnie temu i nadal brak zwrotu pieniędzy"),
    ("PRODUCT_AND_PARCEL_DAMAGED_IN_TRANSIT", "Paczka dotarła zgnieciona, produkt uszkodzony"),
]
BUYER_QUESTIONS = {
    "pl": "Dzień dobry, kiedy mogę spodziewać się zwrotu pieniędzy?",
    "cs": "Dobry den, kdy mi vratite penize?",
    "sk": "Dobry den, kedy mi vratite peniaze?",
    "hu": "Jo napot, mikor kapom vissza a penzemet?",
}
CLAIM_EXPECTATIONS = ["REPAIR", "EXCHANGE", "REFUND", "PARTIAL_REFUND"]


@dataclass
class Rates:
    """Mean number of new things per emulated hour, and the share of refunds charged late."""

    orders: float = 30.0
    returns: float = 6.0
    issues: float = 1.0
    cancellations: float = 1.0
    messages: float = 2.0

    @classmethod
    def parse(cls, text: str) -> Rates:
        rates = cls()
        names = {f.name for f in fields(cls)}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, value = part.partition("=")
            if name not in names:
                raise ValueError(f"unknown rate {name!r}; expected one of {', '.join(sorted(names))}")
            setattr(rates, name, float(value))
        return rates


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


COUNTRY = {"allegro-pl": "PL", "allegro-cz": "CZ", "allegro-sk": "SK", "allegro-hu": "HU"}
INVOICE_ADDRESS = {
    "PL": ("ul. Składowa 12", "Poznań", "61-897"),
    "CZ": ("Vinohradská 48", "Praha", "120 00"),
    "SK": ("Mlynské nivy 5", "Bratislava", "821 09"),
    "HU": ("Váci út 33", "Budapest", "1134"),
}


def complete_order(order: dict[str, Any]) -> dict[str, Any]:
    """Fill what the spec requires of an invoice address, which the demo generator leaves out."""
    address = (order.get("invoice") or {}).get("address")
    if isinstance(address, dict):
        country = COUNTRY.get(order["marketplace"]["id"], "PL")
        street, city, zip_code = INVOICE_ADDRESS[country]
        address.setdefault("street", street)
        address.setdefault("city", city)
        address.setdefault("zipCode", zip_code)
        address.setdefault("countryCode", country)
        if isinstance(address.get("company"), dict):
            address["company"].setdefault("vatPayerStatus", "ACTIVE")
    return order


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Clock:
    """Emulated time: runs `speed` times faster than the wall clock and can be advanced by hand."""

    def __init__(self, store: Store, *, speed: float = 1.0, start: datetime | None = None):
        self.store = store
        self.speed = speed
        saved = store.get_meta("clock:now")
        origin = parse_iso(saved) if saved else (start or datetime.now(UTC))
        self._origin = origin
        self._origin_real = time.monotonic()
        self._offset = timedelta(0)

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._origin_real) * self.speed
        return self._origin + timedelta(seconds=elapsed) + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += timedelta(seconds=seconds)

    def save(self) -> None:
        self.store.set_meta("clock:now", iso(self.now()))


class Scenario:
    def __init__(self, store: Store, clock: Clock, *, seed: int = 1, rates: Rates | None = None):
        self.store = store
        self.clock = clock
        self.seed = seed
        self.rates = rates or Rates()
        if store.get_meta("seller:id") is None:
            store.set_meta("seller:id", SELLER_ID)
            store.set_meta("sim:last_step", iso(clock.now()))
            for currency, rate in MARKETPLACES.values():
                store.set_meta(
                    f"balance:{currency}", str((Decimal("100000") * rate).quantize(Decimal("0.01")))
                )

    # --- time ---------------------------------------------------------------------------------------

    def tick(self) -> int:
        """Play every whole emulated minute up to now, then apply transitions that fell due."""
        target = self.clock.now()
        steps = 0
        with self.store.tx():
            last = parse_iso(self.store.get_meta("sim:last_step") or iso(target))
            if (target - last) / STEP > MAX_STEPS_PER_TICK:
                last = target - STEP * MAX_STEPS_PER_TICK
            while last + STEP <= target:
                last += STEP
                self._step(last)
                self._due(last)
                steps += 1
            if steps:
                self.store.set_meta("sim:last_step", iso(last))
                self.store.set_meta("clock:now", iso(target))
            self._due(target)
        return steps

    def _step(self, moment: datetime) -> None:
        rng = random.Random(f"{self.seed}:{iso(moment)}")  # noqa: S311 - reproducible simulation
        per_minute = 1 / 60
        for _ in range(_poisson(rng, self.rates.orders * per_minute)):
            self._new_order(rng, moment)
        for _ in range(_poisson(rng, self.rates.returns * per_minute)):
            self._new_return(rng, moment)
        for _ in range(_poisson(rng, self.rates.issues * per_minute)):
            self._new_issue(rng, moment)
        for _ in range(_poisson(rng, self.rates.cancellations * per_minute)):
            self._cancel_order(rng, moment)
        for _ in range(_poisson(rng, self.rates.messages * per_minute)):
            self._new_message(rng, moment)

    # --- generators ---------------------------------------------------------------------------------

    def _buyer(self, rng: random.Random) -> dict[str, str]:
        return make_buyer(rng)

    def _marketplace(self, rng: random.Random) -> str:
        return rng.choices(list(MARKETPLACES), weights=MARKETPLACE_WEIGHTS)[0]

    def _new_order(self, rng: random.Random, moment: datetime, *, with_events: bool = True) -> dict[str, Any]:
        order = build_order(
            rng,
            marketplace=self._marketplace(rng),
            bought_at=moment,
            buyer=self._buyer(rng),
            company=rng.random() < 0.04,
        )
        complete_order(order)
        order["updatedAt"] = iso(moment)
        self.store.save_order(order)
        if with_events:
            seller = self.store.get_meta("seller:id") or SELLER_ID
            for kind in ("BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING"):
                self.store.add_event(type_=kind, occurred_at=iso(moment), order=order, seller_id=seller)
        paid = order["payment"]["paidAmount"]
        self._credit(paid["currency"], Decimal(paid["amount"]))
        return order

    def _credit(self, currency: str, amount: Decimal) -> None:
        balance = Decimal(self.store.get_meta(f"balance:{currency}") or "0")
        self.store.set_meta(f"balance:{currency}", str(balance + amount))

    def _recent_orders(
        self, since: datetime, until: datetime, *, status: str = "READY_FOR_PROCESSING"
    ) -> list[str]:
        with self.store.tx() as db:
            rows = db.execute(
                "SELECT o.id FROM orders o WHERE o.created_at >= ? AND o.created_at <= ? AND o.status = ? "
                "AND NOT EXISTS (SELECT 1 FROM returns r WHERE r.order_id = o.id) "
                "ORDER BY o.created_at DESC LIMIT 200",
                (iso(since), iso(until), status),
            ).fetchall()
        return [row["id"] for row in rows]

    def _new_return(self, rng: random.Random, moment: datetime) -> None:
        candidates = self._recent_orders(moment - timedelta(days=14), moment - timedelta(days=1))
        order = self.store.order(rng.choice(candidates)) if candidates else None
        if order is None:
            order = self._new_order(
                rng,
                moment - timedelta(days=rng.randint(2, 12), minutes=rng.randint(0, 600)),
                with_events=False,
            )
        ret = build_customer_return(rng, order=order, created_at=moment, status="CREATED")
        low, high = PARCEL_FLOW["CREATED"][2]
        self.store.insert_return(ret, iso(moment + timedelta(hours=rng.uniform(low, high))))

    def _new_issue(self, rng: random.Random, moment: datetime) -> None:
        candidates = self._recent_orders(moment - timedelta(days=30), moment - timedelta(days=2))
        order = self.store.order(rng.choice(candidates)) if candidates else None
        if order is None:
            return
        kind = "CLAIM" if rng.random() < 0.6 else "DISPUTE"
        reason, text = rng.choice(ISSUE_REASONS)
        line = rng.choice(order["lineItems"])
        issue_id = new_id(rng)
        expectation: list[dict[str, Any]] = []
        if kind == "CLAIM":
            name = rng.choice(CLAIM_EXPECTATIONS)
            refund = None
            if name in ("REFUND", "PARTIAL_REFUND"):
                value = Decimal(line["price"]["amount"]) * (1 if name == "REFUND" else Decimal("0.3"))
                refund = {
                    "amount": f"{value.quantize(Decimal('0.01'))}",
                    "currency": line["price"]["currency"],
                }
            expectation = [{"name": name, "refund": refund}]
        issue: dict[str, Any] = {
            "id": issue_id,
            "type": kind,
            "referenceNumber": f"{'R' if kind == 'CLAIM' else 'D'}{rng.randint(100000, 999999)}",
            "decisionDueDate": iso(moment + timedelta(days=14)) if kind == "CLAIM" else None,
            "openedDate": iso(moment),
            "subject": None if kind == "CLAIM" else text[:60],
            "buyer": {"id": order["buyer"]["id"], "login": order["buyer"]["login"]},
            "checkoutForm": {"id": order["id"], "createdAt": order["lineItems"][0]["boughtAt"]},
            "currentState": {
                "status": "CLAIM_SUBMITTED" if kind == "CLAIM" else "DISPUTE_ONGOING",
                "statusDueDate": iso(moment + timedelta(days=14)),
                "returnRequired": None,
                "chatActive": True,
            },
            "chat": None,
            "expectations": expectation,
            "description": text,
            "offer": {"id": line["offer"]["id"], "quantity": line["quantity"]},
            "reason": {"type": reason, "description": text},
            "right": rng.choice(["WARRANTY", "COMPLAINT"]) if kind == "CLAIM" else None,
            "attachments": [],
        }
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO issues (id, order_id, status, opened_at, body) VALUES (?, ?, ?, ?, ?)",
                (issue_id, order["id"], issue["currentState"]["status"], iso(moment), dumps(issue)),
            )
        self.add_issue_message(
            issue_id, text=text, role="BUYER", login=order["buyer"]["login"], at=moment, rng=rng
        )

    def add_issue_message(
        self, issue_id: str, *, text: str, role: str, login: str | None, at: datetime, rng: random.Random
    ) -> dict[str, Any]:
        message = {
            "id": new_id(rng),
            "text": text,
            "attachments": [],
            "author": {"login": login, "role": role},
            "createdAt": iso(at),
        }
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO issue_messages (id, issue_id, created_at, body) VALUES (?, ?, ?, ?)",
                (message["id"], issue_id, message["createdAt"], dumps(message)),
            )
        return dict(prune_nulls(message))

    def _cancel_order(self, rng: random.Random, moment: datetime) -> None:
        candidates = self._recent_orders(moment - timedelta(days=3), moment)
        if not candidates:
            return
        order = self.store.order(rng.choice(candidates))
        if order is None:
            return
        order["status"] = "CANCELLED"
        order["fulfillment"] = {"status": "CANCELLED"}
        order["updatedAt"] = iso(moment)
        order["revision"] = rng.randbytes(4).hex()
        self.store.save_order(order)
        kind = "BUYER_CANCELLED" if rng.random() < 0.8 else "AUTO_CANCELLED"
        self.store.add_event(
            type_=kind,
            occurred_at=iso(moment),
            order=order,
            seller_id=self.store.get_meta("seller:id") or SELLER_ID,
        )

    def _new_message(self, rng: random.Random, moment: datetime) -> None:
        candidates = self._recent_orders(moment - timedelta(days=20), moment)
        order = self.store.order(rng.choice(candidates)) if candidates else None
        if order is None:
            return
        language = LANGUAGE_BY_MARKETPLACE[order["marketplace"]["id"]]
        thread_id = new_id(rng)
        login = order["buyer"]["login"]
        thread = {
            "id": thread_id,
            "read": False,
            "lastMessageDateTime": iso(moment),
            "interlocutor": {"login": login, "avatarUrl": f"https://a.allegroimg.com/avatar/{login}.png"},
        }
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO threads (id, last_at, body) VALUES (?, ?, ?)",
                (thread_id, iso(moment), dumps(thread)),
            )
        self.add_thread_message(
            thread_id,
            text=BUYER_QUESTIONS[language],
            login=login,
            is_interlocutor=True,
            order_id=order["id"],
            at=moment,
            rng=rng,
        )

    def thread_for_login(self, login: str, *, at: datetime, rng: random.Random) -> str:
        """The id of the seller's thread with this buyer, started now when there is none."""
        with self.store.tx() as db:
            row = db.execute(
                "SELECT id FROM threads WHERE json_extract(body, '$.interlocutor.login') = ? "
                "ORDER BY seq DESC LIMIT 1",
                (login,),
            ).fetchone()
            if row is not None:
                return str(row["id"])
            thread_id = new_id(rng)
            thread = {
                "id": thread_id,
                "read": True,
                "lastMessageDateTime": iso(at),
                "interlocutor": {"login": login, "avatarUrl": f"https://a.allegroimg.com/avatar/{login}.png"},
            }
            db.execute(
                "INSERT INTO threads (id, last_at, body) VALUES (?, ?, ?)",
                (thread_id, iso(at), dumps(thread)),
            )
            return thread_id

    def add_thread_message(
        self,
        thread_id: str,
        *,
        text: str,
        login: str,
        is_interlocutor: bool,
        order_id: str | None,
        at: datetime,
        rng: random.Random,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": new_id(rng),
            "status": "DELIVERED",
            "type": "MESSAGE_CENTER",
            "createdAt": iso(at),
            "thread": {"id": thread_id},
            "author": {"login": login, "isInterlocutor": is_interlocutor},
            "text": text,
            "subject": None,
            "relatesTo": {"offer": None, "order": {"id": order_id} if order_id else None},
            "hasAdditionalAttachments": False,
            "attachments": [],
        }
        with self.store.tx() as db:
            db.execute(
                "INSERT INTO messages (id, thread_id, created_at, body) VALUES (?, ?, ?, ?)",
                (message["id"], thread_id, message["createdAt"], dumps(message)),
            )
            row = db.execute("SELECT body FROM threads WHERE id = ?", (thread_id,)).fetchone()
            thread = json.loads(row["body"])
            thread["lastMessageDateTime"] = message["createdAt"]
            thread["read"] = not is_interlocutor
            db.execute(
                "UPDATE threads SET last_at = ?, body = ? WHERE id = ?",
                (message["createdAt"], dumps(thread), thread_id),
            )
        return dict(prune_nulls(message))

    # --- transitions --------------------------------------------------------------------------------

    def _due(self, now: datetime) -> None:
        stamp = iso(now)
        with self.store.tx() as db:
            due_returns = db.execute(
                "SELECT body, next_at FROM returns WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at",
                (stamp,),
            ).fetchall()
            for row in due_returns:
                self._advance_return(json.loads(row["body"]), parse_iso(row["next_at"]))
            for row in db.execute(
                "SELECT id FROM refunds WHERE settle_at IS NOT NULL AND settle_at <= ? ORDER BY seq", (stamp,)
            ).fetchall():
                self._settle_refund(row["id"], now)
            for row in db.execute(
                "SELECT id FROM claims WHERE settle_at IS NOT NULL AND settle_at <= ? ORDER BY seq", (stamp,)
            ).fetchall():
                self._settle_claim(row["id"], now)

    def _advance_return(self, ret: dict[str, Any], at: datetime) -> None:
        flow = PARCEL_FLOW.get(ret["status"])
        if flow is None:
            self.store.update_return(ret, None)
            return
        rng = random.Random(f"{self.seed}:{ret['id']}:{ret['status']}")  # noqa: S311 - reproducible simulation
        next_status, code, _ = flow
        if next_status == "DISPATCHED" and not ret["parcels"]:
            ret["parcels"].append(
                {
                    "createdAt": iso(at),
                    "waybill": f"{rng.randint(10**17, 10**18 - 1)}",
                    "transportingWaybill": None,
                    "carrierId": rng.choice(CARRIERS),
                    "transportingCarrierId": None,
                    "sender": {"phoneNumber": f"+48{rng.randint(500_000_000, 899_999_999)}"},
                }
            )
        for parcel in ret["parcels"]:
            self.store.set_tracking(
                parcel["carrierId"],
                parcel["waybill"],
                {"occurredAt": iso(at), "code": code, "description": TRACKING_TEXT[code]},
            )
        ret["status"] = next_status
        following = PARCEL_FLOW.get(next_status)
        next_at = None
        if following is not None:
            low, high = following[2]
            next_at = iso(at + timedelta(hours=rng.uniform(low, high)))
        self.store.update_return(ret, next_at)

    def _settle_refund(self, refund_id: str, now: datetime) -> None:
        with self.store.tx() as db:
            row = db.execute("SELECT * FROM refunds WHERE id = ?", (refund_id,)).fetchone()
            body = json.loads(row["body"])
            currency, total = row["currency"], Decimal(row["total"])
            balance = Decimal(self.store.get_meta(f"balance:{currency}") or "0")
            if balance >= total:
                status = "SUCCESS"
                self.store.set_meta(f"balance:{currency}", str(balance - total))
            else:
                status = "CANCELED"  # Allegro could not charge the seller's balance
            body["status"] = status
            db.execute(
                "UPDATE refunds SET status = ?, settle_at = NULL, body = ? WHERE id = ?",
                (status, dumps(body), refund_id),
            )
            if status == "SUCCESS":
                for ret_row in db.execute(
                    "SELECT body FROM returns WHERE order_id = ? AND status = 'DELIVERED'", (row["order_id"],)
                ).fetchall():
                    ret = json.loads(ret_row["body"])
                    ret["status"] = "FINISHED"
                    self.store.update_return(ret, None)

    def _settle_claim(self, claim_id: str, now: datetime) -> None:
        with self.store.tx() as db:
            row = db.execute("SELECT * FROM claims WHERE id = ?", (claim_id,)).fetchone()
            body = json.loads(row["body"])
            refunded = db.execute(
                "SELECT COUNT(*) FROM refunds WHERE order_id = ? AND status = 'SUCCESS'", (row["order_id"],)
            ).fetchone()[0]
            if refunded:
                body["status"] = "GRANTED"
                settle_at = None
            else:
                body["status"] = "WAITING_FOR_PAYMENT_REFUND"
                settle_at = iso(now + timedelta(hours=6))
            db.execute(
                "UPDATE claims SET status = ?, settle_at = ?, body = ? WHERE id = ?",
                (body["status"], settle_at, dumps(body), claim_id),
            )

    # --- bulk seeding -------------------------------------------------------------------------------

    def seed_returns(self, count: int, *, batch: int = 5000) -> int:
        """Add `count` historical customer returns (and their orders) created over the last ~20 days."""
        now = self.clock.now()
        files = sorted(
            generate_case_files(count, seed=self.seed + count, now=now),
            key=lambda f: f["customerReturn"]["createdAt"],
        )
        rng = random.Random(f"{self.seed}:bulk:{count}")  # noqa: S311 - reproducible simulation
        for start in range(0, len(files), batch):
            chunk = files[start : start + batch]
            with self.store.tx() as db:
                db.executemany(
                    "INSERT OR IGNORE INTO orders (id, created_at, status, body) VALUES (?, ?, ?, ?)",
                    [
                        (
                            f["order"]["id"],
                            f["order"]["lineItems"][0]["boughtAt"],
                            f["order"]["status"],
                            dumps(complete_order(f["order"])),
                        )
                        for f in chunk
                    ],
                )
                rows = []
                for f in chunk:
                    ret = f["customerReturn"]
                    flow = PARCEL_FLOW.get(ret["status"])
                    next_at = iso(now + timedelta(hours=rng.uniform(*flow[2]))) if flow else None
                    rows.append(
                        (ret["id"], ret["orderId"], ret["createdAt"], ret["status"], next_at, dumps(ret))
                    )
                db.executemany(
                    "INSERT OR IGNORE INTO returns (id, order_id, created_at, status, next_at, body) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
                tracking = []
                for f in chunk:
                    for parcel in f["customerReturn"]["parcels"]:
                        status = {
                            "occurredAt": parcel["createdAt"],
                            "code": "IN_TRANSIT",
                            "description": "Parcel in transit",
                        }
                        tracking.append(
                            (
                                parcel["carrierId"],
                                parcel["waybill"],
                                parcel["createdAt"],
                                parcel["createdAt"],
                                dumps([status]),
                            )
                        )
                db.executemany(
                    "INSERT OR IGNORE INTO tracking (carrier_id, waybill, created_at, updated_at, statuses) "
                    "VALUES (?, ?, ?, ?, ?)",
                    tracking,
                )
        return len(files)
