"""Dashboard metrics as plain domain queries (used by the console and ``/api/v1/statistics``).

Every function takes the session, a :class:`StatsFilter` and, where the answer depends on it, an
explicit ``now``. Aggregation happens in SQL (GROUP BY, conditional counts; percentiles with
``percentile_cont`` on PostgreSQL), so the cost is one indexed query per metric, not one row per
report in Python. SQLite has no percentile function: there the durations are read sorted and the
percentiles taken in Python, which is fine at single-office scale.

Cost at scale (1M reports, PostgreSQL; migration 0005 has the indexes): the period metrics read
only the rows of the period, from indexes led by the agency and the period column, one range scan
per agency (``UNION ALL`` branches that PostgreSQL runs on its parallel workers) instead of one
scan of the period sorted by agency (which spilled to disk and cost ~2x). The reports answered in
the period are read once for both the time to answer and the compliance counts (``FILTER``
aggregates). Breaches reach their reports by index-only lookups. The numbers are exactly those of
a plain ``GROUP BY``: groups without rows are dropped, and reports or ratings without an agency
form their own group, as before (``tests/console/test_stats_exact.py`` checks this against a
computation in Python on random data, on both databases).

Definitions (kept deliberately simple and stated on the dashboard):

- *open by stage*: current counts of open statuses (the period filter does not apply).
- *due today / within 24 h / overdue*: staff deadlines only (verification for submitted reports,
  follow-up for forwarded ones); the citizen's response window is not a staff deadline.
- *breaches*: SLA escalation actions performed in the period; level 1 is the breach itself,
  higher levels are further escalations. Grouped by the report's current agency and the stage.
- *time to verify*: ``verified_at - created_at`` for reports verified in the period; *time to
  answer*: ``answered_at - verified_at`` for reports answered in the period (calendar hours).
- *compliance*: of the reports answered in the period, plus those still unanswered past their
  follow-up deadline now, the share answered by the deadline.
"""

from __future__ import annotations

import math
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Engine,
    Float,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from reports import satisfaction
from reports.enums import OPEN_STATUSES, ReportType, SlaActionKind, Stage, Status
from reports.models import Agency, Report, SatisfactionRating, SlaAction


@dataclass(frozen=True, slots=True)
class StatsFilter:
    """Period ``[since, until)`` (aware instants), agency and report type; ``None`` = all."""

    since: datetime | None = None
    until: datetime | None = None
    agency_id: int | None = None
    report_type: ReportType | None = None

    def report_conditions(self) -> list[ColumnElement[bool]]:
        """Agency and type conditions on ``Report`` (the period applies per metric)."""
        conds: list[ColumnElement[bool]] = []
        if self.agency_id is not None:
            conds.append(Report.agency_id == self.agency_id)
        if self.report_type is not None:
            conds.append(Report.type == self.report_type)
        return conds

    def period(self, column: Any) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        if self.since is not None:
            conds.append(column >= self.since)
        if self.until is not None:
            conds.append(column < self.until)
        return conds


@dataclass(frozen=True, slots=True)
class DueSoon:
    due_today: int
    due_within_24h: int
    overdue: int


@dataclass(frozen=True, slots=True)
class BreachRow:
    agency_id: int | None
    stage: Stage
    breaches: int  # escalation level 1
    escalations: int  # levels above 1


@dataclass(frozen=True, slots=True)
class DurationStats:
    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True, slots=True)
class DurationRow:
    agency_id: int | None
    verify: DurationStats
    answer: DurationStats


@dataclass(frozen=True, slots=True)
class ComplianceRow:
    agency_id: int | None
    on_time: int
    late: int
    overdue_open: int

    @property
    def measured(self) -> int:
        return self.on_time + self.late + self.overdue_open

    @property
    def rate(self) -> float | None:
        """Share in percent (0-100), None when nothing was measured."""
        return round(100 * self.on_time / self.measured, 1) if self.measured else None


@dataclass(frozen=True, slots=True)
class EscalatedReport:
    tracking_code: str
    title: str
    agency_id: int | None
    status: Status
    stage: Stage | None
    level: int
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class SatisfactionRow:
    agency_id: int | None
    index: satisfaction.Index


