"""Drive a real Rasa 3.6 from the app's Python 3.11: find its environment, train, serve.

Why a subprocess: Rasa 3.6 runs on Python <= 3.10 with TensorFlow 2.12 and cannot be imported
here, so it lives in its own virtualenv outside the clone (``nlu/rasa/setup_env.sh``). The
benchmark, the integration tests and ``make rasa`` all go through this module so they train and
start Rasa the same way.

Trained models are cached outside the clone under ``$SUARAWARGA_RASA_HOME/models`` keyed by the
hash of the exported project (data + pipeline config), because a DIET training costs minutes on a
2-core machine and CI clones afresh on every run.

Run as ``python -m nlu.rasa.runtime serve`` (what ``make rasa`` does) to export our data, train
if needed and serve the report-type model on 127.0.0.1:5005 and the agency model on :5006.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from nlu.rasa_export import (
    DEFAULT_EPOCHS,
    RasaProject,
    build_split_projects,
    project_hash,
    write_project,
)

__all__ = [
    "RASA_VERSION",
    "RasaEnvMissing",
    "RasaServer",
    "TrainedModel",
    "ensure_rasa_env",
    "find_rasa_env",
    "free_port",
    "rasa_home",
    "rasa_subprocess_env",
    "train_nlu",
]

RASA_VERSION = "3.6.21"
SETUP_SCRIPT = Path(__file__).resolve().parent / "setup_env.sh"


class RasaEnvMissing(RuntimeError):
    """No usable Rasa environment and none can be created here (no Python 3.10)."""


def rasa_home() -> Path:
    """Root of everything Rasa keeps outside the clone (env, trained models)."""
    default = Path.home() / ".cache" / "suarawarga"
    return Path(os.environ.get("SUARAWARGA_RASA_HOME") or default)


def _env_dir() -> Path:
    return rasa_home() / "rasa-3.6-py3.10"


def find_rasa_env() -> Path | None:
    """The ``rasa`` executable of a finished install, or None (the stamp marks "finished")."""
    env = _env_dir()
    rasa = env / "bin" / "rasa"
    if rasa.exists() and any(env.glob(".suarawarga-installed-*")):
        return rasa
    return None


def ensure_rasa_env(*, create: bool = True) -> Path:
    """Return the ``rasa`` executable, installing it first when ``create`` (several minutes).

    Raises :class:`RasaEnvMissing` with the setup script's explanation when no Python 3.10
    exists, so tests can skip with that reason.
    """
    rasa = find_rasa_env()
    if rasa is not None:
        return rasa
    if not create:
        raise RasaEnvMissing(f"no Rasa environment in {_env_dir()}; run {SETUP_SCRIPT}")
    result = subprocess.run(
        ["bash", str(SETUP_SCRIPT)], capture_output=True, text=True, check=False
    )
    rasa = find_rasa_env()
    if result.returncode != 0 or rasa is None:
        lines = [line for line in result.stderr.splitlines() if not line.startswith("WARNING")]
        raise RasaEnvMissing("\n".join(lines[-12:]) or "Rasa setup failed")
    return rasa


def rasa_subprocess_env() -> dict[str, str]:
    """Environment for Rasa processes: no telemetry (no network here), quiet TensorFlow."""
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONWARNINGS": "ignore",
        }
    )
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
        env.pop(name, None)  # the 3.11 venv must not leak into the 3.10 one
    return env


@dataclass(frozen=True)
class TrainedModel:
    """A trained Rasa model file and what it cost (``cached`` means no training ran now)."""

    path: Path
    seconds: float
    cached: bool
    key: str


def train_nlu(
    project: RasaProject,
    *,
    rasa: Path | None = None,
    use_cache: bool = True,
    timeout: float | None = 3600.0,
    log_file: Path | None = None,
) -> TrainedModel:
    """``rasa train nlu`` on ``project``; returns the model, from the cache when possible.

    ``seconds`` is the wall time of the whole ``rasa train nlu`` process (Python and TensorFlow
    start-up included: what an operator waits for).
    """
    rasa = rasa or ensure_rasa_env()
    key = project_hash(project)
    cache_dir = rasa_home() / "models"
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"nlu-{key}.tar.gz"
    sidecar = target.with_suffix("").with_suffix(".json")
    if use_cache and target.exists():
        # ``seconds`` of a cached model is what training it originally cost (0 if unknown).
        try:
            seconds = float(json.loads(sidecar.read_text(encoding="utf-8"))["train_seconds"])
        except (OSError, ValueError, KeyError):
            seconds = 0.0
        return TrainedModel(path=target, seconds=seconds, cached=True, key=key)
    with tempfile.TemporaryDirectory(prefix="suarawarga-rasa-") as tmp:
        workdir = write_project(project, Path(tmp) / "project")
        command = [
            str(rasa),
            "train",
            "nlu",
            "--config",
            "config.yml",
            "--nlu",
            "data/nlu.yml",
            "--out",
            str(workdir / "models"),
            "--fixed-model-name",
            "model",
        ]
        started = time.perf_counter()
        with contextlib.ExitStack() as stack:
            out = (
                stack.enter_context(log_file.open("w"))
                if log_file is not None
                else subprocess.DEVNULL
            )
            result = subprocess.run(
                command,
                cwd=workdir,
                env=rasa_subprocess_env(),
                stdout=out,
                stderr=subprocess.STDOUT if log_file is not None else subprocess.PIPE,
                text=True,
                timeout=timeout,
                check=False,
            )
        seconds = time.perf_counter() - started
        produced = workdir / "models" / "model.tar.gz"
        if result.returncode != 0 or not produced.exists():
            detail = (result.stderr or "")[-2000:] if log_file is None else f"see {log_file}"
            raise RuntimeError(f"rasa train nlu failed ({result.returncode}): {detail}")
        partial = target.with_suffix(".partial")
        shutil.copyfile(produced, partial)
        partial.replace(target)  # atomic: a concurrent reader never sees half a model
        sidecar.write_text(json.dumps({"train_seconds": round(seconds, 1)}), encoding="utf-8")
    return TrainedModel(path=target, seconds=seconds, cached=False, key=key)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RasaServer:
    """``rasa run --enable-api`` on 127.0.0.1 as a context manager (stopped on exit).

    Only the process group this object started is ever signalled.
    """

    def __init__(
        self,
        model: Path,
        *,
        port: int | None = None,
        rasa: Path | None = None,
        log_file: Path | None = None,
        startup_timeout: float = 240.0,
    ) -> None:
        self.model = model
        self.port = port or free_port()
        self.rasa = rasa or ensure_rasa_env()
        self.log_file = log_file
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RasaServer:
        """Start and wait until ``/model/parse`` answers (model loaded, TensorFlow warmed up)."""
        out = self.log_file.open("wb") if self.log_file is not None else subprocess.DEVNULL
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [
                str(self.rasa),
                "run",
                "--enable-api",
                "-m",
                str(self.model),
                "-i",
                "127.0.0.1",
                "-p",
                str(self.port),
            ],
            env=rasa_subprocess_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if self.log_file is not None and out is not subprocess.DEVNULL:
            out.close()  # type: ignore[union-attr]  # the child keeps its own descriptor
        deadline = started + self.startup_timeout
        with httpx.Client(timeout=5.0) as client:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"rasa run exited with {self.process.returncode}")
                try:
                    response = client.post(f"{self.url}/model/parse", json={"text": "halo"})
                    if response.status_code == 200:
                        self.startup_seconds = time.perf_counter() - started
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(1.0)
        self.stop()
        raise TimeoutError(f"Rasa did not answer on {self.url} within {self.startup_timeout} s")

    def stop(self) -> None:
        """SIGTERM our own process group, SIGKILL it if it lingers."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def __enter__(self) -> RasaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def serving(project: RasaProject, *, port: int | None = None) -> Iterator[RasaServer]:
    """Train (or reuse) ``project`` and serve it for the duration of the ``with`` block."""
    model = train_nlu(project)
    with RasaServer(model.path, port=port) as server:
        yield server


