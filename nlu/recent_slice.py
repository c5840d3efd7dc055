"""Judging a newly trained model against the serving one, on the deployment's most recent examples.

``nlu train`` with the deployment's own examples (``--from-db``, ``--routing-csv``) first trains a
candidate without the most recent fifth of them and scores it, and the serving model, on that
fifth; a candidate that scores worse is not installed unless forced. The candidate's raw scores of
the slice (:class:`nlu.train.SliceScores`) travel with the :class:`Comparison`, so a large enough
slice also calibrates the installed model (:func:`nlu.train.calibrate_from_slice`).

Kept apart from :mod:`nlu.train`: this is evaluation (held-out slice, macro-F1, the decision to
install), one level above fitting a model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from nlu.classifier import TextClassifier
from nlu.dataset import Example
from nlu.train import SliceScores, train_model
from nlu.training_examples import Task

__all__ = [
    "MIN_RECENT_SLICE",
    "RECENT_SLICE_SHARE",
    "Comparison",
    "compare_on_recent_slice",
]

# Share of the deployment's own examples, the most recent ones, held out to judge a new model.
RECENT_SLICE_SHARE = 0.2
MIN_RECENT_SLICE = 10


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
