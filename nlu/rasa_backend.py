"""NLU backed by a Rasa 3.6 server, with the embedded model as a safety net.

Why: some deployments run Rasa as its own service (docker compose profile ``rasa``) to use its DIET
classifier or their existing Rasa tooling. The bot must never stop answering because that service
is slow, restarting, or serving the wrong model, so every call has a short timeout and any failure
answers from the embedded model instead. After a failure Rasa is left alone for a cool-down (no
per-message connection attempts against a dead host, and one warning in the log instead of one per
message), then tried again.

Rasa serves one model for all our intents, named with a family prefix by :mod:`nlu.rasa_export`
(``type__complaint``, ``agency__pupr``, ``conv__greet``). Rasa's softmax runs over all of them, so
for each question we keep only that family's entries of ``intent_ranking`` and renormalise them to
sum to 1: the result reads like the embedded model's ranking and the same thresholds apply.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import yaml

from nlu.rasa_export import AGENCY_PREFIX, TYPE_PREFIX
from nlu.service import RANKING_SIZE, Prediction

if TYPE_CHECKING:
    from config.settings import Settings
    from nlu.service import NLU

__all__ = ["REPORT_TYPES", "RasaNLU", "RasaUnavailable", "ranking_for_prefix"]

logger = logging.getLogger(__name__)

REPORT_TYPES: frozenset[str] = frozenset({"complaint", "aspiration", "information_request"})
_PARSE_CACHE_SIZE = 128


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered something we cannot use (reason in the message)."""


