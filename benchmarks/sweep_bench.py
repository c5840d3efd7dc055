"""SLA sweep benchmark on PostgreSQL: selection latency and sweep cost at 100k and 1M reports.

Run with ``make bench`` (or ``.venv/bin/python -m benchmarks.sweep_bench``). For each size N it
creates a throwaway database, migrates it, bulk-loads N open reports with one ``INSERT ... SELECT
FROM generate_series`` and measures:

* selection: ``select_due(db, now, limit=500, exclude=set())`` with 1% of N due, repeated, each in
  its own transaction, plus ``EXPLAIN (ANALYZE, BUFFERS)`` of the exact SQL it sends;
* sweep: ``run_sweep`` once with the same number of reports due at every size (default 1,000,
  repeated), and once with 1% of N due.

Targets (printed as PASS/FAIL): selection p95 under 50 ms at 1M; sweep time for the same number due
at 1M within 1.5x of the time at 100k. Results go to ``benchmarks/results/sweep-<date>.md|json``.

Environment variables (all optional):

``SW_BENCH_SIZES``          report counts, default ``100000,1000000``
``SW_BENCH_DUE``            reports due in the fixed-size sweep, default ``1000``
``SW_BENCH_SELECT_REPEATS`` timed ``select_due`` calls per size, default ``30``
``SW_BENCH_SWEEP_REPEATS``  runs of the fixed-size sweep per size, default ``2``
``SW_BENCH_ADMIN_URL``      admin database URL, default
                            ``postgresql+psycopg://postgres@127.0.0.1:5432/test``
``SW_BENCH_OUT``            results directory, default ``benchmarks/results``
``SW_BENCH_KEEP_DB``        ``1`` keeps the databases for inspection (they are dropped otherwise)

The data model of the load (see ``_BASE_*``): every report is a public complaint submitted over
Telegram by one citizen, waiting for verification (status ``submitted``, stage cycle 1), with its
verification deadline on one of the next three working days and ``next_sla_at`` at its reminder (in
the future). "Due" reports are made so by an UPDATE of the same rows, half of them in the reminder
window (deadline tonight: the sweep sends the verifier reminder) and half one day late (reminder
already recorded in ``sla_actions``: the sweep records the first escalation, an event and notifies
verifiers and managers). Each due report thus has exactly one action to do, like in a sweep that
runs every minute. Due reports are spread evenly over the table (every k-th id), not clustered.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
import resource
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, bindparam, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from config.domain_files import load_agencies
from config.settings import CONFIG_DIR
from escalation.calendar import WorkingCalendar
from escalation.deadlines import SlaClock
from escalation.policy import SlaPolicy
from escalation.sweep import run_sweep, select_due
from reports.db import make_engine, session_factory
from reports.enums import (
    Channel,
    ReportType,
    Role,
    SlaActionKind,
    Stage,
    Status,
)
from reports.migrate import upgrade
from reports.models import Citizen, CitizenIdentity, Report
from reports.staff import create_staff, sync_agencies

REPO = Path(__file__).resolve().parents[1]
_SAVEPOINT_NAME = re.compile(r"sa_savepoint_\d+")
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
#: A fixed "now" (Wednesday 25 November 2026, 10:00 WIB) so that runs are comparable: a working
#: day with working days before and after it.
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
SELECT_LIMIT = 500
TARGET_SELECT_MS = 50.0
TARGET_SWEEP_RATIO = 1.5

log = logging.getLogger("sweep_bench")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip().replace("_", "")
    return int(raw) if raw else default


def _env_sizes() -> list[int]:
    raw = os.environ.get("SW_BENCH_SIZES", "").strip()
    if not raw:
        return [100_000, 1_000_000]
    return [int(part.strip().replace("_", "")) for part in raw.split(",") if part.strip()]


def say(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / scale / 1024, 1)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported p95 is a time that happened)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil
    return ordered[int(rank) - 1]


# -- the scenario --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadlines:
    """The instants the load uses, all derived from the real calendar and ``NOW``."""

    now: datetime
    future: tuple[datetime, datetime, datetime]  # verification deadlines of non-due reports
    tonight: datetime  # deadline of reports in the reminder window
    yesterday: datetime  # deadline of reports one working day late

    @classmethod
    def build(cls, clock: SlaClock, now: datetime) -> Deadlines:
        cal = clock.calendar
        today = cal.local_date(now)
        if not cal.is_working_day(today):
            raise SystemExit(f"NOW={now} must fall on a working day")
        previous = today - timedelta(days=1)
        while not cal.is_working_day(previous):
            previous -= timedelta(days=1)
        return cls(
            now=now,
            future=(cal.due(now, 1), cal.due(now, 2), cal.due(now, 3)),
            tonight=cal.end_of_day(today),
            yesterday=cal.end_of_day(previous),
        )

    def params(self) -> dict[str, datetime]:
        return {
            "now": self.now,
            "f0": self.future[0],
            "f1": self.future[1],
            "f2": self.future[2],
            "tonight": self.tonight,
            "yesterday": self.yesterday,
        }


def check_scenario(clock: SlaClock, dl: Deadlines) -> dict[str, str]:
    """Prove with the real clock that the SQL below sets ``next_sla_at`` as the app would."""
    reminder_hours = clock.policy.for_type(ReportType.COMPLAINT).stage(Stage.VERIFY).reminders
    if len(reminder_hours) != 1:
        raise SystemExit("the scenario assumes exactly one verify reminder in sla.yml")
    before = timedelta(hours=reminder_hours[0].before_hours)

    def report(due: datetime) -> Report:
        return Report(
            type=ReportType.COMPLAINT,
            status=Status.SUBMITTED,
            verify_due_at=due,
            stage_cycle=1,
            escalation_level=0,
        )

    reminder_key = (Stage.VERIFY.value, 1, SlaActionKind.REMINDER.value, 1)
    checks = {
        "future": (report(dl.future[0]), set(), dl.future[0] - before),
        "reminder_due": (report(dl.tonight), set(), dl.tonight - before),
        "escalation_due": (report(dl.yesterday), {reminder_key}, dl.yesterday + timedelta(0, 1)),
    }
    out: dict[str, str] = {}
    for name, (rep, done, expected) in checks.items():
        got = clock.next_action_at(rep, done)
        if got != expected:
            raise SystemExit(
                f"scenario {name}: clock says next action at {got}, SQL uses {expected}"
            )
        due_now = [a for a in clock.schedule(rep) if a.at <= dl.now and a.key not in done]
        out[name] = f"next_sla_at={got.isoformat()} actions_due_now={len(due_now)}"
        expected_due = 0 if name == "future" else 1
        if len(due_now) != expected_due:
            raise SystemExit(
                f"scenario {name}: {len(due_now)} actions due, expected {expected_due}"
            )
    if before != timedelta(hours=24):
        raise SystemExit("the SQL below assumes the verify reminder 24 hours before the deadline")
    return out


# Column expressions of a report as a function of its id (``{i}``), shared by the bulk load and the
# reset to the baseline after a sweep. Bind parameters come from ``Deadlines.params()``.
_BASE_VERIFY_DUE = "(CASE {i} % 3 WHEN 0 THEN :f0 WHEN 1 THEN :f1 ELSE :f2 END)"
_BASE_CREATED = "(:now - make_interval(secs => ({i} % 172800)::double precision))"

LOAD_SQL = f"""
INSERT INTO reports (
    id, tracking_code, type, title, body, incident_date, location_text, latitude, longitude,
    agency_id, category, privacy, channel, citizen_id, status,
    verify_due_at, response_due_at, feedback_due_at, stage_started_at,
    stage_cycle, escalation_level, extension_days, next_sla_at,
    paused_stage, paused_at, paused_days_left,
    nlu_type, nlu_type_confidence, nlu_agency_code, nlu_agency_confidence, nlu_suggestions,
    created_at, updated_at, verified_at, verified_by_id, answered_at, closed_at, close_reason
)
SELECT
    i,
    'SW-' || upper(substr(h, 1, 4)) || '-' || upper(substr(h, 5, 4)),
    'complaint',
    'Jalan berlubang di RT ' || (i % 20 + 1) || ' #' || i,
    'Jalan di depan pasar berlubang besar, sudah 2 minggu belum diperbaiki. Mohon segera '
        || 'ditindaklanjuti karena membahayakan pengendara motor. (laporan ' || i || ')',
    (:now - make_interval(days => (i % 14)))::date,
    'Kelurahan ' || (i % 97 + 1) || ', Kecamatan ' || (i % 13 + 1),
    -6.2 + (i % 1000) / 10000.0,
    106.8 + (i % 1000) / 10000.0,
    NULL,
    NULL,
    'public',
    'telegram',
    :citizen_id,
    'submitted',
    {_BASE_VERIFY_DUE.format(i="i")}, NULL, NULL, {_BASE_CREATED.format(i="i")},
    1, 0, 0, {_BASE_VERIFY_DUE.format(i="i")} - interval '24 hours',
    NULL, NULL, NULL,
    'complaint', 0.9, NULL, NULL, NULL,
    {_BASE_CREATED.format(i="i")}, {_BASE_CREATED.format(i="i")}, NULL, NULL, NULL, NULL, NULL
