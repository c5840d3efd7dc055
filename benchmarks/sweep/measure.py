"""The two measurements of the sweep benchmark: selecting the due reports, and a whole sweep.

Each is taken on a database already loaded and made due (:mod:`benchmarks.sweep.seed`), around
the application's own calls (``select_due``, ``run_sweep``), with the database's side of the
time read from :mod:`benchmarks.sweep.probes`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.processes import own_cpu_s
from benchmarks.recording import percentile
from benchmarks.sweep.probes import (
    StatementCounter,
    backend_cpu_s,
    table_scans,
    written_rows,
)
from benchmarks.sweep.scenario import Deadlines
from escalation.deadlines import SlaClock
from escalation.sweep import run_sweep, select_due

SELECT_LIMIT = 500

log = logging.getLogger(__name__)


@dataclass
class SizeResult:
    """Everything measured at one size N (the JSON and markdown are written from it)."""

    n: int
    load_s: float = 0.0
    vacuum_s: float = 0.0
    db_size_mb_loaded: float = 0.0
    db_size_mb_end: float = 0.0
    reports_table_mb: float = 0.0
    next_sla_index_mb: float = 0.0
    selection: dict[str, Any] = field(default_factory=dict)
    explain: str = ""
    sweeps_fixed: list[dict[str, Any]] = field(default_factory=list)
    sweep_1pct: dict[str, Any] = field(default_factory=dict)
    peak_rss_mb: float = 0.0

    @property
    def fixed_sweep_median_s(self) -> float:
        return float(statistics.median(s["wall_s"] for s in self.sweeps_fixed))


def measure_selection(
    factory: sessionmaker[Session], counter: StatementCounter, dl: Deadlines, repeats: int
) -> tuple[dict[str, Any], str]:
    timings: list[float] = []
    first_ms = 0.0
    returned = 0
    for attempt in range(repeats + 1):
        with factory() as db, db.begin():
            started = time.perf_counter()
            rows = select_due(db, dl.now, limit=SELECT_LIMIT, exclude=set())
            elapsed = (time.perf_counter() - started) * 1000
            returned = len(rows)
            db.rollback()
        if attempt == 0:
            first_ms = elapsed  # includes SQL compilation (cached afterwards), reported apart
        else:
            timings.append(elapsed)
    # The exact statement select_due sends, explained with its own parameters.
    counter.captured.clear()
    counter.capture_next = True
    with factory() as db, db.begin():
        select_due(db, dl.now, limit=SELECT_LIMIT, exclude=set())
        db.rollback()
    counter.capture_next = False
    statement, params = next((s, p) for s, p in counter.captured if "FOR UPDATE" in s)
    with factory() as db, db.begin():
        cursor = db.connection().connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.close()
        db.rollback()
    explained = f"-- SQL sent by select_due(limit={SELECT_LIMIT}):\n{statement}\n-- params: "
    explained += json.dumps({k: str(v) for k, v in dict(params).items()}) + "\n\n" + plan
    # The same statement through the bare driver (no ORM): the database's share of the time.
    raw: list[float] = []
    for _ in range(repeats):
        with factory() as db, db.begin():
            cursor = db.connection().connection.cursor()
            started = time.perf_counter()
            cursor.execute(statement, params)
            cursor.fetchall()
            raw.append((time.perf_counter() - started) * 1000)
            cursor.close()
            db.rollback()
    stats = {
        "repeats": repeats,
        "rows_returned": returned,
        "driver_only_p50_ms": round(percentile(raw, 50), 2),
        "driver_only_p95_ms": round(percentile(raw, 95), 2),
        "explain_execution_ms": _execution_ms(plan),
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "first_call_ms": round(first_ms, 2),
        "p50_ms": round(percentile(timings, 50), 2),
        "p95_ms": round(percentile(timings, 95), 2),
        "max_ms": round(max(timings), 2),
        "mean_ms": round(statistics.fmean(timings), 2),
        "index_used": "ix_reports_next_sla_at" in plan,
        "seq_scan": "Seq Scan on reports" in plan,
    }
    return stats, explained


def _execution_ms(plan: str) -> float | None:
    match = re.search(r"Execution Time: ([0-9.]+) ms", plan)
    return float(match.group(1)) if match else None


def measure_sweep(
    engine: Engine,
    factory: sessionmaker[Session],
    counter: StatementCounter,
    clock: SlaClock,
    dl: Deadlines,
    due: int,
) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    scans_before = table_scans(engine)
    rows_before = written_rows(engine)
    server_before = backend_cpu_s(engine)
    # Only the sweep's own statements are counted (not the bookkeeping queries around it).
    statements_before = counter.count
    kinds_before = counter.snapshot()
    client_before = own_cpu_s()
    started = time.perf_counter()
    actions = run_sweep(factory, clock=clock, now=dl.now)
    wall = time.perf_counter() - started
    client_cpu = own_cpu_s() - client_before
    statements = counter.count - statements_before
    by_statement = counter.since(kinds_before)
    server_after = backend_cpu_s(engine)
    server_cpu = (
        sum(cpu - server_before.get(pid, 0.0) for pid, cpu in server_after.items())
        if server_after
        else None
    )
    scans_after = table_scans(engine)
    written = written_rows(engine)
    scans = {
        table: {k: after[k] - scans_before.get(table, {}).get(k, 0) for k in after}
        for table, after in scans_after.items()
    }
    reports_touched = len({a.report for a in actions})
    kinds: dict[str, int] = {}
    for action in actions:
        key = f"{action.kind}:{action.outcome}" + (f":L{action.level}" if action.level else "")
        kinds[key] = kinds.get(key, 0) + 1
    with engine.connect() as conn:
        still_due = conn.execute(
            text("SELECT count(*) FROM reports WHERE next_sla_at <= :now"), {"now": dl.now}
        ).scalar_one()
        heartbeat = conn.execute(
            text("SELECT details FROM heartbeats WHERE name = 'sweep'")
        ).scalar_one_or_none()
    if still_due:
        log.warning("%d reports still due after the sweep", still_due)
    failed = (
        json.loads(heartbeat)["failed"]
        if isinstance(heartbeat, str)
        else ((heartbeat or {}).get("failed"))
    )
    return {
        "due": due,
        "wall_s": round(wall, 3),
        "actions": len(actions),
        "reports_acted_on": reports_touched,
        "actions_per_s": round(len(actions) / wall, 1) if wall else None,
        "reports_per_s": round(reports_touched / wall, 1) if wall else None,
        "ms_per_report": round(wall * 1000 / reports_touched, 2) if reports_touched else None,
        "sql_statements": statements,
        "sql_per_report": round(statements / reports_touched, 1) if reports_touched else None,
        "actions_by_kind": kinds,
        "outbox_rows": written["outbox"] - rows_before["outbox"],
        "events": written["report_events"] - rows_before["report_events"],
        "sla_actions_rows": written["sla_actions"] - rows_before["sla_actions"],
        "still_due_after": still_due,
        "failed_reports": failed,
        "cpu_client_s": round(client_cpu, 2),
        "cpu_postgres_s": round(server_cpu, 2) if server_cpu is not None else None,
        "cpu_ms_per_report": round((client_cpu + (server_cpu or 0.0)) * 1000 / reports_touched, 2)
        if reports_touched
        else None,
        "loadavg_1m_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "sql_time_ms": round(sum(r["total_ms"] for r in by_statement), 1),
        "statements_by_kind": by_statement,
        "table_scans": scans,
    }
