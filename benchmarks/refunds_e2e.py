"""Benchmark: refunds end to end through the Allegro emulator over HTTP, one worker, under faults.

    .venv/bin/python benchmarks/refunds_e2e.py [--refunds 300] [--faults 5xx=0.05,429=0.05,...]
                                               [--timeout-delay 0.5]

Starts `refund-desk emulator` as a subprocess on a free 127.0.0.1 port (its own SQLite file in a
throwaway data directory; Refund Desk also uses a throwaway SQLite database), seeds customer returns,
syncs them into cases with the real sync, approves those the policy engine pays, then times one worker:

  1. `refund_order_create` for every approved case (refund order + outbox message, one transaction),
  2. the outbox executor loop the huey worker runs (`payments.services.outbox_run`) until nothing is
     pending — through the production `AllegroGateway` and `AllegroClient` (rate limits, retries with
     real sleeps, circuit breaker) while the emulator injects 429/5xx/timeouts/dropped answers/duplicates,
  3. reconciliation (`refunds_reconcile_all`) until every refund is SUCCESS.

Allegro settles a refund minutes after accepting it and the outbox waits 30 s before its own retries;
neither is Refund Desk's work, so the benchmark advances the emulator's clock and, when the worker has
nothing due, hands it the time of the next due message instead of sleeping (it prints how often).
Finally it runs `refund-desk emulator ledger --check` and prints refunds/minute, retries and the verdict.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_FAULTS = "5xx=0.05,429=0.05,timeout=0.02,drop=0.03,duplicate=0.05"


def setup_django(data_dir: str) -> None:
    os.environ["REFUND_DESK_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "refund_desk.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import logging

    import django

    django.setup()
    for name in ("httpx", "refund_desk"):
        logging.getLogger(name).setLevel(logging.ERROR)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "refund_desk.cli", *args]


def start_emulator(db: Path, port: int, timeout_delay: float) -> subprocess.Popen[bytes]:
    import httpx

    process = subprocess.Popen(
        cli(
            "emulator",
            "--port",
            str(port),
            "--db",
            str(db),
            "--seed",
            "7",
            "--speed",
            "0",  # emulated time moves only when the benchmark advances it
            "--rates",
            "orders=0,returns=0,issues=0,cancellations=0,messages=0",
            "--timeout-delay",
            str(timeout_delay),
        ),
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/__emulator/stats", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the emulator did not start")


class CountingTransport:
    """Counts what the client really sent and what came back (so retries are visible)."""

    def __init__(self) -> None:
        import httpx

        self.inner = httpx.HTTPTransport()
        self.calls: Counter[str] = Counter()
        self.answers: Counter[str] = Counter()

    def handle_request(self, request: Any) -> Any:
        key = f"{request.method} {request.url.path}"
        self.calls[key] += 1
        try:
            response = self.inner.handle_request(request)
        except Exception as exc:
            self.answers[type(exc).__name__] += 1
            raise
        self.answers[str(response.status_code)] += 1
        return response

    def close(self) -> None:
        self.inner.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refunds", type=int, default=300, help="returns to seed (≈ refunds paid)")
    parser.add_argument("--faults", default=DEFAULT_FAULTS)
    parser.add_argument("--timeout-delay", type=float, default=0.5, help="seconds a 'timeout' fault stalls")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="refunds-e2e-") as tmp:
        setup_django(tmp)
        import httpx
        from django.db.models import Sum
        from django.utils import timezone

        from refund_desk.cases.actors import Actor
        from refund_desk.cases.models import RefundCase
        from refund_desk.cases.services import case_transition
        from refund_desk.integrations.allegro.client import AllegroClient
        from refund_desk.integrations.allegro.gateway import AllegroGateway
        from refund_desk.integrations.allegro.oauth import TokenPair
        from refund_desk.integrations.allegro.services import account_connect, client_for_account
        from refund_desk.integrations.allegro.sync import sync_customer_returns
        from refund_desk.payments import services
        from refund_desk.payments.choices import OutboxStatus, RefundStatus
        from refund_desk.payments.gateway import refund_gateway
        from refund_desk.payments.models import OutboxMessage, RefundOrder
        from refund_desk.payments.services.refunds import ENGINE_PAYS
        from refund_desk.policy.selectors import case_evaluation

        db = Path(tmp) / "emulator.sqlite3"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        emulator = start_emulator(db, port, args.timeout_delay)
        try:
            admin = httpx.Client(base_url=base, timeout=60)
            started = time.monotonic()
            admin.post("/__emulator/seed", json={"returns": args.refunds}).raise_for_status()
            for currency in ("PLN", "CZK", "EUR", "HUF"):  # seeded orders do not credit the seller balance
                admin.post(
                    "/__emulator/balance", json={"currency": currency, "amount": "100000000"}
                ).raise_for_status()
            token = admin.post("/__emulator/tokens", json={}).raise_for_status().json()
            account = account_connect(
                name="bench", environment="emulator", api_url=base, tokens=TokenPair.from_response(token)
            )
            with client_for_account(account) as client:
                run = sync_customer_returns(account=account, client=client)
            system = Actor.system("benchmark")
            cases = []
            for case in RefundCase.objects.select_related("order").order_by("pk"):
                evaluation = case_evaluation(case)
                if (
                    case.order.payment_type not in ("CASH_ON_DELIVERY", "WIRE_TRANSFER")
                    and evaluation is not None
                    and evaluation.decision in ENGINE_PAYS
                    and case.can_transition_to("APPROVED")
                ):
                    cases.append(case_transition(case=case, to="APPROVED", actor=system))
            for currency in ("PLN", "CZK", "EUR", "HUF"):  # no four-eyes wait inside the measurement
                services.payment_settings_set(
                    account=account, currency=currency, approval_threshold="10000000", actor=system
                )
            print(
                f"setup: {run.created} cases synced, {len(cases)} approved for an Allegro refund "
                f"in {time.monotonic() - started:.1f}s"
            )
            admin.post(
                "/__emulator/faults", json={"faults": args.faults, "timeoutDelay": args.timeout_delay}
            ).raise_for_status()

            counting = CountingTransport()
            rng = random.Random(1)

            def production_client(acc: Any) -> AllegroClient:
                # The production client (default limiter, retry policy with real sleeps, breaker),
                # only with a transport that counts requests.
                return client_for_account(acc, transport=counting, rng=rng)  # type: ignore[arg-type]

            fast_forwards = 0
            skipped_wait = timedelta(0)
            with refund_gateway.override(AllegroGateway(client_factory=production_client)):
                t0 = time.monotonic()
                for case in cases:
                    services.refund_order_create(case=case, actor=system)
                t1 = time.monotonic()
                now = timezone.now()
                while OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists():
                    if services.outbox_run(now=now) == 0:
                        due = (
                            OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
                            .order_by("next_attempt_at")
                            .values_list("next_attempt_at", flat=True)
                            .first()
                        )
                        if due is not None and due > now:
                            fast_forwards += 1
                            skipped_wait += due - now
                            now = due
                    else:
                        now = max(now, timezone.now())
                t2 = time.monotonic()
                admin.post("/__emulator/clock", json={"advance": 3600}).raise_for_status()  # Allegro settles
                check_at = now + timedelta(minutes=11)
                rounds = 0
                while RefundOrder.objects.filter(status=RefundStatus.SUBMITTED).exists() and rounds < 20:
                    services.refunds_reconcile_all(now=check_at)
                    check_at += timedelta(minutes=11)
                    rounds += 1
                t3 = time.monotonic()
        finally:
            emulator.terminate()
            emulator.wait(timeout=20)

        statuses = Counter(RefundOrder.objects.values_list("status", flat=True))
        paid = statuses.get(RefundStatus.SUCCESS, 0)
        attempts = OutboxMessage.objects.aggregate(n=Sum("attempts"))["n"] or 0
        posts = counting.calls["POST /payments/refunds"]
        gets = counting.calls["GET /payments/refunds"]
        elapsed = t3 - t0
        ledger = subprocess.run(
            cli("emulator", "ledger", "--check", "--db", str(db)), capture_output=True, text=True, check=False
        )
        verdict = "PASS" if ledger.returncode == 0 else "FAIL"
        summary = ledger.stdout.strip().splitlines()[-1] if ledger.stdout.strip() else ""

        print(f"faults: {args.faults} (timeout stalls {args.timeout_delay}s)")
        print(f"refunds: {dict(statuses)}")
        print(
            f"time: create {t1 - t0:.1f}s, outbox {t2 - t1:.1f}s, reconcile {t3 - t2:.1f}s, "
            f"total {elapsed:.1f}s"
        )
        print(f"throughput: {paid / elapsed * 60:.0f} refunds/minute end to end (one worker, HTTP)")
        print(
            f"retries: POST /payments/refunds sent {posts} times for {len(cases)} refunds "
            f"({posts - len(cases)} client retries, same commandId); outbox attempts {attempts} "
            f"({attempts - len(cases)} outbox-level retries); reconcile GETs {gets}"
        )
        print(f"answers seen by the client: {dict(sorted(counting.answers.items()))}")
        print(
            f"backoff waits fast-forwarded: {fast_forwards} "
            f"({skipped_wait.total_seconds():.0f}s the worker would have slept)"
        )
        print(f"ledger check: {verdict} — {summary}")
        for line in ledger.stderr.strip().splitlines():
            print(f"  {line}")
        if verdict != "PASS" or paid != len(cases):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
