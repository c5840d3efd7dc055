"""What the public status page (``/t/{code}``) reads: the report a code names and its history.

Bounded reads, whatever the report's history: one lookup on the unique ``tracking_code`` index,
then four reads by the indexed report id (events, forwards, the latest answer, photo ids). What
of it a stranger may see is decided by the page (``console.public``) with
:func:`reports.access.content_public`; the photos read here are already only the kinds a
public page may show (:data:`PUBLIC_IMAGE_TYPES`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.enums import MessageKind
from reports.models import (
    Agency,
    AgencyAssignment,
    Attachment,
    Report,
    ReportEvent,
    ReportMessage,
)

#: Photos the page shows inline; PDFs and videos stay with the staff (they often carry names,
#: ID cards and letterheads that a verifier screens less carefully than a street photo).
PUBLIC_IMAGE_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/webp"})


def report_by_code(db: Session, code: str) -> Report | None:
    """The report with this (normalised) tracking code, in any state."""
    return db.scalar(select(Report).where(Report.tracking_code == code))


@dataclass(frozen=True, slots=True)
class History:
    """What the page reads besides the report itself, loaded by :func:`load_history`."""

    events: list[ReportEvent] = field(default_factory=list)
    #: (assigned_at, agency name) in order
    forwards: list[tuple[datetime, str]] = field(default_factory=list)
    answer: str | None = None
    photo_ids: list[int] = field(default_factory=list)


def load_history(db: Session, report: Report) -> History:
    """Four indexed reads by report id, however long the history: the cost stays bounded."""
    events = list(
        db.scalars(
            select(ReportEvent)
            .where(ReportEvent.report_id == report.id)
            .order_by(ReportEvent.created_at, ReportEvent.id)
        )
    )
    forwards = [
        (at, name)
        for at, name in db.execute(
            select(AgencyAssignment.assigned_at, Agency.name)
            .join(Agency, Agency.id == AgencyAssignment.agency_id)
            .where(AgencyAssignment.report_id == report.id)
            .order_by(AgencyAssignment.assigned_at, AgencyAssignment.id)
        )
    ]
    answer = db.scalar(
        select(ReportMessage.body)
        .where(ReportMessage.report_id == report.id, ReportMessage.kind == MessageKind.ANSWER)
        .order_by(ReportMessage.created_at.desc(), ReportMessage.id.desc())
        .limit(1)
    )
    photo_ids = list(
        db.scalars(
            select(Attachment.id)
            .where(
                Attachment.report_id == report.id,
                Attachment.content_type.in_(sorted(PUBLIC_IMAGE_TYPES)),
            )
            .order_by(Attachment.id)
        )
    )
    return History(events=events, forwards=forwards, answer=answer, photo_ids=photo_ids)
