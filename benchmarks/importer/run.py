"""Importing a generated city history on PostgreSQL, timed: ``make bench-import``.

Creates a throwaway database ``sw_bench_import_<random>`` on the local server, migrates it, writes
a generated history of N reports (``benchmarks.importer.generate``, default 12,000, a little
more than the real 12,268-report city history the rules were checked on), and runs the real
command, ``suarawarga import reports FILE --quiet``, as a subprocess, twice: the first run
imports everything, the second must import nothing (idempotency) and shows what checking a
file against the database costs. Records wall time, rows per second, what the database holds
afterwards (reports by status, events, SLA actions, breaches, outbox rows: must be 0), the machine,
the load average, the git commit and the command, in ``results.md`` and ``results.json``.

    SW_BENCH_IMPORT_ROWS=12000 SW_BENCH_OUT=benchmarks/importer python -m benchmarks.importer.run
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from benchmarks.environment import env_int, output_dir
from benchmarks.importer.generate import generate, write_csv
from benchmarks.postgres import admin_url, machine_info, throwaway_database
from benchmarks.processes import children_cpu_s
from benchmarks.recording import REPO, command_line, git_info, load_average
from reports.migrate import upgrade


def _import(url: str, path: Path, now: str, data_dir: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the command (user + system), and its output."""
    env = {**os.environ, "SUARAWARGA_DATABASE_URL": url, "SUARAWARGA_DATA_DIR": str(data_dir)}
    exe = Path(sys.executable).with_name("suarawarga")
    before = children_cpu_s()
    started = time.perf_counter()
    done = subprocess.run(
        [str(exe), "import", "reports", str(path), "--quiet", "--now", now],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    cpu = children_cpu_s() - before
    if done.returncode != 0:
        raise SystemExit(f"import failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return wall, cpu, done.stdout.strip()


def _contents(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    with engine.connect() as conn:

        def one(sql: str) -> int:
            return int(conn.execute(text(sql)).scalar_one())

        by_status: dict[Any, Any] = dict(
            conn.execute(
                text("SELECT status, count(*) FROM reports GROUP BY status ORDER BY status")
            ).all()
        )
        out = {
            "reports_by_status": {str(k): int(v) for k, v in by_status.items()},
            "events": one("SELECT count(*) FROM report_events"),
            "sla_actions": one("SELECT count(*) FROM sla_actions"),
            "breaches": one("SELECT count(*) FROM report_events WHERE action = 'breach'"),
            "escalations_level_2_plus": one(
                "SELECT count(*) FROM report_events WHERE action = 'escalate'"
            ),
            "auto_closed": one("SELECT count(*) FROM report_events WHERE action = 'auto_close'"),
            "outbox_rows": one("SELECT count(*) FROM outbox"),
            "events_before_submission": one(
                "SELECT count(*) FROM report_events e JOIN reports r ON r.id = e.report_id "
                "WHERE e.created_at < r.created_at"
            ),
        }
    engine.dispose()
    return out


def main() -> None:
    rows_n = env_int("SW_BENCH_IMPORT_ROWS", 12000)
    out_dir = output_dir(REPO / "benchmarks" / "importer")
    out_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    admin = admin_url()
    load_before = load_average()
    with throwaway_database("sw_bench_import", admin=admin) as url:
        upgrade(url)
        with tempfile.TemporaryDirectory() as tmp:
            path = write_csv(Path(tmp) / "history.csv", generate(rows_n, end=now))
            first, first_cpu, first_out = _import(url, path, now.isoformat(), Path(tmp) / "var")
            second, second_cpu, second_out = _import(url, path, now.isoformat(), Path(tmp) / "var")
        contents = _contents(url)
    command = command_line("bench-import", "benchmarks.importer.run")
    result: dict[str, Any] = {
        "date": now.isoformat(),
        "command": command,
        "rows": rows_n,
        "first_import_s": round(first, 2),
        "first_import_rows_per_s": round(rows_n / first, 1),
        "first_import_cpu_s": round(first_cpu, 2),
        "first_import_cpu_ms_per_row": round(first_cpu / rows_n * 1000, 2),
        "first_import_output": first_out,
        "second_import_s": round(second, 2),
        "second_import_cpu_s": round(second_cpu, 2),
        "second_import_output": second_out,
        "database_after": contents,
        "loadavg_before": load_before,
        "loadavg_after": load_average(),
        "machine": machine_info(admin),
        "git": git_info(),
        "python": platform.python_version(),
    }
    (out_dir / "results.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    m = result["machine"]
    md = [
        "# Import of a generated city history (PostgreSQL)",
        "",
        f"Date: {result['date']}; command: `{command}`; commit {result['git'].get('commit', '?')}.",
        f"Machine: {m['nproc']} cores ({m['cpu_model']}), {m['ram_gb']} GB RAM, "
        f"{m['postgresql'].split(',')[0]}; load average before "
        f"{result['loadavg_before']}, after {result['loadavg_after']} (shared machine).",
        "",
        "| run | rows | wall time | rows/s | CPU of the command | output |",
        "|---|---:|---:|---:|---:|---|",
        f"| first import | {rows_n} | {first:.1f} s | {rows_n / first:.0f} | {first_cpu:.1f} s "
        f"({first_cpu / rows_n * 1000:.1f} ms/row) | {first_out} |",
        f"| same file again | {rows_n} | {second:.1f} s | - | {second_cpu:.1f} s | {second_out} |",
        "",
        "CPU is the command's own (user + system, Python); PostgreSQL's backend is not in it. "
        "On a loaded machine the wall time is several times the CPU time: compare CPU.",
        "",
        "Database afterwards:",
        "",
        "```",
        json.dumps(contents, indent=2),
        "```",
        "",
        "The time is the whole command (Python start-up, reading and validating the file, the "
        "replay of every report through the use cases and the sweep, one commit).",
    ]
    (out_dir / "results.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
