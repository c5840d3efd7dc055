"""Console benchmark: the manager dashboard and the agency inbox over 1M reports in PostgreSQL.

Run with ``make bench-console`` (or ``.venv/bin/python -m benchmarks.console.bench_console``).

1. Creates a throwaway database, migrates it (Alembic, so the indexes are the real ones) and
   bulk-loads N reports (default 1,000,000) with ``INSERT ... SELECT FROM generate_series``:
   two years of reports with a realistic spread of agencies, statuses and deadlines
   (``seed.py`` says which).
2. Serves the real app with uvicorn on 127.0.0.1 (scheduler off: the sweep must not rewrite
   the data while we measure) and authenticates with API tokens (``Authorization: Bearer``,
   which the console accepts like the session cookie): a manager and an officer of the biggest
   agency.
3. Times ``REQUESTS`` sequential requests per route after a warm-up and reports p50/p95/p99:
   the dashboard (default period, 30 days), its CSV export, the agency inbox, and for
   reference the REST API list and statistics, Open311 ``requests.json`` and the tracking page.

Target: dashboard and inbox p95 under 300 ms. Results: ``benchmarks/console/results.md|json``.

Environment variables (all optional):

``SW_BENCH_REPORTS``    reports to load, default ``1000000``
``SW_BENCH_REQUESTS``   timed requests per route, default ``100``
``SW_BENCH_ADMIN_URL``  admin database URL, default
                        ``postgresql+psycopg://postgres@127.0.0.1:5432/test``
``SW_BENCH_DB_URL``     reuse an already loaded database instead (nothing is created or dropped)
``SW_BENCH_KEEP_DB``    ``1`` keeps the throwaway database (prints its URL) for a re-run
``SW_BENCH_OUT``        results directory, default ``benchmarks/console`` (a trial run, such as
                        the toy size the tests run, writes elsewhere and keeps the recorded ones)

This module is the entry point; the parts are ``seed`` (the data and the staff's tokens),
``measure`` (the routes, timed) and ``report`` (the verdict and the results files).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import AbstractContextManager, ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from benchmarks.console.measure import measure, routes
from benchmarks.console.report import HERE, verdict, write_results
from benchmarks.console.seed import seed
from benchmarks.environment import env_int, output_dir
from benchmarks.postgres import admin_url, keep_db, server_facts, throwaway_database
from benchmarks.recording import REPO, command_line, load_average, machine, ram_gib, say
from benchmarks.servers import Server, answers_get, server


def console_server(db_url: str, data_dir: str) -> AbstractContextManager[Server]:
    """The real app under uvicorn, one process, scheduler and worker off (the sweep must not
    rewrite the data while it is measured), no access log."""
    env = {
        **os.environ,
        "SUARAWARGA_DATABASE_URL": db_url,
        "SUARAWARGA_DATA_DIR": data_dir,
        "SUARAWARGA_RUN_SCHEDULER_IN_PROCESS": "false",
        "SUARAWARGA_RUN_WORKER_IN_PROCESS": "false",
    }
    argv = [
        sys.executable, "-m", "uvicorn", "--factory", "webhooks.app:create_app",
        "--host", "127.0.0.1", "--port", "{port}", "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    # Any answer of /health means up: it says 503 "degraded" here, with no sweep running.
    return server(
        argv, env=env, cwd=REPO, name="uvicorn", ready=answers_get("/health", below=600),
        log_dir=Path(data_dir),
    )  # fmt: skip


def database(stack: ExitStack, n: int, out_dir: Path) -> tuple[str, dict[str, Any]]:
    """The database to measure and what was loaded into it: ``SW_BENCH_DB_URL`` with the
    ``.bench-db.json`` a kept run left, or a throwaway database loaded now (its
    ``.bench-db.json`` stays only while the database is kept)."""
    info_file = out_dir / ".bench-db.json"
    reuse = os.environ.get("SW_BENCH_DB_URL")
    if reuse:
        return reuse, json.loads(info_file.read_text())
    url = stack.enter_context(throwaway_database("sw_bench_console"))
    say(f"database {url.rsplit('/', 1)[1]}")
    info = seed(url, n)
    out_dir.mkdir(parents=True, exist_ok=True)
    info_file.write_text(json.dumps(info, default=str))
    if not keep_db():
        stack.callback(info_file.unlink, missing_ok=True)
    say(f"loaded in {info['load_seconds']} s: {info['counts']}")
    return url, info


def main() -> int:
    n = env_int("SW_BENCH_REPORTS", 1_000_000)
    requests = env_int("SW_BENCH_REQUESTS", 100)
    out_dir = output_dir(HERE)
    with ExitStack() as stack:  # at the end: the server stopped, its files gone, the database
        url, info = database(stack, n, out_dir)
        postgres, _ = server_facts(admin_url())
        data_dir = stack.enter_context(tempfile.TemporaryDirectory())
        target = stack.enter_context(console_server(url, data_dir))
        load_before = load_average()
        with httpx.Client(base_url=target.url, timeout=60) as client:
            results = [
                measure(client, route, info["tokens"], requests)
                for route in routes(info["tracking_code"])
            ]
        load_after = load_average()
    memory = ram_gib()
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command_line("bench-console", "benchmarks.console.bench_console"),
        "machine": {
            **machine(),
            "memory": f"{memory:.1f} GiB" if memory is not None else "unknown",
            "load_average_before_measuring": load_before,
            "load_average_after_measuring": load_after,
        },
        "postgres": postgres.split(" on ")[0],
        "reports": n,
        "load_seconds": info["load_seconds"],
        "counts": info["counts"],
        "requests_per_route": requests,
        "routes": results,
    }
    ok, result["note"] = verdict(results)
    write_results(result, out_dir)
    say(result["note"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