def _serve(args: argparse.Namespace) -> int:
    """``make rasa``: set up the env, export, train (cached) and serve both models.

    Two servers, one per intent family (``nlu.rasa_export.SPLIT_MODELS``): the report type on
    ``--port`` (``SUARAWARGA_RASA_URL``) and the agency on ``--agency-port``
    (``SUARAWARGA_RASA_AGENCY_URL``). They run until interrupted; stopping one stops both.
    """
    try:
        rasa = ensure_rasa_env()
    except RasaEnvMissing as exc:
        print(exc, file=sys.stderr)
        return 3
    export_dir = Path(args.project_dir)
    projects = build_split_projects(epochs=args.epochs)
    ports = {"type": args.port, "agency": args.agency_port}
    models: dict[str, Path] = {}
    for name, project in projects.items():
        write_project(project, export_dir / name)
        print(
            f"Exported Rasa {name} project to {export_dir / name} ({len(project.intents)} intents)"
        )
        print(
            f"Training {name} NLU with DIET epochs={args.epochs} (cached by data hash) ...",
            flush=True,
        )
        model = train_nlu(project, rasa=rasa, log_file=export_dir / f"train-{name}.log")
        state = "cached" if model.cached else f"trained in {model.seconds:.0f} s"
        print(f"Model {model.path} ({state})", flush=True)
        models[name] = model.path
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, path in models.items():
            command = [str(rasa), "run", "--enable-api", "-m", str(path),
                       "-i", args.host, "-p", str(ports[name])]  # fmt: skip
            processes.append(subprocess.Popen(command, env=rasa_subprocess_env()))
            print(f"Serving the {name} model on http://{args.host}:{ports[name]}", flush=True)
        while all(p.poll() is None for p in processes):
            time.sleep(1.0)
        return next(p.returncode for p in processes if p.returncode is not None)
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlu.rasa.runtime")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="export, train (cached) and serve our Rasa model")
    serve.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5005, help="report-type model")
    serve.add_argument("--agency-port", type=int, default=5006, help="agency model")
    serve.add_argument("--project-dir", default="var/rasa/project")
    sub.add_parser("env", help="install the Rasa environment if missing; print its path")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    try:
        print(ensure_rasa_env())
    except RasaEnvMissing as exc:
        print(exc, file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
