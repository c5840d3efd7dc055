"""``make bench-webhook``: inbound Telegram webhook throughput and latency on PostgreSQL.

In one run, on one fresh database, with the same load generator (``wrk`` + ``telegram.lua``) on
loopback, 32 connections by default:

1. SuaraWarga as a user starts it: the installed ``suarawarga serve --host 127.0.0.1 --port P``
   with its defaults (one web worker per core, the scheduler and the worker, which processes the
   durable inbox and sends the outbox, in processes of their own at a lower CPU priority, no
   access log), given only what a deployment must set (production, database, session secret,
   Telegram token and webhook secret) and a Bot API address pointing at a small local fake
   (``fake_bot_api.py``), so the sender really sends the replies while it is measured. req/s
   counts acknowledged updates (stored in the inbox); after the load the run waits for the
   worker to empty the inbox and records how fast it processed them;
2. the ceiling: a bare FastAPI app doing one INSERT per request through an asyncpg pool
   (``apps.py``), uvicorn with one worker per core;
3. Rasa's REST channel with our trained model, when a Rasa env and a cached model exist: as it
   ships (one Sanic worker) and with as many workers as the ceiling (Redis lock store).

The target (issue 12): as shipped, at least half the ceiling's throughput with zero non-2xx
answers (and no socket errors). Writes ``results.json`` and ``results.md`` next to this file
(``--output`` elsewhere).

``--load-generator python`` (or ``auto`` without wrk installed) sends the same requests from a
small threaded httpx client instead of wrk. It shares the cores with the servers and costs far
more CPU per request than wrk, so its numbers are not comparable with wrk's: it exists so that
the toy run (``tests/benchmarks/``) exercises the whole benchmark where wrk is not installed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PG_ADMIN = os.environ.get(
    "SUARAWARGA_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


RUNS = 0  # each wrk run gets its own update_id range
PRIMED = 0  # requests sent by prime()
SERVER_PIDS: dict[str, int] = {}  # server URL -> the process that started it (master or single)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    name = f"sw_bench_webhook_{secrets.token_hex(3)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        from config.domain_files import load_agencies
        from config.settings import CONFIG_DIR
        from reports.db import make_engine, session_factory
        from reports.migrate import upgrade
        from reports.staff import sync_agencies

        upgrade(url)
        engine = make_engine(url)
        with session_factory(engine)() as db, db.begin():
            sync_agencies(db, load_agencies(CONFIG_DIR / "agencies.yml"))
            db.execute(
                text(
                    "CREATE TABLE bench_ceiling (id bigserial PRIMARY KEY, body text, "
                    "received_at timestamptz)"
                )
            )
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


#: The console script a user runs (installed next to this interpreter by ``make install``).
SCRIPT = Path(sys.executable).with_name("suarawarga")


@contextlib.contextmanager
def server(
    argv: list[str], *, env: dict[str, str], cwd: Path, ready: str, name: str
) -> Iterator[str]:
    """Start ``argv`` (with ``{port}`` filled in) in a session of its own, wait until GET
    ``ready`` answers below 500, yield its URL; stop the whole process group at the end."""
    port = free_port()
    log = (cwd / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [a.replace("{port}", str(port)) for a in argv],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    SERVER_PIDS[url] = process.pid
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = (cwd / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + ready, timeout=2).status_code < 500:
                    break
            time.sleep(0.5)
        else:
            raise TimeoutError(f"{name} did not start")
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        log.close()


def suarawarga_serve(env: dict[str, str], cwd: Path) -> contextlib.AbstractContextManager[str]:
    """``suarawarga serve`` exactly as a user starts it: the installed script, defaults only."""
    if not SCRIPT.exists():
        raise RuntimeError(f"{SCRIPT} not found: run `make install` first")
    argv = [str(SCRIPT), "serve", "--host", "127.0.0.1", "--port", "{port}"]
    return server(argv, env=env, cwd=cwd, ready="/health", name="suarawarga-serve")


def ceiling(env: dict[str, str], cwd: Path, workers: int) -> contextlib.AbstractContextManager[str]:
    """The bare FastAPI + asyncpg app, uvicorn with ``workers`` processes and no access log
    (nor has ``suarawarga serve`` one)."""
    argv = [
        sys.executable, "-m", "uvicorn", "benchmarks.webhook.apps:ceiling_app", "--factory",
        "--host", "127.0.0.1", "--port", "{port}", "--workers", str(workers),
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    env = {**env, "PYTHONPATH": str(REPO)}
    return server(argv, env=env, cwd=cwd, ready="/docs", name="ceiling")


def fake_bot_api(cwd: Path) -> contextlib.AbstractContextManager[str]:
    """The stand-in Bot API the outbox sender delivers the replies to."""
    argv = [sys.executable, "-m", "benchmarks.webhook.fake_bot_api", "--port", "{port}"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return server(argv, env=env, cwd=cwd, ready="/stats", name="fake-bot-api")


def bot_api_calls(url: str) -> dict[str, int]:
    return dict(httpx.get(url + "/stats", timeout=10).json())


def wrk(
    url: str, path: str, *, kind: str, secret: str, seconds: int, connections: int, threads: int = 2
) -> dict[str, Any]:
    global RUNS
    RUNS += 1
    env = {
        **os.environ,
        "BENCH_SECRET": secret,
        "BENCH_PATH": path,
        "BENCH_KIND": kind,
        "BENCH_RUN": str(RUNS),
    }
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(HERE / "telegram.lua"),
            url + path,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"WRKJSON (\{.*\})", out)
    if not match:
        raise RuntimeError(f"no result from wrk:\n{out}")
    found: dict[str, Any] = json.loads(match.group(1))
    return found


def _lua_texts() -> list[str]:
    """The message texts of ``telegram.lua`` (one list for both load generators)."""
    script = (HERE / "telegram.lua").read_text(encoding="utf-8")
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
    import random
    import threading
    from concurrent.futures import ThreadPoolExecutor

    global RUNS
    RUNS += 1
    run = RUNS
    texts = _lua_texts()
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
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
                chat = 100000 + rng.randint(0, 19999)
                text_ = texts[counter % len(texts)]
                if kind == "rasa":
                    body: dict[str, Any] = {"sender": str(chat), "message": text_}
                else:
                    sender = {"id": chat, "is_bot": False, "first_name": "Warga"}
                    body = {
                        "update_id": run * 1_000_000_000 + (tid + 1) * 100_000_000 + counter,
                        "message": {
                            "message_id": counter,
                            "from": {**sender, "language_code": "id"},
                            "chat": {"id": chat, "type": "private", "first_name": "Warga"},
                            "date": 1795410000,
                            "text": text_,
                        },
                    }
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
    ordered = sorted(latencies) or [0.0]

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {
        "requests": len(latencies),
        "duration_us": int(duration * 1e6),
        "rps": round(len(latencies) / duration, 2) if duration else 0.0,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(ordered[-1], 2),
        **errors,
    }


def load(
    url: str, path: str, *, kind: str, secret: str, seconds: int, connections: int, tool: str
) -> dict[str, Any]:
    """One load run with the chosen generator (``wrk`` or ``python``)."""
    generate = wrk if tool == "wrk" else python_load
    return generate(url, path, kind=kind, secret=secret, seconds=seconds, connections=connections)


def prime(url: str, path: str, *, kind: str, secret: str, workers: int) -> float:
    """Load every worker's lazy parts (NLU model, PTB, pools) before wrk measures anything.

    Rounds of concurrent requests until one round answers quickly; returns the seconds spent.
    """
    from concurrent.futures import ThreadPoolExecutor

    started = time.monotonic()
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    counter = iter(range(10**9, 2 * 10**9))

    def one(_: int) -> float:
        n = next(counter)
        if kind == "rasa":
            body: dict[str, Any] = {"sender": f"prime{n}", "message": "Jalan rusak di Jl. Melati"}
        else:
            body = {
                "update_id": n,
                "message": {
                    "message_id": 1,
                    "date": 1795410000,
                    "chat": {"id": n, "type": "private"},
                    "text": "Jalan rusak di Jl. Melati",
                    "from": {"id": n, "is_bot": False, "first_name": "Warga"},
                },
            }
        t = time.monotonic()
        httpx.post(url + path, json=body, headers=headers, timeout=300).raise_for_status()
        return time.monotonic() - t

    global PRIMED
    with ThreadPoolExecutor(max_workers=4 * workers) as pool:
        for _ in range(10):
            PRIMED += 4 * workers
            if max(pool.map(one, range(4 * workers))) < 2.0:
                break
    return time.monotonic() - started


def cpu_times() -> list[int]:
    """The machine's CPU time counters (user, nice, system, idle, iowait, ...) from /proc/stat."""
    return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]


