"""Servers a benchmark starts on loopback, waits for, measures and stops.

Each server runs in a session of its own so that stopping it stops every process it started
(uvicorn's workers, ``suarawarga serve``'s scheduler and worker, Sanic's workers), and its
output goes to a log file whose end is shown when it fails to start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

#: Says whether the server at the URL answers as it should once ready.
Probe = Callable[[str], bool]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers_get(path: str, *, below: int = 500) -> Probe:
    """Ready once GET ``path`` answers with a status under ``below`` (600: any answer)."""

    def probe(url: str) -> bool:
        return httpx.get(url + path, timeout=2).status_code < below

    return probe


@dataclass(frozen=True)
class Server:
    """A running server: where it answers and the process that started it (its tree's root)."""

    url: str
    pid: int


@contextlib.contextmanager
def server(
    argv: Sequence[str],
    *,
    env: dict[str, str],
    cwd: Path,
    name: str,
    ready: Probe,
    log_dir: Path | None = None,
    timeout: float = 180,
) -> Iterator[Server]:
    """Start ``argv`` (``{port}`` filled in with a free port), wait until ``ready`` says yes,
    yield it; stop the whole process group at the end (SIGTERM, then SIGKILL after 30 s)."""
    port = free_port()
    log_path = (log_dir or cwd) / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [a.replace("{port}", str(port)) for a in argv],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        running = Server(f"http://127.0.0.1:{port}", process.pid)
        try:
            _wait_until_ready(process, running.url, ready, name, log_path, timeout)
            yield running
        finally:
            _stop(process)


def _wait_until_ready(
    process: subprocess.Popen[bytes], url: str, ready: Probe, name: str, log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")
        with contextlib.suppress(httpx.HTTPError):
            if ready(url):
                return
        time.sleep(0.5)
    raise TimeoutError(f"{name} did not start within {timeout:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
