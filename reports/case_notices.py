"""What a transition tells whom: the values every notice renders and the queueing of one
transition's notices, keyed by its event. ``reports.case_steps`` calls :func:`announce` after it
has logged the event; ``reports.notify`` renders and writes the outbox rows, and
``reports.groups`` passes the reporter's notices on to the citizens of a merged group.

Apart from the steps because it is the one place where a use case's outcome becomes messages:
the keys that make a re-run notify nobody twice and the values the citizen and the officers both
read are decided here once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import groups, notify
from reports.models import Agency, Report, ReportEvent, StaffUser


def agency_name(db: Session, report: Report) -> str:
    agency = db.get(Agency, report.agency_id) if report.agency_id else None
    return agency.name if agency else "-"


def notice_values(db: Session, report: Report, **extra: Any) -> dict[str, Any]:
    return {
        "code": report.tracking_code,
        "title": report.title,
        "agency": agency_name(db, report),
        "verify_due": report.verify_due_at,
        "response_due": report.response_due_at,
        "feedback_due": report.feedback_due_at,
        **extra,
    }


@dataclass(frozen=True, slots=True)
class Notice:
    """One message a transition sends: to the reporter, or to ``staff`` when given."""

    template: str
    staff: Sequence[StaffUser] | None = None
    payload: dict[str, Any] | None = None
    key_suffix: str = ""


def announce(
    db: Session,
    clock: SlaClock,
    report: Report,
    event: ReportEvent,
    now: datetime,
    *notices: Notice,
    **values: Any,
) -> None:
    """Queue every notice of one transition, keyed by its event.

    The key makes a transition re-run after a crash notify nobody twice, and rendering the values
    once means the citizen and the officers read the same code, agency and due dates.
    """
    rendered = notice_values(db, report, **values)
    tz = clock.calendar.tz
    for notice in notices:
        key = f"event:{event.id}{notice.key_suffix}"
        if notice.staff is None:
            url = clock.tracking_url(report.tracking_code)
            notify.notify_citizen(
                db,
                report=report,
                template=notice.template,
                key=key,
                tz=tz,
                now=now,
                values=rendered,
                payload=notice.payload,
                tracking_url=url,
            )
            # The citizens of a merged group hear what the reporter hears (``reports.groups``).
            groups.tell_group(
                db,
                report,
                notice.template,
                key,
                tz=tz,
                now=now,
                values=rendered,
                tracking_url=url,
                payload=notice.payload,
            )
        else:
            notify.notify_staff(
                db,
                staff=notice.staff,
                report=report,
                template=notice.template,
                key=key,
                tz=tz,
                now=now,
                values=rendered,
                clock=clock,
            )
