"""The whole manager dashboard: every metric of one filter, as of one instant.

Why apart from the metrics: this is an execution engine (a process-wide slot count, a thread
pool, connections sharing one exported snapshot), not a definition of any figure; the metrics of
:mod:`reports.stats.metrics` stay plain queries on one session, testable one by one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from reports.stats import metrics, sql
from reports.stats.figures import Dashboard, StatsFilter

#: Dashboards computed on parallel connections at once, process-wide. Each takes four extra
#: pooled connections; two such dashboards stay inside the pool's default overflow (10), and a
#: request that finds no free slot computes its dashboard on its own connection, so a burst of
#: managers never waits on the pool for each other.
_PARALLEL_BOARDS = threading.BoundedSemaphore(2)
_SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")


def _metric_groups(
    filters: StatsFilter, now: datetime, tz: ZoneInfo
) -> list[Callable[[Session], dict[str, Any]]]:
    """The dashboard's queries in four groups of roughly equal cost (1M reports, PostgreSQL).

    The two big ones read every report of the period (verified in it; answered in it); breaches
    join ~25k escalation actions of a four-month period to their reports; the SKM reads the
    period's ratings. The small, index-limited queries ride along with the last two.
    """

    def verify(db: Session) -> dict[str, Any]:
        return {"verify": metrics.verify_durations(db, filters=filters)}

    def answered(db: Session) -> dict[str, Any]:
        return {"answered": metrics.answered_in_period(db, filters=filters)}

    def breaches_and_open(db: Session) -> dict[str, Any]:
        return {
            "breaches": metrics.breaches(db, filters=filters),
            "open_by_stage": metrics.open_by_stage(db, filters=filters),
            "due": metrics.due_soon(db, filters=filters, now=now, tz=tz),
        }

    def satisfaction_and_rest(db: Session) -> dict[str, Any]:
        return {
            "satisfaction": metrics.satisfaction_by_agency(db, filters=filters),
            "agencies": metrics.agency_names(db),
            "overdue": metrics.overdue_open(db, filters=filters, now=now),
            "escalations": metrics.current_escalations(db, filters=filters),
        }

    return [verify, answered, breaches_and_open, satisfaction_and_rest]


def _in_snapshot(engine: Engine, snapshot: str, group: Callable[[Session], Any]) -> Any:
    """Run ``group`` on its own connection, in the transaction snapshot ``snapshot``.

    PostgreSQL's own parallel workers are switched off for these transactions: the four groups
    already keep the cores busy, and starting workers for each of their queries on top cost
    more than it gave (measured at 1M reports on 2 cores: median 250 ms with, 205 ms without).
    """
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin() as tx:
            conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
            with Session(bind=conn) as db:
                result = group(db)
            tx.rollback()
    return result


def dashboard(
    db: Session, *, filters: StatsFilter, now: datetime, tz: ZoneInfo, parallel: bool = True
) -> Dashboard:
    """All dashboard metrics for one filter, as of ``now``.

    On PostgreSQL the four groups of queries run at once on four pooled connections (on an idle
    2-core server a new period is answered in about half the time), all in the snapshot exported
    by ``db``'s transaction (``pg_export_snapshot``, as ``pg_dump --jobs`` does): every figure is
    of the same instant, which one READ COMMITTED connection, taking a new snapshot per
    statement, did not even promise. ``parallel=False``, SQLite, or no free slot: the same
    queries, one after another on ``db``.
    """
    groups = _metric_groups(filters, now, tz)
    parts: dict[str, Any] = {}
    if parallel and sql.is_postgresql(db) and _PARALLEL_BOARDS.acquire(blocking=False):
        try:
            snapshot = str(db.execute(select(func.pg_export_snapshot())).scalar_one())
            if not _SNAPSHOT_ID.match(snapshot):
                raise ValueError(f"unexpected snapshot id {snapshot!r}")
            engine = db.get_bind().engine
            with ThreadPoolExecutor(len(groups), thread_name_prefix="dashboard") as pool:
                for part in pool.map(lambda g: _in_snapshot(engine, snapshot, g), groups):
                    parts.update(part)
        finally:
            _PARALLEL_BOARDS.release()
    else:
        for group in groups:
            parts.update(group(db))
    answered: metrics.Answered = parts["answered"]
    return Dashboard(
        filters=filters,
        now=now,
        agencies=parts["agencies"],
        open_by_stage=parts["open_by_stage"],
        due=parts["due"],
        breaches=parts["breaches"],
        durations=metrics.durations_rows(parts["verify"], answered.durations),
        compliance=metrics.compliance_rows(answered, parts["overdue"]),
        escalations=parts["escalations"],
        satisfaction=parts["satisfaction"],
    )
