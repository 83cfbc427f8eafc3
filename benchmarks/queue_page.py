"""Queue page latency with a million cases (SQLite by default, or DATABASE_URL).

Run: .venv/bin/python benchmarks/queue_page.py [--cases 1000000] [--repeat 30] [--keep]
Builds a database of `--cases` refund cases (bulk SQL, outside the ORM for speed; reused when --keep
left one behind), then requests the real queue page through Django's test client as a logged-in agent
and prints the median and p95 per query: the default queue, filters, search and a deep page.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATUSES = [
    "NEW",
    "UNDER_REVIEW",
    "AWAITING_RETURN",
    "RETURN_RECEIVED",
    "APPROVED",
    "REFUND_PENDING",
    "REFUNDED",
    "CLOSED",
    "REJECTED",
    "ESCALATED",
    "APPEALED",
]
OPEN = {
    "NEW",
    "UNDER_REVIEW",
    "AWAITING_RETURN",
    "RETURN_RECEIVED",
    "APPROVED",
    "REFUND_PENDING",
    "ESCALATED",
    "APPEALED",
}
KINDS = ["WITHDRAWAL"] * 8 + ["COMPLAINT", "CANCELLATION"]
MARKETS = [("allegro-pl", "PLN")] * 7 + [("allegro-cz", "CZK"), ("allegro-sk", "EUR"), ("allegro-hu", "HUF")]
REASONS = ["DONT_LIKE_IT", "TOO_SMALL", "DAMAGED", "MISTAKE", "NOT_AS_DESCRIBED", "HIDDEN_FLAW", "NONE"]
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


def populate(total: int) -> None:
    from django.db import connection, transaction

    from refund_desk.cases.models import Buyer, Order, RefundCase, SellerAccount

    rng = random.Random(1)
    now = datetime.now(UTC)
    accounts = [SellerAccount.objects.create(name=f"bench-{i}") for i in range(3)]
    buyers = Buyer.objects.bulk_create(
        Buyer(allegro_id=str(10_000_000 + i), login=f"buyer_{i:05d}") for i in range(20_000)
    )
    orders = Order.objects.bulk_create(
        Order(
            account=accounts[i % 3],
            external_id=f"{i:08x}-0000-4000-8000-{i:012x}",
            buyer=buyers[i % len(buyers)],
            marketplace="allegro-pl",
            currency="PLN",
        )
        for i in range(50_000)
    )
    table = RefundCase._meta.db_table
    columns = [
        "account_id", "kind", "source", "external_id", "reference", "order_id", "buyer_id", "status",
        "external_status", "marketplace", "currency", "buyer_login", "order_external_id", "primary_reason",
        "requested_amount", "opened_at", "respond_by", "refund_by", "due_at", "snapshot", "fingerprint",
        "created_at", "updated_at",
    ]  # fmt: skip
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 - fixed names
    batch = 20_000
    started = time.perf_counter()
    for offset in range(0, total, batch):
        rows = []
        for n in range(offset, min(total, offset + batch)):
            order = orders[rng.randrange(len(orders))]
            status = rng.choice(STATUSES)
            market, currency = rng.choice(MARKETS)
            opened = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 400))
            refund_by = opened + timedelta(days=14)
            due = refund_by if status in OPEN else FAR_FUTURE
            rows.append(
                (
                    order.account_id, rng.choice(KINDS), "CUSTOMER_RETURN", f"ret-{n:09d}", f"R{n:08d}X",
                    order.pk, order.buyer_id, status, "CREATED", market, currency,
                    f"buyer_{(order.buyer_id - buyers[0].pk):05d}", order.external_id, rng.choice(REASONS),
                    f"{rng.randrange(1000, 200000) / 100:.2f}", opened, refund_by, refund_by, due, "{}", "",
                    opened, opened,
                )
            )  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        done = min(total, offset + batch)
        rate = done / (time.perf_counter() - started)
        print(f"\r  inserted {done:,}/{total:,} cases ({rate:,.0f}/s)", end="", flush=True)
    print()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute(f"ANALYZE {table}")


def measure(client: object, url: str, repeat: int) -> tuple[float, float, int]:
    timings = []
    status = 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        timings.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "bench-queue"))
    args = parser.parse_args()

    os.environ["REFUND_DESK_DATA_DIR"] = args.data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "refund_desk.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from refund_desk.cases.models import AccountMembership, RefundCase, SellerAccount

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    existing = RefundCase.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if existing < args.cases:
        if existing:
            print(
                f"database has {existing:,} cases, fewer than {args.cases:,}: rebuild with an empty --data-dir"
            )
            return
        print(f"building {args.cases:,} cases in {connection.vendor} at {args.data_dir} ...")
        populate(args.cases)
    user, _ = get_user_model().objects.get_or_create(username="bench-agent")
    user.groups.add(Group.objects.get_or_create(name="agent")[0])
    # An in-house agent works for every account; an agency's agent for one of the three.
    AccountMembership.objects.get_or_create(user=user, account=None)
    scoped_user, _ = get_user_model().objects.get_or_create(username="bench-agency-agent")
    scoped_user.groups.add(Group.objects.get_or_create(name="agent")[0])
    one_account = SellerAccount.objects.order_by("pk").first()
    AccountMembership.objects.get_or_create(user=scoped_user, account=one_account)
    client = Client()
    client.force_login(user)
    scoped_client = Client()
    scoped_client.force_login(scoped_user)

    first = client.get("/").content.decode()
    rows = first.count("data-case-id=")
    if rows == 0:
        print("the queue page lists no cases for the benchmark agent: the figures would mean nothing")
        return
    match = re.search(r"[?&]cursor=([A-Za-z0-9_-]+)", first)
    page_two = match.group(1) if match else None
    urls = {
        "default queue (all, by deadline)": "/",
        "status=NEW": "/?status=NEW",
        "kind=COMPLAINT + marketplace=allegro-cz": "/?kind=COMPLAINT&marketplace=allegro-cz",
        "reason=DAMAGED": "/?reason=DAMAGED",
        "overdue": "/?overdue=1",
        "account filter": "/?account=2",
        "search buyer login prefix": "/?q=buyer_0123",
        "search order id": "/?q=0000abcd-0000-4000-8000-00000000abcd",
        "search return reference": "/?q=R00054321X",
    }
    if page_two:
        urls["second page (cursor)"] = f"/?cursor={page_two}"
    print(f"queue page, {args.cases:,} cases, {connection.vendor}, median / p95 of {args.repeat} requests:")
    for label, url in urls.items():
        median, p95, status = measure(client, url, args.repeat)
        print(f"  {label:42s} {median:7.1f} ms  {p95:7.1f} ms  (HTTP {status})")
    for label, url in {
        "one-account agent: default queue": "/",
        "one-account agent: overdue": "/?overdue=1",
    }.items():
        median, p95, status = measure(scoped_client, url, args.repeat)
        print(f"  {label:42s} {median:7.1f} ms  {p95:7.1f} ms  (HTTP {status})")


if __name__ == "__main__":
    main()
