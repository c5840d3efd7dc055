"""The embedded text classifier: a fitted featurizer and linear estimator, calibrated.

Design (chosen by measurement, see ``benchmarks/nlu/METHODS.md``): normalised text -> TF-IDF
over word 1-2-grams plus hashed character 2-5-grams (:mod:`nlu.features`) -> multinomial logistic
regression (:mod:`nlu.estimators`). Character n-grams absorb the spelling variation that
normalisation cannot enumerate (``diperbaikin``, ``perbaikanya``); logistic regression gives well
calibrated probabilities (regularisation chosen by cross-validated log loss), trains in seconds
and is deterministic. Saving and loading: :mod:`nlu.artifact`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from nlu.calibration import Calibration, fit_calibration
from nlu.estimators import (
    DEFAULT_METHOD,
    SEED,
    build_estimator,
    build_featurizer,
    estimator_scores,
    fit_logistic_in_row_space,
)
from nlu.features import Featurizer, TextParts

__all__ = [
    "CALIBRATION_FOLDS",
    "LARGE_HELD_OUT",
    "TextClassifier",
]


# Folds of the out-of-fold scores that fit the calibration (see :func:`TextClassifier.fit`);
# two folds once this many examples are held out: each half then still has thousands of
# examples to fit one temperature and one prior strength, and a city's year of history trains
# in three fits instead of six.
CALIBRATION_FOLDS = 5
LARGE_HELD_OUT = 2000


@dataclass
class TextClassifier:
    """A fitted featurizer and linear classifier, its calibration, and the metadata that travels
    with them."""

    featurizer: Featurizer
    estimator: Any
    labels: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)
    calibration: Calibration = field(default_factory=Calibration)
    # Fast-path weights (linear models), split by feature block: float64 rows of coef_.T, so a
    # text's score is one row gather and one dot per block.
    _word_w: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _char_w: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _cue_w: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _intercept: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Why a fast path: for one message, sklearn's predict_proba spends ~5 ms in input
        # validation, CSR construction and dispatch; the arithmetic is a gather-and-dot over the
        # few thousand non-zero columns. The fast path does exactly that arithmetic in float64
        # (scores equal to sklearn's decision_function within 1e-12, tested), using the
        # featurizer's own block functions, so it cannot drift from the training rows.
        if isinstance(self.estimator, LogisticRegression | LinearSVC):
            coef_t = np.asarray(self.estimator.coef_, dtype=np.float64).T
            n_vocab = len(self.featurizer.vocab)
            self._word_w = np.ascontiguousarray(coef_t[:n_vocab])
            n_char = len(self.featurizer.char_idf)
            self._char_w = np.ascontiguousarray(coef_t[n_vocab : n_vocab + n_char])
            self._cue_w = np.ascontiguousarray(coef_t[n_vocab + n_char :])
            self._intercept = np.atleast_1d(np.asarray(self.estimator.intercept_, dtype=np.float64))

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        method: str = DEFAULT_METHOD,
        meta: dict[str, Any] | None = None,
        held_out: Sequence[bool] | None = None,
        prior: Mapping[str, float] | None = None,
        folds: int = CALIBRATION_FOLDS,
        tune_offsets: bool = False,
    ) -> TextClassifier:
        """Fit on all examples, calibrated on out-of-fold scores of the ``held_out`` ones.

        ``held_out`` marks the examples that look like the deployment's own stream (real
        messages, its history); only they are ever scored out of fold, by models trained on
        everything else, so the temperature and the prior strength are fitted on the traffic the
        model will see and not on written examples. All examples are held out when it is None.
        ``prior`` overrides the deployment's label frequencies (default: those of the held-out
        examples). Calibration is skipped (identity) when fewer than 20 examples are held out.
        ``tune_offsets`` also chooses per-label decision offsets on those out-of-fold scores
        (see :mod:`nlu.calibration`).
        """
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        if len(set(labels)) < 2:
            raise ValueError("need at least two distinct labels to train a classifier")
        started = time.perf_counter()
        template = build_featurizer(method)
        parts = [template.parts_of(text) for text in texts]
        y = np.asarray(labels)
        featurizer, estimator = _fit_linear(method, parts, y)
        classes = tuple(str(c) for c in estimator.classes_)
        mask = np.ones(len(y), dtype=bool) if held_out is None else np.asarray(held_out, bool)
        calibration = Calibration()
        if mask.sum() >= 20 and folds >= 2:
            if mask.sum() > LARGE_HELD_OUT:
                folds = 2
            oof, y_ids = _out_of_fold_scores(method, parts, y, mask, classes, folds)
            calibration = fit_calibration(
                oof, y_ids, classes, prior=prior, tune_offsets=tune_offsets
            )
        info = {
            "method": method,
            "n_examples": len(texts),
            "train_seconds": round(time.perf_counter() - started, 3),
            "calibration": calibration.as_dict(),
            **(meta or {}),
        }
        return cls(
            featurizer=featurizer,
            estimator=estimator,
            labels=classes,
            meta=info,
            calibration=calibration,
        )

    def predict_proba_many(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in :attr:`labels` order."""
        if self._intercept is not None:
            return np.vstack([self.proba(t) for t in texts]) if texts else np.empty((0, 0))
        return self.reference_proba(texts)

    def reference_scores(self, texts: Sequence[str]) -> np.ndarray:
        """sklearn's own scores on the featurizer's CSR rows (the slow reference path)."""
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return estimator_scores(self.estimator, self.featurizer.transform(texts))

    def reference_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.calibration.apply(self.reference_scores(texts))

    def scores(self, text: str) -> np.ndarray:
        """Raw (uncalibrated) scores of one text in :attr:`labels` order."""
        word_w, char_w, intercept = self._word_w, self._char_w, self._intercept
        if word_w is None or char_w is None or intercept is None:
            first: np.ndarray = self.reference_scores([text])[0]
            return first
        featurizer = self.featurizer
        grams, word_tf, buckets, char_tf, cues = featurizer.parts_of(text)
        scores = intercept.copy()
        idx, values = featurizer.word_block(grams, word_tf)
        if len(idx):
            scores += values @ word_w.take(idx, axis=0)
        idx, values = featurizer.char_block(buckets, char_tf)
        if len(idx):
            scores += values @ char_w.take(idx, axis=0)
        if featurizer.cue_weight and self._cue_w is not None:
            scores += (featurizer.cue_weight * cues) @ self._cue_w
        if scores.shape[0] == 1:  # binary: one score for labels[1]
            return np.array([0.0, scores[0]])
        return scores

    def proba(self, text: str) -> np.ndarray:
        """Calibrated probabilities for one text in :attr:`labels` order."""
        return self.calibration.apply(self.scores(text))

    def rank(self, text: str) -> list[tuple[str, float]]:
        """All labels with probabilities, best first (ties broken by label order, deterministic)."""
        probs = self.proba(text)
        order = np.argsort(-probs, kind="stable").tolist()
        values = probs.tolist()
        labels = self.labels
        return [(labels[i], values[i]) for i in order]

    def predict(self, texts: Sequence[str]) -> list[str]:
        probs = self.predict_proba_many(texts)
        return [self.labels[int(i)] for i in probs.argmax(axis=1)]


