"""Benchmark: full sync of N customer returns from the Allegro emulator, and the emulator's throughput.

    .venv/bin/python benchmarks/allegro_sync.py [--returns 100000] [--page 1000] [--http] [--with-limits]

Runs against a throwaway data directory (its own SQLite database), never the project's. Prints:
  * seeding time of the emulator,
  * full sync time (pages of --page returns, one checkout form per return), returns/s,
  * the lower bound Allegro's rate limits put on the same sync (25 req/s customer returns,
    9000 req/min per client), and how far above/below it the measured sync is,
  * emulator requests/s in process (WSGI) and over HTTP (waitress on 127.0.0.1, several threads).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def setup_django(data_dir: str) -> None:
    os.environ["REFUND_DESK_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "refund_desk.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import logging

    import django

    django.setup()
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # queue depth notes are expected under load
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def lower_bound_seconds(returns: int, page: int) -> tuple[float, int]:
    """Seconds Allegro's limits need at least: pages at 25/s, and every request within 9000/min."""
    pages = math.ceil(returns / page) + 1  # + the empty page that ends the sync
    requests = pages + returns  # one checkout form per return
    return max(pages / 25, requests / (9000 / 60)), requests


def http_throughput(app: object, token: str, order_ids: list[str], *, threads: int, seconds: float) -> float:
    import httpx
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    port = server.effective_port  # type: ignore[union-attr]
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    done = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(offset: int) -> None:
        nonlocal done
        count = 0
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.allegro.public.v1+json"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
            i = offset
            while time.monotonic() < stop:
                http.get(f"/order/checkout-forms/{order_ids[i % len(order_ids)]}").raise_for_status()
                i += threads
                count += 1
        with lock:
            done += count

    started = time.monotonic()
    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    server.close()
    return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--returns", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--http", action="store_true", help="sync over HTTP (waitress) instead of in process")
    parser.add_argument("--with-limits", action="store_true", help="apply Allegro's rate limits client-side")
    parser.add_argument("--threads", type=int, default=8, help="client threads for the HTTP throughput test")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="refund-desk-bench-") as tmp:
        setup_django(tmp)
        import httpx

        from refund_desk.integrations.allegro.emulator import build_app
        from refund_desk.integrations.allegro.oauth import TokenPair
        from refund_desk.integrations.allegro.ratelimit import RateLimiter
        from refund_desk.integrations.allegro.services import account_connect, client_for_account
        from refund_desk.integrations.allegro.sync import sync_customer_returns

        app = build_app(Path(tmp) / "emulator.sqlite3", seed=1, speed=0)
        started = time.monotonic()
        app.scenario.seed_returns(args.returns)
        print(f"emulator seeded {args.returns} returns in {time.monotonic() - started:.1f}s")

        token = app.oauth.issue()
        server_thread = None
        if args.http:
            from waitress.server import create_server

            server = create_server(app, host="127.0.0.1", port=0, threads=8)
            api_url = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
            server_thread = threading.Thread(target=server.run, daemon=True)
            server_thread.start()
            transport = None
        else:
            api_url = "http://emulator.local"
            transport = httpx.WSGITransport(app=app)
        account = account_connect(
            name="bench", environment="emulator", api_url=api_url, tokens=TokenPair.from_response(token)
        )
        limiter = None if args.with_limits else RateLimiter(limits={})
        client = client_for_account(account, transport=transport, limiter=limiter)

        last = [time.monotonic()]

        def progress(run: object) -> None:
            if time.monotonic() - last[0] > 10:
                last[0] = time.monotonic()
                print(f"  … {run.items_seen} returns, {run.created} cases")  # type: ignore[attr-defined]

        started = time.monotonic()
        run = sync_customer_returns(account=account, client=client, limit=args.page, progress=progress)
        elapsed = time.monotonic() - started
        bound, requests = lower_bound_seconds(args.returns, args.page)
        mode = "HTTP/waitress" if args.http else "in-process WSGI"
        limits = "with client-side rate limits" if args.with_limits else "without client-side rate limits"
        print(
            f"full sync ({mode}, {limits}): {run.items_seen} returns seen, {run.created} cases created, "
            f"{run.quarantined} quarantined, status {run.status} in {elapsed:.1f}s "
            f"({run.items_seen / elapsed:.0f} returns/s, {requests / elapsed:.0f} requests/s)"
        )
        print(
            f"rate-limit lower bound for {requests} requests ({math.ceil(args.returns / args.page) + 1} pages at "
            f"25 req/s, all at 9000 req/min): {bound:.1f}s -> measured/bound = {elapsed / bound:.2f}"
        )
        client.close()

        with app.store.tx() as db:
            order_ids = [row[0] for row in db.execute("SELECT id FROM orders LIMIT 5000")]
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://emulator.local") as http:
            headers = {
                "Authorization": f"Bearer {token['access_token']}",
                "Accept": "application/vnd.allegro.public.v1+json",
            }
            count, started = 0, time.monotonic()
            while time.monotonic() - started < args.seconds:
                http.get(f"/order/checkout-forms/{order_ids[count % len(order_ids)]}", headers=headers)
                count += 1
            print(
                f"emulator in process: {count / (time.monotonic() - started):.0f} requests/s (GET checkout form)"
            )
            beta = {**headers, "Accept": "application/vnd.allegro.beta.v1+json"}
            count, started = 0, time.monotonic()
            while time.monotonic() - started < args.seconds:
                http.get(
                    "/order/customer-returns",
                    params={"limit": 1000, "offset": (count * 1000) % args.returns},
                    headers=beta,
                )
                count += 1
            rate = count / (time.monotonic() - started)
            print(
                f"emulator in process: {rate:.1f} pages/s of 1000 customer returns ({rate * 1000:.0f} returns/s)"
            )
        rps = http_throughput(
            app, token["access_token"], order_ids, threads=args.threads, seconds=args.seconds
        )
        print(f"emulator over HTTP (waitress, {args.threads} client threads): {rps:.0f} requests/s")


if __name__ == "__main__":
    main()
