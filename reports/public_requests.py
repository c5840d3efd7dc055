"""The reports Open311 lists and shows (``console.open311``), read as plain columns.

A list holds verified, non-confidential reports only, newest first; the caller also checks each
row with :func:`reports.access.publicly_listed` (never rely on one WHERE). One report by its code
is read whatever its state: the caller answers an unverified one without content and a
confidential one with the same 404 as an unknown code.

Why columns and not ORM objects: a 1,000-request answer then costs one index scan, not 1,000
object loads.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.orm import Session

from reports.enums import OPEN_STATUSES, Privacy, ReportType
from reports.models import Report

#: The columns a public document is made of: reading only these (no ORM objects) keeps a
#: 1,000-request answer cheap.
PUBLIC_COLUMNS: Final = (
    Report.tracking_code,
    Report.status,
    Report.type,
    Report.privacy,
    Report.verified_at,
    Report.agency_id,
    Report.body,
    Report.location_text,
    Report.latitude,
    Report.longitude,
    Report.created_at,
    Report.updated_at,
    Report.verify_due_at,
    Report.response_due_at,
    Report.feedback_due_at,
)


def listed(
    db: Session,
    *,
    codes: Collection[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    services: Sequence[tuple[int, ReportType]] = (),
    open_: bool | None = None,
    offset: int,
    limit: int,
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Verified, non-confidential reports, newest first, one page of them.

    ``codes`` (tracking codes, already normalised) selects those reports and nothing else
    applies; otherwise reports created in ``[since, until)``, of the ``(agency id, type)``
    ``services`` when given, open (``open_=True``) or closed (``False``) or both (``None``).
    """
    query = select(*PUBLIC_COLUMNS).where(
        Report.privacy != Privacy.CONFIDENTIAL, Report.verified_at.is_not(None)
    )
    if codes is not None:
        query = query.where(Report.tracking_code.in_(codes or {""}))
    else:
        if since is not None:
            query = query.where(Report.created_at >= since)
        if until is not None:
            query = query.where(Report.created_at < until)
        if services:
            query = query.where(
                or_(*(and_(Report.agency_id == a, Report.type == t) for a, t in services))
            )
        if open_ is True:
            query = query.where(Report.status.in_(OPEN_STATUSES))
        elif open_ is False:
            query = query.where(Report.status.not_in(OPEN_STATUSES))
    # Newest first by primary key: an index scan that stops at the limit, even over millions.
    return db.execute(query.order_by(Report.id.desc()).offset(offset).limit(limit)).all()


def by_code(db: Session, code: str) -> Row[*tuple[Any, ...]] | None:
    """The public columns of the report with this (normalised) tracking code, in any state."""
    return db.execute(select(*PUBLIC_COLUMNS).where(Report.tracking_code == code)).first()
