"""What the NLU answers: :class:`Prediction`, and the :class:`NLU` protocol of its backends.

The embedded model (:mod:`nlu.service`), Rasa (:mod:`nlu.rasa_backend`) and the keyword fallback
(:mod:`nlu.fallback`) all answer with this one dataclass, so they are interchangeable; each of
them fits the domain's classifier port, :class:`reports.classifier.Classifier`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

RANKING_SIZE = 5


@dataclass(frozen=True)
class Prediction:
    label: str  # best label
    confidence: float  # calibrated probability of label
    ranking: list[tuple[str, float]]  # top labels with probabilities, best first
    confident: bool  # confidence >= the configured threshold
    # Which model answered (stored with the report's suggestion so a correction can be traced
    # to it): ``embedded <task>@<created_at>#<data hash>`` or ``rasa <model file>``.
    model_version: str | None = None


class NLU(Protocol):
    def classify_type(
        self, text: str
    ) -> Prediction: ...  # complaint | aspiration | information_request

    def route_agency(self, text: str) -> Prediction: ...  # agency code

    def detect_language(self, text: str) -> str: ...  # "id" | "en"
