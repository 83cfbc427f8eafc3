"""Risk model: ROC AUC on an unseen seed, automation rate, wrong automatic decisions, scoring latency.

Run: .venv/bin/python benchmarks/ai_review.py [--seed 7] [--buyers 6000] [--retrain]
Uses the current risk model under DATA_DIR/models (training one first if none exists, or with --retrain;
training uses seed 1), generates a fresh synthetic history with --seed and prints the held-out figures.
Latency: model.score() (features → calibrated score + explanation) one case at a time, in process, and
the same including the comment classifier reading the buyer's comment.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "refund_desk.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--buyers", type=int, default=6000)
    parser.add_argument("--retrain", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    import numpy as np

    from refund_desk.ai import comments
    from refund_desk.ai.risk import model as risk_model
    from refund_desk.ai.risk import training
    from refund_desk.ai.synthetic.history import generate_history

    if args.retrain or risk_model.load() is None:
        training.train(promote=True)
    model = risk_model.load()
    assert model is not None
    m = training.metrics(model, training.synthetic_dataset(args.seed, args.buyers))
    classifier = comments.get_model()
    requests = generate_history(seed=args.seed, buyers=300)
    from refund_desk.ai.risk.dataset import history_features
    from refund_desk.ai.risk.features import CommentReading

    full = []
    for r in requests:
        started = time.perf_counter()
        reading = CommentReading.from_analysis(classifier.analyse(r.comment, r.reason), r.comment)
        model.score(history_features(r, lambda _t, _r, reading=reading: reading))
        full.append((time.perf_counter() - started) * 1000)
    print(f"risk model {model.version}; evaluation: {m['data']} ({m['cases']} requests)")
    print(f"ROC AUC                          {m['roc_auc']}")
    print(f"threshold                        {m['threshold']}")
    print(f"precision / recall at threshold  {m['precision_at_threshold']} / {m['recall_at_threshold']}")
    print(f"policy engine allows automation  {m['engine_eligible_rate']:.1%}")
    print(f"decided automatically            {m['automation_rate']:.1%}")
    print(f"wrong automatic decisions        {m['wrong_decision_rate']:.2%}")
    print(f"scoring p50 / p99 (ms)           {m['scoring_ms']['p50']} / {m['scoring_ms']['p99']}")
    print(f"with comment classifier p50/p99  {np.percentile(full, 50):.3f} / {np.percentile(full, 99):.3f}")


if __name__ == "__main__":
    main()
