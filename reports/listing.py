"""Lists of reports for staff: what a viewer may see, filtered, in pages.

Every query starts from :func:`reports.access.visible_filter`, so an officer's list, filters and
cursors can only ever range over their own agency's reports; no criterion widens it. The console
page (``console.views.reports``) shows the newest; the REST API (``console.api.reports``) and its
export filter by :class:`ReportCriteria` and page by keyset (:func:`page_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from reports import access, search
from reports.actor import Actor
from reports.enums import Privacy, ReportType, Status
from reports.models import Report
from reports.types import UTCDateTime

#: The deadline of the stage that is running (null when paused or closed), as SQL.
current_due = type_coerce(
    case(
        (Report.status == Status.SUBMITTED, Report.verify_due_at),
        (Report.status == Status.FORWARDED, Report.response_due_at),
        (Report.status == Status.ANSWERED, Report.feedback_due_at),
        else_=None,
    ),
    UTCDateTime(),
)
#: Statuses whose stage has a deadline: the only rows ``current_due`` can be non-null for.
DUE_STATUSES = (Status.SUBMITTED, Status.FORWARDED, Status.ANSWERED)
HAS_DUE = and_(Report.status.in_(DUE_STATUSES), current_due.is_not(None))


def newest_visible(
    db: Session,
    *,
    actor: Actor,
    q: str,
    status: Status | None,
    tracking_code: str | None,
    limit: int,
) -> Sequence[Report]:
    """The newest reports ``actor`` may see with the words ``q``, the status and the code."""
    query = select(Report).where(access.visible_filter(actor))
    found = search.search_filter(q, db.get_bind().dialect.name)
    if found is not None:
        query = query.where(found)
    if status is not None:
        query = query.where(Report.status == status)
    if tracking_code is not None:
        query = query.where(Report.tracking_code == tracking_code)
    return db.scalars(query.order_by(Report.created_at.desc(), Report.id.desc()).limit(limit)).all()


def overdue(now: datetime) -> ColumnElement[bool]:
    """A verification or agency follow-up deadline passed (the citizen's window is no breach)."""
    return or_(
        and_(Report.status == Status.SUBMITTED, Report.verify_due_at < now),
        and_(Report.status == Status.FORWARDED, Report.response_due_at < now),
    )


@dataclass(frozen=True, slots=True)
class ReportCriteria:
    """What the REST API's list and export filter on (``None``: no condition).

    ``assignee`` is ``"me"`` (the viewer), ``"none"`` (unassigned) or a staff id.
    """

    status: list[Status] | None = None
    type: ReportType | None = None
    agency_id: int | None = None
    privacy: Privacy | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None
    overdue: bool | None = None
    q: str | None = None
    assignee: Literal["me", "none"] | int | None = None

    def _assignee_filter(self, actor: Actor) -> ColumnElement[bool] | None:
        if self.assignee is None:
            return None
        if self.assignee == "me":
            return Report.assignee_id == actor.id if actor.id is not None else false()
        if self.assignee == "none":
            return Report.assignee_id.is_(None)
        return Report.assignee_id == self.assignee

    def query(self, db: Session, actor: Actor, now: datetime) -> Select[Report]:
        """Reports ``actor`` may see that match; access comes first, so no filter widens it."""
        query = select(Report).where(access.visible_filter(actor))
        found = search.search_filter(self.q or "", db.get_bind().dialect.name)
        if found is not None:
            query = query.where(found)
        if self.status:
            query = query.where(Report.status.in_(self.status))
        if self.type is not None:
            query = query.where(Report.type == self.type)
        if self.agency_id is not None:
            query = query.where(Report.agency_id == self.agency_id)
        if self.privacy is not None:
            query = query.where(Report.privacy == self.privacy)
        if self.created_from is not None:
            query = query.where(Report.created_at >= self.created_from)
        if self.created_to is not None:
            query = query.where(Report.created_at < self.created_to)
        if self.due_from is not None:
            query = query.where(current_due >= self.due_from)
        if self.due_to is not None:
            query = query.where(current_due < self.due_to)
        if self.overdue is not None:
            query = query.where(overdue(now) if self.overdue else ~overdue(now))
        holder = self._assignee_filter(actor)
        if holder is not None:
            query = query.where(holder)
        return query


def count(db: Session, query: Select[Report]) -> int:
    """How many reports ``query`` selects (one COUNT, without its ordering)."""
    return db.scalar(query.with_only_columns(func.count()).order_by(None)) or 0


def page_rows(
    db: Session,
    query: Select[Report],
    order: str,
    cursor: dict[str, Any] | None,
    n: int,
) -> list[Report]:
    """Up to ``n`` rows after ``cursor``: newest first, or by deadline (nulls last) then id.

    The deadline order runs in two phases so neither sorts the whole table: the reports with a
    deadline (open ones, a few percent of a big table, found through the status indexes) sorted
    by it, then the rest in id order (a primary-key range scan that stops at the limit).
    """
    if order == "newest":
        if cursor is not None:
            query = query.where(Report.id < cursor["id"])
        return list(db.scalars(query.order_by(Report.id.desc()).limit(n)))
    rows: list[Report] = []
    if cursor is None or cursor.get("due") is not None:
        first = query.where(HAS_DUE)
        if cursor is not None:
            due, last_id = cursor["due"], cursor["id"]
            first = first.where(
                or_(current_due > due, and_(current_due == due, Report.id > last_id))
            )
        rows = list(db.scalars(first.order_by(current_due.asc(), Report.id.asc()).limit(n)))
    if len(rows) < n:
        rest = query.where(~HAS_DUE)
        if cursor is not None and cursor.get("due") is None:
            rest = rest.where(Report.id > cursor["id"])
        rows += db.scalars(rest.order_by(Report.id.asc()).limit(n - len(rows)))
    return rows
