"""Training the two embedded models (report type, agency routing) and writing their artifacts.

Why two places for models: the package ships a model trained on ``nlu/data/*.yml`` (so a fresh
install classifies out of the box and tests are reproducible), and ``suarawarga nlu train`` writes
new models under ``settings.models_dir`` (the shipped ones are never touched). The service always
uses the newest file in ``models_dir`` and falls back to the shipped one.

What a model learns from is assembled in :mod:`nlu.training_examples` (shipped files, verified
reports); whether a new model may replace the serving one is judged in :mod:`nlu.recent_slice`.
This module fits, calibrates and writes.

Regenerate the shipped models with ``python -m nlu.train`` after editing the YAML data.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from nlu.artifact import save_artifact
from nlu.calibration import fit_calibration
from nlu.classifier import TextClassifier
from nlu.dataset import (
    DEPLOYMENT_SOURCES,
    REPORT_TYPE_LABELS,
    STREAM_SOURCES,
    Example,
    data_hash,
)
from nlu.estimators import CUES_METHOD, DEFAULT_METHOD
from nlu.training_examples import TASKS, Task, agency_codes, base_examples

__all__ = [
    "MIN_SLICE_CALIBRATION",
    "SHIPPED_MODELS_DIR",
    "TASK_METHODS",
    "SliceScores",
    "calibrate_from_slice",
    "calibration_plan",
    "model_filename",
    "shipped_model_path",
    "train_and_save",
    "train_model",
    "training_set",
]

logger = logging.getLogger(__name__)

SHIPPED_MODELS_DIR = Path(__file__).resolve().parent / "models"
# Below this many examples of the deployment's own stream, the shipped real messages calibrate.
MIN_DEPLOYMENT_EXAMPLES = 50
# Tasks whose calibration also chooses per-label decision offsets on held-out macro-F1: report
# types (3 labels, the rare aspiration under-called on real messages; benchmarks/nlu/METHODS.md).
# Not routing: 20 agencies with a few dozen held-out messages each would fit noise.
OFFSET_TASKS: frozenset[str] = frozenset({"report_type"})
# The method each task trains with unless told otherwise: report types add the cue block of
# nlu.cues (grouped CV on real messages; benchmarks/nlu/METHODS.md), agencies do not (the cues
# are about proposing against complaining, not about which agency).
TASK_METHODS: dict[str, str] = {"report_type": CUES_METHOD, "routing": DEFAULT_METHOD}


def shipped_model_path(task: Task) -> Path:
    return SHIPPED_MODELS_DIR / f"{task}.joblib"


def model_filename(task: Task, now: datetime) -> str:
    """``report_type-20261123T101500123456Z.joblib``: sortable, and one file per training run."""
    return f"{task}-{now.astimezone(UTC).strftime('%Y%m%dT%H%M%S%fZ')}.joblib"


def _dedupe(examples: Iterable[Example]) -> list[Example]:
    """Drop exact duplicate texts, keeping the LAST label: a verifier's later correction wins."""
    by_text: dict[str, Example] = {}
    for example in examples:
        key = " ".join(example.text.lower().split())
        by_text.pop(key, None)
        by_text[key] = example
    return list(by_text.values())


def calibration_plan(
    task: Task, data: Sequence[Example]
) -> tuple[list[bool], dict[str, float] | None, str]:
    """Which examples calibrate the model and set its deployment prior, and why.

    The deployment's own stream (its history or its verifiers' reports) when it has at least
    :data:`MIN_DEPLOYMENT_EXAMPLES`; otherwise the shipped real messages. Out of the box, routing
    keeps a uniform prior: the shipped real routing messages went to national and regional
    bodies, so their agency mix says nothing about a city's (the report-type mix of real
    messages, mostly complaints, does carry over).
    """
    own = [e.source in DEPLOYMENT_SOURCES for e in data]
    if sum(own) >= MIN_DEPLOYMENT_EXAMPLES:
        return own, None, "deployment"
    stream = [e.source in STREAM_SOURCES for e in data]
    if task == "routing":
        labels = sorted({e.label for e in data})
        return stream, {label: 1.0 for label in labels}, "shipped real messages, uniform prior"
    return stream, None, "shipped real messages"


def training_set(examples: Iterable[Example], labels: Iterable[str] | None = None) -> list[Example]:
    """What :func:`train_model` learns from: ``examples`` restricted to ``labels``, duplicates
    dropped; its :func:`~nlu.dataset.data_hash` is the ``data_sha256`` a model records."""
    allowed = set(labels) if labels is not None else None
    return _dedupe(e for e in examples if allowed is None or e.label in allowed)


