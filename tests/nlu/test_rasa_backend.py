"""RasaNLU against a real local HTTP server that speaks ``/model/parse`` (runs everywhere).

Why a real server: what matters in the backend is its behaviour on the wire (refused
connections, timeouts, HTTP errors, nonsense JSON) and the mapping of Rasa's ranking, which a
socket exercises honestly. The fallback is the real embedded NLU trained on the shipped data.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

import pytest

from config.settings import Settings
from nlu.rasa.runtime import free_port
from nlu.rasa_backend import RasaNLU, ranking_for_prefix
from nlu.service import EmbeddedNLU
from nlu.types import NLU

Behaviour = Literal["ok", "http_500", "not_json", "no_ranking", "bad_confidence", "slow"]

COMPLAINT_TEXT = "jalan di depan rumah saya berlubang besar sudah sebulan"


class RasaDouble:
    """A ThreadingHTTPServer on 127.0.0.1 answering like Rasa 3.6 with a configurable ranking."""

    def __init__(self) -> None:
        self.behaviour: Behaviour = "ok"
        self.ranking: list[tuple[str, float]] = []
        self.slow_seconds = 1.0
        self.requests: list[dict[str, Any]] = []
        self.model_file: str | None = None  # what GET /status names; None: /status is a 404
        self.status_requests = 0
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                """Keep test output clean."""

            def do_GET(self) -> None:
                double.status_requests += self.path == "/status"
                if self.path == "/status" and double.model_file is not None:
                    status = {"model_file": double.model_file, "model_id": "x"}
                    self._send(200, json.dumps(status).encode())
                else:
                    self._send(404, b'{"status": "failure"}')

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                double.requests.append(body)
                behaviour = double.behaviour
                if self.path != "/model/parse":
                    self._send(404, b'{"status": "failure"}')
                elif behaviour == "http_500":
                    self._send(500, b'{"status": "failure", "reason": "ParsingError"}')
                elif behaviour == "not_json":
                    self._send(200, b"<html>502 bad gateway</html>")
                elif behaviour == "no_ranking":
                    self._send(200, json.dumps({"text": body.get("text")}).encode())
                elif behaviour == "bad_confidence":
                    payload = double.payload(str(body.get("text", "")))
                    payload["intent_ranking"][0]["confidence"] = "high"
                    self._send(200, json.dumps(payload).encode())
                else:
                    if behaviour == "slow":
                        time.sleep(double.slow_seconds)
                    payload = double.payload(str(body.get("text", "")))
                    self._send(200, json.dumps(payload).encode())

            def _send(self, status: int, data: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up (timeout test): nobody to answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # shutdown() waits for the loop's next poll: 0.5 s by default, in every test's teardown.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    def payload(self, text: str) -> dict[str, Any]:
        ranking = [{"name": name, "confidence": conf} for name, conf in self.ranking]
        top = ranking[0] if ranking else {"name": None, "confidence": 0.0}
        return {"text": text, "intent": top, "entities": [], "intent_ranking": ranking}

    def __enter__(self) -> RasaDouble:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class ManualClock:
    """Monotonic time the test moves by hand, so the cool-down needs no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# A ranking shaped like our exported model's: every family mixed, FallbackClassifier on top.
MIXED_RANKING: list[tuple[str, float]] = [
    ("nlu_fallback", 0.3),
    ("agency__pupr", 0.40),
    ("type__complaint", 0.20),
    ("agency__lingkungan", 0.10),
    ("conv__greet", 0.10),
    ("type__information_request", 0.05),
    ("agency__not_a_real_agency", 0.05),
    ("type__aspiration", 0.05),
    ("agency__perhubungan", 0.10),
]


@pytest.fixture
def double() -> Iterator[RasaDouble]:
    with RasaDouble() as server:
        server.ranking = list(MIXED_RANKING)
        yield server


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> NLU:
    """The real embedded NLU with the models shipped in the package."""
    return EmbeddedNLU(Settings(data_dir=tmp_path_factory.mktemp("embedded")))


def make_backend(url: str, embedded: NLU, tmp_path: Path, **overrides: Any) -> RasaNLU:
    clock = overrides.pop("clock", time.monotonic)
    settings = Settings(
        data_dir=tmp_path,
        nlu_backend="rasa",
        rasa_url=url,
        rasa_agency_url=overrides.pop("agency_url", url),  # one combined model unless given
        rasa_timeout_seconds=overrides.pop("timeout", 1.0),
        rasa_cooldown_seconds=overrides.pop("cooldown", 30.0),
        **overrides,
    )
    return RasaNLU(settings, fallback=embedded, clock=clock)


