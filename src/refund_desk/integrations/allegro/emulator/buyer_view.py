"""What Allegro shows one buyer: their customer returns (status, the seller's rejection and its reason),
their post-purchase issues (state and the seller's messages in the chat), the refunds paid to them, and the
seller's Message Center messages. For tests and the demo: did the buyer get what the desk decided?"""

from __future__ import annotations

import json
from typing import Any

from refund_desk.integrations.allegro.emulator.store import Store


def buyer_view(store: Store, login: str) -> dict[str, Any]:
    """Everything Allegro shows the buyer `login`, newest first within each part."""
    with store.tx() as db:
        returns = [
            json.loads(row["body"])
            for row in db.execute(
                "SELECT body FROM returns WHERE json_extract(body, '$.buyer.login') = ? ORDER BY seq DESC",
                (login,),
            )
        ]
        order_ids = [
            row["id"]
            for row in db.execute(
                "SELECT id FROM orders WHERE json_extract(body, '$.buyer.login') = ?", (login,)
            )
        ]
        issues = []
        for row in db.execute(
            "SELECT id, body FROM issues WHERE json_extract(body, '$.buyer.login') = ? ORDER BY seq DESC",
            (login,),
        ):
            issue = json.loads(row["body"])
            chat = [
                json.loads(m["body"])
                for m in db.execute(
                    "SELECT body FROM issue_messages WHERE issue_id = ? ORDER BY seq", (row["id"],)
                )
            ]
            issues.append((issue, chat))
        marks = ",".join("?" * len(order_ids))
        refunds = (
            [
                dict(row)
                for row in db.execute(
                    f"SELECT id, order_id, status, total, currency, created_at FROM refunds "  # noqa: S608
                    f"WHERE order_id IN ({marks}) ORDER BY seq DESC",
                    order_ids,
                )
            ]
            if order_ids
            else []
        )
        threads = [
            row["id"]
            for row in db.execute(
                "SELECT id FROM threads WHERE json_extract(body, '$.interlocutor.login') = ?", (login,)
            )
        ]
        tmarks = ",".join("?" * len(threads))
        messages = (
            [
                json.loads(row["body"])
                for row in db.execute(
                    f"SELECT body FROM messages WHERE thread_id IN ({tmarks}) ORDER BY seq",  # noqa: S608
                    threads,
                )
            ]
            if threads
            else []
        )
    return {
        "login": login,
        "returns": [
            {
                "id": r["id"],
                "referenceNumber": r.get("referenceNumber"),
                "orderId": r.get("orderId"),
                "status": r.get("status"),
                "rejection": r.get("rejection"),
            }
            for r in returns
        ],
        "issues": [
            {
                "id": issue["id"],
                "type": issue.get("type"),
                "status": (issue.get("currentState") or {}).get("status"),
                "sellerMessages": [
                    {"text": m.get("text"), "createdAt": m.get("createdAt")}
                    for m in chat
                    if (m.get("author") or {}).get("role") == "SELLER"
                ],
            }
            for issue, chat in issues
        ],
        "refunds": [
            {
                "id": r["id"],
                "orderId": r["order_id"],
                "status": r["status"],
                "total": r["total"],
                "currency": r["currency"],
                "createdAt": r["created_at"],
            }
            for r in refunds
        ],
        "sellerMessages": [
            {
                "text": m.get("text"),
                "createdAt": m.get("createdAt"),
                "threadId": (m.get("thread") or {}).get("id"),
            }
            for m in messages
            if not (m.get("author") or {}).get("isInterlocutor")
        ],
    }


def buyer_view_lines(view: dict[str, Any]) -> list[str]:
    """The view as a person reads it in a terminal."""
    lines = [f"What Allegro shows {view['login']}:"]
    lines.append(f"  customer returns: {len(view['returns'])}")
    for r in view["returns"]:
        rejection = r["rejection"]
        said = f" — rejected {rejection['code']}: {rejection.get('reason') or ''}" if rejection else ""
        lines.append(f"    {r['referenceNumber'] or r['id']} (order {r['orderId']}): {r['status']}{said}")
    lines.append(f"  post-purchase issues: {len(view['issues'])}")
    for i in view["issues"]:
        lines.append(f"    {i['id']} {i['type']}: {i['status']}")
        lines.extend(f"      seller: {m['text']}" for m in i["sellerMessages"])
    lines.append(f"  refunds: {len(view['refunds'])}")
    lines.extend(
        f"    {r['total']} {r['currency']} (order {r['orderId']}): {r['status']}" for r in view["refunds"]
    )
    lines.append(f"  messages from the seller: {len(view['sellerMessages'])}")
    lines.extend(f"    {m['text']}" for m in view["sellerMessages"])
    return lines
