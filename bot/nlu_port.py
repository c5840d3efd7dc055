"""The conversation's view of the NLU: report type, agency and language, with a safe fallback.

The engine only needs three questions answered (``nlu.service`` API). If the NLU package cannot
be loaded (not installed in a slim deployment, a broken model file), the bot must keep taking
reports: the fallback answers "not confident" for the type (so the citizen chooses), routes by
the agencies' configured keywords, and guesses the language from a few common words. The
verifier corrects everything anyway.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger(__name__)
_CLASSIFIERS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Guess:
    """Same shape as ``nlu.service.Prediction``."""

    label: str
    confidence: float
    ranking: list[tuple[str, float]]
    confident: bool


class PredictionLike(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def ranking(self) -> list[tuple[str, float]]: ...
    @property
    def confident(self) -> bool: ...  # calibrated confidence >= the configured threshold


class Classifier(Protocol):
    def classify_type(self, text: str) -> PredictionLike: ...
    def route_agency(self, text: str) -> PredictionLike: ...
    def detect_language(self, text: str) -> str: ...


def suggestion_version(*predictions: object) -> str | None:
    """One ``model_version`` for a suggestion made of several predictions (type and agency).

    The embedded backend answers type and agency from two artifacts, Rasa from one model: the
    distinct versions (``Prediction.model_version``) are joined in order, so the text names every
    model that contributed. The keyword fallback has none.
    """
    seen: list[str] = []
    for prediction in predictions:
        version = getattr(prediction, "model_version", None)
        if version and version not in seen:
            seen.append(str(version))
    return " + ".join(seen) or None


def _words(text: str) -> list[str]:
    return text.split()


_EN_WORDS = frozenset(
    _words(
        "the is are was were has have been not there my our your this that street road please "
        "broken since near house would like want to of and for with a an it in on"
    )
)
_ID_WORDS = frozenset(
    _words(
        "yang di ke dan tidak ada sudah belum saya kami jalan rusak sejak dari untuk dengan "
        "ini itu "
        "mohon tolong rumah depan karena sangat"
    )
)


def guess_language(text: str) -> str:
    words = re.findall(r"[a-z]+", text.lower())
    en = sum(w in _EN_WORDS for w in words)
    idn = sum(w in _ID_WORDS for w in words)
    return "en" if en > idn and en >= 2 else "id"


class KeywordFallback:
    """Used only when ``nlu.service`` is unavailable."""

    def __init__(self, settings: Settings) -> None:
        from config.domain_files import load_agencies

        self._agencies = [
            (a.code, [k.lower() for k in a.keywords]) for a in load_agencies(settings.agencies_file)
        ]

    def classify_type(self, text: str) -> Guess:
        return Guess("complaint", 0.0, [("complaint", 0.0)], False)

    def route_agency(self, text: str) -> Guess:
        lowered = text.lower()
        scores = [(code, sum(k in lowered for k in kws)) for code, kws in self._agencies]
        scores.sort(key=lambda s: -s[1])
        total = sum(s for _, s in scores) or 1
        ranking = [(code, s / total) for code, s in scores if s][:3]
        if not ranking:
            return Guess("lainnya", 0.0, [], False)
        return Guess(ranking[0][0], ranking[0][1], ranking, False)

    def detect_language(self, text: str) -> str:
        return guess_language(text)


class Guarded:
    """The deployment's NLU, answering from the keyword fallback when it fails.

    The NLU has its own fallbacks (Rasa -> embedded model); this is the last line: a broken model
    file or a bug in a classifier must cost the citizen a question about the type, not a reply.
    """

    def __init__(self, primary: Classifier, settings: Settings) -> None:
        self._primary = primary
        self._settings = settings

    def _fallback(self, what: str) -> KeywordFallback:
        log.exception("NLU %s failed; using the keyword fallback", what)
        return KeywordFallback(self._settings)

    def classify_type(self, text: str) -> PredictionLike:
        try:
            return self._primary.classify_type(text)
        except Exception:
            return self._fallback("classify_type").classify_type(text)

    def route_agency(self, text: str) -> PredictionLike:
        try:
            return self._primary.route_agency(text)
        except Exception:
            return self._fallback("route_agency").route_agency(text)

    def detect_language(self, text: str) -> str:
        try:
            return self._primary.detect_language(text)
        except Exception:
            return self._fallback("detect_language").detect_language(text)


#: Guarded NLUs by ``id(settings)``, holding the settings object so its id cannot be reused.
#: ``nlu.service.get_nlu`` caches too, but its cache key resolves paths on every call, which
#: costs more than a report's classification; settings do not change once a process has them.
_CLASSIFIERS: dict[int, tuple[Settings, Guarded]] = {}
_CLASSIFIERS_KEPT = 8  # processes have one settings object; test runs make many


def classifier(settings: Settings) -> Classifier:
    """The deployment's NLU (built once per settings object), or the keyword fallback.

    The fallback is never kept: the next message tries the NLU again.
    """
    found = _CLASSIFIERS.get(id(settings))
    if found is not None and found[0] is settings:
        return found[1]
    try:
        from nlu.service import get_nlu
    except ImportError:
        return KeywordFallback(settings)
    try:
        primary = get_nlu(settings)
    except Exception:
        log.exception("NLU unavailable; using the keyword fallback")
        return KeywordFallback(settings)
    guarded = Guarded(primary, settings)
    with _CLASSIFIERS_LOCK:
        while len(_CLASSIFIERS) >= _CLASSIFIERS_KEPT:
            del _CLASSIFIERS[next(iter(_CLASSIFIERS))]  # the oldest
        _CLASSIFIERS[id(settings)] = (settings, guarded)
    return guarded
