"""What happened to one report, in order: its events, its attachments and its thread.

The officer's page (``console.views.reports``) and the REST API (``console.api.present``) show the
same timeline; reading it here keeps one query (and one order) for both, next to the models.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.models import Attachment, Report, ReportEvent, ReportMessage, StaffUser


def events(db: Session, report: Report) -> list[ReportEvent]:
    """Every event of ``report``, oldest first (``id`` order is insertion order)."""
    return list(
        db.scalars(
            select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
        )
    )


def attachments(db: Session, report: Report) -> list[Attachment]:
    """The files linked to ``report``, in the order they were stored."""
    return list(
        db.scalars(
            select(Attachment).where(Attachment.report_id == report.id).order_by(Attachment.id)
        )
    )


def messages(db: Session, report: Report) -> list[ReportMessage]:
    """The report's thread (citizen, staff and system messages), oldest first."""
    return list(
        db.scalars(
            select(ReportMessage)
            .where(ReportMessage.report_id == report.id)
            .order_by(ReportMessage.id)
        )
    )


def messages_with_authors(db: Session, report: Report) -> list[tuple[ReportMessage, str | None]]:
    """The thread with each staff author's name (None for citizen and system messages)."""
    rows = db.execute(
        select(ReportMessage, StaffUser.full_name)
        .outerjoin(StaffUser, StaffUser.id == ReportMessage.author_staff_id)
        .where(ReportMessage.report_id == report.id)
        .order_by(ReportMessage.id)
    )
    return [(message, name) for message, name in rows]