def train_model(
    task: Task,
    examples: Sequence[Example],
    *,
    method: str | None = None,
    labels: Iterable[str] | None = None,
    calibrate: bool = True,
) -> TextClassifier:
    """Fit a classifier on ``examples`` (optionally restricted to ``labels``), deterministically,
    calibrated on out-of-fold scores of the stream examples (see :func:`calibration_plan`)."""
    data = training_set(examples, labels)
    counts = Counter(e.label for e in data)
    if len(counts) < 2:
        raise ValueError(f"{task}: need examples of at least two labels, got {dict(counts)}")
    held_out, prior, calibrated_on = calibration_plan(task, data)
    meta = {
        "data_sha256": data_hash(data),
        "label_counts": dict(sorted(counts.items())),
        "source_counts": dict(sorted(Counter(e.source for e in data).items())),
        "calibrated_on": calibrated_on,
    }
    return TextClassifier.fit(
        [e.text for e in data],
        [e.label for e in data],
        method=method or TASK_METHODS[task],
        meta=meta,
        held_out=held_out,
        prior=prior,
        folds=5 if calibrate else 0,
        tune_offsets=task in OFFSET_TASKS,
    )


# From this many examples in the recent slice on, the slice that judged the candidate also
# calibrates the installed model (:func:`train_and_save`), instead of two more out-of-fold fits.
# 400 = a fifth of 2,000 own examples, where the out-of-fold calibration already drops to two
# folds (``nlu.model.LARGE_HELD_OUT``); below it, the ordinary out-of-fold calibration runs.
MIN_SLICE_CALIBRATION = 400


@dataclass(frozen=True)
class SliceScores:
    """Raw scores of the recent slice from the candidate that never saw it, with the true labels:
    out-of-sample scores of the deployment's newest examples, which is what calibration needs."""

    labels: tuple[str, ...]  # the candidate's labels, the columns of ``scores``
    scores: np.ndarray
    gold: tuple[str, ...]


def calibrate_from_slice(task: Task, model: TextClassifier, sliced: SliceScores) -> None:
    """Calibrate ``model`` (trained on everything) on the recent slice's out-of-sample scores.

    Why: the comparison with the serving model has already trained a candidate on all but the
    most recent examples and scored them. Those scores are exactly what the out-of-fold
    calibration of :meth:`TextClassifier.fit` recomputes with two more fits (each on about half
    the history), the bulk of ``nlu train`` on a city's year of reports; reusing them cuts
    those fits, and calibrates on the newest messages, scored by a model trained on 80% of the
    history, closer to the installed one than the half-history fold models were.
    The candidate may lack a label seen only in the slice: that column gets a score below every
    other (probability ~0), as in the out-of-fold scores.
    """
    column = {label: i for i, label in enumerate(sliced.labels)}
    scores = np.full((len(sliced.gold), len(model.labels)), float(sliced.scores.min()) - 10.0)
    for j, label in enumerate(model.labels):
        if label in column:
            scores[:, j] = sliced.scores[:, column[label]]
    ids = {label: i for i, label in enumerate(model.labels)}
    y = np.array([ids[label] for label in sliced.gold])
    # The prior is the slice's own label mix: the deployment's most recent traffic.
    model.calibration = fit_calibration(scores, y, model.labels, tune_offsets=task in OFFSET_TASKS)
    model.meta["calibration"] = model.calibration.as_dict()
    model.meta["calibrated_on"] = f"deployment (the {len(y)} most recent examples)"


def train_and_save(
    task: Task,
    out_dir: Path,
    *,
    extra: Sequence[Example] = (),
    labels: Iterable[str] | None = None,
    now: datetime | None = None,
    method: str | None = None,
    filename: str | None = None,
    progress: Callable[[str], None] | None = None,
    slice_scores: SliceScores | None = None,
) -> Path:
    """Train ``task`` on the shipped data plus ``extra`` and write a new artifact in ``out_dir``.

    ``slice_scores`` (from :func:`nlu.recent_slice.compare_on_recent_slice`) calibrate the model
    when the slice has at least :data:`MIN_SLICE_CALIBRATION` examples (see
    :func:`calibrate_from_slice`); otherwise the model calibrates itself on out-of-fold scores.
    """
    say = progress or (lambda _msg: None)
    say(f"{task}: reading training data")
    examples = [*base_examples(task), *extra]
    say(f"{task}: fitting on {len(examples)} examples")
    from_slice = slice_scores is not None and len(slice_scores.gold) >= MIN_SLICE_CALIBRATION
    model = train_model(task, examples, method=method, labels=labels, calibrate=not from_slice)
    if from_slice and slice_scores is not None:
        calibrate_from_slice(task, model, slice_scores)
    path = out_dir / (filename or model_filename(task, now or datetime.now(UTC)))
    say(f"{task}: writing {path}")
    save_artifact(model, path, task=task)
    logger.info("trained %s model %s on %s examples", task, path.name, len(examples))
    return path


def main() -> None:
    """Rebuild the models shipped in the package from ``nlu/data`` (run after editing the data)."""
    from config.settings import CONFIG_DIR

    codes = agency_codes(CONFIG_DIR / "agencies.yml")
    for task in TASKS:
        labels = REPORT_TYPE_LABELS if task == "report_type" else codes
        path = train_and_save(
            task, SHIPPED_MODELS_DIR, labels=labels, filename=shipped_model_path(task).name
        )
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