def _valid_ranking(payload: Any) -> list[tuple[str, float]]:
    """Extract ``[(intent, confidence), ...]`` from a ``/model/parse`` answer or raise.

    Garbage means: not a JSON object, no ranking, entries without a name or with a confidence
    that is not a finite number in [0, 1]. Rasa omits ``intent_ranking`` only for models without
    an intent classifier; then the single ``intent`` is used.
    """
    if not isinstance(payload, dict):
        raise RasaUnavailable("answer is not a JSON object")
    entries = payload.get("intent_ranking")
    if not entries:
        intent = payload.get("intent")
        entries = [intent] if isinstance(intent, dict) and intent.get("name") else None
    if not isinstance(entries, list):
        raise RasaUnavailable("answer has no intent_ranking")
    ranking: list[tuple[str, float]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise RasaUnavailable("intent_ranking entry is not an object")
        name, confidence = entry.get("name"), entry.get("confidence")
        if not isinstance(name, str) or isinstance(confidence, bool):
            raise RasaUnavailable("intent_ranking entry without name or confidence")
        if not isinstance(confidence, int | float) or not math.isfinite(confidence):
            raise RasaUnavailable("intent_ranking confidence is not a number")
        if not 0.0 <= confidence <= 1.0 + 1e-6:
            raise RasaUnavailable("intent_ranking confidence outside [0, 1]")
        ranking.append((name, float(confidence)))
    return ranking


def ranking_for_prefix(
    ranking: list[tuple[str, float]], prefix: str, allowed: frozenset[str] | None = None
) -> list[tuple[str, float]]:
    """Keep one intent family, strip its prefix, renormalise to sum 1, best first.

    ``allowed`` drops labels we do not know (an agency code removed from ``agencies.yml`` but
    still in an old Rasa model must not be routed to). Returns ``[]`` when nothing of the family is
    left or its total confidence is zero, which the caller treats as "ask the embedded model".
    """
    subset: dict[str, float] = {}
    for name, confidence in ranking:
        if not name.startswith(prefix):
            continue
        label = name[len(prefix) :]
        if allowed is not None and label not in allowed:
            continue
        subset[label] = max(subset.get(label, 0.0), confidence)
    total = sum(subset.values())
    if total <= 0.0:
        return []
    normalised = [(label, value / total) for label, value in subset.items()]
    normalised.sort(key=lambda item: (-item[1], item[0]))
    return normalised


def _agency_codes(settings: Settings) -> frozenset[str]:
    """Agency codes from the configured agencies file (the same file the app routes with)."""
    document = yaml.safe_load(settings.agencies_file.read_text(encoding="utf-8")) or {}
    return frozenset(str(item["code"]) for item in document.get("agencies") or [])


class RasaNLU:
    """The :class:`nlu.service.NLU` protocol answered by Rasa's ``POST /model/parse``.

    ``fallback`` is the embedded NLU; it answers whenever Rasa cannot, and always answers
    :meth:`detect_language` (Rasa has no language identification). Thread-safe: the webhook
    routes may call it from several worker threads at once.
    """

    def __init__(
        self,
        settings: Settings,
        fallback: NLU,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._fallback = fallback
        self._clock = clock
        self._cooldown = float(settings.rasa_cooldown_seconds)
        timeout = float(settings.rasa_timeout_seconds)
        self._client = httpx.Client(
            base_url=settings.rasa_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 0.5)),
            transport=transport,
        )
        self._lock = threading.Lock()
        self._down_until: float | None = None
        self._warned_families: set[str] = set()
        self._cache: OrderedDict[str, list[tuple[str, float]]] = OrderedDict()
        self._agencies: frozenset[str] | None = None

    # -- the NLU protocol -------------------------------------------------------------------

    def classify_type(self, text: str) -> Prediction:
        """Report type from Rasa's ``type__*`` intents, else from the embedded model."""
        prediction = self._predict(
            text, TYPE_PREFIX, REPORT_TYPES, self._settings.nlu_type_threshold
        )
        return prediction if prediction is not None else self._fallback.classify_type(text)

    def route_agency(self, text: str) -> Prediction:
        """Agency code from Rasa's ``agency__*`` intents, else from the embedded model."""
        prediction = self._predict(
            text, AGENCY_PREFIX, self._agency_codes(), self._settings.nlu_agency_threshold
        )
        return prediction if prediction is not None else self._fallback.route_agency(text)

    def detect_language(self, text: str) -> str:
        """Always the embedded detector: Rasa's model is not trained to tell languages apart."""
        return self._fallback.detect_language(text)

    # -- state ------------------------------------------------------------------------------

    @property
    def rasa_available(self) -> bool:
        """False while in the cool-down after a failure (for /health and the console)."""
        with self._lock:
            return self._down_until is None or self._clock() >= self._down_until

    def close(self) -> None:
        """Close the HTTP connection pool (the app's lifespan calls this on shutdown)."""
        self._client.close()

    def parse(self, text: str) -> list[tuple[str, float]]:
        """Rasa's full ranking for ``text``; raises :class:`RasaUnavailable` (cool-down included).

        Both questions about one message (type and agency) need the same parse, so the last few
        answers are cached by text and one message costs one HTTP call.
        """
        with self._lock:
            cached = self._cache.get(text)
            if cached is not None:
                self._cache.move_to_end(text)
                return cached
            if self._down_until is not None and self._clock() < self._down_until:
                raise RasaUnavailable("in cool-down after an earlier failure")
        try:
            response = self._client.post("/model/parse", json={"text": text})
            response.raise_for_status()
            ranking = _valid_ranking(response.json())
        except (httpx.HTTPError, ValueError, RasaUnavailable) as exc:
            self._mark_down(exc)
            raise RasaUnavailable(str(exc) or type(exc).__name__) from exc
        self._mark_up()
        with self._lock:
            self._cache[text] = ranking
            while len(self._cache) > _PARSE_CACHE_SIZE:
                self._cache.popitem(last=False)
        return ranking

    # -- internals --------------------------------------------------------------------------

    def _agency_codes(self) -> frozenset[str]:
        if self._agencies is None:
            self._agencies = _agency_codes(self._settings)
        return self._agencies

    def _predict(
        self, text: str, prefix: str, allowed: frozenset[str], threshold: float
    ) -> Prediction | None:
        try:
            ranking = self.parse(text)
        except RasaUnavailable:
            return None
        family = ranking_for_prefix(ranking, prefix, allowed)
        if not family:
            self._warn_family_missing(prefix)
            return None
        label, confidence = family[0]
        return Prediction(
            label=label,
            confidence=confidence,
            ranking=family[:RANKING_SIZE],  # renormalised over the whole family, then cut
            confident=confidence >= threshold,
        )

    def _mark_down(self, exc: BaseException) -> None:
        with self._lock:
            first = self._down_until is None
            self._down_until = self._clock() + self._cooldown
        if first:
            logger.warning(
                "Rasa at %s unusable (%s: %s); answering from the embedded model, "
                "retrying Rasa every %.0f s",
                self._settings.rasa_url,
                type(exc).__name__,
                exc,
                self._cooldown,
            )
        else:
            logger.debug("Rasa still unusable: %s", exc)

    def _mark_up(self) -> None:
        with self._lock:
            was_down = self._down_until is not None
            self._down_until = None
        if was_down:
            logger.info("Rasa at %s answers again; using it", self._settings.rasa_url)

    def _warn_family_missing(self, prefix: str) -> None:
        with self._lock:
            if prefix in self._warned_families:
                return
            self._warned_families.add(prefix)
        logger.warning(
            "Rasa model has no usable %s* intents (wrong model? run `make rasa`); "
            "answering those from the embedded model",
            prefix,
        )
