"""One function per dashboard metric (definitions in :mod:`reports.stats`).

Every function takes the session, a :class:`~reports.stats.figures.StatsFilter` and, where the
answer depends on it, an explicit ``now``; the query shapes come from :mod:`reports.stats.sql`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from reports import satisfaction
from reports.enums import OPEN_STATUSES, SlaActionKind, Stage, Status
from reports.models import Agency, Report, SatisfactionRating, SlaAction
from reports.stats import sql
from reports.stats.figures import (
    BreachRow,
    ComplianceRow,
    DueSoon,
    DurationRow,
    DurationStats,
    EscalatedReport,
    SatisfactionRow,
    StatsFilter,
)


def open_by_stage(db: Session, *, filters: StatsFilter) -> dict[Status, int]:
    """Open reports per status right now (the period filter does not apply). A report merged
    into another is not counted: its primary is the one to handle."""
    query = (
        select(Report.status, func.count())
        .where(
            Report.status.in_(OPEN_STATUSES),
            Report.duplicate_of_id.is_(None),
            *filters.report_conditions(),
        )
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


def _duration_stats(count: int, fractions: Sequence[float] | None) -> DurationStats:
    if not fractions:
        return DurationStats(int(count), None, None)
    return DurationStats(int(count), sql.hours(fractions[0]), sql.hours(fractions[1]))


def _durations_sqlite(
    db: Session, *, seconds: Any, where: Sequence[ColumnElement[bool]]
) -> dict[int | None, DurationStats]:
    """SQLite has no percentile function: read the durations sorted, interpolate in Python."""
    values: dict[int | None, list[float]] = defaultdict(list)
    rows = db.execute(select(Report.agency_id, seconds).where(*where).order_by(seconds))
    for agency_id, value in rows:
        values[agency_id].append(float(value))
    return {
        agency_id: DurationStats(len(v), *(sql.hours(sql.percentile(v, q)) for q in sql.QUANTILES))
        for agency_id, v in values.items()
    }


def verify_durations(db: Session, *, filters: StatsFilter) -> dict[int | None, DurationStats]:
    """Time to verify (``verified_at - created_at``) of the reports verified in the period."""
    seconds = sql.seconds_between(db, Report.verified_at, Report.created_at)
    where = [
        Report.verified_at.is_not(None),
        *filters.period(Report.verified_at),
        *filters.report_conditions(),
    ]
    if not sql.is_postgresql(db):
        return _durations_sqlite(db, seconds=seconds, where=where)
    rows = sql.per_agency(
        db,
        agency_column=Report.agency_id,
        columns=[func.count(), sql.quantiles(seconds)],
        where=where,
        agency_id=filters.agency_id,
    )
    return {agency_id: _duration_stats(n, p) for agency_id, n, p in rows}


@dataclass(frozen=True, slots=True)
class Answered:
    """What one pass over the reports answered in the period gives: durations and compliance."""

    durations: dict[int | None, DurationStats]
    on_time_late: dict[int | None, tuple[int, int]]


def answered_in_period(db: Session, *, filters: StatsFilter) -> Answered:
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
    seconds = sql.seconds_between(db, Report.answered_at, Report.verified_at)
    verified = Report.verified_at.is_not(None)
    due_known = Report.response_due_at.is_not(None)
    on_time = and_(due_known, Report.answered_at <= Report.response_due_at)
    late = and_(due_known, Report.answered_at > Report.response_due_at)
    if not sql.is_postgresql(db):
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
        return Answered(durations, {a: (int(o), int(lt)) for a, o, lt in counts})
    rows = sql.per_agency(
        db,
        agency_column=Report.agency_id,
        columns=[
            func.count(),
            func.count().filter(verified),
            sql.quantiles(seconds).filter(verified),
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
    return Answered(durations_by, counts_by)


def durations_rows(
    verify: dict[int | None, DurationStats], answer: dict[int | None, DurationStats]
) -> list[DurationRow]:
    empty = DurationStats(0, None, None)
    keys = sql.sort_agencies(verify.keys() | answer.keys())
    return [DurationRow(k, verify.get(k, empty), answer.get(k, empty)) for k in keys]


def durations(db: Session, *, filters: StatsFilter) -> list[DurationRow]:
    """Median and 90th percentile of the time to verify and to answer, per agency."""
    return durations_rows(
        verify_durations(db, filters=filters), answered_in_period(db, filters=filters).durations
    )


def overdue_open(db: Session, *, filters: StatsFilter, now: datetime) -> dict[int | None, int]:
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


def compliance_rows(answered: Answered, overdue: dict[int | None, int]) -> list[ComplianceRow]:
    rows: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for agency_id, (on_time, late) in answered.on_time_late.items():
        rows[agency_id][0] += on_time
        rows[agency_id][1] += late
    for agency_id, n in overdue.items():
        rows[agency_id][2] += n
    return [ComplianceRow(agency_id, *rows[agency_id]) for agency_id in sql.sort_agencies(rows)]


def compliance(db: Session, *, filters: StatsFilter, now: datetime) -> list[ComplianceRow]:
    """Follow-up deadline compliance per agency (see the module docstring for the definition)."""
    return compliance_rows(
        answered_in_period(db, filters=filters), overdue_open(db, filters=filters, now=now)
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
    if sql.is_postgresql(db):
        score = SatisfactionRating.score
        element = SatisfactionRating.element
        rows = sql.per_agency(
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
        for agency_id in sql.sort_agencies(counts)
    ]


def agency_names(db: Session) -> dict[int, str]:
    return {a.id: a.name for a in db.scalars(select(Agency).order_by(Agency.name))}
