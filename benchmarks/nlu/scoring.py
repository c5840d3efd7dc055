"""How the NLU benches score predictions: one definition of each figure they report.

Why a module: macro-F1 over the classes present in the gold labels, the per-class F1, the
calibration error, the spread across folds and the bootstrap intervals are what results are
compared on, across benches and across the dated entries of ``METHODS.md``. Two copies of a
figure computed two ways (labels present vs all labels, a different seed) are two figures.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from benchmarks.nlu.folds import SEED
from nlu.calibration import expected_calibration_error
from nlu.dataset import REPORT_TYPE_LABELS


def macro_f1_accuracy(gold: Sequence[str], pred: Sequence[str]) -> tuple[float, float]:
    """Macro-F1 over the classes present in ``gold`` (a class the test set lacks would score 0
    and say nothing about it), and accuracy; unrounded."""
    present = sorted(set(gold))
    return (
        float(f1_score(gold, pred, labels=present, average="macro", zero_division=0)),
        float(accuracy_score(gold, pred)),
    )


def scores(
    gold: Sequence[str], pred: Sequence[str], probs: np.ndarray | None, labels: Sequence[str]
) -> dict[str, Any]:
    """The figures of one system on one test set, rounded to 3 places as recorded: n, macro-F1,
    accuracy, each present class's F1 and, given the probabilities (columns in ``labels``'
    order), the expected calibration error and the highest confidence of a wrong answer."""
    present = sorted(set(gold))
    per_class = f1_score(gold, pred, labels=present, average=None, zero_division=0)
    macro_f1, accuracy = macro_f1_accuracy(gold, pred)
    out: dict[str, Any] = {
        "n": len(gold),
        "macro_f1": round(macro_f1, 3),
        "accuracy": round(accuracy, 3),
        "per_class_f1": {c: round(float(f), 3) for c, f in zip(present, per_class, strict=True)},
    }
    if probs is not None:
        y = np.array([list(labels).index(g) for g in gold])
        out["ece"] = round(expected_calibration_error(probs, y), 3)
        wrong = probs.argmax(axis=1) != y
        out["max_confidence_when_wrong"] = round(float(probs.max(axis=1)[wrong].max()), 3)
    return out


def subset_scores(
    gold: Sequence[str], pred: Sequence[str], idx: Sequence[int] | np.ndarray
) -> dict[str, Any]:
    """:func:`scores` of the messages at ``idx`` only (a fold, a region), without probabilities."""
    return scores([gold[i] for i in idx], [pred[i] for i in idx], None, [])


def spread(fold_scores: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean and standard deviation across folds of macro-F1 and of each class's F1: how much
    of a difference between two systems the choice of folds alone can make."""
    out: dict[str, Any] = {}
    keys = {"macro_f1": [f["macro_f1"] for f in fold_scores]}
    for label in REPORT_TYPE_LABELS:
        keys[label] = [f["per_class_f1"].get(label, 0.0) for f in fold_scores]
    for key, values in keys.items():
        out[key] = {
            "mean": round(statistics.fmean(values), 3),
            "sd": round(statistics.pstdev(values), 3),
            "folds": values,
        }
    return out


def confusions(gold: Sequence[str], pred: Sequence[str], top: int = 12) -> list[list[Any]]:
    """The most frequent (true, predicted, count) errors."""
    counts: dict[tuple[str, str], int] = {}
    for g, p in zip(gold, pred, strict=True):
        if g != p:
            counts[(g, p)] = counts.get((g, p), 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [[g, p, n] for (g, p), n in ranked]


def paired_bootstrap(
    gold: Sequence[str],
    base: Sequence[str],
    other: Sequence[str],
    *,
    labels: Sequence[str],
    focus: str | None = None,
    rounds: int = 2000,
    seed: int = SEED,
) -> dict[str, list[float]]:
    """2.5%, 50% and 97.5% points of ``other`` minus ``base`` on the same messages: macro-F1
    (over ``labels``), accuracy and, with ``focus``, that class's F1 (key ``<focus>_f1``).

    Why paired and resampling messages: two systems scored on the same held-out messages differ
    less by chance than two independent samples would; an interval that holds zero means the
    difference is within what another draw of messages could give. Fixed seed: the same
    comparison gives the same interval.
    """
    names = list(labels)
    g, b, o = np.array(gold), np.array(base), np.array(other)
    rng = np.random.default_rng(seed)
    diffs: dict[str, list[float]] = {"macro_f1": [], "accuracy": []}
    if focus is not None:
        diffs[f"{focus}_f1"] = []
    for _ in range(rounds):
        idx = rng.integers(0, len(g), len(g))
        fb = f1_score(g[idx], b[idx], labels=names, average=None, zero_division=0)
        fo = f1_score(g[idx], o[idx], labels=names, average=None, zero_division=0)
        diffs["macro_f1"].append(float(fo.mean() - fb.mean()))
        diffs["accuracy"].append(float((o[idx] == g[idx]).mean() - (b[idx] == g[idx]).mean()))
        if focus is not None:
            at = names.index(focus)
            diffs[f"{focus}_f1"].append(float(fo[at] - fb[at]))
    return {
        name: [round(float(np.quantile(v, q)), 3) for q in (0.025, 0.5, 0.975)]
        for name, v in diffs.items()
    }
