"""One system on one task in the embedded-vs-Rasa comparison, and how its latency is timed.

Why shared by the three systems: latency is compared across them, so every system's samples
are summarised the same way (nearest-rank percentiles from ``benchmarks.recording``: a reported
p99 is a time that happened) and every HTTP figure comes from the same client loop.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from benchmarks.recording import percentile
from nlu.rasa_backend import ranking_for_prefix


@dataclass
class Run:
    """One system on one task."""

    system: str
    task: str
    macro_f1: float
    accuracy: float
    train_seconds: float
    n_train: int
    n_test: int
    latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def latency_summary(samples_ms: Sequence[float], seconds_total: float) -> dict[str, float]:
    """p50, p99 and mean in ms, and messages per second over ``seconds_total``."""
    return {
        "p50": round(percentile(samples_ms, 50), 4),
        "p99": round(percentile(samples_ms, 99), 4),
        "mean": round(statistics.fmean(samples_ms), 4),
        "msgs_per_s": round(len(samples_ms) / seconds_total, 1),
        "n": len(samples_ms),
    }


def time_http(
    url: str, texts: Sequence[str], prefix: str, passes: int
) -> tuple[list[str], dict[str, float]]:
    """Sequential ``/model/parse`` calls on one keep-alive client; predictions of pass one
    (the top intent of the ``prefix`` family, empty when the answer has none)."""
    predictions: list[str] = []
    samples: list[float] = []
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=30.0) as client:
        for index in range(passes):
            for text in texts:
                t0 = time.perf_counter()
                response = client.post("/model/parse", json={"text": text})
                samples.append((time.perf_counter() - t0) * 1000.0)
                response.raise_for_status()
                if index == 0:
                    ranking = [
                        (str(entry["name"]), float(entry["confidence"]))
                        for entry in response.json()["intent_ranking"]
                    ]
                    family = ranking_for_prefix(ranking, prefix)
                    predictions.append(family[0][0] if family else "")
    return predictions, latency_summary(samples, time.perf_counter() - started)