@dataclass
class Dashboard:
    """Everything the manager dashboard shows, for one filter and instant."""

    filters: StatsFilter
    now: datetime
    agencies: dict[int, str]
    open_by_stage: dict[Status, int]
    due: DueSoon
    breaches: list[BreachRow]
    durations: list[DurationRow]
    compliance: list[ComplianceRow]
    escalations: list[EscalatedReport]
    satisfaction: list[SatisfactionRow] = field(default_factory=list)


# -- metrics ---------------------------------------------------------------------------------------


def open_by_stage(db: Session, *, filters: StatsFilter) -> dict[Status, int]:
    """Open reports per status right now (the period filter does not apply)."""
    query = (
        select(Report.status, func.count())
        .where(Report.status.in_(OPEN_STATUSES), *filters.report_conditions())
        .group_by(Report.status)
    )
    counts = {status: 0 for status in _OPEN_ORDER}
    counts.update({Status(s): int(n) for s, n in db.execute(query)})
    return counts


_OPEN_ORDER = (Status.SUBMITTED, Status.INFO_REQUESTED, Status.FORWARDED, Status.ANSWERED)


def end_of_local_day(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    return local.replace(hour=23, minute=59, second=59, microsecond=999999)


def due_soon(db: Session, *, filters: StatsFilter, now: datetime, tz: ZoneInfo) -> DueSoon:
    """Staff deadlines due by the end of today (local), within 24 hours, and already missed.

    Two range scans, one per stage, each on an index led by ``status`` and the due column.
    """
    today_end = end_of_local_day(now, tz)
    in_24h = now + timedelta(hours=24)
    horizon = max(today_end, in_24h)
    totals = [0, 0, 0]
    for status, column in (
        (Status.SUBMITTED, Report.verify_due_at),
        (Status.FORWARDED, Report.response_due_at),
    ):
        row = db.execute(
            select(
                func.count(case((and_(column >= now, column <= today_end), 1))),
                func.count(case((and_(column >= now, column <= in_24h), 1))),
                func.count(case((column < now, 1))),
            ).where(
                Report.status == status,
                column.is_not(None),
                column <= horizon,
                *filters.report_conditions(),
            )
        ).one()
        for i in range(3):
            totals[i] += int(row[i] or 0)
    return DueSoon(*totals)


def breaches(db: Session, *, filters: StatsFilter) -> list[BreachRow]:
    """Breaches (level 1) and further escalations performed in the period, by agency and stage."""
    query = (
        select(
            Report.agency_id,
            SlaAction.stage,
            func.count(case((SlaAction.level == 1, 1))),
            func.count(case((SlaAction.level > 1, 1))),
        )
        .join(Report, Report.id == SlaAction.report_id)
        .where(
            SlaAction.kind == SlaActionKind.ESCALATION,
            SlaAction.outcome == "done",
            *filters.period(SlaAction.performed_at),
            *filters.report_conditions(),
        )
        .group_by(Report.agency_id, SlaAction.stage)
        .order_by(func.count().desc())
    )
    return [
        BreachRow(agency_id, Stage(stage), int(b), int(e))
        for agency_id, stage, b, e in db.execute(query)
    ]


def _seconds_between(db: Session, later: Any, earlier: Any) -> Any:
    if _is_postgresql(db):
        # date_part gives double precision; EXTRACT gives numeric since PostgreSQL 14, which is
        # several times slower to sort for the percentiles.
        return func.date_part("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _is_postgresql(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks, as PostgreSQL's ``percentile_cont``."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    position = fraction * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def _hours(seconds: float | None) -> float | None:
    return round(seconds / 3600.0, 1) if seconds is not None else None


def _sort_agencies(keys: Iterable[int | None]) -> list[int | None]:
    return sorted(keys, key=lambda k: (k is None, k or 0))


def _per_agency(
    db: Session,
    *,
    agency_column: Any,
    columns: Sequence[ColumnElement[Any]],
    where: Sequence[ColumnElement[bool]],
    agency_id: int | None,
) -> list[tuple[Any, ...]]:
    """``SELECT agency, <columns> ... GROUP BY agency``, shaped so each agency is a range scan.

    On PostgreSQL a plain GROUP BY reads the whole period through the period index and then sorts
    it by agency (spilling to disk at ~150k rows) before the percentiles sort each group again,
    all in one process (ordered-set aggregates cannot be split over parallel workers). Here each
    agency is its own branch of a ``UNION ALL`` reading its slice of an index led by ``(agency,
    period column)``, with no big sort, and PostgreSQL runs the branches on its parallel workers
    (Parallel Append). Rows without an agency are one more branch (``IS NULL``).

    ``columns`` must be aggregates, the first one a count of the rows the metric is about: an
    agency whose count is 0 is dropped, exactly as GROUP BY would not produce its group. With
    ``agency_id`` set (the filter already in ``where``) it is one aggregate query. SQLite keeps
    the plain GROUP BY (single-office scale).
    """
    labelled = [c.label(f"c{i}") for i, c in enumerate(columns)]
    if agency_id is not None:
        rows: list[tuple[Any, ...]] = [
            (agency_id, *db.execute(select(*labelled).where(*where)).one())
        ]
    elif _is_postgresql(db):
        ids: list[int | None] = [*db.scalars(select(Agency.id).order_by(Agency.id)), None]
        branches = [
            select(
                literal(a, Integer).label("agency_id") if a is not None else cast(null(), Integer),
                *labelled,
            ).where(agency_column == a if a is not None else agency_column.is_(None), *where)
            for a in ids
        ]
        rows = [tuple(r) for r in db.execute(union_all(*branches))]
    else:
        query = select(agency_column, *labelled).where(*where).group_by(agency_column)
        rows = [tuple(r) for r in db.execute(query)]
    return [r for r in rows if r[1]]


def _duration_stats(count: int, fractions: Sequence[float] | None) -> DurationStats:
    if not fractions:
        return DurationStats(int(count), None, None)
    return DurationStats(int(count), _hours(fractions[0]), _hours(fractions[1]))


_QUANTILES = (0.5, 0.9)


def _quantiles(seconds: Any) -> Any:
    """One ordered-set aggregate with an array of fractions: one sort per group, not two."""
    return func.percentile_cont(postgresql.array(list(_QUANTILES), type_=Float)).within_group(
        seconds
    )


def _durations_sqlite(
    db: Session, *, seconds: Any, where: Sequence[ColumnElement[bool]]
) -> dict[int | None, DurationStats]:
    """SQLite has no percentile function: read the durations sorted, interpolate in Python."""
    values: dict[int | None, list[float]] = defaultdict(list)
    rows = db.execute(select(Report.agency_id, seconds).where(*where).order_by(seconds))
    for agency_id, value in rows:
        values[agency_id].append(float(value))
    return {
        agency_id: DurationStats(len(v), *(_hours(_percentile(v, q)) for q in _QUANTILES))
        for agency_id, v in values.items()
    }


def _verify_durations(db: Session, *, filters: StatsFilter) -> dict[int | None, DurationStats]:
    """Time to verify (``verified_at - created_at``) of the reports verified in the period."""
    seconds = _seconds_between(db, Report.verified_at, Report.created_at)
    where = [
        Report.verified_at.is_not(None),
        *filters.period(Report.verified_at),
        *filters.report_conditions(),
    ]
    if not _is_postgresql(db):
        return _durations_sqlite(db, seconds=seconds, where=where)
    rows = _per_agency(
        db,
        agency_column=Report.agency_id,
        columns=[func.count(), _quantiles(seconds)],
        where=where,
        agency_id=filters.agency_id,
    )
    return {agency_id: _duration_stats(n, p) for agency_id, n, p in rows}


@dataclass(frozen=True, slots=True)
class _Answered:
    """What one pass over the reports answered in the period gives: durations and compliance."""

    durations: dict[int | None, DurationStats]
    on_time_late: dict[int | None, tuple[int, int]]


def _answered_in_period(db: Session, *, filters: StatsFilter) -> _Answered:
    """Time to answer and answered on time / late, from the reports answered in the period.

    Both metrics select the same rows (answered in the period, agency and type filter); the
    duration needs ``verified_at`` and the compliance ``response_due_at``, so each aggregate
    carries its own FILTER and its own count, and an agency is in a metric's result exactly when
    that metric's own GROUP BY would have produced it.
    """
    base = [
        Report.answered_at.is_not(None),
        *filters.period(Report.answered_at),
        *filters.report_conditions(),
    ]
    seconds = _seconds_between(db, Report.answered_at, Report.verified_at)
    verified = Report.verified_at.is_not(None)
    due_known = Report.response_due_at.is_not(None)
    on_time = and_(due_known, Report.answered_at <= Report.response_due_at)
    late = and_(due_known, Report.answered_at > Report.response_due_at)
    if not _is_postgresql(db):
        durations = _durations_sqlite(db, seconds=seconds, where=[*base, verified])
        counts = db.execute(
            select(
                Report.agency_id,
                func.count(case((on_time, 1))),
                func.count(case((late, 1))),
            )
            .where(*base, due_known)
            .group_by(Report.agency_id)
        )
        return _Answered(durations, {a: (int(o), int(lt)) for a, o, lt in counts})
    rows = _per_agency(
        db,
        agency_column=Report.agency_id,
        columns=[
            func.count(),
            func.count().filter(verified),
            _quantiles(seconds).filter(verified),
            func.count().filter(on_time),
            func.count().filter(late),
        ],
        where=base,
        agency_id=filters.agency_id,
    )
    durations_by: dict[int | None, DurationStats] = {}
    counts_by: dict[int | None, tuple[int, int]] = {}
    for agency_id, _all, n_verified, fractions, n_on_time, n_late in rows:
        if n_verified:
            durations_by[agency_id] = _duration_stats(n_verified, fractions)
        if n_on_time or n_late:
            counts_by[agency_id] = (int(n_on_time), int(n_late))
    return _Answered(durations_by, counts_by)


def _durations_rows(
    verify: dict[int | None, DurationStats], answer: dict[int | None, DurationStats]
) -> list[DurationRow]:
    empty = DurationStats(0, None, None)
    keys = _sort_agencies(verify.keys() | answer.keys())
    return [DurationRow(k, verify.get(k, empty), answer.get(k, empty)) for k in keys]


def durations(db: Session, *, filters: StatsFilter) -> list[DurationRow]:
    """Median and 90th percentile of the time to verify and to answer, per agency."""
    return _durations_rows(
        _verify_durations(db, filters=filters), _answered_in_period(db, filters=filters).durations
    )


def _overdue_open(db: Session, *, filters: StatsFilter, now: datetime) -> dict[int | None, int]:
    """Forwarded reports past their follow-up deadline now, per agency (not period-bound)."""
    overdue = db.execute(
        select(Report.agency_id, func.count())
        .where(
            Report.status == Status.FORWARDED,
            Report.response_due_at < now,
            *filters.report_conditions(),
        )
        .group_by(Report.agency_id)
    )
    return {agency_id: int(n) for agency_id, n in overdue}


def _compliance_rows(answered: _Answered, overdue: dict[int | None, int]) -> list[ComplianceRow]:
    rows: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for agency_id, (on_time, late) in answered.on_time_late.items():
        rows[agency_id][0] += on_time
        rows[agency_id][1] += late
    for agency_id, n in overdue.items():
        rows[agency_id][2] += n
    return [ComplianceRow(agency_id, *rows[agency_id]) for agency_id in _sort_agencies(rows)]


def compliance(db: Session, *, filters: StatsFilter, now: datetime) -> list[ComplianceRow]:
    """Follow-up deadline compliance per agency (see the module docstring for the definition)."""
    return _compliance_rows(
        _answered_in_period(db, filters=filters), _overdue_open(db, filters=filters, now=now)
    )


def current_escalations(
    db: Session, *, filters: StatsFilter, limit: int = 50
) -> list[EscalatedReport]:
    """Open reports whose running stage has been escalated, highest level and oldest due first."""
    query = (
        select(Report)
        .where(
            Report.escalation_level > 0,
            Report.status.in_((Status.SUBMITTED, Status.FORWARDED)),
            *filters.report_conditions(),
        )
        .order_by(Report.escalation_level.desc(), Report.id)
        .limit(limit)
    )
    return [
        EscalatedReport(
            tracking_code=r.tracking_code,
            title=r.title,
            agency_id=r.agency_id,
            status=r.status,
            stage=r.stage,
            level=r.escalation_level,
            due_at=r.current_due_at,
        )
        for r in db.scalars(query)
    ]


def satisfaction_by_agency(db: Session, *, filters: StatsFilter) -> list[SatisfactionRow]:
    """The SKM index (IKM, grade A-D) per agency over the period.

    On PostgreSQL one pass per agency over an index led by ``(agency_id, created_at)``: the mean
    of each of the nine elements as a FILTER aggregate and the number of rated reports. Elements
    outside the nine cannot be recorded (``record_rating`` refuses them); should such a row exist
    anyway, the generic GROUP BY element query is used, so the figures stay those of the rows.
    """
    conds = [*filters.period(SatisfactionRating.created_at)]
    if filters.agency_id is not None:
        conds.append(SatisfactionRating.agency_id == filters.agency_id)
    if filters.report_type is not None:
        conds.append(
            SatisfactionRating.report_id.in_(
                select(Report.id).where(Report.type == filters.report_type)
            )
        )
    if _is_postgresql(db):
        score = SatisfactionRating.score
        element = SatisfactionRating.element
        rows = _per_agency(
            db,
            agency_column=SatisfactionRating.agency_id,
            columns=[
                func.count(),
                func.count(func.distinct(SatisfactionRating.report_id)),
                func.count().filter(element.not_in(satisfaction.ELEMENTS)),
                *(func.avg(score).filter(element == e) for e in satisfaction.ELEMENTS),
            ],
            where=conds,
            agency_id=filters.agency_id,
        )
        if not any(r[3] for r in rows):
            result = []
            for agency_id, _n, reports, _other, *means in rows:
                nrr = {
                    e: float(m)
                    for e, m in zip(satisfaction.ELEMENTS, means, strict=True)
                    if m is not None
                }
                result.append(SatisfactionRow(agency_id, satisfaction.compute_index(nrr, reports)))
            return sorted(result, key=lambda r: (r.agency_id is None, r.agency_id or 0))
    query = (
        select(
            SatisfactionRating.agency_id,
            SatisfactionRating.element,
            func.avg(SatisfactionRating.score),
        )
        .where(*conds)
        .group_by(SatisfactionRating.agency_id, SatisfactionRating.element)
    )
    counts_q = (
        select(
            SatisfactionRating.agency_id, func.count(func.distinct(SatisfactionRating.report_id))
        )
        .where(*conds)
        .group_by(SatisfactionRating.agency_id)
    )
    nrr_by: dict[int | None, dict[str, float]] = defaultdict(dict)
    for agency_id, element_name, avg in db.execute(query):
        nrr_by[agency_id][element_name] = float(avg)
    counts = {agency_id: int(n) for agency_id, n in db.execute(counts_q)}
    return [
        SatisfactionRow(agency_id, satisfaction.compute_index(nrr_by[agency_id], counts[agency_id]))
        for agency_id in _sort_agencies(counts)
    ]


def agency_names(db: Session) -> dict[int, str]:
    return {a.id: a.name for a in db.scalars(select(Agency).order_by(Agency.name))}


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
        return {"verify": _verify_durations(db, filters=filters)}

    def answered(db: Session) -> dict[str, Any]:
        return {"answered": _answered_in_period(db, filters=filters)}

    def breaches_and_open(db: Session) -> dict[str, Any]:
        return {
            "breaches": breaches(db, filters=filters),
            "open_by_stage": open_by_stage(db, filters=filters),
            "due": due_soon(db, filters=filters, now=now, tz=tz),
        }

    def satisfaction_and_rest(db: Session) -> dict[str, Any]:
        return {
            "satisfaction": satisfaction_by_agency(db, filters=filters),
            "agencies": agency_names(db),
            "overdue": _overdue_open(db, filters=filters, now=now),
            "escalations": current_escalations(db, filters=filters),
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
    if parallel and _is_postgresql(db) and _PARALLEL_BOARDS.acquire(blocking=False):
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
    answered: _Answered = parts["answered"]
    return Dashboard(
        filters=filters,
        now=now,
        agencies=parts["agencies"],
        open_by_stage=parts["open_by_stage"],
        due=parts["due"],
        breaches=parts["breaches"],
        durations=_durations_rows(parts["verify"], answered.durations),
        compliance=_compliance_rows(answered, parts["overdue"]),
        escalations=parts["escalations"],
        satisfaction=parts["satisfaction"],
    )