def _role(pid: int, root: int) -> str:
    """What a process of a server's tree is, from its command line."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"
    if pid == root:
        return "main"
    if "webhooks.cli scheduler" in cmdline:
        return "scheduler"
    if "webhooks.cli worker" in cmdline:
        return "worker (inbox + sender)"
    if "resource_tracker" in cmdline:
        return "resource tracker"
    return "web worker"


def process_cpu(root: int) -> dict[int, tuple[str, float]]:
    """Role and CPU seconds so far of ``root`` and every process below it (uvicorn's or Sanic's
    workers; ``suarawarga serve``'s web workers, scheduler and outbox sender)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent, cpu seconds)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            # fields[1]: the parent's pid; [11], [12]: user and system time in ticks
            stats[int(stat.parent.name)] = (
                int(fields[1]),
                (int(fields[11]) + int(fields[12])) / tick,
            )
    tree, grew = {root}, True
    while grew:  # bounded: each pass adds at least one process or stops
        below = {pid for pid, (parent, _) in stats.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    return {pid: (_role(pid, root), stats[pid][1]) for pid in tree if pid in stats}


def inbox_counts(db_url: str) -> dict[str, int]:
    """Inbox rows per status (``pending``, ``done``, ``dead``)."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, count(*) FROM inbox GROUP BY status"))
        counts = {str(status): int(n) for status, n in rows}
    engine.dispose()
    return {key: counts.get(key, 0) for key in ("pending", "done", "dead")}


def drain_inbox(
    db_url: str, *, root: int | None, began: float, before: dict[str, int],
    tree_before: dict[int, tuple[str, float]], timeout: float,
) -> dict[str, Any]:  # fmt: skip
    """After the measured load: wait until the inbox is empty (the worker processed every update
    acknowledged so far) and say how long that took, how many updates were processed from the
    start of the measured load until then, and the server's CPU over that whole span."""
    at_end = inbox_counts(db_url)
    ended = time.perf_counter()
    counts = at_end
    while counts["pending"] and time.perf_counter() - ended < timeout:
        time.sleep(0.5)
        counts = inbox_counts(db_url)
    drained = time.perf_counter()
    processed = counts["done"] + counts["dead"] - before["done"] - before["dead"]
    tree_after = process_cpu(root) if root else {}
    cpu = sum(
        c - tree_before[pid][1] if pid in tree_before else c for pid, (_, c) in tree_after.items()
    )
    span = drained - began
    return {
        "backlog_at_end": at_end["pending"],
        "processed_during_load": at_end["done"] + at_end["dead"] - before["done"] - before["dead"],
        "processed_during_load_per_s": round(
            (at_end["done"] + at_end["dead"] - before["done"] - before["dead"]) / (ended - began), 1
        ),
        "drain_seconds": round(drained - ended, 1),
        "drained": counts["pending"] == 0,
        "still_pending": counts["pending"],
        "processed": processed,
        "processed_per_s": round(processed / span, 1) if span else 0.0,
        "dead": counts["dead"] - before["dead"],
        "cpu_ms_per_processed": round(1000 * cpu / processed, 2) if processed else None,
    }


def measure(
    url: str,
    path: str,
    *,
    kind: str,
    secret: str,
    args: argparse.Namespace,
    label: str,
    inbox_db: str | None = None,
) -> dict[str, Any]:
    # As many concurrent requests as the most worker processes either side runs (serve: one per
    # core), so every worker has loaded its lazy parts before the warm-up.
    workers = max(args.workers, os.cpu_count() or 1)
    primed = prime(url, path, kind=kind, secret=secret, workers=workers)
    print(f"[{label}] primed in {primed:.0f}s; warm-up {args.warmup}s ...", flush=True)
    warm = (
        load(
            url,
            path,
            kind=kind,
            secret=secret,
            seconds=args.warmup,
            connections=args.connections,
            tool=args.load_generator,
        )
        if args.warmup > 0
        else {"requests": 0}
    )
    print(
        f"[{label}] measuring {args.seconds}s with {args.connections} connections ...", flush=True
    )
    root = SERVER_PIDS.get(url)
    inbox_before = inbox_counts(inbox_db) if inbox_db else None
    before, tree_before = cpu_times(), process_cpu(root) if root else {}
    began = time.perf_counter()
    result = load(
        url,
        path,
        kind=kind,
        secret=secret,
        seconds=args.seconds,
        connections=args.connections,
        tool=args.load_generator,
    )
    elapsed = time.perf_counter() - began
    after, tree_after = cpu_times(), process_cpu(root) if root else {}
    spent = [b - a for a, b in zip(before, after, strict=True)]
    result["machine_busy"] = round(1 - (spent[3] + spent[4]) / sum(spent), 3)  # idle + iowait
    # Cores each process of the server's tree kept busy (its CPU seconds over the measured
    # seconds): shows when one worker got most of the connections (uvicorn's workers share one
    # listening socket; the kernel hands each connection to one), and what the scheduler and the
    # sender took beside the web workers.
    used = {
        pid: (role, cpu - tree_before[pid][1] if pid in tree_before else cpu)
        for pid, (role, cpu) in tree_after.items()
    }
    result["process_cores"] = sorted(
        (
            {"process": role, "cores": round(cpu / elapsed, 2)}
            for role, cpu in used.values()
            if cpu > 0
        ),
        key=lambda p: -p["cores"],
    )
    total = sum(cpu for _, cpu in used.values())
    result["tree_cores"] = round(total / elapsed, 2)
    result["tree_cpu_ms_per_request"] = (
        round(1000 * total / result["requests"], 2) if result["requests"] else None
    )
    print(f"[{label}] {result}", flush=True)
    if inbox_db and inbox_before is not None:
        print(f"[{label}] waiting for the worker to drain the inbox ...", flush=True)
        result["inbox"] = drain_inbox(
            inbox_db, root=root, began=began, before=inbox_before, tree_before=tree_before,
            timeout=args.drain_timeout,
        )  # fmt: skip
        print(f"[{label}] inbox: {result['inbox']}", flush=True)
    global PRIMED
    result["sent_including_warmup"] = result["requests"] + warm["requests"] + PRIMED
    PRIMED = 0
    return result


def db_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {
            table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)
            for table in (
                "inbox",
                "inbound_receipts",
                "outbox",
                "conversations",
                "reports",
                "bench_ceiling",
            )
        }
        for status, n in conn.execute(text("SELECT status, count(*) FROM outbox GROUP BY status")):
            counts[f"outbox_{status}"] = int(n)
    engine.dispose()
    return counts


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
    print(f"[rasa] model for our data, DIET {epochs} epochs (trained once, cached) ...", flush=True)
    try:
        model = train_nlu(build_project(epochs=epochs), rasa=rasa)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        return rasa, None, f"training the Rasa model failed: {exc}"
    return rasa, model.path, ""


REDIS = os.environ.get("SUARAWARGA_BENCH_REDIS", "127.0.0.1:6379")


def redis_reachable() -> bool:
    import socket

    host, _, port = REDIS.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def rasa_rest(rasa: Path, model: Path, workdir: Path, *, workers: int = 1) -> Iterator[str]:
    """``rasa run`` with the REST channel. One Sanic worker is how Rasa ships; Rasa refuses more
    unless conversations are locked across processes, so ``workers`` > 1 adds a Redis lock store."""
    from nlu.rasa.runtime import rasa_subprocess_env

    (workdir / "credentials.yml").write_text("rest:\n")
    endpoints = ""
    if workers > 1:
        redis_host, _, redis_port = REDIS.rpartition(":")
        endpoints = f"lock_store:\n  type: redis\n  url: {redis_host}\n  port: {redis_port}\n"
    (workdir / "endpoints.yml").write_text(endpoints)
    port = free_port()
    process = subprocess.Popen(
        [
            str(rasa),
            "run",
            "-m",
            str(model),
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "--credentials",
            "credentials.yml",
            "--endpoints",
            "endpoints.yml",
        ],
        cwd=workdir,
        env={**rasa_subprocess_env(), "SANIC_WORKERS": str(workers)},
        stdout=(workdir / f"rasa-{workers}.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    SERVER_PIDS[url] = process.pid
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"rasa run exited with {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                r = httpx.post(
                    url + "/webhooks/rest/webhook",
                    json={"sender": "warmup", "message": "halo"},
                    timeout=10,
                )
                if r.status_code == 200:
                    break
            time.sleep(1)
        else:
            raise TimeoutError("Rasa did not answer on /webhooks/rest/webhook")
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "os": platform.platform(),
        "load_average_at_start": os.getloadavg(),
    }


NOTES = """## Reading these numbers

- **As shipped.** SuaraWarga is the installed ``suarawarga serve`` with its defaults: one uvicorn
  web worker per core, and the deadline scheduler and the worker (inbox processor + outbox
  sender) each in a process of its own at a lower CPU priority (serve's niceness + 10), no access
  log. It gets only the settings a deployment must set (production, database URL, session
  secret, Telegram token and webhook secret) plus the Bot API address of a local fake
  (``fake_bot_api.py``) that answers at once, so the sender delivers the replies during the run
  as it would in production (at Telegram's limits: 30 messages/s per bot, 1/s per chat; the
  outbox grows under this load and drains afterwards). "cores per process" is CPU seconds over
  the measured seconds for every process of the tree.
- **The ceiling** is a bare FastAPI app whose async route inserts the raw body through an asyncpg
  pool (autocommit, so durable before the 200), served by uvicorn with one worker per core and no
  access log. It neither parses the JSON nor checks the secret: a generous ceiling.
- **What a request costs serve:** secret check, body read, JSON + PTB ``Update.de_json`` and
  the mapping the pipeline will read (so junk is a 400 at once), one INSERT into the durable
  inbox (unique per update id: a redelivery is a no-op) in a transaction shared with the
  requests that queued up meanwhile (group commit, ``webhooks.group_commit``); commit; 200.
- **What the worker does per update, after the 200:** claims pending inbox rows (oldest first,
  one at a time per chat, under a lease), then per update one transaction: lock and check the
  claim, the inbound receipt (dedupe), conversation row lock, citizen/identity, NLU (embedded
  model), domain writes when a report is submitted, reply rows in the outbox, the row marked
  done. "req/s" counts acknowledged updates; the inbox line under the table says how fast they
  were processed, during the load (at nice 10 the worker gets what the web workers leave) and
  until the backlog was empty, and the CPU of both per update.
- **Rasa's processes.** ``rasa run`` serves with one Sanic worker; it refuses more unless
  conversations are locked across processes (a Redis lock store). So the first Rasa ratio
  compares our worker processes with Rasa's one; the second (Rasa with as many workers as ours
  and a Redis lock store, when Redis is reachable) is like for like in processes. Rasa serves an
  NLU-only model through its REST channel: no dialogue policies, in-memory tracker, no database,
  so less work per message than our pipeline.
- **Uneven workers.** uvicorn's workers share one listening socket, the kernel gives each new
  connection to one of them, and wrk's keep-alive connections stay where they landed. The
  "cores per process" column shows it when one worker got most of them.
- **A shared machine.** This VM's cores are shared with other work (other agents' test runs and
  builds) that the benchmark cannot stop: runs differ by 10% and more from hour to hour. The
  load average at the start and end and the machine CPU busy column say how busy it was; compare
  the ratio of one run, not absolute numbers across runs.
"""


def _cores(r: dict[str, Any]) -> str:
    parts = []
    for p in r.get("process_cores", []):
        if isinstance(p, dict):  # {"process": role, "cores": x}
            if p["cores"] >= 0.01:
                parts.append(f"{p['process']} {p['cores']:.2f}")
        elif p >= 0.01:  # results recorded before the roles
            parts.append(f"{p:.2f}")
    return ", ".join(parts) or "-"


def verdict(results: dict[str, Any]) -> tuple[bool, float]:
    """Issue 12's target: as shipped >= 0.5 of the ceiling, zero non-2xx, no socket errors."""
    ours, ceiling = results["suarawarga"], results["ceiling"]
    ratio = ours["rps"] / ceiling["rps"] if ceiling["rps"] else 0.0
    clean = ours["non2xx"] == 0 and ours["socket_errors"] + ours["timeouts"] == 0
    return ratio >= TARGET_RATIO and clean, ratio


TARGET_RATIO = 0.5


def write_results(results: dict[str, Any], directory: Path = HERE) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    ours, ceiling = results["suarawarga"], results["ceiling"]
    rasa, rasa_same = results.get("rasa"), results.get("rasa_same_workers")
    workers = results["workers"]
    met, ratio = verdict(results)
    machine = results["machine"]
    start = machine["load_average_at_start"]
    end = machine.get("load_average_at_end")
    generator = results.get("load_generator", "wrk")
    if generator == "python":
        generator = "Python httpx client (a trial run: not comparable with wrk's numbers)"
    lines = [
        "# Inbound Telegram webhook benchmark",
        "",
        f"- date: {results['date']}",
        f"- command: `{results['command']}`",
        f"- machine: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}; "
        "shared with other agents' work, which this run could not stop: load average "
        f"{', '.join(f'{x:.1f}' for x in start)} at start"
        + (f", {', '.join(f'{x:.1f}' for x in end)} at end" if end else ""),
        f"- load: {generator}, {results['connections']} connections, {results['seconds']} s "
        f"measured after {results['warmup']} s warm-up, loopback, PostgreSQL (local), fresh "
        "database",
        f"- SuaraWarga: `{results.get('serve_command', 'suarawarga serve')}` as a user starts it "
        "(defaults: one web worker per core, scheduler and worker (inbox processor + outbox "
        f"sender) in their own processes at nice +10, no access log); ceiling: uvicorn, {workers} "
        "workers",
        "- every request is a distinct update (unique update_id, 20,000 citizens, ten realistic "
        "texts in Indonesian and English), with the secret header",
        "",
        "| target | req/s | p50 ms | p90 ms | p99 ms | non-2xx | socket errors | machine CPU "
        "busy | server CPU (cores) | CPU ms/request | cores per process |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, r in (
        ("SuaraWarga as shipped (`suarawarga serve`)", ours),
        (f"ceiling: FastAPI + asyncpg, one INSERT ({workers} workers)", ceiling),
        ("Rasa REST channel, as it ships (1 Sanic worker)", rasa),
        (f"Rasa REST channel, {workers} Sanic workers (Redis lock store)", rasa_same),
    ):
        if r:
            busy = f"{100 * r['machine_busy']:.0f}%" if "machine_busy" in r else "-"
            tree = f"{r['tree_cores']:.2f}" if "tree_cores" in r else "-"
            per = r.get("tree_cpu_ms_per_request")
            lines.append(
                f"| {label} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p90_ms']:.1f} | "
                f"{r['p99_ms']:.1f} | {r['non2xx']} | {r['socket_errors'] + r['timeouts']} | "
                f"{busy} | {tree} | {per if per is not None else '-'} | {_cores(r)} |"
            )
    target_run = results["connections"] == 32 and results.get("load_generator", "wrk") == "wrk"
    lines += [
        "",
        f"- SuaraWarga as shipped / ceiling throughput: **{ratio:.2f}**",
        f"- Target (issue 12: as shipped >= {TARGET_RATIO} of the ceiling with zero non-2xx, at "
        f"32 connections): **{'MET' if met else 'MISSED'}** (ratio {ratio:.2f}, non-2xx "
        f"{ours['non2xx']}, socket errors {ours['socket_errors'] + ours['timeouts']})"
        + ("" if target_run else " (not a target run: other connections or load generator)"),
    ]
    if rasa:
        lines.append(
            f"- SuaraWarga / Rasa as it ships: **{ours['rps'] / rasa['rps']:.1f}x** (Rasa ran "
            "one process against our web workers)"
        )
    else:
        lines.append(f"- Rasa comparison not run: {results.get('rasa_skipped', '?')}")
    if rasa_same:
        lines.append(
            f"- SuaraWarga / Rasa with {workers} workers: "
            f"**{ours['rps'] / rasa_same['rps']:.1f}x** (like for like in processes)"
        )
    elif "rasa_same_workers_skipped" in results:
        skipped = results["rasa_same_workers_skipped"]
        lines.append(f"- Rasa with {workers} workers not run: {skipped}")
    if rasa or rasa_same:
        lines.append(
            f"- Rasa model: `{results['rasa_model']}` (NLU-only model: the REST channel "
            "parses and runs no dialogue policy, Rasa's cheapest path)"
        )
    db = results["db_after_suarawarga"]
    calls = results.get("bot_api_calls_during_suarawarga", {})
    inbox = ours.get("inbox")
    if inbox:
        per = inbox.get("cpu_ms_per_processed")
        lines += [
            f"- **Acknowledged vs processed.** serve acknowledged {ours['rps']:.1f} updates/s "
            f"(each stored in the inbox before its 200); its worker processed "
            f"{inbox['processed_during_load_per_s']:.1f}/s meanwhile "
            f"({inbox['processed_during_load']} updates) and left a backlog of "
            f"{inbox['backlog_at_end']} when the load stopped, which it "
            + (
                f"drained in {inbox['drain_seconds']:.1f} s"
                if inbox["drained"]
                else f"had not drained after {inbox['drain_seconds']:.1f} s "
                f"({inbox['still_pending']} still pending)"
            )
            + f". From the start of the measured load to an empty inbox: {inbox['processed']} "
            f"updates processed, **{inbox['processed_per_s']:.1f}/s**, dead-lettered "
            f"{inbox['dead']}, serve's whole process tree "
            f"{per if per is not None else '-'} CPU ms per update acknowledged and processed",
        ]
    lines += [
        f"- requests sent to SuaraWarga (priming, warm-up, measured): "
        f"{ours.get('sent_including_warmup', '?')}; inbox rows: {db.get('inbox', '?')}, "
        f"inbound receipts written by the pipeline: {db.get('inbound_receipts', '?')} (wrk "
        "stops with requests in flight, which the app still commits; no update was a "
        "duplicate)",
        f"- replies: {db.get('outbox', '?')} outbox rows, of which "
        f"{db.get('outbox_sent', 0)} sent by serve's outbox sender to the fake Bot API while "
        f"serve ran (the fake's sendMessage calls: {calls.get('sendMessage', 0)}), the rest "
        "still queued behind Telegram's per-bot rate when serve was stopped",
    ]
    notes = results.get("notes") or []
    if notes:
        lines += ["", "## Notes on this run", ""] + [f"- {n}" for n in notes]
    lines += ["", NOTES]
    (directory / "results.md").write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.webhook.run")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes of the ceiling and of Rasa's like-for-like run (default: one per "
        "core, as `suarawarga serve` starts; SuaraWarga itself always runs with serve's defaults)",
    )
    parser.add_argument("--skip-rasa", action="store_true")
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=600,
        help="seconds to wait, after the measured load, for serve's worker to empty the inbox",
    )
    parser.add_argument(
        "--rasa-epochs",
        type=int,
        default=10,
        help="DIET epochs of the Rasa model (as in bench-nlu; parse cost does not depend on it)",
    )
    parser.add_argument(
        "--load-generator",
        choices=("wrk", "python", "auto"),
        default="wrk",
        help="wrk (the recorded runs), python (a small httpx client: trial runs without wrk), "
        "auto (wrk when installed)",
    )
    parser.add_argument(
        "--note",
        action="append",
        default=[],
        help="a note recorded with the results (e.g. what an earlier run of the hour measured)",
    )
    parser.add_argument("--render-only", action="store_true", help="rewrite results.md from json")
    parser.add_argument(
        "--output",
        type=Path,
        default=HERE,
        help="where results.json and results.md go (a trial run keeps the recorded ones)",
    )
    args = parser.parse_args()
    if args.render_only:
        write_results(json.loads((HERE / "results.json").read_text()))
        return 0
    if args.load_generator == "auto":
        args.load_generator = "wrk" if shutil.which("wrk") else "python"
        if args.load_generator == "python":
            print(
                "wrk not found: loading with the Python client (numbers not comparable with "
                "wrk's; apt-get install -y wrk for a real run)",
                file=sys.stderr,
            )
    if args.load_generator == "wrk" and shutil.which("wrk") is None:
        print(
            "wrk is required: apt-get install -y wrk (or --load-generator python for a trial "
            "run, with --output elsewhere: its numbers are not comparable with wrk's)",
            file=sys.stderr,
        )
        return 2
    secret = secrets.token_urlsafe(24)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "make bench-webhook  (python -m benchmarks.webhook.run "
        + " ".join(sys.argv[1:])
        + ")",
        "machine": machine(),
        "seconds": args.seconds,
        "warmup": args.warmup,
        "connections": args.connections,
        "workers": args.workers,
        "load_generator": args.load_generator,
        "notes": args.note,
    }
    with fresh_database() as url, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with fake_bot_api(work) as bot_api:
            # What a deployment must set, nothing else (no SUARAWARGA_* of the caller's shell):
            # serve's workers, scheduler, sender and log format are its defaults.
            env = {k: v for k, v in os.environ.items() if not k.startswith("SUARAWARGA_")}
            env |= {
                "SUARAWARGA_ENVIRONMENT": "production",
                "SUARAWARGA_SESSION_SECRET": secrets.token_urlsafe(32),
                "SUARAWARGA_DATABASE_URL": url,
                "SUARAWARGA_TELEGRAM_BOT_TOKEN": f"1:{secrets.token_urlsafe(20)}",
                "SUARAWARGA_TELEGRAM_WEBHOOK_SECRET": secret,
                "SUARAWARGA_TELEGRAM_API_BASE_URL": bot_api,
            }
            results["serve_command"] = f"{SCRIPT.name} serve --host 127.0.0.1 --port P"
            with suarawarga_serve(env, work) as app_url:
                results["suarawarga"] = measure(
                    app_url,
                    "/webhooks/telegram",
                    kind="telegram",
                    secret=secret,
                    args=args,
                    label="suarawarga serve",
                    inbox_db=url,
                )
            # After serve stopped (its sender finishes the batch in hand): these calls and the
            # outbox rows marked sent are the same deliveries.
            results["bot_api_calls_during_suarawarga"] = bot_api_calls(bot_api)
            results["db_after_suarawarga"] = db_counts(url)
        with ceiling(env, work, args.workers) as app_url:
            results["ceiling"] = measure(
                app_url,
                "/webhooks/telegram",
                kind="telegram",
                secret=secret,
                args=args,
                label="ceiling",
            )
        rasa, model, reason = (
            (None, None, "skipped with --skip-rasa")
            if args.skip_rasa
            else rasa_model(args.rasa_epochs)
        )
        if rasa is not None and model is not None:
            results["rasa_model"] = model.name
            # Rasa as it ships (one Sanic worker), then with as many workers as ours had.
            counts = [1] if args.workers == 1 else [1, args.workers]
            for workers in counts:
                key = "rasa" if workers == 1 else "rasa_same_workers"
                if workers > 1 and not redis_reachable():
                    results[f"{key}_skipped"] = f"no Redis at {REDIS} for Rasa's lock store"
                    continue
                try:
                    with rasa_rest(rasa, model, work, workers=workers) as rasa_url:
                        results[key] = measure(
                            rasa_url,
                            "/webhooks/rest/webhook",
                            kind="rasa",
                            secret="",
                            args=args,
                            label=f"rasa, {workers} worker(s)",
                        )
                except (RuntimeError, TimeoutError) as exc:
                    results[f"{key}_skipped"] = f"Rasa server failed: {exc}"
        else:
            results["rasa_skipped"] = reason
    results["machine"]["load_average_at_end"] = os.getloadavg()
    write_results(results, args.output)
    print((args.output / "results.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
