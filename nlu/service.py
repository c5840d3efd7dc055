"""The NLU backends: the embedded model, and the factory that picks the deployment's backend.

Why this shape: callers only see :class:`nlu.types.Prediction` and the classifier port
(:class:`reports.classifier.Classifier`), so the embedded model and the Rasa backend are
interchangeable, and every decision carries a calibrated confidence plus a ``confident`` flag (the
bot asks the citizen or leaves the choice to the verifier when it is False, instead of guessing).

Models are loaded lazily on first use. The newest ``<task>-*.joblib`` under
``settings.models_dir`` wins over the model shipped in the package; the directory is re-checked at
most every few seconds, so ``suarawarga nlu train`` takes effect in a running server without a
restart. A model file that fails to load is logged and skipped (the previous model keeps serving).
There is no process-wide cache: the runtime (``reports.runtime``) holds the one NLU of a process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.domain_files import UNDECIDED_AGENCY
from nlu.artifact import ArtifactError, load_artifact
from nlu.classifier import TextClassifier
from nlu.dataset import REPORT_TYPE_LABELS
from nlu.features import clip_text
from nlu.language import detect_language
from nlu.normalize import normalize
from nlu.rasa_backend import RasaNLU
from nlu.train import shipped_model_path
from nlu.training_examples import Task
from nlu.types import NLU, RANKING_SIZE, Prediction

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = [
    "EmbeddedNLU",
    "ModelSlot",
    "artifact_version",
    "build_nlu",
]

logger = logging.getLogger(__name__)

RELOAD_CHECK_SECONDS = 3.0
# Weight of the agencies.yml keyword evidence mixed into the routing model's probabilities.
# Small on purpose: keywords fix clear-cut cases the model has not seen ("pdam" -> air_minum)
# without overriding the model on messages that mention several topics.
KEYWORD_WEIGHT = 0.25


# ---------------------------------------------------------------------------------------------
# Model files and hot reload


def artifact_version(meta: dict[str, Any], path: Path | None) -> str:
    """``<task>@<created_at>#<training-data hash>`` of a loaded model artifact.

    Why both: two models trained on the same data at different times differ (seeds, code), and
    the data hash says what a model learned from. A model without a data hash in its metadata
    (older artifacts) is named by its file instead.
    """
    task = meta.get("task") or "model"
    created = meta.get("created_at") or "?"
    data = meta.get("data_sha256") or meta.get("data_hash")
    tail = str(data)[:12] if data else (path.name if path is not None else "?")
    return f"{task}@{created}#{tail}"


class ModelSlot:
    """The current model of one task: newest file in ``models_dir``, else the shipped one.

    Thread-safe; a reload happens in the calling thread at most every ``check_seconds``.
    ``clock`` is injectable so tests can move time instead of sleeping.
    """

    def __init__(
        self,
        task: Task,
        models_dir: Path | None,
        *,
        shipped: Path | None = None,
        check_seconds: float = RELOAD_CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.task = task
        self.models_dir = models_dir
        self.shipped = shipped if shipped is not None else shipped_model_path(task)
        self.check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._model: TextClassifier | None = None
        self._source: tuple[Path, int] | None = None  # (path, mtime_ns) of the loaded file
        self.version: str | None = None  # "embedded <artifact_version>" of the loaded model
        self._next_check = float("-inf")
        self._bad: set[tuple[Path, int]] = set()

    def _candidates(self) -> list[tuple[int, Path]]:
        found: list[tuple[int, Path]] = []
        if self.models_dir is not None and self.models_dir.is_dir():
            for path in self.models_dir.glob(f"{self.task}-*.joblib"):
                try:
                    found.append((path.stat().st_mtime_ns, path))
                except FileNotFoundError:  # removed between glob and stat
                    continue
        found.sort(key=lambda item: (item[0], item[1].name), reverse=True)
        if self.shipped.exists():
            found.append((self.shipped.stat().st_mtime_ns, self.shipped))
        return found

    def _refresh(self) -> None:
        for mtime, path in self._candidates():
            key = (path, mtime)
            if key == self._source:
                return  # the newest usable file is already loaded
            if key in self._bad:
                continue
            try:
                model = load_artifact(path, task=self.task)
            except (ArtifactError, OSError) as exc:
                logger.error("NLU %s model %s unusable, skipping: %s", self.task, path, exc)
                self._bad.add(key)
                continue
            self._model, self._source = model, key
            self.version = f"embedded {artifact_version(model.meta, path)}"
            logger.info("NLU %s model loaded from %s", self.task, path)
            return

    def get(self) -> TextClassifier | None:
        now = self._clock()
        if now >= self._next_check:
            with self._lock:
                if now >= self._next_check:
                    self._refresh()
                    self._next_check = now + self.check_seconds
        return self._model

    @property
    def source(self) -> Path | None:
        return self._source[0] if self._source else None


# ---------------------------------------------------------------------------------------------
# The embedded backend


class _Keywords:
    """Agency keywords from ``agencies.yml``, matched as whole normalised phrases."""

    def __init__(self, agencies_file: Path) -> None:
        from config.domain_files import load_agencies

        self.phrases: list[tuple[str, str]] = []  # (padded normalised phrase, agency code)
        self._codes: list[str] = []
        for spec in load_agencies(agencies_file):
            if spec.code == UNDECIDED_AGENCY:
                continue
            self._codes.append(spec.code)
            for keyword in sorted({normalize(k) for k in spec.keywords}):
                if keyword:
                    self.phrases.append((f" {keyword} ", spec.code))

    def scores(self, text: str) -> dict[str, float]:
        padded = f" {normalize(clip_text(text))} "
        hits: dict[str, int] = {}
        for phrase, code in self.phrases:
            if phrase in padded:
                hits[code] = hits.get(code, 0) + 1
        total = sum(hits.values())
        return {code: n / total for code, n in hits.items()} if total else {}

    @property
    def codes(self) -> list[str]:
        return list(self._codes)


def _prediction(
    ranking: list[tuple[str, float]], threshold: float, version: str | None
) -> Prediction:
    label, confidence = ranking[0]
    return Prediction(
        label=label,
        confidence=confidence,
        ranking=ranking[:RANKING_SIZE],
        confident=confidence >= threshold,
        model_version=version,
    )


class EmbeddedNLU:
    """The :class:`nlu.types.NLU` protocol answered in-process by the scikit-learn models."""

    def __init__(
        self,
        settings: Settings,
        *,
        check_seconds: float = RELOAD_CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        models_dir = settings.models_dir
        self.type_slot = ModelSlot(
            "report_type", models_dir, check_seconds=check_seconds, clock=clock
        )
        self.routing_slot = ModelSlot(
            "routing", models_dir, check_seconds=check_seconds, clock=clock
        )
        self._keywords: _Keywords | None = None
        self._keywords_lock = threading.Lock()

    def _agency_keywords(self) -> _Keywords:
        if self._keywords is None:
            with self._keywords_lock:
                if self._keywords is None:
                    self._keywords = _Keywords(self.settings.agencies_file)
        return self._keywords

    def classify_type(self, text: str) -> Prediction:
        model = self.type_slot.get()
        if model is None:
            raise RuntimeError("no report-type model: run `suarawarga nlu train`")
        if not text.strip():
            uniform = 1.0 / len(REPORT_TYPE_LABELS)
            ranking = [(label, uniform) for label in REPORT_TYPE_LABELS]
            return Prediction(REPORT_TYPE_LABELS[0], uniform, ranking, False)
        return _prediction(
            model.rank(text), self.settings.nlu_type_threshold, self.type_slot.version
        )

    def route_agency(self, text: str) -> Prediction:
        """Routing model probabilities, mixed with keyword evidence from ``agencies.yml``.

        Only agencies present in the configured file are returned (a model trained before an
        agency was removed must not route to it). Without any routing model, keywords alone
        decide, and never confidently: the verifier confirms.
        """
        keywords = self._agency_keywords()
        allowed = set(keywords.codes)
        model = self.routing_slot.get()
        kw = keywords.scores(text) if text.strip() else {}
        probs: dict[str, float] = {}
        if model is not None and text.strip():
            for label, p in model.rank(text):
                if label in allowed:
                    probs[label] = p
        if probs:
            total = sum(probs.values())
            weight = KEYWORD_WEIGHT if kw else 0.0
            mixed = {
                code: (1.0 - weight) * probs.get(code, 0.0) / total + weight * kw.get(code, 0.0)
                for code in set(probs) | set(kw)
            }
            ranking = sorted(mixed.items(), key=lambda item: (-item[1], item[0]))
            return _prediction(
                ranking, self.settings.nlu_agency_threshold, self.routing_slot.version
            )
        if kw:
            ranking = sorted(kw.items(), key=lambda item: (-item[1], item[0]))
            label, p = ranking[0]
            return Prediction(label, p, ranking[:RANKING_SIZE], False, "embedded keywords")
        return Prediction(UNDECIDED_AGENCY, 0.0, [], False)

    def detect_language(self, text: str) -> str:
        return detect_language(text)

    def model_info(self) -> dict[str, Any]:
        """Which model files are serving, with their metadata (for the console and the CLI)."""
        info: dict[str, Any] = {}
        for slot in (self.type_slot, self.routing_slot):
            model = slot.get()
            info[slot.task] = {"path": str(slot.source), **(model.meta if model else {})}
        return info


# ---------------------------------------------------------------------------------------------
# Factory


def build_nlu(settings: Settings) -> NLU:
    """The NLU these settings ask for (models themselves load lazily, on first use).

    Built once per process by whoever builds the runtime; Rasa answers with the embedded model as
    its safety net.
    """
    embedded = EmbeddedNLU(settings)
    if settings.nlu_backend == "rasa":
        return RasaNLU(settings, fallback=embedded)
    return embedded
