"""Training time of ``nlu train --routing-csv`` on a history the size of a city's year.

Why: a city retrains on its own history; the time that takes decides whether retraining can be
a nightly job on a small server. Timing only: there is no real city history in the repository,
so the texts are the real messages we have (both tasks' files, plus each with its sentences
shuffled) labelled by the shipped routing model with 15% of labels flipped, like the
disagreements in real routing.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.nlu.folds import SEED
from benchmarks.nlu.systems import Baseline
from benchmarks.recording import load_average
from nlu.artifact import load_artifact
from nlu.classifier import TextClassifier
from nlu.dataset import Example
from nlu.recent_slice import compare_on_recent_slice
from nlu.train import train_and_save, train_model
from nlu.training_examples import base_examples


def city_history(
    codes: list[str], size: int, shipped: TextClassifier, rng: random.Random
) -> list[Example]:
    """``size`` messages labelled by ``shipped`` with 15% of labels flipped (see above)."""
    texts = list(
        dict.fromkeys(e.text for task in ("report_type", "routing") for e in base_examples(task))
    )
    shuffled = []
    for text in texts:
        parts = text.split(". ")
        rng.shuffle(parts)
        shuffled.append(". ".join(parts))
    pool = (texts + shuffled)[:size]
    labels = [
        label if rng.random() > 0.15 else rng.choice(codes) for label in shipped.predict(pool)
    ]
    return [Example(t, label, "history") for t, label in zip(pool, labels, strict=True)]


def city_sized_training(codes: list[str], written: list[Example], size: int) -> dict[str, Any]:
    """Wall and CPU seconds of the command's training, of the training alone calibrated on its
    own out-of-fold scores, and of the baseline, on a generated ``size``-message history."""
    rng = random.Random(SEED)
    base = base_examples("routing")
    # The serving model: it labels the history and is what the command compares against.
    shipped = train_model("routing", base, labels=codes, calibrate=False)
    history = city_history(codes, size, shipped, rng)
    # What `nlu train --routing-csv` does: judge a candidate on the most recent fifth against the
    # serving model, then train on everything and write the model (calibrated on that slice).
    wall, cpu = time.perf_counter(), time.process_time()
    comparison = compare_on_recent_slice("routing", base, history, serving=shipped, labels=codes)
    with tempfile.TemporaryDirectory() as tmp:
        path = train_and_save(
            "routing",
            Path(tmp),
            extra=history,
            labels=codes,
            slice_scores=comparison.slice_scores if comparison is not None else None,
        )
        model = load_artifact(path, task="routing")
    ours_seconds, ours_cpu = time.perf_counter() - wall, time.process_time() - cpu
    # The same training calibrated on its own out-of-fold scores (the path before 2026-12-07
    # noon, and still the path of a small history), without the comparison.
    wall, cpu = time.perf_counter(), time.process_time()
    oof_model = train_model("routing", [*base, *history], labels=codes)
    oof_seconds, oof_cpu = time.perf_counter() - wall, time.process_time() - cpu
    started = time.perf_counter()
    Baseline(history)
    baseline_seconds = time.perf_counter() - started
    return {
        "n_history": len(history),
        "ours_train_seconds": round(ours_seconds, 1),
        "ours_train_cpu_seconds": round(ours_cpu, 1),
        "calibrated_on": model.meta.get("calibrated_on"),
        "oof_only_train_seconds": round(oof_seconds, 1),
        "oof_only_train_cpu_seconds": round(oof_cpu, 1),
        "oof_only_calibrated_on": oof_model.meta.get("calibrated_on"),
        "baseline_train_seconds": round(baseline_seconds, 1),
        "load_average_after": load_average(),
    }
