"""What the dashboard's figures are: the filter they are about, and the rows they come in.

Plain values, no queries: the console and the API read these without knowing how they were
computed (:mod:`reports.stats.metrics`, :mod:`reports.stats.parallel`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from reports import satisfaction
from reports.enums import ReportType, Stage, Status
from reports.models import Report


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
