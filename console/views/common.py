"""Small helpers shared by the console pages (loading a report the viewer may see, agencies)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from console.deps import actor_of, get_runtime
from escalation.calendar import WorkingCalendar
from reports import access, lookups
from reports.lifecycle import DomainError
from reports.models import Report, StaffUser


def get_now() -> datetime:
    """The instant a request acts at; tests override this dependency to travel in time."""
    return datetime.now(UTC)


NowDep = Annotated[datetime, Depends(get_now)]


def calendar_of(request: Request) -> WorkingCalendar:
    return get_runtime(request).clock.calendar


class ReportNotFound(HTTPException):
    """Unknown code, or a report the viewer may not see: the same answer, so codes cannot be
    probed for existence by agencies they do not belong to."""

    def __init__(self) -> None:
        super().__init__(status_code=404, detail="report not found")


def visible_report(db: Session, staff: StaffUser, code: str, *, for_update: bool = False) -> Report:
    try:
        report = lookups.get_report(db, code, for_update=for_update)
    except DomainError:
        raise ReportNotFound() from None
    if not access.can_view(actor_of(staff), report):
        raise ReportNotFound()
    return report
