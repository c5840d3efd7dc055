"""The managers' daily digest, sent on working days only."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import notify
from reports.enums import OPEN_STATUSES, Role
from reports.models import Report


def digest_numbers(db: Session, clock: SlaClock, now: datetime) -> dict[str, int]:
    today = clock.calendar.local_date(now)
    end_of_today = clock.calendar.end_of_day(today)
    start_of_today = end_of_today - timedelta(days=1)
    due = func.coalesce(Report.response_due_at, Report.verify_due_at)
    open_q = select(func.count()).select_from(Report).where(Report.status.in_(OPEN_STATUSES))
    return {
        "open_count": db.scalar(open_q) or 0,
        "due_today": db.scalar(
            open_q.where(Report.next_sla_at.is_not(None), due > start_of_today, due <= end_of_today)
        )
        or 0,
        "overdue": db.scalar(open_q.where(Report.escalation_level > 0)) or 0,
        "escalated": db.scalar(open_q.where(Report.escalation_level > 1)) or 0,
    }


def queue_digest(db: Session, clock: SlaClock, now: datetime) -> int:
    """Queue today's digest to every manager; keyed by date so two schedulers send it once."""
    today = clock.calendar.local_date(now)
    if not clock.calendar.is_working_day(today):
        return 0
    values: dict[str, object] = {"date": today.isoformat(), **digest_numbers(db, clock, now)}
    rows = notify.notify_staff(
        db,
        staff=notify.staff_with_role(db, Role.MANAGER),
        report=None,
        template="staff_digest",
        key=f"digest:{today.isoformat()}",
        tz=clock.calendar.tz,
        now=now,
        values=values,
        clock=clock,
    )
    return len(rows)
