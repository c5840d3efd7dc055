"""Training the two embedded models (report type, agency routing) and writing their artifacts.

Why two places for models: the package ships a model trained on ``nlu/data/*.yml`` (so a fresh
install classifies out of the box and tests are reproducible), and ``suarawarga nlu train`` writes
new models under ``settings.models_dir`` (the shipped ones are never touched). The service always
uses the newest file in ``models_dir`` and falls back to the shipped one.

Retraining from verified reports: verifiers confirm or correct each report's type and agency, so
those reports are the best labelled data the deployment will ever have.
:func:`examples_from_verified` turns ``(text, type, agency)`` rows into examples; the database
query lives in a thin adapter (:func:`verified_rows_from_db`), so the logic is testable without a
database.

Regenerate the shipped models with ``python -m nlu.train`` after editing the YAML data.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from config.domain_files import UNDECIDED_AGENCY
from nlu.artifact import save_artifact
from nlu.calibration import fit_calibration
from nlu.classifier import TextClassifier
from nlu.dataset import (
    DATA_DIR,
    DEPLOYMENT_SOURCES,
    REPORT_TYPE_LABELS,
    STREAM_SOURCES,
    Example,
    data_hash,
    read_csv,
    read_rasa_yaml,
)
from nlu.estimators import CUES_METHOD, DEFAULT_METHOD

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = [
    "SHIPPED_MODELS_DIR",
    "TASKS",
    "Comparison",
    "SliceScores",
    "Task",
    "VerifiedRow",
    "agency_codes",
    "base_examples",
    "compare_on_recent_slice",
    "examples_from_verified",
    "model_filename",
    "shipped_model_path",
    "train_and_save",
    "train_model",
    "training_set",
    "verified_rows_from_db",
]

logger = logging.getLogger(__name__)

Task = Literal["report_type", "routing"]
TASKS: tuple[Task, ...] = ("report_type", "routing")
SHIPPED_MODELS_DIR = Path(__file__).resolve().parent / "models"
DATA_FILES: dict[Task, Path] = {
    "report_type": DATA_DIR / "report_type.yml",
    "routing": DATA_DIR / "routing.yml",
}
# Real messages shipped beside the written ones (see nlu/data/README.md).
REAL_FILES: dict[Task, Path] = {
    "report_type": DATA_DIR / "report_type_lapor.csv",
    "routing": DATA_DIR / "routing_lapor.csv",
}
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


def agency_codes(agencies_file: Path) -> list[str]:
    """Routable agency codes from ``agencies.yml`` (``lainnya`` excluded)."""
    from config.domain_files import load_agencies

    return [a.code for a in load_agencies(agencies_file) if a.code != UNDECIDED_AGENCY]


def base_examples(task: Task, *, data_file: Path | None = None) -> list[Example]:
    """The shipped training examples of ``task``: the written ones, then the real LAPOR! ones
    (report types restricted to the three labels). ``data_file`` replaces both (tests)."""
    path = data_file or DATA_FILES[task]
    if not path.exists():
        raise FileNotFoundError(f"training data for {task} not found: {path}")
    intents = REPORT_TYPE_LABELS if task == "report_type" else None
    examples = read_rasa_yaml(path, intents=intents)
    if data_file is None:
        real = read_csv(REAL_FILES[task], source="lapor")
        examples += [e for e in real if intents is None or e.label in intents]
    return examples


#: A verified report from the database: ``(text, type, agency code)``, optionally with the
#: example's source (``"history"`` for imported reports; default ``"verified"``).
VerifiedRow = tuple[str, str | None, str | None] | tuple[str, str | None, str | None, str]


def examples_from_verified(
    rows: Iterable[VerifiedRow],
    *,
    known_agencies: Iterable[str] | None = None,
) -> dict[Task, list[Example]]:
    """Split verified ``(text, type, agency_code[, source])`` rows into examples per task.

    A row contributes to a task only when that label is usable: a report type of the three known
    ones, an agency code that is routable (not ``lainnya``; in ``known_agencies`` when given).
    """
    agencies = set(known_agencies) if known_agencies is not None else None
    out: dict[Task, list[Example]] = {"report_type": [], "routing": []}
    for row in rows:
        text, report_type, agency = row[0], row[1], row[2]
        source = row[3] if len(row) > 3 else "verified"
        text = (text or "").strip()
        if not text:
            continue
        if report_type in REPORT_TYPE_LABELS:
            out["report_type"].append(Example(text=text, label=str(report_type), source=source))
        if agency and agency != UNDECIDED_AGENCY and (agencies is None or agency in agencies):
            out["routing"].append(Example(text=text, label=agency, source=source))
    return out


def verified_rows_from_db(settings: Settings) -> Iterator[VerifiedRow]:
    """``(title. body, type, agency code, source)`` of every report a verifier has confirmed,
    oldest submission first (the recent slice of :func:`compare_on_recent_slice` is the end).

    The source is ``history`` for a report brought in by ``suarawarga import reports`` (it was
    verified in the city's previous system) and ``verified`` for one verified here; both are the
    deployment's own stream for calibration (``nlu.dataset.DEPLOYMENT_SOURCES``).

    The database is imported here, not at the top: training from the shipped data needs none.
    """
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from reports.db import engine_from_settings, session_factory
    from reports.models import Report

    engine = engine_from_settings(settings)
    try:
        with session_factory(engine)() as session:
            query = (
                select(Report)
                .where(Report.verified_at.is_not(None))
                .options(joinedload(Report.agency))
                .order_by(Report.created_at, Report.id)
                .execution_options(yield_per=500)
            )
            for report in session.scalars(query):
                title = (report.title or "").strip()
                body = (report.body or "").strip()
                text = f"{title}. {body}" if title and not body.startswith(title) else body
                agency = report.agency.code if report.agency is not None else None
                source = "history" if report.import_key is not None else "verified"
                yield text, str(report.type), agency, source
    finally:
        engine.dispose()


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


# Share of the deployment's own examples, the most recent ones, held out to judge a new model.
RECENT_SLICE_SHARE = 0.2
MIN_RECENT_SLICE = 10
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


@dataclass(frozen=True)
class Comparison:
    """A candidate model against the serving one on the deployment's most recent examples."""

    task: Task
    n_slice: int
    candidate_macro_f1: float
    candidate_accuracy: float
    serving_macro_f1: float | None
    serving_accuracy: float | None
    slice_scores: SliceScores | None = field(default=None, repr=False, compare=False)

    @property
    def candidate_is_not_worse(self) -> bool:
        return self.serving_macro_f1 is None or self.candidate_macro_f1 >= self.serving_macro_f1

    def describe(self) -> str:
        serving = (
            "no serving model"
            if self.serving_macro_f1 is None
            else f"serving macro-F1 {self.serving_macro_f1:.3f} acc {self.serving_accuracy:.3f}"
        )
        return (
            f"{self.task}: on the {self.n_slice} most recent of this deployment's examples, "
            f"new macro-F1 {self.candidate_macro_f1:.3f} acc {self.candidate_accuracy:.3f}; "
            f"{serving}"
        )


def _scores(model: TextClassifier, examples: Sequence[Example]) -> tuple[float, float]:
    gold = [e.label for e in examples]
    return _prediction_scores(gold, model.predict([e.text for e in examples]))


def _prediction_scores(gold: Sequence[str], pred: Sequence[str]) -> tuple[float, float]:
    from sklearn.metrics import f1_score

    accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    macro = f1_score(gold, pred, labels=sorted(set(gold)), average="macro", zero_division=0)
    return float(macro), float(accuracy)


def compare_on_recent_slice(
    task: Task,
    base: Sequence[Example],
    deployment: Sequence[Example],
    *,
    serving: TextClassifier | None,
    labels: Iterable[str] | None = None,
    method: str | None = None,
) -> Comparison | None:
    """Train on everything but the deployment's most recent examples, and score that model and
    the serving one on them. None when there are too few of them to judge.

    Why the most recent: a model is installed to classify tomorrow's reports, and the latest
    slice of the history is the closest sample of those; a random slice would also reward a
    model for remembering near-copies of older reports. ``deployment`` must be in time order
    (database rows by id, a CSV in file order). The candidate here is fitted without its
    calibration (which does not change which label wins under the default prior) to keep
    ``nlu train`` short; the installed model is then trained on everything.
    """
    n_slice = int(len(deployment) * RECENT_SLICE_SHARE)
    if n_slice < MIN_RECENT_SLICE:
        return None
    allowed = set(labels) if labels is not None else None
    recent = [e for e in deployment[-n_slice:] if allowed is None or e.label in allowed]
    if not recent:
        return None
    candidate = train_model(
        task,
        [*base, *deployment[:-n_slice]],
        method=method,
        labels=labels,
        calibrate=False,
    )
    texts = [e.text for e in recent]
    raw = candidate.reference_scores(texts)
    pred = [candidate.labels[int(i)] for i in candidate.calibration.apply(raw).argmax(axis=1)]
    candidate_f1, candidate_acc = _prediction_scores([e.label for e in recent], pred)
    serving_f1: float | None = None
    serving_acc: float | None = None
    if serving is not None:
        serving_f1, serving_acc = _scores(serving, recent)
    sliced = SliceScores(candidate.labels, raw, tuple(e.label for e in recent))
    return Comparison(
        task, len(recent), candidate_f1, candidate_acc, serving_f1, serving_acc, sliced
    )


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

    ``slice_scores`` (from :func:`compare_on_recent_slice`) calibrate the model when the slice
    has at least :data:`MIN_SLICE_CALIBRATION` examples (see :func:`calibrate_from_slice`);
    otherwise the model calibrates itself on out-of-fold scores.
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
