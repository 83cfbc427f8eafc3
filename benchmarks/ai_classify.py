"""Comment classifier: in-process latency per comment and held-out macro-F1.

Run: .venv/bin/python benchmarks/ai_classify.py [--repeat 3] [--retrain]
Uses the newest saved model under DATA_DIR/models (training one first if none exists, or with --retrain),
classifies every held-out comment one at a time `--repeat` times and prints p50/p99 latency, then the
held-out macro-F1 overall and per language.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "refund_desk.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--retrain", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from refund_desk.ai import comments

    model = comments.train() if args.retrain else comments.get_model()
    rows = comments.load_corpus("test")
    texts = [row["text"] for row in rows]
    for text in texts[:50]:  # warm-up
        model.analyse(text, "DONT_LIKE_IT")
    timings = []
    for _ in range(args.repeat):
        for text in texts:
            started = time.perf_counter()
            model.analyse(text, "DONT_LIKE_IT")
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    metrics = comments.evaluate(model, rows)
    print(f"model version        {model.version}")
    print(f"comments classified  {len(timings)}")
    print(f"latency p50          {statistics.median(timings):.3f} ms")
    print(f"latency p99          {p99:.3f} ms")
    print(f"latency max          {timings[-1]:.3f} ms")
    print(f"held-out macro-F1    {metrics['reason_macro_f1']:.4f}")
    for language, score in metrics["reason_macro_f1_per_language"].items():
        print(f"  {language}                 {score:.4f}")
    print(f"language accuracy    {metrics['language_accuracy']:.4f}")
    print(f"calibration ECE      {metrics['calibration_ece']:.4f}")


if __name__ == "__main__":
    main()
