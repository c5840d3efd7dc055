"""Latency per message through the service, and what bad input gets back.

Why: the bot answers while the citizen waits, and every message goes through both models (type,
then agency). The per-text caches are cleared before each call: the bot pays the full cost for
each new message. CPU time beside wall time: on a shared machine the wall-time tail measures
the scheduler, the CPU time the model.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.nlu.data import REPO
from benchmarks.recording import percentile
from nlu.features import clear_text_caches
from nlu.training_examples import base_examples

#: Inputs a public bot will receive sooner or later: each must get an answer, quickly.
BAD_INPUT: dict[str, str] = {
    "empty": "",
    "emoji only": "😡😡😡🙏",
    "NUL bytes": "jalan\x00rusak\x00parah",
    "all caps": "JALAN DI DEPAN SDN 3 RUSAK PARAH TOLONG SEGERA DIPERBAIKI!!!",
    "mixed script": "Jalan rusak Москва 道路が壊れた لطفا",
    "20,000 characters": "Jalan berlubang di depan pasar. " * 625,
}


def p50_p99(values: list[float]) -> dict[str, float]:
    """The median and the 99th percentile, nearest rank (times that happened), in ms to 3 places."""
    return {"p50": round(percentile(values, 50), 3), "p99": round(percentile(values, 99), 3)}


def bad_input(nlu: Any) -> dict[str, dict[str, Any]]:
    """Each of :data:`BAD_INPUT` through both calls: the time and the answers, unsure marked."""
    out = {}
    for name, text in BAD_INPUT.items():
        clear_text_caches()
        t0 = time.perf_counter()
        kind, agency = nlu.classify_type(text), nlu.route_agency(text)
        out[name] = {
            "ms_both": round((time.perf_counter() - t0) * 1000, 2),
            "type": f"{kind.label} {kind.confidence:.2f}{'' if kind.confident else ' (unsure)'}",
            "agency": f"{agency.label} {agency.confidence:.2f}"
            + ("" if agency.confident else " (unsure)"),
        }
    return out


def latency_section() -> dict[str, Any]:
    """Per message through the service (type, then agency), caches cleared before each: the
    first 600 real messages clipped to 1,200 characters, after one warm-up call of each."""
    from config.settings import Settings
    from nlu.service import EmbeddedNLU

    nlu = EmbeddedNLU(Settings(environment="test", data_dir=REPO / "var" / "bench-understanding"))
    texts = [e.text for e in base_examples("report_type") if e.source == "lapor"]
    texts = [t[:1200] for t in texts][:600]
    nlu.classify_type(texts[0])
    nlu.route_agency(texts[0])
    wall: list[float] = []
    cpu: list[float] = []
    for text in texts:
        for call in (nlu.classify_type, nlu.route_agency):
            clear_text_caches()
            c0, t0 = time.thread_time(), time.perf_counter()
            call(text)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
    return {
        "n_calls": len(wall),
        "wall_ms": p50_p99(wall),
        "cpu_ms": p50_p99(cpu),
        "bad_input": bad_input(nlu),
    }
