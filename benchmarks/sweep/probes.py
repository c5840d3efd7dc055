"""What the database did during a sweep: statements sent, backend CPU, table scans, rows written.

Read around a measured call, as differences, to say where the sweep's time went (round trips,
sequential scans, PostgreSQL's own CPU) and what it wrote.
"""

from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import Engine, bindparam, event, text

from benchmarks.processes import process_cpu_s

_SAVEPOINT_NAME = re.compile(r"sa_savepoint_\d+")


class StatementCounter:
    """Counts and times the SQL statements an engine sends (where does sweep time go?)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.by_kind: dict[str, list[float]] = {}
        self.captured: list[tuple[str, Any]] = []
        self.capture_next = False
        self._started: dict[int, float] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        self.count += 1
        self._started[id(conn)] = time.perf_counter()
        if self.capture_next:
            self.captured.append((statement, params))

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        elapsed = time.perf_counter() - self._started.pop(id(conn), time.perf_counter())
        kind = _SAVEPOINT_NAME.sub("sp", " ".join(statement.split()[:4]))[:60]
        slot = self.by_kind.setdefault(kind, [0, 0.0])
        slot[0] += 1
        slot[1] += elapsed

    def snapshot(self) -> dict[str, tuple[int, float]]:
        return {k: (int(v[0]), v[1]) for k, v in self.by_kind.items()}

    def since(self, before: dict[str, tuple[int, float]]) -> list[dict[str, Any]]:
        """Statements by kind since ``before``: count and client-side time (round trip)."""
        rows = []
        for kind, (count, seconds) in self.snapshot().items():
            count0, seconds0 = before.get(kind, (0, 0.0))
            if count > count0:
                rows.append(
                    {
                        "statement": kind,
                        "count": count - count0,
                        "total_ms": round((seconds - seconds0) * 1000, 1),
                        "ms_each": round((seconds - seconds0) * 1000 / (count - count0), 3),
                    }
                )
        return sorted(rows, key=lambda r: -r["total_ms"])


def backend_cpu_s(engine: Engine) -> dict[int, float]:
    """CPU seconds used so far by each client backend of this database (PostgreSQL on this host).

    Read from /proc; empty when the server runs elsewhere (then only client CPU is reported).
    """
    with engine.connect() as conn:
        pids = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND backend_type = 'client backend'"
            )
        ).scalars()
        out: dict[int, float] = {}
        for pid in pids:
            cpu = process_cpu_s(pid)
            if cpu is None:
                return {}
            out[pid] = cpu
    return out


SCANNED_TABLES = ("reports", "outbox", "sla_actions", "staff_users", "staff_addresses")


def table_scans(engine: Engine) -> dict[str, dict[str, int]]:
    """Sequential and index scans per table so far (pg_stat_user_tables).

    The pool is closed first: a backend's statistics reach the shared counters when it exits
    (or up to seconds later while it lives).
    """
    engine.dispose()
    time.sleep(0.5)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0) AS idx_scan "
                "FROM pg_stat_user_tables WHERE relname IN :tables"
            ).bindparams(bindparam("tables", expanding=True)),
            {"tables": list(SCANNED_TABLES)},
        ).all()
    return {
        name: {"seq_scan": seq, "seq_tup_read": tup, "idx_scan": idx}
        for name, seq, tup, idx in rows
    }


def written_rows(engine: Engine) -> dict[str, int]:
    """Rows so far in the tables a sweep writes to (its outbox rows, events and actions)."""
    with engine.connect() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("outbox", "report_events", "sla_actions")
        }
