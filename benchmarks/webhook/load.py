"""The webhook benchmark's load: distinct Telegram updates (or Rasa messages) sent as fast as the
target takes them, by ``wrk`` + ``telegram.lua`` or by a small threaded httpx client.

``--load-generator python`` exists so that the toy run exercises the whole benchmark where wrk
is not installed; it shares the cores with the servers and costs far more CPU per request, so its
numbers are not comparable with wrk's.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from benchmarks.recording import percentile

HERE = Path(__file__).resolve().parent
LUA = HERE / "telegram.lua"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

#: Each load run gets its own number, hence its own update_id range (no update is a duplicate).
_RUN_IDS = itertools.count(1)


@dataclass(frozen=True)
class LoadPlan:
    """How every target is loaded: the same generator, connections and seconds for all."""

    generator: str  # "wrk" or "python"
    seconds: int
    warmup: int
    connections: int
    workers: int  # worker processes of the ceiling and of Rasa's like-for-like run
    drain_timeout: float  # seconds to wait for serve's worker to empty the inbox afterwards


def update_body(kind: str, *, update_id: int, chat: int, message_id: int, text: str) -> Any:
    """One inbound message: a Telegram update from a private chat, or Rasa's REST message."""
    if kind == "rasa":
        return {"sender": str(chat), "message": text}
    sender = {"id": chat, "is_bot": False, "first_name": "Warga"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "from": {**sender, "language_code": "id"},
            "chat": {"id": chat, "type": "private", "first_name": "Warga"},
            "date": 1795410000,
            "text": text,
        },
    }


def wrk(
    url: str, path: str, *, kind: str, secret: str, seconds: int, connections: int, threads: int = 2
) -> dict[str, Any]:
    """One wrk run with ``telegram.lua``; returns the script's ``WRKJSON`` line."""
    env = {
        **os.environ,
        "BENCH_SECRET": secret,
        "BENCH_PATH": path,
        "BENCH_KIND": kind,
        "BENCH_RUN": str(next(_RUN_IDS)),
    }
    argv = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(LUA), url + path,
    ]  # fmt: skip
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True).stdout
    match = re.search(r"WRKJSON (\{.*\})", out)
    if not match:
        raise RuntimeError(f"no result from wrk:\n{out}")
    found: dict[str, Any] = json.loads(match.group(1))
    return found


def _lua_texts() -> list[str]:
    """The message texts of ``telegram.lua`` (one list for both load generators)."""
    script = LUA.read_text(encoding="utf-8")
    block = re.search(r"local texts = \{(.*?)\n\}", script, re.S)
    if block is None:
        raise RuntimeError("no texts table in telegram.lua")
    return [m.replace('\\"', '"') for m in re.findall(r'"((?:[^"\\]|\\.)*)"', block[1])]


def python_load(
    url: str, path: str, *, kind: str, secret: str, seconds: int, connections: int
) -> dict[str, Any]:
    """What ``wrk`` + ``telegram.lua`` do, from ``connections`` threads with one keep-alive
    httpx client each: distinct updates (ids unique per run and thread), 20,000 citizens, the
    same texts. Returns the keys of the script's ``WRKJSON`` line."""
    run = next(_RUN_IDS)
    texts = _lua_texts()
    headers = {SECRET_HEADER: secret}
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    errors = {"non2xx": 0, "status_4xx_5xx": 0, "socket_errors": 0, "timeouts": 0}

    def client_loop(tid: int) -> None:
        rng = random.Random(run * 7919 + tid)
        counter = 0
        with httpx.Client(base_url=url, timeout=10.0) as client:
            while time.monotonic() < deadline:
                counter += 1
                body = update_body(
                    kind,
                    update_id=run * 1_000_000_000 + (tid + 1) * 100_000_000 + counter,
                    chat=100000 + rng.randint(0, 19999),
                    message_id=counter,
                    text=texts[counter % len(texts)],
                )
                started = time.perf_counter()
                try:
                    response = client.post(path, json=body, headers=headers)
                except httpx.TimeoutException:
                    with lock:
                        errors["timeouts"] += 1
                    continue
                except httpx.TransportError:
                    with lock:
                        errors["socket_errors"] += 1
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    if not 200 <= response.status_code < 300:
                        errors["non2xx"] += 1
                    if response.status_code >= 400:
                        errors["status_4xx_5xx"] += 1

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=connections) as pool:
        list(pool.map(client_loop, range(connections)))
    duration = time.perf_counter() - began
    timed = latencies or [0.0]
    return {
        "requests": len(latencies),
        "duration_us": int(duration * 1e6),
        "rps": round(len(latencies) / duration, 2) if duration else 0.0,
        **{f"p{q}_ms": round(percentile(timed, q), 2) for q in (50, 90, 99)},
        "max_ms": round(max(timed), 2),
        **errors,
    }


def load(
    url: str, path: str, *, kind: str, secret: str, seconds: int, connections: int, tool: str
) -> dict[str, Any]:
    """One load run with the chosen generator (``wrk`` or ``python``)."""
    generate = wrk if tool == "wrk" else python_load
    return generate(url, path, kind=kind, secret=secret, seconds=seconds, connections=connections)


def prime(url: str, path: str, *, kind: str, secret: str, workers: int) -> tuple[float, int]:
    """Load every worker's lazy parts (NLU model, PTB, pools) before wrk measures anything.

    Rounds of concurrent requests until one round answers quickly; returns the seconds spent and
    the requests sent (they count among those the target received).
    """
    started = time.monotonic()
    headers = {SECRET_HEADER: secret}
    counter = iter(range(10**9, 2 * 10**9))

    def one(_: int) -> float:
        n = next(counter)
        body = update_body(
            kind, update_id=n, chat=n, message_id=1, text="Jalan rusak di Jl. Melati"
        )
        t = time.monotonic()
        httpx.post(url + path, json=body, headers=headers, timeout=300).raise_for_status()
        return time.monotonic() - t

    sent = 0
    with ThreadPoolExecutor(max_workers=4 * workers) as pool:
        for _ in range(10):
            sent += 4 * workers
            if max(pool.map(one, range(4 * workers))) < 2.0:
                break
    return time.monotonic() - started, sent
