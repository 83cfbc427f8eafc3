"""Import throughput: 10,000 Allegro customer returns from one file into a fresh SQLite database.

Run: .venv/bin/python benchmarks/import_returns.py [--count 10000]
Prints returns/second for the first import and for the idempotent re-import of the same file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="refund-desk-bench-"))
    os.environ["REFUND_DESK_DATA_DIR"] = str(data_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "refund_desk.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from refund_desk.ai.synthetic.casefiles import generate_case_files
    from refund_desk.integrations.allegro.intake import account_get_or_create, cases_import

    try:
        call_command("migrate", verbosity=0)
        file = data_dir / "returns.json"
        file.write_text(json.dumps(list(generate_case_files(args.count, seed=args.seed))))
        print(
            f"database: {connection.vendor}, file: {file.stat().st_size / 1e6:.1f} MB, {args.count} returns"
        )
        account = account_get_or_create(name="bench")

        for label in ("first import", "re-import (unchanged)"):
            started = time.perf_counter()
            items = json.loads(file.read_text())  # parsing the file is part of the work
            summary = cases_import(items=items, account=account)
            elapsed = time.perf_counter() - started
            counts = summary.to_json()
            print(
                f"{label:24s} {args.count / elapsed:8.0f} returns/s  ({elapsed:.2f} s; created {counts['created']}, "
                f"unchanged {counts['unchanged']}, rejected {counts['rejected']})"
            )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
