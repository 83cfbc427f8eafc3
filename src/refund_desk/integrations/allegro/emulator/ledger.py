"""Money ledger of the emulated seller: what each order was paid, refunded, and by which commands.

`refund-desk emulator ledger --check` fails when an order was refunded more than it was paid or when
one commandId was executed more than once — the two ways a refund integration can lose money.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from refund_desk.integrations.allegro.emulator.store import Store

COMMITTED = ("NEW", "VALIDATED", "IN_PROGRESS", "SUCCESS", "PARTIAL")


@dataclass
class OrderLedger:
    order_id: str
    currency: str
    paid: Decimal
    refunded: Decimal = Decimal("0")
    pending: Decimal = Decimal("0")
    canceled: Decimal = Decimal("0")
    commands: set[str] = field(default_factory=set)

    @property
    def over_refunded(self) -> bool:
        return self.refunded + self.pending > self.paid


@dataclass
class LedgerReport:
    orders: list[OrderLedger]
    duplicate_commands: dict[str, int]

    @property
    def problems(self) -> list[str]:
        found = [
            f"order {o.order_id}: refunded {o.refunded + o.pending} {o.currency} of {o.paid} paid"
            for o in self.orders
            if o.over_refunded
        ]
        found += [f"commandId {cmd} executed {n} times" for cmd, n in self.duplicate_commands.items()]
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "orders": [
                {
                    "orderId": o.order_id,
                    "currency": o.currency,
                    "paid": str(o.paid),
                    "refunded": str(o.refunded),
                    "pending": str(o.pending),
                    "canceled": str(o.canceled),
                    "commands": sorted(o.commands),
                }
                for o in self.orders
            ],
            "problems": self.problems,
        }

    def lines(self) -> list[str]:
        out = [
            f"{'order':36}  {'cur':3}  {'paid':>12}  {'refunded':>12}  {'pending':>10}  {'canceled':>10}  commands"
        ]
        for o in self.orders:
            out.append(
                f"{o.order_id:36}  {o.currency:3}  {o.paid:>12}  {o.refunded:>12}  {o.pending:>10}  "
                f"{o.canceled:>10}  {len(o.commands)}"
            )
        return out


def ledger_report(store: Store) -> LedgerReport:
    """Every order that has at least one refund, with its totals, and commands executed twice."""
    ledgers: dict[str, OrderLedger] = {}
    with store.tx() as db:
        for row in db.execute(
            "SELECT order_id, command_id, status, total, currency FROM refunds ORDER BY seq"
        ):
            ledger = ledgers.get(row["order_id"])
            if ledger is None:
                order_row = db.execute("SELECT body FROM orders WHERE id = ?", (row["order_id"],)).fetchone()
                paid = Decimal("0")
                if order_row is not None:
                    paid = Decimal(json.loads(order_row["body"])["payment"]["paidAmount"]["amount"])
                ledger = ledgers[row["order_id"]] = OrderLedger(row["order_id"], row["currency"], paid)
            total = Decimal(row["total"])
            if row["status"] == "SUCCESS":
                ledger.refunded += total
            elif row["status"] in COMMITTED:
                ledger.pending += total
            else:
                ledger.canceled += total
            ledger.commands.add(row["command_id"])
        duplicates = {
            r["command_id"]: r["n"]
            for r in db.execute(
                "SELECT command_id, COUNT(*) AS n FROM refund_executions GROUP BY command_id HAVING n > 1"
            )
        }
    return LedgerReport(orders=list(ledgers.values()), duplicate_commands=duplicates)
