"""What a citizen's conversation reads of the domain: their own reports, files and rating debts.

Every read here is scoped to one citizen (``citizen_id``), so a tracking code that belongs to
someone else finds exactly what a code that does not exist finds: nothing about other people's
reports can be learned by guessing codes. The bot's flows call these instead of building queries
themselves, so what "waiting for the citizen" or "may still be reopened" means is decided once,
beside the models and the lifecycle it depends on. Each function is one query, as before.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports import satisfaction
from reports.enums import Status
from reports.models import Agency, Attachment, Report, SatisfactionRating

#: The close reason of a report the citizen accepted: only those may be reopened by them.
CITIZEN_SATISFIED = "citizen satisfied"


def own_report(db: Session, citizen_id: int, code: str) -> Report | None:
    """The citizen's report with this (canonical) tracking code; None for anyone else's."""
    return db.scalar(
        select(Report).where(Report.tracking_code == code, Report.citizen_id == citizen_id)
    )


def rateable_report(db: Session, citizen_id: int, code: str) -> Report | None:
    """The report with this code if the citizen may rate it (``satisfaction.rateable_by``)."""
    return db.scalar(
        select(Report).where(Report.tracking_code == code, satisfaction.rateable_by(citizen_id))
    )


def count_reports(db: Session, citizen_id: int) -> int:
    return int(db.scalar(select(func.count(Report.id)).where(Report.citizen_id == citizen_id)) or 0)


def latest_reports(db: Session, citizen_id: int, limit: int) -> list[Report]:
    """The citizen's newest reports first."""
    return list(
        db.scalars(
            select(Report)
            .where(Report.citizen_id == citizen_id)
            .order_by(Report.created_at.desc(), Report.id.desc())
            .limit(limit)
        )
    )


def reports_since(db: Session, citizen_id: int, since: datetime) -> int:
    """How many reports the citizen filed after ``since`` (the daily limit)."""
    return int(
        db.scalar(
            select(func.count(Report.id)).where(
                Report.citizen_id == citizen_id, Report.created_at > since
            )
        )
        or 0
    )


def in_status(db: Session, citizen_id: int, statuses: Iterable[Status]) -> list[Report]:
    """The citizen's reports in one of ``statuses``, the most recently changed first."""
    return list(
        db.scalars(
            select(Report)
            .where(Report.citizen_id == citizen_id, Report.status.in_(list(statuses)))
            .order_by(Report.updated_at.desc(), Report.id.desc())
        )
    )


def reopenable(db: Session, citizen_id: int, now: datetime) -> list[Report]:
    """Reports the citizen accepted while their window to object is still open."""
    return list(
        db.scalars(
            select(Report).where(
                Report.citizen_id == citizen_id,
                Report.status == Status.FINISHED,
                Report.close_reason == CITIZEN_SATISFIED,
                Report.feedback_due_at >= now,
            )
        )
    )


def latest_unrated(db: Session, citizen_id: int, closed_since: datetime) -> Report | None:
    """The most recently finished report the citizen may rate (their own, or the primary of a
    group they joined) and has not rated since it last closed, finished after ``closed_since``.

    "Since it last closed": a report reopened and finished again is rated again (the new scores
    replace the old, ``satisfaction.record_rating``), as the second request asks."""
    rated_since_closed = (
        select(SatisfactionRating.id)
        .where(
            SatisfactionRating.report_id == Report.id,
            SatisfactionRating.citizen_id == citizen_id,
            SatisfactionRating.created_at >= Report.closed_at,
        )
        .exists()
    )
    return db.scalar(
        select(Report)
        .where(
            satisfaction.rateable_by(citizen_id),
            Report.status == Status.FINISHED,
            Report.closed_at >= closed_since,
            ~rated_since_closed,
        )
        .order_by(Report.closed_at.desc(), Report.id.desc())
        .limit(1)
    )


def owned_attachments(db: Session, citizen_id: int, ids: Collection[int]) -> set[int]:
    """Which of ``ids`` are files stored for this citizen (a replayed or guessed id is not)."""
    return set(
        db.scalars(
            select(Attachment.id).where(
                Attachment.id.in_(list(ids)), Attachment.citizen_id == citizen_id
            )
        )
    )


def agency_with_code(db: Session, code: str) -> Agency | None:
    return db.scalar(select(Agency).where(Agency.code == code))


def agency_name(db: Session, agency_id: int | None) -> str:
    """The name shown for a report's agency; "-" while it has none."""
    agency = db.get(Agency, agency_id) if agency_id else None
    return agency.name if agency else "-"
