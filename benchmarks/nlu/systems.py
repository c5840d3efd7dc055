"""The systems the NLU benches evaluate, and how one is run on messages it did not train on.

Why: a claim that our model is better means something only against the plain baseline any
reviewer would try first (scikit-learn's TF-IDF + LinearSVC with their defaults), trained on the
same examples and held out on the same folds; both benches and the embedding screen use this
one baseline and this one cross-validation loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from benchmarks.nlu.folds import stratified_folds, train_indices
from benchmarks.nlu.scoring import scores
from nlu.dataset import REPORT_TYPE_LABELS, Example
from nlu.train import train_model


class Predictor(Protocol):
    def predict(self, texts: Sequence[str]) -> list[str]: ...


#: Training examples in, a model out: ours (``TextClassifier``, with probabilities) or any
#: :class:`Predictor`.
Trainer = Callable[[list[Example]], Any]


class Baseline:
    """scikit-learn's TfidfVectorizer + LinearSVC with their defaults (no probabilities)."""

    def __init__(self, train: Sequence[Example]) -> None:
        self.pipeline = make_pipeline(TfidfVectorizer(), LinearSVC())
        self.pipeline.fit([e.text for e in train], [e.label for e in train])

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(list(texts))]


def type_systems(quick: bool) -> dict[str, Trainer]:
    """The report-type systems, ours first (the rendering reads the first as ours); the toy run
    leaves out the previous method."""
    systems: dict[str, Trainer] = {
        "ours: SVM + calibration (shipped)": lambda train: train_model(
            "report_type", train, labels=REPORT_TYPE_LABELS
        ),
        "previous method: LR C=1000, no calibration": lambda train: train_model(
            "report_type", train, labels=REPORT_TYPE_LABELS, method="tfidf_lr", calibrate=False
        ),
        "baseline: TF-IDF + LinearSVC": Baseline,
    }
    if quick:
        del systems["previous method: LR C=1000, no calibration"]
    return systems


def evaluate(model: Any, test: Sequence[Example]) -> dict[str, Any]:
    """:func:`~benchmarks.nlu.scoring.scores` of a trained model on ``test``, with the
    calibration figures when the model gives probabilities."""
    texts = [e.text for e in test]
    gold = [e.label for e in test]
    if hasattr(model, "predict_proba_many"):
        probs = model.predict_proba_many(texts)
        pred = [model.labels[i] for i in probs.argmax(axis=1)]
        return scores(gold, pred, probs, model.labels)
    return scores(gold, model.predict(texts), None, [])


def grouped_cv(
    trainer: Trainer,
    fixed: list[Example],
    real: list[Example],
    folds: int | Sequence[np.ndarray],
) -> tuple[list[str], np.ndarray | None, list[str]]:
    """Out-of-fold predictions for the real messages; ``fixed`` (written) always trains.
    ``folds``: a number of stratified folds, or the held-out index arrays themselves.
    Returns the predictions, the probabilities (None for a model without) and their labels."""
    pred: list[str] = [""] * len(real)
    probs: np.ndarray | None = None
    labels: list[str] = []
    parts = stratified_folds(real, folds) if isinstance(folds, int) else list(folds)
    for test_idx in parts:
        model = trainer([*fixed, *(real[i] for i in train_indices(len(real), test_idx))])
        texts = [real[i].text for i in test_idx]
        if hasattr(model, "predict_proba_many"):
            p = model.predict_proba_many(texts)
            labels = list(model.labels)
            if probs is None:
                probs = np.zeros((len(real), len(labels)))
            probs[test_idx] = p
            fold_pred = [labels[i] for i in p.argmax(axis=1)]
        else:
            fold_pred = model.predict(texts)
        for i, label in zip(test_idx, fold_pred, strict=True):
            pred[i] = label
    return pred, probs, labels