FROM (
    SELECT i, lpad(to_hex(i), 8, '0') AS h FROM generate_series(1, CAST(:n AS integer)) AS i
) AS s
"""

#: History: the receipt every report's citizen got at submission (already sent), so the outbox
#: has the size and statistics of a deployment that has been running, not of an empty table.
OUTBOX_HISTORY_SQL = f"""
INSERT INTO outbox (
    idempotency_key, recipient_kind, citizen_id, staff_id, report_id, channel, address, template,
    body, payload, status, attempts, next_attempt_at, locked_until, last_error,
    provider_message_id, provider_status, created_at, sent_at
)
SELECT
    'event:' || i || ':' || 'citizen', 'citizen', :citizen_id, NULL, i, 'telegram', 'bench-citizen',
    'report_received', 'Laporan Anda sudah kami terima. Kode pelacakan: SW-' || i, '{{}}',
    'sent', 1, {_BASE_CREATED.format(i="i")}, NULL, NULL, 'tg-' || i, 'delivered',
    {_BASE_CREATED.format(i="i")}, {_BASE_CREATED.format(i="i")}
FROM generate_series(1, CAST(:n AS integer)) AS i
"""

#: The due set: every ``step``-th id, ``count`` of them; even ones in the reminder window, odd
#: ones one working day late with the reminder already recorded.
_DUE_WHERE = "id % CAST(:step AS integer) = 0 AND id <= CAST(:last AS integer)"
_IS_REMINDER = "(id / CAST(:step AS integer)) % 2 = 0"

RESET_SQL = f"""
UPDATE reports SET
    status = 'submitted',
    verify_due_at = {_BASE_VERIFY_DUE.format(i="id")},
    next_sla_at = {_BASE_VERIFY_DUE.format(i="id")} - interval '24 hours',
    escalation_level = 0,
    updated_at = {_BASE_CREATED.format(i="id")},
    closed_at = NULL,
    close_reason = NULL
