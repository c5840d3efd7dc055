"""NLU backed by a Rasa 3.6 server, with the embedded model as a safety net.

Why: some deployments run Rasa as its own service (docker compose profile ``rasa``) to use its DIET
classifier or their existing Rasa tooling. The bot must never stop answering because that service
is slow, restarting, or serving the wrong model, so every call has a short timeout and any failure
answers from the embedded model instead. After a failure Rasa is left alone for a cool-down (no
per-message connection attempts against a dead host, and one warning in the log instead of one per
message), then tried again.

One intent family per model: the report type (with the conversation intents) is asked of the
server at ``rasa_url``, the agency of the one at ``rasa_agency_url`` (``make rasa`` serves both,
:mod:`nlu.rasa.runtime`). Why not one model: DIET's softmax runs over every intent it knows, and a
text that reads like a complaint gives ``type__complaint`` nearly all the mass; the agency family
then holds ~1e-5 and its ranking is noise (a model trained so that one text has one intent never
learnt to rank agencies for a complaint), so renormalising it left the agency suggestion missing
for 3 of 5 reports. Two models answer two questions, each with its own softmax.

A deployment may still point both settings at one combined model (intents named with a family
prefix by :mod:`nlu.rasa_export`: ``type__complaint``, ``agency__pupr``, ``conv__greet``): each
question then keeps only its family's entries of ``intent_ranking``, renormalised to sum to 1, so
the result reads like the embedded model's ranking and the same thresholds apply.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import yaml

from nlu.rasa_export import AGENCY_PREFIX, TYPE_PREFIX
from nlu.types import NLU, RANKING_SIZE, Prediction

if TYPE_CHECKING:
    from config.settings import Settings

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


class _Endpoint:
    """One Rasa server: its HTTP client, the last parses, and its cool-down after a failure.

    Each server fails on its own (the agency model may be restarting while the type model
    answers), so each has its own cool-down and its own warning.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        cooldown: float,
        clock: Callable[[], float],
        transport: httpx.BaseTransport | None,
    ) -> None:
        self.url = url.rstrip("/")
        self._clock = clock
        self._cooldown = cooldown
        self._client = httpx.Client(
            base_url=self.url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 0.5)),
            transport=transport,
        )
        self._lock = threading.Lock()
        self._down_until: float | None = None
        self._cache: OrderedDict[str, list[tuple[str, float]]] = OrderedDict()
        self._version: str | None = None

    @property
    def available(self) -> bool:
        with self._lock:
            return self._down_until is None or self._clock() >= self._down_until

    def close(self) -> None:
        self._client.close()

    def parse(self, text: str) -> list[tuple[str, float]]:
        """Rasa's full ranking for ``text``; raises :class:`RasaUnavailable` (cool-down too)."""
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

    def model_version(self) -> str:
        """``rasa <model file>`` from ``GET /status``, asked once per (re)connection.

        Our cached model files are named by the hash of their data and pipeline
        (``nlu-<hash>.tar.gz``, :func:`nlu.rasa.runtime.train_nlu`), so the name identifies what
        the model learnt from. A server that does not say (``/status`` refused or odd) is named
        by its URL, once, rather than asked on every message.
        """
        with self._lock:
            if self._version is not None:
                return self._version
        try:
            response = self._client.get("/status")
            response.raise_for_status()
            payload = response.json()
            model = payload.get("model_file") if isinstance(payload, dict) else None
        except (httpx.HTTPError, ValueError):
            model = None
        version = f"rasa {Path(str(model)).name}" if model else f"rasa at {self.url}"
        with self._lock:
            self._version = version
        return version

    def _mark_down(self, exc: BaseException) -> None:
        with self._lock:
            first = self._down_until is None
            self._down_until = self._clock() + self._cooldown
            self._version = None  # it may come back with another model
        if first:
            logger.warning(
                "Rasa at %s unusable (%s: %s); answering from the embedded model, "
                "retrying Rasa every %.0f s",
                self.url,
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
            logger.info("Rasa at %s answers again; using it", self.url)


class RasaNLU:
    """The :class:`nlu.types.NLU` protocol answered by Rasa's ``POST /model/parse``.

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
        timeout = float(settings.rasa_timeout_seconds)
        cooldown = float(settings.rasa_cooldown_seconds)

        def endpoint(url: str) -> _Endpoint:
            return _Endpoint(
                url, timeout=timeout, cooldown=cooldown, clock=clock, transport=transport
            )

        self._type = endpoint(settings.rasa_url)
        agency_url = settings.rasa_agency_url or settings.rasa_url
        same = agency_url.rstrip("/") == settings.rasa_url.rstrip("/")
        # One combined model: one endpoint, so type and agency share one parse per message.
        self._agency = self._type if same else endpoint(agency_url)
        self._lock = threading.Lock()
        self._warned_families: set[str] = set()
        self._agencies: frozenset[str] | None = None

    # -- the NLU protocol -------------------------------------------------------------------

    def classify_type(self, text: str) -> Prediction:
        """Report type from Rasa's ``type__*`` intents, else from the embedded model."""
        prediction = self._predict(
            self._type, text, TYPE_PREFIX, REPORT_TYPES, self._settings.nlu_type_threshold
        )
        return prediction if prediction is not None else self._fallback.classify_type(text)

    def route_agency(self, text: str) -> Prediction:
        """Agency code from Rasa's ``agency__*`` intents, else from the embedded model."""
        prediction = self._predict(
            self._agency,
            text,
            AGENCY_PREFIX,
            self._agency_codes(),
            self._settings.nlu_agency_threshold,
        )
        return prediction if prediction is not None else self._fallback.route_agency(text)

    def detect_language(self, text: str) -> str:
        """Always the embedded detector: Rasa's model is not trained to tell languages apart."""
        return self._fallback.detect_language(text)

    # -- state ------------------------------------------------------------------------------

    @property
    def rasa_available(self) -> bool:
        """False while a Rasa server is in the cool-down after a failure (for /health)."""
        return self._type.available and self._agency.available

    def close(self) -> None:
        """Close the HTTP connection pools (the app's lifespan calls this on shutdown)."""
        self._type.close()
        if self._agency is not self._type:
            self._agency.close()

    def parse(self, text: str, *, family: str = TYPE_PREFIX) -> list[tuple[str, float]]:
        """The full ranking of the server answering ``family`` (``type__`` or ``agency__``).

        Raises :class:`RasaUnavailable` (cool-down included). The last few answers are cached
        by text, so a question asked twice about one message costs one HTTP call.
        """
        return (self._agency if family == AGENCY_PREFIX else self._type).parse(text)

    # -- internals --------------------------------------------------------------------------

    def _agency_codes(self) -> frozenset[str]:
        if self._agencies is None:
            self._agencies = _agency_codes(self._settings)
        return self._agencies

    def _predict(
        self,
        endpoint: _Endpoint,
        text: str,
        prefix: str,
        allowed: frozenset[str],
        threshold: float,
    ) -> Prediction | None:
        try:
            ranking = endpoint.parse(text)
        except RasaUnavailable:
            return None
        family = ranking_for_prefix(ranking, prefix, allowed)
        if not family:
            self._warn_family_missing(prefix, endpoint.url)
            return None
        label, confidence = family[0]
        return Prediction(
            label=label,
            confidence=confidence,
            ranking=family[:RANKING_SIZE],  # renormalised over the whole family, then cut
            confident=confidence >= threshold,
            model_version=endpoint.model_version(),
        )

    def _warn_family_missing(self, prefix: str, url: str) -> None:
        with self._lock:
            if prefix in self._warned_families:
                return
            self._warned_families.add(prefix)
        logger.warning(
            "Rasa model at %s has no usable %s* intents (wrong model? run `make rasa`); "
            "answering those from the embedded model",
            url,
            prefix,
        )
