"""Dashboard metrics as plain domain queries (used by the console and ``/api/v1/statistics``).

Every function takes the session, a :class:`StatsFilter` and, where the answer depends on it, an
explicit ``now``. Aggregation happens in SQL (GROUP BY, conditional counts; percentiles with
``percentile_cont`` on PostgreSQL), so the cost is one indexed query per metric, not one row per
report in Python. SQLite has no percentile function: there the durations are read sorted and the
percentiles taken in Python, which is fine at single-office scale.

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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Float, and_, case, func, select
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
    if db.get_bind().dialect.name == "postgresql":
        # date_part gives double precision; EXTRACT gives numeric since PostgreSQL 14, which is
        # several times slower to sort for the percentiles.
        return func.date_part("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


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


def _duration_by_agency(
    db: Session, *, later: Any, earlier: Any, conditions: Iterable[ColumnElement[bool]]
) -> dict[int | None, DurationStats]:
    seconds = _seconds_between(db, later, earlier)
    where = [later.is_not(None), earlier.is_not(None), *conditions]
    if db.get_bind().dialect.name == "postgresql":
        # One ordered-set aggregate with an array of fractions: one sort per agency, not two.
        fractions = postgresql.array([0.5, 0.9], type_=Float)
        query = (
            select(
                Report.agency_id,
                func.count(),
                func.percentile_cont(fractions).within_group(seconds),
            )
            .where(*where)
            .group_by(Report.agency_id)
        )
        return {
            agency_id: DurationStats(int(n), _hours(p[0]), _hours(p[1]))
            for agency_id, n, p in db.execute(query)
        }
    values: dict[int | None, list[float]] = defaultdict(list)
    rows = db.execute(select(Report.agency_id, seconds).where(*where).order_by(seconds))
    for agency_id, value in rows:
        values[agency_id].append(float(value))
    return {
        agency_id: DurationStats(len(v), _hours(_percentile(v, 0.5)), _hours(_percentile(v, 0.9)))
        for agency_id, v in values.items()
    }


def durations(db: Session, *, filters: StatsFilter) -> list[DurationRow]:
    """Median and 90th percentile of the time to verify and to answer, per agency."""
    base = filters.report_conditions()
    verify = _duration_by_agency(
        db,
        later=Report.verified_at,
        earlier=Report.created_at,
        conditions=[*base, *filters.period(Report.verified_at)],
    )
    answer = _duration_by_agency(
        db,
        later=Report.answered_at,
        earlier=Report.verified_at,
        conditions=[*base, *filters.period(Report.answered_at)],
    )
    empty = DurationStats(0, None, None)
    keys = sorted(verify.keys() | answer.keys(), key=lambda k: (k is None, k or 0))
    return [DurationRow(k, verify.get(k, empty), answer.get(k, empty)) for k in keys]


def compliance(db: Session, *, filters: StatsFilter, now: datetime) -> list[ComplianceRow]:
    """Follow-up deadline compliance per agency (see the module docstring for the definition)."""
    base = filters.report_conditions()
    answered = db.execute(
        select(
            Report.agency_id,
            func.count(case((Report.answered_at <= Report.response_due_at, 1))),
            func.count(case((Report.answered_at > Report.response_due_at, 1))),
        )
        .where(
            Report.answered_at.is_not(None),
            Report.response_due_at.is_not(None),
            *filters.period(Report.answered_at),
            *base,
        )
        .group_by(Report.agency_id)
    )
    rows: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for agency_id, on_time, late in answered:
        rows[agency_id][0] += int(on_time)
        rows[agency_id][1] += int(late)
    overdue = db.execute(
        select(Report.agency_id, func.count())
        .where(Report.status == Status.FORWARDED, Report.response_due_at < now, *base)
        .group_by(Report.agency_id)
    )
    for agency_id, n in overdue:
        rows[agency_id][2] += int(n)
    return [
        ComplianceRow(agency_id, *counts)
        for agency_id, counts in sorted(rows.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    ]


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
    """The SKM index (IKM, grade A-D) per agency over the period, from one grouped query."""
    conds = [*filters.period(SatisfactionRating.created_at)]
    if filters.agency_id is not None:
        conds.append(SatisfactionRating.agency_id == filters.agency_id)
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
    if filters.report_type is not None:
        typed = SatisfactionRating.report_id.in_(
            select(Report.id).where(Report.type == filters.report_type)
        )
        query, counts_q = query.where(typed), counts_q.where(typed)
    nrr: dict[int | None, dict[str, float]] = defaultdict(dict)
    for agency_id, element, avg in db.execute(query):
        nrr[agency_id][element] = float(avg)
    counts = {agency_id: int(n) for agency_id, n in db.execute(counts_q)}
    return [
        SatisfactionRow(agency_id, satisfaction.compute_index(nrr[agency_id], counts[agency_id]))
        for agency_id in sorted(counts, key=lambda k: (k is None, k or 0))
    ]


def agency_names(db: Session) -> dict[int, str]:
    return {a.id: a.name for a in db.scalars(select(Agency).order_by(Agency.name))}


def dashboard(db: Session, *, filters: StatsFilter, now: datetime, tz: ZoneInfo) -> Dashboard:
    """All dashboard metrics for one filter, as of ``now``."""
    return Dashboard(
        filters=filters,
        now=now,
        agencies=agency_names(db),
        open_by_stage=open_by_stage(db, filters=filters),
        due=due_soon(db, filters=filters, now=now, tz=tz),
        breaches=breaches(db, filters=filters),
        durations=durations(db, filters=filters),
        compliance=compliance(db, filters=filters, now=now),
        escalations=current_escalations(db, filters=filters),
        satisfaction=satisfaction_by_agency(db, filters=filters),
    )
