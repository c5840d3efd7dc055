"""Re-derive the stored deadlines of open reports after the working-day calendar changed.

Deadlines are stored when a clock starts (architecture.md), so a cuti bersama decreed in June for
late June leaves every window that spans it one day short. ``recompute_open_deadlines`` rebuilds
each running clock from what started it, read from the append-only event log:

- the event that started the running clock (submission, forwarding, re-route, the citizen's
  objection or reopening, return to the verifier, the answer) gives the stage's policy days; a
  resume after a request for information gives the working days that were left, as recorded by
  the ``request_info`` event (at least one, as ``SlaClock.resume`` does);
- every ``extend_deadline`` of that stage since then adds its days (an extension moves the due
  date by working days, so adding them to the count is the same arithmetic).

The deadline is then ``calendar.due(stage_started_at, days)`` with today's calendar. A changed
report gets the new deadline, a fresh ``next_sla_at`` (sweep actions already performed stay
performed) and one ``sla_recompute`` event saying from and to; an unchanged report is not
touched, so a second run changes nothing. Paused reports keep a count of working days, not a date:
they need nothing until they resume, and then the new calendar applies by itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports.enums import OPEN_STATUSES, ActorKind, Stage, Status
from reports.lookups import performed_sla_keys
from reports.models import Report, ReportEvent

RECOMPUTE_ACTION: Final = "sla_recompute"
BATCH: Final = 500
#: Events that start a fresh clock with the stage's full policy days.
FRESH_STARTS: Final = frozenset(
    {
        "submit",
        "verify_forward",
        "reroute",
        "reopen",
        "citizen_respond",
        "return_to_verifier",
        "answer",
    }
)
RESUME: Final = "provide_info"
READ_ACTIONS: Final = FRESH_STARTS | {RESUME, "request_info", "extend_deadline"}
RUNNING: Final = frozenset(OPEN_STATUSES) - {Status.INFO_REQUESTED}


@dataclass(frozen=True, slots=True)
class DeadlineChange:
    """One report whose stored deadline no longer matched the calendar (or could not be read)."""

    report: str
    stage: str
    old_due: str | None
    new_due: str | None
    outcome: str  # "changed", or "skipped" when the log does not say how the clock started

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def working_days_of_clock(
    clock: SlaClock, report: Report, stage: Stage, events: Sequence[ReportEvent]
) -> int | None:
    """How many working days the running clock of ``stage`` has, from the event log.

    ``None`` when the log holds no event that started this clock at ``stage_started_at`` (data
    written by hand or by an older version): such a report is left alone and listed as skipped.
    """
    started = report.stage_started_at
    starts = [e for e in events if e.action in FRESH_STARTS | {RESUME}]
    if started is None or not starts or starts[-1].created_at != started:
        return None
    start = starts[-1]
    if start.action == RESUME:
        asked = [e for e in events if e.action == "request_info" and e.id < start.id]
        if not asked:
            return None
        days = max(int((asked[-1].data or {}).get("days_left") or 0), 1)
    else:
        days = clock.policy.for_type(report.type).stage(stage).days
    for e in events:
        data = e.data or {}
        if e.action == "extend_deadline" and e.id > start.id and data.get("stage") == stage.value:
            days += int(data.get("days") or 0)
    return days


def _open_report_ids(db: Session) -> list[int]:
    return list(
        db.scalars(
            select(Report.id)
            .where(
                Report.status.in_(RUNNING),
                Report.paused_stage.is_(None),
                Report.duplicate_of_id.is_(None),  # a merged report has no deadlines
            )
            .order_by(Report.id)
        )
    )


def recompute_open_deadlines(
    db: Session, *, clock: SlaClock, now: datetime
) -> Iterator[DeadlineChange]:
    """Fix every open report's running deadline; yields each change (the caller commits).

    Reports are read in batches of ids; events of a batch in one query.
    """
    ids = _open_report_ids(db)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        events: dict[int, list[ReportEvent]] = defaultdict(list)
        for event in db.scalars(
            select(ReportEvent)
            .where(ReportEvent.report_id.in_(chunk), ReportEvent.action.in_(READ_ACTIONS))
            .order_by(ReportEvent.id)
        ):
            events[event.report_id].append(event)
        for report in db.scalars(select(Report).where(Report.id.in_(chunk)).order_by(Report.id)):
            change = _recompute_one(db, clock, report, events[report.id], now)
            if change is not None:
                yield change


def _recompute_one(
    db: Session, clock: SlaClock, report: Report, events: list[ReportEvent], now: datetime
) -> DeadlineChange | None:
    stage = report.stage
    if stage is None or report.stage_started_at is None:
        return None
    old = clock.due_of(report, stage)
    days = working_days_of_clock(clock, report, stage, events)
    if days is None:
        return DeadlineChange(
            report.tracking_code, stage.value, old.isoformat() if old else None, None, "skipped"
        )
    new = clock.calendar.due(report.stage_started_at, days)
    if old == new:
        return None
    clock.set_due(report, stage, new)
    clock.refresh(report, performed_sla_keys(db, report))
    report.updated_at = now
    db.add(
        ReportEvent(
            report_id=report.id,
            action=RECOMPUTE_ACTION,
            actor_kind=ActorKind.SYSTEM,
            from_status=report.status,
            to_status=report.status,
            reason="working-day calendar changed",
            data={
                "stage": stage.value,
                "from": old.isoformat() if old else None,
                "to": new.isoformat(),
                "working_days": days,
            },
            created_at=now,
        )
    )
    return DeadlineChange(
        report.tracking_code,
        stage.value,
        old.isoformat() if old else None,
        new.isoformat(),
        "changed",
    )
