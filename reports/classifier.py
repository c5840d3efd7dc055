"""The classifier port: what the conversation and the use cases ask of the NLU.

Declared here, in the domain core, so the runtime (:mod:`reports.runtime`) carries a classifier
without importing ``nlu``: ``nlu`` implements the port (embedded model, Rasa, keyword fallback) and
the outermost layer plugs one in when it builds the runtime. Every answer carries a calibrated
confidence and a ``confident`` flag, so the bot asks the citizen (or leaves the choice to the
verifier) instead of guessing.
"""

from __future__ import annotations

from typing import Protocol


class Prediction(Protocol):
    """One answer of the classifier (``nlu.types.Prediction`` fits)."""

    @property
    def label(self) -> str: ...  # best label

    @property
    def confidence(self) -> float: ...  # calibrated probability of label

    @property
    def ranking(self) -> list[tuple[str, float]]: ...  # top labels with probabilities, best first

    @property
    def confident(self) -> bool: ...  # calibrated confidence >= the configured threshold

    @property
    def model_version(self) -> str | None: ...  # which model answered; None for keywords alone


class Classifier(Protocol):
    def classify_type(self, text: str) -> Prediction: ...  # a ReportType value

    def route_agency(self, text: str) -> Prediction: ...  # an agency code

    def detect_language(self, text: str) -> str: ...  # "id" | "en"


def suggestion_version(*predictions: Prediction) -> str | None:
    """One ``model_version`` for a suggestion made of several predictions (type and agency).

    The embedded backend answers type and agency from two artifacts, Rasa from one model: the
    distinct versions are joined in order, so the text names every model that contributed. The
    keyword fallback has none.
    """
    seen: list[str] = []
    for prediction in predictions:
        version = prediction.model_version
        if version and version not in seen:
            seen.append(version)
    return " + ".join(seen) or None
