"""Policy engine throughput: evaluations per second in one process, from parsed case objects.

Run: .venv/bin/python benchmarks/policy_evaluate.py [--n 20000] [--repeat 3]
The machine may be shared, so each run is repeated and the best and median rates are printed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from refund_desk.integrations.allegro.documents import parse_case
from refund_desk.policy.engine import STATUTORY_DEFAULT, CaseInput, evaluate, policy_from_document
from refund_desk.policy.tests.builders import case, claim, customer_return, order

MARKETPLACES = ("allegro-pl", "allegro-cz", "allegro-sk", "allegro-hu")


def sample_cases(count: int, seed: int = 7) -> list[CaseInput]:
    rng = random.Random(seed)
    currency = {"allegro-pl": "PLN", "allegro-cz": "CZK", "allegro-sk": "EUR", "allegro-hu": "HUF"}
    parsed: list[CaseInput] = []
    for _ in range(count):
        mp = rng.choice(MARKETPLACES)
        kind = rng.random()
        data: dict[str, Any]
        if kind < 0.8:
            day = rng.randint(4, 28)
            data = case(
                mp,
                order_data=order(mp, company=rng.random() < 0.1, smart=rng.random() < 0.3),
                return_data=customer_return(
                    created_at=f"2025-03-{day:02d}T{rng.randint(0, 23):02d}:30:00+01:00",
                    marketplace=mp,
                    status=rng.choice(["CREATED", "DISPATCHED", "DELIVERED"]),
                ),
                offers={"offer-1": {"restriction": "SEALED_MEDIA"}} if rng.random() < 0.1 else {},
            )
        else:
            data = case(
                mp,
                issue=claim(currency=currency[mp], status=rng.choice(["CLAIM_SUBMITTED", "CLAIM_ACCEPTED"])),
                now="2025-04-01T10:00:00+02:00",
            )
        parsed.append(parse_case(data))
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="repeat each run; best and median are printed")
    args = parser.parse_args()
    cases = sample_cases(1000)
    generous = policy_from_document(
        {
            "withdrawal": {"periodDays": 30, "refundTiming": "ON_DISPATCH"},
            "automaticApproval": {"maxAmountPerCase": {"PLN": "1000.00"}, "maxCasesPerBuyerPer30Days": 3},
        },
        version="bench/v1",
    )
    now = datetime.fromisoformat("2025-03-20T12:00:00+01:00")
    for policy in (STATUTORY_DEFAULT, generous):
        for c in cases[:200]:  # warm caches (holiday tables, zones)
            evaluate(c, policy, now=now)
        for lang in ("en", "pl"):
            timings = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                for i in range(args.n):
                    evaluate(cases[i % len(cases)], policy, now=now, lang=lang)
                timings.append(time.perf_counter() - start)
            best, median = min(timings), statistics.median(timings)
            print(
                f"policy={policy.version:<22} lang={lang} evaluations={args.n} x{args.repeat} "
                f"best_per_second={args.n / best:,.0f} median_per_second={args.n / median:,.0f} "
                f"best_mean_us={best / args.n * 1e6:.1f}"
            )
    start = time.perf_counter()
    for i in range(args.n):
        evaluate(cases[i % len(cases)], STATUTORY_DEFAULT, now=now).to_json()
    elapsed = time.perf_counter() - start
    print(f"evaluate+to_json evaluations={args.n} per_second={args.n / elapsed:,.0f}")


if __name__ == "__main__":
    main()
