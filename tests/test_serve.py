"""``suarawarga serve`` as shipped uses the machine (issue 12, point 12), in real processes.

Web worker processes (here two), the deadline scheduler and the outbox sender each in a process of
its own (so their work never holds the web workers' interpreter lock), no access log line per
request, and a clean stop on SIGTERM (docker stop) that takes every child with it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.processes import free_port

pytestmark = pytest.mark.slow

SCRIPT = Path(sys.executable).with_name("suarawarga")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def _niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree in /proc")
def test_serve_runs_workers_and_jobs_in_their_own_processes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUARAWARGA_")}
    env |= {
        "SUARAWARGA_DATA_DIR": str(tmp_path / "data"),
        "SUARAWARGA_WEB_WORKERS": "2",
        "SUARAWARGA_SWEEP_INTERVAL_SECONDS": "5",
    }
    subprocess.run([str(SCRIPT), "db", "upgrade"], env=env, cwd=tmp_path, check=True, timeout=300)
    port = free_port()
    server = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    children: list[int] = []
    try:
        health: dict[str, object] = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                    health = json.loads(response.read())
                    break
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.5)
        # Wait for the scheduler's first beat (its own process), not just the web workers.
        while time.monotonic() < deadline and health.get("status") != "ok":
            time.sleep(0.5)
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                    health = json.loads(response.read())
            except urllib.error.HTTPError as exc:
                health = json.loads(exc.read())
        assert health.get("status") == "ok", health
        for _ in range(5):
            with urllib.request.urlopen(f"{base}/chat", timeout=5) as response:
                assert response.status == 200
        children = _children(server.pid)
        commands = [_cmdline(pid) for pid in children]
        assert sum("webhooks.cli scheduler" in c for c in commands) == 1, commands
        assert sum("webhooks.cli worker" in c for c in commands) == 1, commands
        web = [c for c in commands if "webhooks.cli" not in c]
        assert len(web) >= 2, commands  # the two web workers (plus uvicorn's own helpers)
        # The jobs run below the web workers' CPU priority, relative to serve's own niceness.
        nice = {pid: _niceness(pid) for pid in children}
        own = _niceness(server.pid)
        for pid, command in zip(children, commands, strict=True):
            expected = min(19, own + 10) if "webhooks.cli" in command else own
            assert nice[pid] == expected, (command, nice[pid], own)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            output = server.communicate(timeout=60)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            server.kill()
            output = server.communicate()[0].decode(errors="replace")
    assert server.returncode is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.5)
    assert not [pid for pid in children if _alive(pid)], "children outlived serve"
    assert "2 worker process(es)" in output
    assert '"GET /chat HTTP/1.1" 200' not in output  # no access log by default
    assert "Traceback" not in output, output[-3000:]
