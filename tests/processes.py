"""Real processes in tests: start one, wait for it, and always stop it.

The browser sites (uvicorn), ``suarawarga serve`` under ``kill -9`` and the outbox worker
processes all start a real process, wait for a condition with a deadline, and must stop the
process whatever the test's outcome: a leaked server holds its port and its database for the
rest of the run.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    *,
    interval: float = 0.1,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``timeout`` seconds, or as soon
    as ``process`` has exited (with the tail of its ``log``): waiting on a dead server only wastes
    the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        code = process.poll() if process is not None else None
        if code is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
            state = "timed out" if code is None else f"the process exited ({code})"
            raise AssertionError(f"{state} waiting for {what}\n{tail}")
        time.sleep(interval)


def answers(url: str) -> bool:
    """Whether anything answers HTTP at ``url`` (any status: a 503 is an answer)."""
    try:
        httpx.get(url, timeout=5)
    except httpx.HTTPError:
        return False
    return True


@contextlib.contextmanager
def running(
    args: Sequence[str],
    *,
    env: dict[str, str],
    cwd: Path,
    log: Path | None = None,
    stop_timeout: float = 30,
) -> Iterator[subprocess.Popen[bytes]]:
    """``args`` as a process (output to ``log``, else discarded), stopped on the way out: SIGTERM,
    then SIGKILL when it has not stopped within ``stop_timeout``. A test may stop or kill it
    itself first (``kill -9`` tests do); that is left as it is."""
    out = log.open("wb") if log else None
    process = subprocess.Popen(
        list(args),
        env=env,
        cwd=cwd,
        stdout=out or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if out else subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if out:
            out.close()
