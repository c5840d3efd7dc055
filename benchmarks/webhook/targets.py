"""The servers the webhook benchmark loads: SuaraWarga as shipped, the ceiling, Rasa; and the
stand-in Bot API that SuaraWarga's sender delivers its replies to while it is measured.

Each is a context manager yielding a running :class:`benchmarks.servers.Server` (its URL, and
the process whose tree's CPU is measured).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

from benchmarks.recording import REPO, say
from benchmarks.servers import Server, answers_get, server

#: The console script a user runs (installed next to this interpreter by ``make install``).
SCRIPT = Path(sys.executable).with_name("suarawarga")
REDIS = os.environ.get("SUARAWARGA_BENCH_REDIS", "127.0.0.1:6379")


def suarawarga_serve(env: dict[str, str], cwd: Path) -> contextlib.AbstractContextManager[Server]:
    """``suarawarga serve`` exactly as a user starts it: the installed script, defaults only."""
    if not SCRIPT.exists():
        raise RuntimeError(f"{SCRIPT} not found: run `make install` first")
    argv = [str(SCRIPT), "serve", "--host", "127.0.0.1", "--port", "{port}"]
    return server(argv, env=env, cwd=cwd, ready=answers_get("/health"), name="suarawarga-serve")


def ceiling(
    env: dict[str, str], cwd: Path, workers: int
) -> contextlib.AbstractContextManager[Server]:
    """The bare FastAPI + asyncpg app, uvicorn with ``workers`` processes and no access log
    (nor has ``suarawarga serve`` one)."""
    argv = [
        sys.executable, "-m", "uvicorn", "benchmarks.webhook.apps:ceiling_app", "--factory",
        "--host", "127.0.0.1", "--port", "{port}", "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    env = {**env, "PYTHONPATH": str(REPO)}
    return server(argv, env=env, cwd=cwd, ready=answers_get("/docs"), name="ceiling")


def fake_bot_api(cwd: Path) -> contextlib.AbstractContextManager[Server]:
    """The stand-in Bot API the outbox sender delivers the replies to."""
    argv = [sys.executable, "-m", "benchmarks.webhook.fake_bot_api", "--port", "{port}"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return server(argv, env=env, cwd=cwd, ready=answers_get("/stats"), name="fake-bot-api")


def bot_api_calls(url: str) -> dict[str, int]:
    """The fake Bot API's count of calls per method."""
    return dict(httpx.get(url + "/stats", timeout=10).json())


def rasa_model(epochs: int) -> tuple[Path | None, Path | None, str]:
    """The Rasa executable and the model trained on our own training data, or the reason there
    are none. Trained once and cached by data hash (``nlu.rasa.runtime.train_nlu``); never "the
    newest model in the cache", which may be a test's tiny model."""
    try:
        from nlu.rasa.runtime import find_rasa_env, train_nlu
        from nlu.rasa_export import build_project
    except ImportError as exc:
        return None, None, f"nlu.rasa.runtime not importable ({exc})"
    rasa = find_rasa_env()
    if rasa is None:
        return None, None, "no Rasa 3.6 environment (run `make rasa` once)"
    say(f"[rasa] model for our data, DIET {epochs} epochs (trained once, cached) ...")
    try:
        model = train_nlu(build_project(epochs=epochs), rasa=rasa)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        return rasa, None, f"training the Rasa model failed: {exc}"
    return rasa, model.path, ""


def redis_reachable() -> bool:
    """Whether Redis answers at ``SUARAWARGA_BENCH_REDIS`` (Rasa's lock store for >1 worker)."""
    host, _, port = REDIS.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def _rasa_answers(url: str) -> bool:
    """Rasa is ready once its REST channel parses a message (the model is loaded lazily)."""
    response = httpx.post(
        url + "/webhooks/rest/webhook", json={"sender": "warmup", "message": "halo"}, timeout=10
    )
    return response.status_code == 200


@contextlib.contextmanager
def rasa_rest(rasa: Path, model: Path, workdir: Path, *, workers: int = 1) -> Iterator[Server]:
    """``rasa run`` with the REST channel. One Sanic worker is how Rasa ships; Rasa refuses more
    unless conversations are locked across processes, so ``workers`` > 1 adds a Redis lock store."""
    from nlu.rasa.runtime import rasa_subprocess_env

    (workdir / "credentials.yml").write_text("rest:\n")
    endpoints = ""
    if workers > 1:
        redis_host, _, redis_port = REDIS.rpartition(":")
        endpoints = f"lock_store:\n  type: redis\n  url: {redis_host}\n  port: {redis_port}\n"
    (workdir / "endpoints.yml").write_text(endpoints)
    argv = [
        str(rasa), "run", "-m", str(model), "-i", "127.0.0.1", "-p", "{port}",
        "--credentials", "credentials.yml", "--endpoints", "endpoints.yml",
    ]  # fmt: skip
    env = {**rasa_subprocess_env(), "SANIC_WORKERS": str(workers)}
    with server(
        argv, env=env, cwd=workdir, ready=_rasa_answers, name=f"rasa-{workers}", timeout=300
    ) as running:
        yield running
