"""A trained classifier's versioned on-disk artifact.

Artifacts are joblib files holding a plain dict with a metadata header (format version, task,
labels, training-data hash, library versions, creation time) next to the fitted featurizer and
estimator, so a model file says what it is without being trusted blindly: :func:`load_artifact`
refuses a different format version and logs a sklearn version mismatch.

Security note: joblib files are pickles. Only load files the deployment itself wrote
(``settings.models_dir``) or that ship in the package. A pickle names each class by the module
that defined it: files written before :mod:`nlu.features` existed name ``nlu.model.Featurizer``,
which :mod:`nlu.model` keeps importable (see there).
"""

from __future__ import annotations

import logging
import platform
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
import sklearn

from nlu.calibration import Calibration
from nlu.classifier import TextClassifier

__all__ = [
    "ARTIFACT_FORMAT",
    "ARTIFACT_VERSION",
    "ArtifactError",
    "load_artifact",
    "save_artifact",
]


logger = logging.getLogger(__name__)


ARTIFACT_FORMAT = "suarawarga-nlu"
ARTIFACT_VERSION = 2  # 2: calibration (temperature, deployment prior) stored with the model


class ArtifactError(RuntimeError):
    """A model file that cannot be used (wrong format, version or content)."""


def _versions() -> dict[str, str]:
    return {
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def save_artifact(model: TextClassifier, path: Path, *, task: str) -> Path:
    """Write ``model`` atomically (temp file, then rename): readers never see a half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": ARTIFACT_FORMAT,
        "format_version": ARTIFACT_VERSION,
        "task": task,
        "labels": list(model.labels),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
        "meta": model.meta,
        "featurizer": model.featurizer,
        "estimator": model.estimator,
        "calibration": {
            "temperature": model.calibration.temperature,
            "prior": list(model.calibration.prior),
            "strength": model.calibration.strength,
            "offsets": list(model.calibration.offsets),
            "scale": model.calibration.scale,
            "report": model.calibration.report,
        },
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
            "NLU model %s was trained with scikit-learn %s, running %s; retrain if it misbehaves",
            path.name,
            trained_with,
            sklearn.__version__,
        )
    calibration = payload.get("calibration") or {}
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
        featurizer=payload["featurizer"],
        estimator=payload["estimator"],
        labels=tuple(payload["labels"]),
        meta=meta,
        calibration=Calibration(
            temperature=float(calibration.get("temperature", 1.0)),
            prior=tuple(float(p) for p in calibration.get("prior", ())),
            strength=float(calibration.get("strength", 0.0)),
            offsets=tuple(float(o) for o in calibration.get("offsets", ())),
            scale=float(calibration.get("scale", 1.0)),
            report=dict(calibration.get("report") or {}),
        ),
    )