def test_ranking_for_prefix_keeps_one_family_and_renormalises() -> None:
    family = ranking_for_prefix(MIXED_RANKING, "type__")
    assert [label for label, _ in family] == ["complaint", "aspiration", "information_request"]
    assert sum(conf for _, conf in family) == pytest.approx(1.0)
    assert family[0][1] == pytest.approx(0.20 / 0.30)


def test_ranking_for_prefix_drops_labels_we_do_not_know() -> None:
    family = ranking_for_prefix(MIXED_RANKING, "agency__", frozenset({"pupr", "lingkungan"}))
    assert family == [("pupr", pytest.approx(0.8)), ("lingkungan", pytest.approx(0.2))]
    assert ranking_for_prefix([("conv__greet", 1.0)], "type__") == []
    assert ranking_for_prefix([("type__complaint", 0.0)], "type__") == []


def test_types_and_agencies_come_from_rasa_with_one_call_per_message(
    double: RasaDouble, embedded: NLU, tmp_path: Path
) -> None:
    nlu = make_backend(double.url, embedded, tmp_path, nlu_type_threshold=0.6)
    try:
        kind = nlu.classify_type(COMPLAINT_TEXT)
        agency = nlu.route_agency(COMPLAINT_TEXT)
    finally:
        nlu.close()

    assert kind.label == "complaint"
    assert kind.confidence == pytest.approx(0.20 / 0.30)
    assert kind.confident  # 0.667 >= 0.6
    assert [label for label, _ in kind.ranking] == [
        "complaint",
        "aspiration",
        "information_request",
    ]
    assert agency.label == "pupr"
    assert agency.confidence == pytest.approx(0.40 / 0.60)  # unknown agency code dropped
    assert {label for label, _ in agency.ranking} == {"pupr", "lingkungan", "perhubungan"}
    assert sum(conf for _, conf in agency.ranking) == pytest.approx(1.0)
    assert double.requests == [{"text": COMPLAINT_TEXT}]  # type and agency share one parse


def test_confident_flag_follows_the_configured_threshold(
    double: RasaDouble, embedded: NLU, tmp_path: Path
) -> None:
    double.ranking = [("agency__pupr", 0.35), ("agency__lingkungan", 0.33), ("type__aspiration", 1)]
    nlu = make_backend(double.url, embedded, tmp_path, nlu_agency_threshold=0.6)
    try:
        agency = nlu.route_agency("pohon di pinggir jalan")
    finally:
        nlu.close()
    assert agency.label == "pupr"
    assert not agency.confident  # 0.515 < 0.6: the verifier decides