WHERE {_DUE_WHERE}
"""

MAKE_DUE_SQL = f"""
UPDATE reports SET
    stage_cycle = stage_cycle + 1,
    verify_due_at = CASE WHEN {_IS_REMINDER} THEN :tonight ELSE :yesterday END,
    next_sla_at = CASE WHEN {_IS_REMINDER} THEN :tonight - interval '24 hours'
                       ELSE :yesterday + interval '1 second' END
WHERE {_DUE_WHERE}
"""

DONE_REMINDERS_SQL = f"""
INSERT INTO sla_actions (report_id, stage, cycle, kind, level, scheduled_at, performed_at, outcome)
SELECT id, 'verify', stage_cycle, 'reminder', 1, :yesterday - interval '24 hours',
       :yesterday - interval '24 hours', 'done'
FROM reports WHERE {_DUE_WHERE} AND NOT {_IS_REMINDER}
"""


# -- database plumbing ---------------------------------------------------------------------------


@contextmanager
def throwaway_database(admin_url: str, keep: bool) -> Iterator[str]:
    name = f"sw_bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        if keep:
            say(f"kept database {name} (SW_BENCH_KEEP_DB=1)")
        else:
            with admin.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                    ),
                    {"n": name},
                )
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def vacuum_analyze(engine: Engine, *tables: str) -> float:
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - started


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


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


_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


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
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                return {}
            out[pid] = (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime, stime
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


def client_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def seed_people(factory: sessionmaker[Session]) -> int:
    """Agencies, one citizen (with a Telegram identity), a verifier and a manager."""
    with factory() as db, db.begin():
        sync_agencies(db, load_agencies(CONFIG_DIR / "agencies.yml"))
        citizen = Citizen(display_name="Warga Bench", language="id", created_at=NOW)
        db.add(citizen)
        db.flush()
        db.add(
            CitizenIdentity(
                citizen_id=citizen.id,
                channel=Channel.TELEGRAM,
                external_id="bench-citizen",
                created_at=NOW,
            )
        )
        for role, username in ((Role.VERIFIER, "bench.verifier"), (Role.MANAGER, "bench.manager")):
            create_staff(
                db,
                username=username,
                full_name=username.title(),
                password="bench password 1234",
                role=role,
                now=NOW,
                addresses=[(Channel.EMAIL, f"{username}@example.invalid")],
            )
        return citizen.id


def set_due(
    engine: Engine, dl: Deadlines, *, n: int, previous: tuple[int, int] | None, due: int
) -> tuple[int, int]:
    """Put the previous due set back to the baseline and make exactly ``due`` reports due."""
    step = n // due
    if step < 1:
        raise SystemExit(f"cannot make {due} of {n} reports due")
    params = dl.params()
    with engine.begin() as conn:
        if previous is not None:
            conn.execute(
                text(RESET_SQL), {**params, "step": previous[0], "last": previous[0] * previous[1]}
            )
        # Earlier sweeps' rows stay (history, like production); the due reports start a new
        # stage cycle (as after a resumed clock), so their action keys are new.
        due_params = {**params, "step": step, "last": step * due}
        conn.execute(text(MAKE_DUE_SQL), due_params)
        conn.execute(text(DONE_REMINDERS_SQL), due_params)
    vacuum_analyze(engine, "reports", "sla_actions", "outbox", "report_events")
    got = scalar(engine, "SELECT count(*) FROM reports WHERE next_sla_at <= :now", now=dl.now)
    if got != due:
        raise SystemExit(f"expected {due} reports due, found {got}")
    return step, due


# -- measurements --------------------------------------------------------------------------------


@dataclass
class SizeResult:
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


def _written_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("outbox", "report_events", "sla_actions")
        }


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
    rows_before = _written_rows(engine)
    server_before = backend_cpu_s(engine)
    # Only the sweep's own statements are counted (not the bookkeeping queries around it).
    statements_before = counter.count
    kinds_before = counter.snapshot()
    client_before = client_cpu_s()
    started = time.perf_counter()
    actions = run_sweep(factory, clock=clock, now=dl.now)
    wall = time.perf_counter() - started
    client_cpu = client_cpu_s() - client_before
    statements = counter.count - statements_before
    by_statement = counter.since(kinds_before)
    server_after = backend_cpu_s(engine)
    server_cpu = (
        sum(cpu - server_before.get(pid, 0.0) for pid, cpu in server_after.items())
        if server_after
        else None
    )
    scans_after = table_scans(engine)
    written = _written_rows(engine)
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


@dataclass
class Bench:
    """One size: its throwaway database, engine and results."""

    n: int
    engine: Engine
    factory: sessionmaker[Session]
    counter: StatementCounter
    result: SizeResult
    due_set: tuple[int, int] | None = None

    def make_due(self, dl: Deadlines, due: int) -> None:
        self.due_set = set_due(self.engine, dl, n=self.n, previous=self.due_set, due=due)


def load(bench: Bench, dl: Deadlines) -> None:
    n, engine, result = bench.n, bench.engine, bench.result
    citizen_id = seed_people(bench.factory)
    started = time.perf_counter()
    bulk_load(engine, dl, n, citizen_id)
    result.load_s = round(time.perf_counter() - started, 2)
    result.vacuum_s = round(vacuum_analyze(engine, "reports", "outbox"), 2)
    result.db_size_mb_loaded = _db_mb(engine)
    result.reports_table_mb = round(scalar(engine, "SELECT pg_table_size('reports')") / 2**20, 1)
    result.next_sla_index_mb = round(
        scalar(engine, "SELECT pg_relation_size('ix_reports_next_sla_at')") / 2**20, 1
    )
    say(
        f"N={n:,}: loaded in {result.load_s}s (VACUUM ANALYZE {result.vacuum_s}s), "
        f"database {result.db_size_mb_loaded} MB"
    )


BULK_TABLES = ("reports", "outbox")


#: ``pg_get_indexdef`` output: ``CREATE [UNIQUE] INDEX name ON [ONLY] schema.table USING ...``.
_INDEXDEF = re.compile(r"^(CREATE (?:UNIQUE )?INDEX )(\S+)( ON (?:ONLY )?)(\S+)( USING .*)$", re.S)


@dataclass(frozen=True, order=True)
class IndexSignature:
    """What the bulk load must leave as it found: an index as PostgreSQL itself would print it.

    ``definition`` is ``pg_get_indexdef`` of the index recreated once from its own definition on
    an empty copy of its table (name and table put back). Why the round trip: PostgreSQL prints
    an expression the way it stored it, and a definition parsed from its own printout is stored
    differently the first time (``status IN ('a', 'b')`` on a varchar column comes back as
    ``ANY ((ARRAY['a'::varchar, ...])::text[])`` from the migration but as
    ``ANY (ARRAY[('a'::varchar)::text, ...])`` once recreated), then the same ever after. So two
    indexes compare equal when their columns, order, uniqueness, method, INCLUDE list and
    predicate mean the same, and differ as soon as any of them changes.
    """

    table: str
    name: str
    constraint: str  # 'p' primary key, 'u' unique constraint, '' a plain index
    definition: str


def index_signatures(conn: Any, tables: Sequence[str]) -> list[IndexSignature]:
    """The indexes of ``tables`` (see :class:`IndexSignature`), sorted.

    The round trips run inside a savepoint on empty temporary copies of the tables (``LIKE``:
    same columns, types and collations), rolled back at the end: cheap at any table size, and
    nothing of it stays in the database.
    """
    rows = conn.execute(
        text(
            "SELECT t.relname, i.relname, coalesce(c.contype::text, ''), "
            "pg_get_indexdef(x.indexrelid) "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid "
            "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid "
            "AND c.contype IN ('p', 'u', 'x') "
            "WHERE t.oid = ANY (CAST(:tables AS regclass[]))"
        ),
        {"tables": list(tables)},
    ).all()
    out: list[IndexSignature] = []
    savepoint = conn.begin_nested()
    try:
        for number, (table, name, contype, definition) in enumerate(rows):
            scratch = f"sw_bench_scratch_{table}"
            conn.exec_driver_sql(f'CREATE TEMP TABLE IF NOT EXISTS "{scratch}" (LIKE "{table}")')
            match = _INDEXDEF.match(definition)
            if match is None:
                raise SystemExit(f"unexpected index definition: {definition}")
            temp_name = f"sw_bench_scratch_ix_{number}"
            conn.exec_driver_sql(f"{match[1]}{temp_name}{match[3]}pg_temp.{scratch}{match[5]}")
            again = conn.execute(
                text("SELECT pg_get_indexdef(CAST(:ix AS regclass))"),
                {"ix": f"pg_temp.{temp_name}"},
            ).scalar_one()
            back = _INDEXDEF.match(again)
            if back is None:
                raise SystemExit(f"unexpected index definition: {again}")
            normal = f"{back[1]}{match[2]}{back[3]}{match[4]}{back[5]}"
            out.append(IndexSignature(table, name, contype, normal))
    finally:
        savepoint.rollback()
    return sorted(out)


def describe_difference(before: list[IndexSignature], after: list[IndexSignature]) -> str:
    """The indexes that went missing, changed or appeared, one per line (for the error)."""
    gone = sorted(set(before) - set(after))
    new = sorted(set(after) - set(before))
    return "\n".join([f"  before only: {s}" for s in gone] + [f"  after only:  {s}" for s in new])


def bulk_load(engine: Engine, dl: Deadlines, n: int, citizen_id: int) -> None:
    """The classic bulk load: INSERT ... SELECT with the secondary indexes built afterwards.

    On ``reports`` and ``outbox`` the unique constraints and indexes (all but the primary keys)
    are dropped, the rows inserted with per-row foreign-key triggers off
    (``session_replication_role = replica``: every row points at the one citizen created above
    and reports that exist, checked below), and the very same indexes rebuilt from their own
    definitions; the indexes are compared before and after as :func:`index_signatures` (what
    they mean, not how PostgreSQL happens to print them).
    """
    with engine.begin() as conn:
        before = index_signatures(conn, BULK_TABLES)
        uniques: list[tuple[str, str, str]] = []
        indexes: list[tuple[str, str]] = []
        for table in BULK_TABLES:
            uniques += [
                (table, name, definition)
                for name, definition in conn.execute(
                    text(
                        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conrelid = CAST(:t AS regclass) AND contype = 'u'"
                    ),
                    {"t": table},
                ).all()
            ]
            indexes += [
                (name, definition)
                for name, definition in conn.execute(
                    text(
                        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t "
                        "AND indexname NOT IN (SELECT conname FROM pg_constraint "
                        "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u'))"
                    ),
                    {"t": table},
                ).all()
            ]
        for table, name, _ in uniques:
            conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        params = {**dl.params(), "n": n, "citizen_id": citizen_id}
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.execute(text(LOAD_SQL), params)
        conn.execute(text(OUTBOX_HISTORY_SQL), params)
        conn.exec_driver_sql("SET LOCAL session_replication_role = origin")
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        for table, name, definition in uniques:
            conn.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _, definition in indexes:
            conn.exec_driver_sql(definition)
        conn.execute(text("SELECT setval(pg_get_serial_sequence('reports', 'id'), :n)"), {"n": n})
        orphans = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM reports r LEFT JOIN citizens c "
                "ON c.id = r.citizen_id WHERE c.id IS NULL) + (SELECT count(*) FROM outbox o "
                "LEFT JOIN reports r ON r.id = o.report_id WHERE r.id IS NULL)"
            )
        ).scalar_one()
        after = index_signatures(conn, BULK_TABLES)
    if after != before:
        raise SystemExit(
            "bulk load changed the indexes of "
            + ", ".join(BULK_TABLES)
            + ":\n"
            + describe_difference(before, after)
        )
    if orphans:
        raise SystemExit(
            f"bulk load broke {orphans} references (reports.citizen_id, outbox.report_id)"
        )


def run_selection(bench: Bench, dl: Deadlines, repeats: int) -> None:
    one_pct = max(1, bench.n // 100)
    bench.make_due(dl, one_pct)
    sel, bench.result.explain = measure_selection(bench.factory, bench.counter, dl, repeats)
    sel["due"] = one_pct
    bench.result.selection = sel
    say(
        f"N={bench.n:,}: select_due limit {SELECT_LIMIT}, {one_pct:,} due: p50 {sel['p50_ms']} ms, "
        f"p95 {sel['p95_ms']} ms, max {sel['max_ms']} ms (first call {sel['first_call_ms']} ms; "
        f"driver only p50 {sel['driver_only_p50_ms']} ms; EXPLAIN {sel['explain_execution_ms']} "
        f"ms; index used: {sel['index_used']})"
    )


def run_one_sweep(
    bench: Bench, clock: SlaClock, dl: Deadlines, due: int, label: str
) -> dict[str, Any]:
    bench.make_due(dl, due)
    sweep = measure_sweep(bench.engine, bench.factory, bench.counter, clock, dl, due)
    say(
        f"N={bench.n:,}: sweep {label}, {due:,} due: {sweep['wall_s']}s, {sweep['actions']} "
        f"actions ({sweep['actions_per_s']}/s, {sweep['reports_per_s']} reports/s, "
        f"{sweep['sql_per_report']} SQL/report, CPU {sweep['cpu_ms_per_report']} ms/report, "
        f"load {sweep['loadavg_1m_before_after']})"
    )
    return sweep


def run_all(
    sizes: list[int],
    admin_url: str,
    clock: SlaClock,
    dl: Deadlines,
    cfg: dict[str, int],
    keep: bool,
) -> list[SizeResult]:
    """Load every size, measure selection, then the sweeps.

    The fixed-size sweeps alternate between sizes (100k, 1M, 100k, 1M, ...) so that a change in
    the machine's load (other processes) hits both sizes alike rather than biasing the ratio.
    """
    with ExitStack() as stack:
        benches: list[Bench] = []
        for n in sizes:
            url = stack.enter_context(throwaway_database(admin_url, keep))
            upgrade(url)
            engine = make_engine(url)
            stack.callback(engine.dispose)
            bench = Bench(
                n, engine, session_factory(engine), StatementCounter(engine), SizeResult(n)
            )
            load(bench, dl)
            benches.append(bench)
        for bench in benches:
            run_selection(bench, dl, cfg["select_repeats"])
        for run in range(cfg["sweep_repeats"]):
            for bench in benches if run % 2 == 0 else reversed(benches):
                sweep = run_one_sweep(bench, clock, dl, cfg["due"], f"fixed #{run + 1}")
                sweep["run"] = run + 1
                bench.result.sweeps_fixed.append(sweep)
        for bench in benches:
            one_pct = max(1, bench.n // 100)
            bench.result.sweep_1pct = run_one_sweep(bench, clock, dl, one_pct, "1% of N")
            bench.result.db_size_mb_end = _db_mb(bench.engine)
            bench.result.peak_rss_mb = peak_rss_mb()
        return [b.result for b in benches]


def _db_mb(engine: Engine) -> float:
    size = float(scalar(engine, "SELECT pg_database_size(current_database())"))
    return round(size / 2**20, 1)


# -- report --------------------------------------------------------------------------------------


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False).stdout
    except OSError:
        return ""


def machine_info(admin_url: str) -> dict[str, Any]:
    cpu_model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    admin = create_engine(admin_url)
    with admin.connect() as conn:
        pg_version = conn.execute(text("SELECT version()")).scalar_one()
        pg_settings = {
            name: conn.execute(text(f"SHOW {name}")).scalar_one()
            for name in ("shared_buffers", "work_mem", "synchronous_commit", "fsync")
        }
    admin.dispose()
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "ram_gb": ram_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "postgresql": pg_version,
        "postgresql_settings": pg_settings,
    }


def command_line() -> str:
    """``make bench`` when run by make, else the command actually typed."""
    env = " ".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("SW_BENCH_"))
    if os.environ.get("MAKELEVEL"):
        return f"{env} make bench".strip()
    exe = os.path.relpath(sys.executable, Path.cwd()) if sys.executable else "python"
    return f"{env} {exe} -m benchmarks.sweep_bench".strip()


def git_info() -> dict[str, Any]:
    commit = _run(["git", "rev-parse", "HEAD"]).strip()
    dirty = _run(["git", "status", "--porcelain", "--", "escalation", "reports", "config"])
    return {"commit": commit, "uncommitted_changes_in_code_under_test": dirty.splitlines()}


def evaluate(results: list[SizeResult], fixed_due: int) -> list[dict[str, Any]]:
    by_n = {r.n: r for r in results}
    targets: list[dict[str, Any]] = []
    big = by_n.get(1_000_000) or max(results, key=lambda r: r.n)
    p95 = big.selection["p95_ms"]
    targets.append(
        {
            "target": f"select_due (limit {SELECT_LIMIT}) p95 under {TARGET_SELECT_MS:g} ms "
            f"at N={big.n:,}",
            "measured": f"p95 {p95} ms (p50 {big.selection['p50_ms']}, max "
            f"{big.selection['max_ms']})",
            "pass": p95 < TARGET_SELECT_MS and big.selection["index_used"],
        }
    )
    small = by_n.get(100_000) or min(results, key=lambda r: r.n)
    if small is not big:
        ratio = big.fixed_sweep_median_s / small.fixed_sweep_median_s
        targets.append(
            {
                "target": f"sweep of {fixed_due:,} due at N={big.n:,} within "
                f"{TARGET_SWEEP_RATIO:g}x of N={small.n:,}",
                "measured": f"median {big.fixed_sweep_median_s:.3f}s vs "
                f"{small.fixed_sweep_median_s:.3f}s = {ratio:.2f}x",
                "pass": ratio <= TARGET_SWEEP_RATIO,
            }
        )
        cpu_big = round(statistics.median(x["cpu_ms_per_report"] for x in big.sweeps_fixed), 3)
        cpu_small = round(statistics.median(x["cpu_ms_per_report"] for x in small.sweeps_fixed), 3)
        targets.append(
            {
                "target": "(information, not a target) CPU per report of the same sweeps, "
                "client + PostgreSQL backends, less sensitive to other load on the machine",
                "measured": f"median {cpu_big} vs {cpu_small} ms/report = "
                f"{cpu_big / cpu_small:.2f}x",
                "pass": None,
            }
        )
    return targets


def _verdict(passed: bool | None) -> str:
    return "INFO" if passed is None else "PASS" if passed else "FAIL"


def write_markdown(path: Path, doc: dict[str, Any], results: list[SizeResult]) -> None:
    m = doc["machine"]
    dirty = doc["git"]["uncommitted_changes_in_code_under_test"]
    lines = [
        f"# Sweep benchmark, {doc['date']}",
        "",
        f"Command: `{doc['command']}` (script `benchmarks/sweep_bench.py`; sizes "
        f"{', '.join(f'{n:,}' for n in doc['config']['sizes'])}).",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu_model']}, nproc {m['nproc']}; RAM {m['ram_gb']} GB; {m['os']}",
        f"- {m['postgresql']}",
        "- PostgreSQL settings: "
        + ", ".join(f"{k}={v}" for k, v in m["postgresql_settings"].items()),
        f"- Python {m['python']}, SQLAlchemy {m['sqlalchemy']}, psycopg 3; PostgreSQL on the same "
        "machine (127.0.0.1)",
        f"- Git commit `{doc['git']['commit']}`"
        + (
            "; uncommitted changes in code under test: "
            + ", ".join(f"`{x.strip()}`" for x in dirty)
            if dirty
            else "; no uncommitted changes in escalation/, reports/, config/"
        ),
        f"- Started {doc['started_at']}, took {doc['duration_s']}s; peak RSS of the benchmark "
        f"process {doc['peak_rss_mb']} MB",
        "",
        "## Targets",
        "",
    ]
    for t in doc["targets"]:
        lines.append(f"- **{_verdict(t['pass'])}**: {t['target']}: {t['measured']}")
    lines += [
        "",
        "## Load",
        "",
        "| N | load (INSERT ... generate_series) | VACUUM ANALYZE | DB size after load | "
        "reports table | ix_reports_next_sla_at | DB size at end |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.n:,} | {r.load_s} s | {r.vacuum_s} s | {r.db_size_mb_loaded} MB | "
            f"{r.reports_table_mb} MB | {r.next_sla_index_mb} MB | {r.db_size_mb_end} MB |"
        )
    lines += [
        "",
        f"## Selection: `select_due(db, now, limit={SELECT_LIMIT}, exclude=set())`, 1% of N due",
        "",
        "Each call in its own transaction (`FOR UPDATE SKIP LOCKED` takes row locks), timed "
        "around the call (SQL + fetching the 500 locked ids; each report is loaded by primary "
        "key when the sweep reaches it, a cost included in the sweep figures below). The first "
        "call (statement compilation) "
        "is reported apart and not in the percentiles. *Driver only* runs the very same SQL and "
        "parameters through the bare psycopg cursor (fetching the rows, no ORM); *EXPLAIN* is the "
        "server's execution time from `EXPLAIN (ANALYZE, BUFFERS)`.",
        "",
        "| N | due | calls | p50 | p95 | max | mean | first call | driver only p50 / p95 "
        "| EXPLAIN | index used | load avg |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|",
    ]
    for r in results:
        s = r.selection
        lines.append(
            f"| {r.n:,} | {s['due']:,} | {s['repeats']} | {s['p50_ms']} ms | {s['p95_ms']} ms | "
            f"{s['max_ms']} ms | {s['mean_ms']} ms | {s['first_call_ms']} ms | "
            f"{s['driver_only_p50_ms']} / {s['driver_only_p95_ms']} ms | "
            f"{s['explain_execution_ms']} ms | {'yes' if s['index_used'] else 'NO'} | "
            f"{s['loadavg_1m']} |"
        )
    lines += [
        "",
        "## Sweep: `run_sweep(factory, clock=clock, now=now)` (batch 500)",
        "",
        "Half of the due reports get the verify reminder (verifier notified), half the level-1 "
        "escalation (event, verifiers and managers notified): one action per report. *SQL time* "
        "is the client-side time spent in `cursor.execute` (round trips included); the rest of "
        "the wall time is Python (SQLAlchemy ORM and the sweep's own code).",
        "",
        "| N | due | run | wall | actions | actions/s | reports/s | ms/report | SQL/report | "
        "SQL time | CPU client + PG | CPU ms/report | outbox rows | events | still due after "
        "| failed | load avg before/after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        runs = [(f"fixed #{i + 1}", s) for i, s in enumerate(r.sweeps_fixed)]
        runs.append(("1% of N", r.sweep_1pct))
        for label, s in runs:
            load = s["loadavg_1m_before_after"]
            lines.append(
                f"| {r.n:,} | {s['due']:,} | {label} | {s['wall_s']} s | {s['actions']:,} | "
                f"{s['actions_per_s']} | {s['reports_per_s']} | {s['ms_per_report']} | "
                f"{s['sql_per_report']} | {s['sql_time_ms'] / 1000:.2f} s | "
                f"{s['cpu_client_s']} + {s['cpu_postgres_s']} s | {s['cpu_ms_per_report']} | "
                f"{s['outbox_rows']:,} | {s['events']:,} | {s['still_due_after']} | "
                f"{s['failed_reports']} | {load[0]} / {load[1]} |"
            )
    lines += [
        "",
        "### Table scans during the sweeps (pg_stat_user_tables deltas)",
        "",
        "| N | run | table | seq scans | rows read by seq scans | index scans |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for r in results:
        runs = [(f"fixed #{i + 1}", s) for i, s in enumerate(r.sweeps_fixed)]
        runs.append(("1% of N", r.sweep_1pct))
        for label, s in runs:
            for table, d in sorted(s["table_scans"].items()):
                lines.append(
                    f"| {r.n:,} | {label} | {table} | {d['seq_scan']:,} | "
                    f"{d['seq_tup_read']:,} | {d['idx_scan']:,} |"
                )
    for r in results:
        sweep = r.sweep_1pct
        lines += [
            "",
            f"### Statements of the 1% sweep at N={r.n:,} ({sweep['due']:,} reports)",
            "",
            "| statement (first words) | count | per report | total | each |",
            "|---|---:|---:|---:|---:|",
        ]
        for row in sweep["statements_by_kind"]:
            per = row["count"] / sweep["reports_acted_on"] if sweep["reports_acted_on"] else 0
            lines.append(
                f"| `{row['statement']}` | {row['count']:,} | {per:.2f} | "
                f"{row['total_ms']:,} ms | {row['ms_each']} ms |"
            )
    lines += ["", "## EXPLAIN (ANALYZE, BUFFERS) of the selection", ""]
    for r in results:
        lines += [f"### N={r.n:,}", "", "```", r.explain, "```", ""]
    lines += ["## Scenario check (real clock vs. the SQL of the load)", ""]
    lines += [f"- {k}: {v}" for k, v in doc["scenario"].items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    admin_url = os.environ.get(
        "SW_BENCH_ADMIN_URL",
        os.environ.get("SUARAWARGA_TEST_PG_ADMIN_URL", DEFAULT_ADMIN_URL),
    )
    sizes = _env_sizes()
    cfg = {
        "due": _env_int("SW_BENCH_DUE", 1000),
        "select_repeats": _env_int("SW_BENCH_SELECT_REPEATS", 30),
        "sweep_repeats": _env_int("SW_BENCH_SWEEP_REPEATS", 2),
    }
    keep = os.environ.get("SW_BENCH_KEEP_DB") == "1"
    out_dir = Path(os.environ.get("SW_BENCH_OUT", REPO / "benchmarks" / "results"))
    started_at = datetime.now(UTC)
    began = time.perf_counter()

    clock = SlaClock(WorkingCalendar("Asia/Jakarta"), SlaPolicy.from_yaml(CONFIG_DIR / "sla.yml"))
    dl = Deadlines.build(clock, NOW)
    scenario = check_scenario(clock, dl)
    machine = machine_info(admin_url)
    git = git_info()  # now: other people may commit while the benchmark runs
    say(f"sizes {sizes}, {cfg}; {machine['cpu_model']} x{machine['nproc']}")

    results = run_all(sizes, admin_url, clock, dl, cfg, keep)
    targets = evaluate(results, cfg["due"])
    doc: dict[str, Any] = {
        "date": started_at.date().isoformat(),
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - began, 1),
        "command": command_line(),
        "config": {
            "sizes": sizes,
            **cfg,
            "select_limit": SELECT_LIMIT,
            "now": NOW.isoformat(),
            "env": {k: v for k, v in os.environ.items() if k.startswith("SW_BENCH_")},
        },
        "machine": machine,
        "git": git,
        "peak_rss_mb": peak_rss_mb(),
        "scenario": scenario,
        "targets": targets,
        "results": [
            {
                "n": r.n,
                "load_s": r.load_s,
                "vacuum_analyze_s": r.vacuum_s,
                "db_size_mb_after_load": r.db_size_mb_loaded,
                "db_size_mb_at_end": r.db_size_mb_end,
                "reports_table_mb": r.reports_table_mb,
                "ix_reports_next_sla_at_mb": r.next_sla_index_mb,
                "selection": r.selection,
                "explain_analyze": r.explain,
                "sweep_fixed_due": r.sweeps_fixed,
                "sweep_fixed_due_median_s": round(r.fixed_sweep_median_s, 3),
                "sweep_one_percent_due": r.sweep_1pct,
                "peak_rss_mb_after": r.peak_rss_mb,
            }
            for r in results
        ],
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"sweep-{date.fromisoformat(doc['date']).isoformat()}"
    stem.with_suffix(".json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    write_markdown(stem.with_suffix(".md"), doc, results)

    print()
    for t in targets:
        print(f"{_verdict(t['pass'])}  {t['target']}: {t['measured']}")
    print(f"peak RSS {doc['peak_rss_mb']} MB; results in {stem}.md and {stem}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
