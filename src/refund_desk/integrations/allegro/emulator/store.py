"""The emulator's state: one SQLite file, written through one lock (the emulator is a test double)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,
    status TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_created ON orders (created_at);
CREATE TABLE IF NOT EXISTS returns (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, order_id TEXT NOT NULL,
    created_at TEXT NOT NULL, status TEXT NOT NULL, next_at TEXT, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS returns_created ON returns (created_at);
CREATE INDEX IF NOT EXISTS returns_next ON returns (next_at);
CREATE INDEX IF NOT EXISTS returns_order ON returns (order_id);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, occurred_at TEXT NOT NULL,
    order_id TEXT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tracking (
    carrier_id TEXT NOT NULL, waybill TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    statuses TEXT NOT NULL, PRIMARY KEY (carrier_id, waybill)
);
CREATE TABLE IF NOT EXISTS refunds (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, command_id TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL, payment_id TEXT NOT NULL, status TEXT NOT NULL, total TEXT NOT NULL,
    currency TEXT NOT NULL, created_at TEXT NOT NULL, settle_at TEXT, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refunds_order ON refunds (order_id);
CREATE INDEX IF NOT EXISTS refunds_settle ON refunds (settle_at);
CREATE TABLE IF NOT EXISTS refund_executions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, command_id TEXT NOT NULL, refund_id TEXT NOT NULL,
    order_id TEXT NOT NULL, executed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, line_item_id TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL, status TEXT NOT NULL, settle_at TEXT, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS claims_settle ON claims (settle_at);
CREATE TABLE IF NOT EXISTS issues (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, order_id TEXT NOT NULL,
    status TEXT NOT NULL, opened_at TEXT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS issue_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, issue_id TEXT NOT NULL,
    created_at TEXT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS threads (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, last_at TEXT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, thread_id TEXT NOT NULL,
    created_at TEXT NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    access_token TEXT PRIMARY KEY, refresh_token TEXT NOT NULL UNIQUE, expires_at REAL NOT NULL,
    scopes TEXT NOT NULL, refresh_used_at REAL, successor TEXT
);
CREATE TABLE IF NOT EXISTS device_codes (
    device_code TEXT PRIMARY KEY, user_code TEXT NOT NULL UNIQUE, expires_at REAL NOT NULL,
    interval INTEGER NOT NULL, polls INTEGER NOT NULL DEFAULT 0, last_poll REAL, approved INTEGER NOT NULL,
    scopes TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_codes (
    code TEXT PRIMARY KEY, redirect_uri TEXT NOT NULL, scopes TEXT NOT NULL, used INTEGER NOT NULL DEFAULT 0
);
"""


def prune_nulls(value: Any) -> Any:
    """Drop null members: Allegro omits absent optional fields, and most are not nullable in its spec."""
    if isinstance(value, dict):
        return {k: prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [prune_nulls(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """Serialise a stored document (in the shape Allegro sends it: without null members)."""
    return json.dumps(prune_nulls(value), separators=(",", ":"), ensure_ascii=False)


class Store:
    """SQLite-backed state. All access goes through `tx()`, which holds the store lock.

    One lock keeps the emulator's multi-step operations (idempotent refunds, scenario ticks)
    trivially consistent across waitress threads; the emulator is a test double, not a database.
    """

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        self._depth = 0

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A transaction (nested calls join the outer one) under the store lock."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            else:
                self._depth -= 1
                if outer:
                    self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # --- meta -----------------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self.tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # --- documents ------------------------------------------------------------------------------------

    def order(self, order_id: str) -> dict[str, Any] | None:
        with self.tx() as db:
            row = db.execute("SELECT body FROM orders WHERE id = ?", (order_id,)).fetchone()
        return json.loads(row["body"]) if row else None

    def save_order(self, order: dict[str, Any]) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO orders (id, created_at, status, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body",
                (order["id"], order["lineItems"][0]["boughtAt"], order["status"], dumps(order)),
            )

    def customer_return(self, return_id: str) -> dict[str, Any] | None:
        with self.tx() as db:
            row = db.execute("SELECT body FROM returns WHERE id = ?", (return_id,)).fetchone()
        return json.loads(row["body"]) if row else None

    def insert_return(self, ret: dict[str, Any], next_at: str | None) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO returns (id, order_id, created_at, status, next_at, body) VALUES (?, ?, ?, ?, ?, ?)",
                (ret["id"], ret["orderId"], ret["createdAt"], ret["status"], next_at, dumps(ret)),
            )

    def update_return(self, ret: dict[str, Any], next_at: str | None) -> None:
        with self.tx() as db:
            db.execute(
                "UPDATE returns SET status = ?, next_at = ?, body = ? WHERE id = ?",
                (ret["status"], next_at, dumps(ret), ret["id"]),
            )

    def add_event(self, *, type_: str, occurred_at: str, order: dict[str, Any], seller_id: str) -> None:
        body = {
            "type": type_,
            "occurredAt": occurred_at,
            "order": {
                "seller": {"id": seller_id},
                "buyer": {k: order["buyer"][k] for k in ("id", "email", "login", "guest")},
                "lineItems": [
                    {k: li[k] for k in ("id", "offer", "quantity", "originalPrice", "price", "boughtAt")}
                    for li in order["lineItems"]
                ],
                "checkoutForm": {"id": order["id"], "revision": order.get("revision")},
                "marketplace": order["marketplace"],
            },
        }
        with self.tx() as db:
            db.execute(
                "INSERT INTO events (type, occurred_at, order_id, body) VALUES (?, ?, ?, ?)",
                (type_, occurred_at, order["id"], dumps(body)),
            )

    def set_tracking(self, carrier_id: str, waybill: str, status: dict[str, str]) -> None:
        with self.tx() as db:
            row = db.execute(
                "SELECT statuses FROM tracking WHERE carrier_id = ? AND waybill = ?", (carrier_id, waybill)
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO tracking (carrier_id, waybill, created_at, updated_at, statuses) VALUES (?,?,?,?,?)",
                    (carrier_id, waybill, status["occurredAt"], status["occurredAt"], dumps([status])),
                )
            else:
                statuses = [*json.loads(row["statuses"]), status]
                db.execute(
                    "UPDATE tracking SET statuses = ?, updated_at = ? WHERE carrier_id = ? AND waybill = ?",
                    (dumps(statuses), status["occurredAt"], carrier_id, waybill),
                )
