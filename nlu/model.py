"""The embedded text classifier and its versioned on-disk artifact.

Design (chosen by measurement, see ``benchmarks/nlu/METHODS.md``): normalised text ->
TF-IDF over word 1-2-grams plus character 2-5-grams (within word boundaries) -> multinomial
logistic regression. Character n-grams absorb the spelling variation that normalisation cannot
enumerate (``diperbaikin``, ``perbaikanya``); logistic regression gives probabilities that are
already close to calibrated, trains in about a second and is deterministic.

Artifacts are joblib files holding a plain dict with a metadata header (format version, task,
labels, training-data hash, library versions, creation time) next to the fitted pipeline, so a
model file says what it is without being trusted blindly: :func:`load_artifact` refuses a
different format version and logs a sklearn version mismatch.

Security note: joblib files are pickles. Only load files the deployment itself wrote
(``settings.models_dir``) or that ship in the package.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from nlu.normalize import normalize

__all__ = [
    "ARTIFACT_FORMAT",
    "ARTIFACT_VERSION",
    "DEFAULT_METHOD",
    "METHODS",
    "ArtifactError",
    "TextClassifier",
    "build_pipeline",
    "load_artifact",
    "save_artifact",
]

logger = logging.getLogger(__name__)

ARTIFACT_FORMAT = "suarawarga-nlu"
ARTIFACT_VERSION = 1
DEFAULT_METHOD = "tfidf_lr"
METHODS: tuple[str, ...] = ("tfidf_lr", "tfidf_svc_calibrated", "tfidf_cnb_calibrated", "word_lr")
SEED = 13


class ArtifactError(RuntimeError):
    """A model file that cannot be used (wrong format, version or content)."""


def _word_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=normalize,
        token_pattern=r"(?u)\b\w+\b|\?",
        ngram_range=(1, 2),
        min_df=1,
        sublinear_tf=True,
        dtype=np.float32,
    )


def _char_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=normalize,
        analyzer="char_wb",
        ngram_range=(2, 5),
        min_df=2,
        sublinear_tf=True,
        max_features=60000,
        dtype=np.float32,
    )


def _features(char: bool = True) -> FeatureUnion:
    parts: list[tuple[str, Any]] = [("word", _word_vectorizer())]
    if char:
        parts.append(("char", _char_vectorizer()))
    return FeatureUnion(parts)


def build_pipeline(method: str = DEFAULT_METHOD, *, seed: int = SEED) -> Pipeline:
    """A fresh, unfitted pipeline for ``method`` (one of :data:`METHODS`).

    ``class_weight="balanced"`` because the report types are imbalanced in real traffic
    (aspirations are rare) and the training files are not a sample of real traffic either.
    """
    clf: BaseEstimator
    if method == "tfidf_lr":
        clf = LogisticRegression(C=20.0, class_weight="balanced", max_iter=2000)
        return Pipeline([("features", _features()), ("clf", clf)])
    if method == "word_lr":
        clf = LogisticRegression(C=20.0, class_weight="balanced", max_iter=2000)
        return Pipeline([("features", _features(char=False)), ("clf", clf)])
    if method == "tfidf_svc_calibrated":
        svc = LinearSVC(C=0.5, class_weight="balanced", random_state=seed)
        clf = CalibratedClassifierCV(svc, method="sigmoid", cv=5)
        return Pipeline([("features", _features()), ("clf", clf)])
    if method == "tfidf_cnb_calibrated":
        clf = CalibratedClassifierCV(ComplementNB(alpha=0.3), method="sigmoid", cv=5)
        return Pipeline([("features", _features()), ("clf", clf)])
    raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")


@dataclass
class TextClassifier:
    """A fitted pipeline plus the metadata that travels with it in the artifact."""

    pipeline: Pipeline
    labels: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        method: str = DEFAULT_METHOD,
        meta: dict[str, Any] | None = None,
    ) -> TextClassifier:
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        if len(set(labels)) < 2:
            raise ValueError("need at least two distinct labels to train a classifier")
        started = time.perf_counter()
        pipeline = build_pipeline(method)
        pipeline.fit(list(texts), list(labels))
        classes = tuple(str(c) for c in pipeline.classes_)
        info = {
            "method": method,
            "n_examples": len(texts),
            "train_seconds": round(time.perf_counter() - started, 3),
            **(meta or {}),
        }
        return cls(pipeline=pipeline, labels=classes, meta=info)

    def predict_proba_many(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, one row per text, columns in :attr:`labels` order."""
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return np.asarray(self.pipeline.predict_proba(list(texts)), dtype=np.float64)

    def rank(self, text: str) -> list[tuple[str, float]]:
        """All labels with probabilities, best first (ties broken by label order, deterministic)."""
        probs = self.predict_proba_many([text])[0]
        order = sorted(range(len(self.labels)), key=lambda i: (-probs[i], i))
        return [(self.labels[i], float(probs[i])) for i in order]

    def predict(self, texts: Sequence[str]) -> list[str]:
        probs = self.predict_proba_many(texts)
        return [self.labels[int(i)] for i in probs.argmax(axis=1)]


def _versions() -> dict[str, str]:
    return {
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def save_artifact(model: TextClassifier, path: Path, *, task: str) -> Path:
    """Write ``model`` atomically (temp file + rename) so a hot-reloading reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": ARTIFACT_FORMAT,
        "format_version": ARTIFACT_VERSION,
        "task": task,
        "labels": list(model.labels),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
        "meta": model.meta,
        "pipeline": model.pipeline,
    }
    tmp = path.with_name(f".{path.name}.tmp")
    joblib.dump(payload, tmp, compress=3)
    tmp.replace(path)
    return path


def load_artifact(path: Path, *, task: str | None = None) -> TextClassifier:
    """Load a model written by :func:`save_artifact`, checking the header before trusting it."""
    try:
        payload = joblib.load(path)
    except Exception as exc:  # a truncated or foreign file: report which one
        raise ArtifactError(f"{path}: not a readable model file ({exc})") from exc
    if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"{path}: not a SuaraWarga NLU model")
    if payload.get("format_version") != ARTIFACT_VERSION:
        raise ArtifactError(
            f"{path}: model format {payload.get('format_version')}, this code reads "
            f"{ARTIFACT_VERSION}; retrain with `suarawarga nlu train`"
        )
    if task is not None and payload.get("task") != task:
        raise ArtifactError(f"{path}: model is for task {payload.get('task')!r}, not {task!r}")
    trained_with = payload.get("versions", {}).get("sklearn")
    if trained_with != sklearn.__version__:
        logger.warning(
            "NLU model %s was trained with scikit-learn %s, running %s; retrain if predictions look off",
            path.name,
            trained_with,
            sklearn.__version__,
        )
    meta = dict(payload.get("meta") or {})
    meta.update(
        {
            "task": payload.get("task"),
            "created_at": payload.get("created_at"),
            "versions": payload.get("versions"),
            "path": str(path),
        }
    )
    return TextClassifier(
        pipeline=payload["pipeline"], labels=tuple(payload["labels"]), meta=meta
    )
