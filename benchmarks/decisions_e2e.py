"""Benchmark: people's decisions carried out on Allegro with the buyer's notices, one worker, under faults.

    .venv/bin/python benchmarks/decisions_e2e.py [--decisions 1000] [--sellers 4] [--faults 5xx=0.05,...]

Starts one `refund-desk emulator` per seller account (Allegro limits Message Center posts to about one a
second per seller, so throughput grows with the sellers an installation serves), seeds customer returns
in each, syncs them into cases with the real sync, then, round-robin over the sellers, a person rejects
each return with a reason (`case_reject`: the rejection and the buyer's notice are queued in the
decision's transaction) and the worker runs the two commands at once, as the after-commit task does,
through the production client (rate limits with real waits, retries, breaker) while the emulators inject
429/5xx/timeouts/lost answers. What fails is retried by the outbox sweep until nothing is pending.

It prints decisions per minute, the decision-to-Allegro latency (commit to both commands carried out)
for decisions whose commands succeeded at the first attempt, retries, and the verdict from each
emulator's buyer view: every return rejected with its reason and its notice received exactly once.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from refunds_e2e import DEFAULT_FAULTS, CountingTransport, free_port, setup_django, start_emulator


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--decisions", type=int, default=1000, help="returns to seed and reject, in all")
    parser.add_argument("--sellers", type=int, default=4, help="seller accounts, one emulator each")
    parser.add_argument("--faults", default=DEFAULT_FAULTS)
    parser.add_argument("--timeout-delay", type=float, default=0.5, help="seconds a 'timeout' fault stalls")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="decisions-e2e-") as tmp:
        setup_django(tmp)
        import random

        import httpx
        from django.db.models import Sum
        from django.utils import timezone

        from refund_desk.cases.actors import Actor
        from refund_desk.cases.models import RefundCase
        from refund_desk.cases.tests.factories import make_user
        from refund_desk.core.roles import Role
        from refund_desk.integrations.allegro.client import AllegroClient
        from refund_desk.integrations.allegro.gateway import AllegroGateway
        from refund_desk.integrations.allegro.oauth import TokenPair
        from refund_desk.integrations.allegro.services import account_connect, client_for_account
        from refund_desk.integrations.allegro.sync import sync_customer_returns
        from refund_desk.notices.models import Notice
        from refund_desk.outbound import services
        from refund_desk.outbound.choices import CommandStatus
        from refund_desk.outbound.gateway import decision_gateway
        from refund_desk.outbound.models import Command
        from refund_desk.workflows.rejection import case_reject

        emulators, admins, accounts = [], [], []
        per_seller = -(-args.decisions // args.sellers)
        started = time.monotonic()
        try:
            for n in range(args.sellers):
                port = free_port()
                base = f"http://127.0.0.1:{port}"
                emulators.append(
                    start_emulator(Path(tmp) / f"emulator-{n}.sqlite3", port, args.timeout_delay)
                )
                admin = httpx.Client(base_url=base, timeout=60)
                admins.append(admin)
                admin.post("/__emulator/seed", json={"returns": per_seller}).raise_for_status()
                token = admin.post("/__emulator/tokens", json={}).raise_for_status().json()
                account = account_connect(
                    name=f"seller-{n}",
                    environment="emulator",
                    api_url=base,
                    tokens=TokenPair.from_response(token),
                )
                accounts.append(account)
                with client_for_account(account) as client:
                    sync_customer_returns(account=account, client=client)
            person = Actor.for_user(make_user("bench-agent", [Role.AGENT]))
            queues = [
                list(RefundCase.objects.filter(account=a, status="NEW").order_by("pk")) for a in accounts
            ]
            order: list[RefundCase] = []
            while any(queues) and len(order) < args.decisions:
                for queue in queues:
                    if queue and len(order) < args.decisions:
                        order.append(queue.pop(0))
            print(
                f"setup: {args.sellers} sellers, {len(order)} returns synced in {time.monotonic() - started:.1f}s"
            )
            for admin in admins:
                admin.post(
                    "/__emulator/faults", json={"faults": args.faults, "timeoutDelay": args.timeout_delay}
                ).raise_for_status()

            counting = CountingTransport()
            rng = random.Random(1)

            def production_client(acc: Any) -> AllegroClient:
                return client_for_account(acc, transport=counting, rng=rng)  # type: ignore[arg-type]

            latencies: list[float] = []
            with decision_gateway.override(AllegroGateway(client_factory=production_client)):
                t0 = time.monotonic()
                for n, case in enumerate(order):
                    case_reject(
                        case=case, actor=person, code="REFUND_REJECTED", reason=f"Ślady użytkowania (nr {n})"
                    )
                    committed = time.monotonic()
                    commands = list(Command.objects.filter(case=case).order_by("pk"))
                    done = [services.command_execute(command_id=c.pk) for c in commands]
                    if all(c.status == CommandStatus.DONE for c in done):
                        latencies.append(time.monotonic() - committed)
                t1 = time.monotonic()
                now = timezone.now()
                fast_forwards = 0
                while Command.objects.filter(status=CommandStatus.PENDING).exists():
                    if services.commands_run_due(now=now) == 0:
                        due = (
                            Command.objects.filter(status=CommandStatus.PENDING)
                            .order_by("next_attempt_at")
                            .values_list("next_attempt_at", flat=True)
                            .first()
                        )
                        wait = (due - now).total_seconds() if due is not None else 0.0
                        if wait > 5:  # a retry's backoff: the worker would sleep, the benchmark skips it
                            fast_forwards += 1
                            now = due
                        else:  # a Message Center post waiting for its turn: real time must pass
                            time.sleep(max(wait, 0.02))
                            now += timedelta(seconds=max(wait, 0.02))
                    else:
                        now = max(now, timezone.now())
                t2 = time.monotonic()
            for admin in admins:
                admin.post("/__emulator/faults", json={"faults": ""}).raise_for_status()

            # The buyers' side: every return rejected with its reason, its notice received exactly once.
            problems: list[str] = []
            for n, case in enumerate(order):
                admin = admins[accounts.index(case.account)]
                seen = admin.get(f"/__emulator/buyers/{case.buyer_login}").raise_for_status().json()
                reason = f"Ślady użytkowania (nr {n})"
                shown = [r for r in seen["returns"] if r["id"] == case.external_id]
                if not shown or shown[0]["status"] != "REJECTED" or shown[0]["rejection"]["reason"] != reason:
                    problems.append(f"{case.external_id}: return not rejected with its reason")
                told = [
                    m
                    for m in seen["sellerMessages"]
                    if reason + "\n" in m["text"] or m["text"].endswith(reason)
                ]
                if len(told) != 1:
                    problems.append(f"{case.external_id}: notice received {len(told)} times")
        finally:
            for process in emulators:
                process.terminate()
                process.wait(timeout=20)

        statuses = Counter(Command.objects.values_list("status", flat=True))
        attempts = Command.objects.aggregate(n=Sum("attempts"))["n"] or 0
        notices = Notice.objects.count()
        decided = len(order)
        print(f"faults: {args.faults} (timeout stalls {args.timeout_delay}s)")
        print(
            f"commands: {dict(statuses)}; notices stored {notices}; "
            f"attempts {attempts} for {Command.objects.count()} commands"
        )
        print(
            f"time: decisions with their first attempts {t1 - t0:.1f}s, outbox sweep of the retries {t2 - t1:.1f}s"
        )
        print(f"throughput: {decided / (t2 - t0) * 60:.0f} decisions/minute with notices (one worker, HTTP)")
        if latencies:
            print(
                f"decision-to-Allegro latency (both commands at the first attempt, {len(latencies)} decisions): "
                f"median {statistics.median(latencies):.2f}s, p95 {_percentile(latencies, 0.95):.2f}s, "
                f"max {max(latencies):.2f}s"
            )
        print(f"sweep: {fast_forwards} backoff waits fast-forwarded")
        posts = {k: v for k, v in counting.calls.items() if k.startswith("POST")}
        print(f"POSTs sent by the client: {sum(posts.values())} for {decided * 2} commands")
        print(f"answers seen by the client: {dict(sorted(counting.answers.items()))}")
        verdict = "PASS" if not problems and statuses.get(CommandStatus.DONE, 0) == decided * 2 else "FAIL"
        print(
            f"buyer view check: {verdict} — {decided - len({p.split(':')[0] for p in problems})}/{decided} buyers "
            "saw the rejection and exactly one notice"
        )
        for problem in problems[:20]:
            print(f"  {problem}")
        if verdict != "PASS":
            raise SystemExit(1)


if __name__ == "__main__":
    main()
