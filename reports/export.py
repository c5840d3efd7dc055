"""One row per report for the managers' export: dates, deadlines, lateness per stage, SKM score.

Lateness comes from ``escalation.history`` over each report's events (the same derivation the
report page and ``report show`` use), so a report that was late and has since been answered still
exports as late. Events and ratings are read in batches of report ids: one query per batch each,
never one per report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from escalation.calendar import WorkingCalendar
from escalation.history import STAGE_ENDS, late_days_by_stage, sla_history
from reports.enums import Stage
from reports.models import Agency, Report, ReportEvent, SatisfactionRating

BATCH: Final = 500
#: The events ``sla_history`` reads: breaches, escalations and what ends a stage's clock.
HISTORY_ACTIONS: Final = frozenset({"breach", "escalate"}).union(*STAGE_ENDS.values())

#: Column names of the export, in order (stable, documented in the API).
COLUMNS: Final = (
    "code",
    "type",
    "agency",
    "status",
    "channel",
    "privacy",
    "created_at",
    "verified_at",
    "answered_at",
    "closed_at",
    "verify_due_at",
    "response_due_at",
    "feedback_due_at",
    "verify_late",
    "verify_working_days_late",
    "respond_late",
    "respond_working_days_late",
    "satisfaction_ikm",
)


@dataclass(frozen=True, slots=True)
class ExportRow:
    code: str
    type: str
    agency: str | None
    status: str
    channel: str
    privacy: str
    created_at: datetime
    verified_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    verify_due_at: datetime | None
    response_due_at: datetime | None
    feedback_due_at: datetime | None
    verify_late: bool
    verify_working_days_late: int | None
    respond_late: bool
    respond_working_days_late: int | None
    satisfaction_ikm: float | None

    def values(self) -> list[object]:
        return [getattr(self, name) for name in COLUMNS]


def _ikm(mean_score: float | None) -> float | None:
    """One report's SKM figure on the 25-100 scale (25 × mean element score)."""
    return round(25 * float(mean_score), 2) if mean_score is not None else None


def export_rows(
    db: Session,
    query: Select[Report],
    *,
    calendar: WorkingCalendar,
    now: datetime,
) -> Iterator[ExportRow]:
    """The rows of every report ``query`` selects, oldest first."""
    names: dict[int, str] = {i: n for i, n in db.execute(select(Agency.id, Agency.name))}
    ids = list(db.scalars(query.with_only_columns(Report.id).order_by(Report.id)))
    for start in range(0, len(ids), BATCH):
        chunk: Sequence[int] = ids[start : start + BATCH]
        reports = db.scalars(select(Report).where(Report.id.in_(chunk)).order_by(Report.id)).all()
        events: dict[int, list[ReportEvent]] = defaultdict(list)
        for event in db.scalars(
            select(ReportEvent)
            .where(ReportEvent.report_id.in_(chunk), ReportEvent.action.in_(HISTORY_ACTIONS))
            .order_by(ReportEvent.id)
        ):
            events[event.report_id].append(event)
        scores: dict[int, float] = {
            report_id: float(mean)
            for report_id, mean in db.execute(
                select(SatisfactionRating.report_id, func.avg(SatisfactionRating.score))
                .where(SatisfactionRating.report_id.in_(chunk))
                .group_by(SatisfactionRating.report_id)
            )
        }
        for r in reports:
            late = late_days_by_stage(sla_history(events[r.id], calendar, now))
            yield ExportRow(
                code=r.tracking_code,
                type=r.type.value,
                agency=names.get(r.agency_id) if r.agency_id else None,
                status=r.status.value,
                channel=r.channel.value,
                privacy=r.privacy.value,
                created_at=r.created_at,
                verified_at=r.verified_at,
                answered_at=r.answered_at,
                closed_at=r.closed_at,
                verify_due_at=r.verify_due_at,
                response_due_at=r.response_due_at,
                feedback_due_at=r.feedback_due_at,
                verify_late=Stage.VERIFY in late,
                verify_working_days_late=late.get(Stage.VERIFY),
                respond_late=Stage.RESPOND in late,
                respond_working_days_late=late.get(Stage.RESPOND),
                satisfaction_ikm=_ikm(scores.get(r.id)),
            )
        db.expunge_all()  # bounded memory over a long export