def _fit_linear(method: str, parts: Sequence[TextParts], y: np.ndarray) -> tuple[Featurizer, Any]:
    featurizer = build_featurizer(method)
    featurizer.fit_parts(parts)
    matrix = featurizer.matrix_of(parts)
    estimator = build_estimator(method)
    if isinstance(estimator, LogisticRegression):
        fit_logistic_in_row_space(estimator, matrix, y)
    else:
        with threadpool_limits(limits=1):
            estimator.fit(matrix, y)
    return featurizer, estimator


def _out_of_fold_scores(
    method: str,
    parts: Sequence[TextParts],
    y: np.ndarray,
    held_out: np.ndarray,
    classes: tuple[str, ...],
    folds: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Scores of each held-out example from a model that never saw it (all else trained it).

    Folds are stratified by label; a label rarer than the fold count still lands in some folds
    (sklearn's warning about it is expected and silenced). A label a fold's model never saw gets
    a score below every other, i.e. probability ~0.
    """
    import warnings

    from sklearn.model_selection import StratifiedKFold

    index = np.flatnonzero(held_out)
    class_ids = {label: i for i, label in enumerate(classes)}
    y_ids = np.array([class_ids[str(label)] for label in y[index]])
    scores = np.zeros((len(index), len(classes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        splits = list(splitter.split(np.zeros(len(index)), y_ids))
    everyone = np.ones(len(y), dtype=bool)
    for _, test in splits:
        train_mask = everyone.copy()
        train_mask[index[test]] = False
        train = np.flatnonzero(train_mask)
        featurizer, estimator = _fit_linear(method, [parts[int(i)] for i in train], y[train])
        held = featurizer.matrix_of([parts[int(i)] for i in index[test]])
        fold_scores = estimator_scores(estimator, held)
        full = np.full((len(test), len(classes)), fold_scores.min() - 10.0)
        for column, label in enumerate(estimator.classes_):
            full[:, class_ids[str(label)]] = fold_scores[:, column]
        scores[test] = full
    return scores, y_ids