def test_falls_back_to_embedded_when_rasa_is_down_and_warns_once(
    embedded: NLU, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    nlu = make_backend(f"http://127.0.0.1:{free_port()}", embedded, tmp_path)  # nothing listens
    texts = [COMPLAINT_TEXT, "mohon dibangun taman bermain di RW kami", "syarat bikin KTP apa?"]
    with caplog.at_level(logging.WARNING, logger="nlu.rasa_backend"):
        try:
            for text in texts * 3:
                assert nlu.classify_type(text) == embedded.classify_type(text)
                assert nlu.route_agency(text) == embedded.route_agency(text)
        finally:
            nlu.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "embedded" in warnings[0].getMessage()
    assert not nlu.rasa_available


@pytest.mark.parametrize("behaviour", ["http_500", "not_json", "no_ranking", "bad_confidence"])
def test_garbage_answers_fall_back(
    behaviour: Behaviour, double: RasaDouble, embedded: NLU, tmp_path: Path
) -> None:
    double.behaviour = behaviour
    nlu = make_backend(double.url, embedded, tmp_path)
    try:
        assert nlu.classify_type(COMPLAINT_TEXT) == embedded.classify_type(COMPLAINT_TEXT)
    finally:
        nlu.close()
    assert len(double.requests) == 1


def test_slow_rasa_times_out_quickly_and_falls_back(
    double: RasaDouble, embedded: NLU, tmp_path: Path
) -> None:
    double.behaviour = "slow"
    double.slow_seconds = 2.0
    nlu = make_backend(double.url, embedded, tmp_path, timeout=0.2)
    try:
        started = time.perf_counter()
        prediction = nlu.route_agency(COMPLAINT_TEXT)
        elapsed = time.perf_counter() - started
    finally:
        nlu.close()
    assert prediction == embedded.route_agency(COMPLAINT_TEXT)
    assert elapsed < 1.5


def test_cool_down_skips_rasa_then_retries_and_recovers(
    double: RasaDouble, embedded: NLU, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    nlu = make_backend(double.url, embedded, tmp_path, cooldown=30.0, clock=clock)
    try:
        double.behaviour = "http_500"
        nlu.classify_type("pesan satu")
        assert len(double.requests) == 1

        double.behaviour = "ok"  # Rasa is back, but we are still cooling down
        clock.now += 10
        assert nlu.classify_type("pesan dua") == embedded.classify_type("pesan dua")
        assert len(double.requests) == 1  # no call during the cool-down

        clock.now += 25  # past the cool-down: try again
        with caplog.at_level(logging.INFO, logger="nlu.rasa_backend"):
            prediction = nlu.classify_type("pesan tiga")
        assert len(double.requests) == 2
        assert prediction.label == "complaint"  # from Rasa's ranking, not the fallback
        assert nlu.rasa_available
        assert any("answers again" in r.getMessage() for r in caplog.records)
    finally:
        nlu.close()


def test_model_without_type_intents_falls_back_for_types_only(
    double: RasaDouble, embedded: NLU, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    double.ranking = [("agency__kesehatan", 0.7), ("agency__sosial", 0.3)]
    nlu = make_backend(double.url, embedded, tmp_path)
    text = "puskesmas tutup terus padahal jam kerja"
    with caplog.at_level(logging.WARNING, logger="nlu.rasa_backend"):
        try:
            assert nlu.classify_type(text) == embedded.classify_type(text)
            assert nlu.classify_type(text + "!") == embedded.classify_type(text + "!")
            assert nlu.route_agency(text).label == "kesehatan"
        finally:
            nlu.close()
    assert len([r for r in caplog.records if "type__" in r.getMessage()]) == 1
    assert nlu.rasa_available  # a wrong model is not an outage


def test_language_detection_is_the_embedded_one(
    double: RasaDouble, embedded: NLU, tmp_path: Path
) -> None:
    nlu = make_backend(double.url, embedded, tmp_path)
    try:
        for text in ["the street light is broken", "lampu jalan mati"]:
            assert nlu.detect_language(text) == embedded.detect_language(text)
    finally:
        nlu.close()
    assert double.requests == []


# -- one model per intent family (what ``make rasa`` serves) ------------------------------------


@pytest.fixture
def agency_double() -> Iterator[RasaDouble]:
    """The agency model's server: its ranking holds agencies only."""
    with RasaDouble() as server:
        server.ranking = [("agency__lingkungan", 0.7), ("agency__pupr", 0.3)]
        server.model_file = "/models/nlu-agency0123456789.tar.gz"
        yield server


def test_type_and_agency_are_asked_of_their_own_models(
    double: RasaDouble, agency_double: RasaDouble, embedded: NLU, tmp_path: Path
) -> None:
    """Each question goes to its own server and reads its own softmax, with the model named."""
    double.ranking = [("type__complaint", 0.99998), ("conv__greet", 0.00001)]
    double.model_file = "models/nlu-type0123456789ab.tar.gz"
    nlu = make_backend(double.url, embedded, tmp_path, agency_url=agency_double.url)
    try:
        kind = nlu.classify_type(COMPLAINT_TEXT)
        agency = nlu.route_agency(COMPLAINT_TEXT)
        nlu.route_agency(COMPLAINT_TEXT + " lagi")
    finally:
        nlu.close()
    assert kind.label == "complaint" and kind.model_version == "rasa nlu-type0123456789ab.tar.gz"
    assert agency.label == "lingkungan" and agency.confidence == pytest.approx(0.7)
    assert agency.confident and agency.model_version == "rasa nlu-agency0123456789.tar.gz"
    assert double.requests == [{"text": COMPLAINT_TEXT}]
    assert [r["text"] for r in agency_double.requests] == [COMPLAINT_TEXT, COMPLAINT_TEXT + " lagi"]
    assert agency_double.status_requests == 1  # the model's name is asked once, not per message


def test_agency_server_down_falls_back_for_the_agency_only(
    double: RasaDouble, embedded: NLU, tmp_path: Path
) -> None:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens
    nlu = make_backend(double.url, embedded, tmp_path, agency_url=down)
    try:
        assert nlu.route_agency(COMPLAINT_TEXT) == embedded.route_agency(COMPLAINT_TEXT)
        kind = nlu.classify_type(COMPLAINT_TEXT)
        assert kind.label == "complaint" and kind.model_version == f"rasa at {double.url}"
        assert not nlu.rasa_available  # one of the two servers is out
    finally:
        nlu.close()
