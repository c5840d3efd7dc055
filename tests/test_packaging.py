"""What ships is what runs (issue 12, point 13): the wheel alone serves the app.

The Docker image installs the wheel built from the whole source tree (see ``Dockerfile``); this
test builds that same wheel (not an editable install), installs it into a fresh virtualenv in a
temporary directory, and starts ``suarawarga serve`` from yet another directory, as a user or the
image would. A package or data file missing from the wheel (the image once lacked ``bot/`` and
``console/``) fails here: migrations, templates, static files and the NLU models are all used.

Third-party dependencies are not downloaded again: the fresh virtualenv reads them from this
test environment's site-packages through a ``.pth`` line placed *after* its own site-packages (a
directory on ``sys.path``, whose editable-install hooks are therefore not run). Our own packages
can only come from the wheel, and the test checks that they do.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.processes import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("config", "reports", "escalation", "nlu", "bot", "webhooks", "console")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUARAWARGA_", "PYTHON"))}
    env.update(extra)
    return env


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _docker_ignored(name: str, patterns: list[str]) -> bool:
    """``.dockerignore`` for the simple patterns ours uses: a pattern matches the path or one of
    its parent directories; ``**/`` matches at any depth."""
    parts = name.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes):
            return True
    return False


def test_the_image_builds_the_wheel_from_the_whole_tree() -> None:
    """No list of packages in the Dockerfile to forget one in: it sends the whole tree to
    ``pip wheel`` and installs only that wheel."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    instructions = [line.split() for line in dockerfile.splitlines() if line[:1].isalpha()]
    copies = [i[1:] for i in instructions if i[0] == "COPY"]
    assert [".", "."] in [c[-2:] for c in copies if not c[0].startswith("--from")], copies
    assert all(c == ["--from=build", "/wheels", "/wheels"] for c in copies if c != [".", "."])
    assert "pip wheel" in dockerfile and "/wheels/*.whl" in dockerfile
    ignored = [w for w in (ROOT / ".dockerignore").read_text().split() if not w.startswith("#")]
    for package in PACKAGES:
        assert not _docker_ignored(f"{package}/__init__.py", ignored), package


def _source_tree(dest: Path) -> Path:
    """The files ``docker build`` sends: a clone's (tracked, plus new ones not ignored by git),
    minus ``.dockerignore``."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know the source tree")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for name in filter(None, listed):
        if _docker_ignored(name, ignored):
            continue
        source = ROOT / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def test_the_wheel_alone_serves_the_app(tmp_path: Path) -> None:
    src = _source_tree(tmp_path / "src")
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
        check=True, timeout=600, env=_clean_env(),
    )  # fmt: skip
    (wheel,) = dist.glob("suarawarga-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python, script = venv / "bin" / "python", venv / "bin" / "suarawarga"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True, timeout=300, env=_clean_env(),
    )  # fmt: skip
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (Path(purelib) / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_env(
        SUARAWARGA_DATA_DIR=str(tmp_path / "data"), SUARAWARGA_SWEEP_INTERVAL_SECONDS="5"
    )
    origins = json.loads(
        subprocess.run(
            [str(python), "-c",
             "import importlib, json; print(json.dumps({p: importlib.import_module(p).__file__ "
             f"for p in {PACKAGES!r}}}))"],
            cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    for package, origin in origins.items():
        assert origin.startswith(purelib), f"{package} came from {origin}, not the wheel"

    subprocess.run([str(script), "db", "upgrade"], cwd=elsewhere, env=env, check=True, timeout=300)
    port = free_port()
    server = subprocess.Popen(
        [str(script), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=elsewhere, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        health: dict[str, object] = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, body = _get(f"{base}/health")
            except OSError:
                time.sleep(0.5)
                continue
            health = json.loads(body)
            if status == 200:
                break
            time.sleep(0.5)
        assert server.poll() is None, "serve exited"
        assert health.get("database") == "ok" and health.get("status") == "ok", health
        for path in ("/console/login", "/chat", "/console/static/console.css", "/docs"):
            assert _get(base + path)[0] == 200, path
    finally:
        server.terminate()
        try:
            output = server.communicate(timeout=30)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            server.kill()
            output = server.communicate()[0].decode(errors="replace")
    assert "Traceback" not in output, output[-3000:]
