"""The last line of the NLU: keyword routing when the deployment's NLU cannot answer.

The bot must keep taking reports when a model file is broken or a classifier has a bug: the
fallback answers "not confident" for the type (so the citizen chooses), routes by the agencies'
configured keywords, and guesses the language from common words. The verifier corrects everything
anyway. The NLU has its own fallbacks (Rasa -> embedded model); :class:`Guarded` is the one around
all of them, and what :func:`guarded_nlu` hands to the runtime.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from config.domain_files import UNDECIDED_AGENCY, load_agencies
from nlu.language import detect_language
from nlu.types import NLU, Prediction

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger(__name__)


class KeywordFallback:
    """Answers from ``agencies.yml`` keywords alone; never confident."""

    def __init__(self, settings: Settings) -> None:
        self._agencies = [
            (a.code, [k.lower() for k in a.keywords]) for a in load_agencies(settings.agencies_file)
        ]

    def classify_type(self, text: str) -> Prediction:
        return Prediction("complaint", 0.0, [("complaint", 0.0)], False)

    def route_agency(self, text: str) -> Prediction:
        lowered = text.lower()
        scores = [(code, sum(k in lowered for k in kws)) for code, kws in self._agencies]
        scores.sort(key=lambda s: -s[1])
        total = sum(s for _, s in scores) or 1
        ranking = [(code, s / total) for code, s in scores if s][:3]
        if not ranking:
            return Prediction(UNDECIDED_AGENCY, 0.0, [], False)
        return Prediction(ranking[0][0], ranking[0][1], ranking, False)

    def detect_language(self, text: str) -> str:
        return detect_language(text)


class Guarded:
    """The deployment's NLU, answering from the keyword fallback when it fails.

    The NLU is built on first use, and building it again is tried on the next call after a
    failure: a broken model file or a bug in a classifier must cost the citizen a question about
    the type, not a reply, and must not stick once it is fixed. The fallback is never kept.
    """

    def __init__(self, build: Callable[[], NLU], settings: Settings) -> None:
        self._build = build
        self._settings = settings
        self._primary: NLU | None = None
        self._lock = threading.Lock()

    @property
    def primary(self) -> NLU:
        """The deployment's NLU, built on first use (raises when it cannot be built)."""
        if self._primary is None:
            with self._lock:
                if self._primary is None:
                    self._primary = self._build()
        return self._primary

    def _fallback(self, what: str) -> KeywordFallback:
        log.exception("NLU %s failed; using the keyword fallback", what)
        return KeywordFallback(self._settings)

    def classify_type(self, text: str) -> Prediction:
        try:
            return self.primary.classify_type(text)
        except Exception:
            return self._fallback("classify_type").classify_type(text)

    def route_agency(self, text: str) -> Prediction:
        try:
            return self.primary.route_agency(text)
        except Exception:
            return self._fallback("route_agency").route_agency(text)

    def detect_language(self, text: str) -> str:
        try:
            return self.primary.detect_language(text)
        except Exception:
            return self._fallback("detect_language").detect_language(text)


def guarded_nlu(settings: Settings) -> Guarded:
    """The deployment's NLU (``nlu.service.build_nlu``) behind the keyword fallback.

    ``nlu.service`` (scikit-learn, the model files) is imported on the first classification, not
    here: every ``suarawarga`` command builds a runtime, and most never classify anything.
    """

    def build() -> NLU:
        from nlu.service import build_nlu

        return build_nlu(settings)

    return Guarded(build, settings)
