"""``GET /api/v1/reports`` (filtered, keyset-paginated) and ``GET /api/v1/reports/{code}``.

Every query starts from :func:`reports.access.visible_filter`, so an officer's list, filters and
cursors can only ever range over their own agency's reports. A report the caller may not see is
a 404, exactly like one that does not exist.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime
from sqlalchemy import ColumnElement, Select, and_, case, false, or_, select, type_coerce
from sqlalchemy.orm import Session

from console.api.present import assignee_names, detail, summary
from console.api.schemas import AgencyView, Order, ReportDetail, ReportPage
from console.deps import MAX_ROW_ID, CurrentStaff, SessionDep, actor_of, get_runtime
from console.problems import Problem, documented
from reports import access, agencies, search, tracking
from reports.case_steps import Actor
from reports.enums import Privacy, ReportType, Status
from reports.models import Agency, Report
from reports.types import UTCDateTime

PROBLEMS = documented(
    401, 422, s401="not signed in (bearer token or session)", s422="invalid parameters"
)
router = APIRouter(tags=["reports"], responses=PROBLEMS)

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


#: ``?assignee=``: ``me``, ``none`` or a staff id (digits; a larger one than a row id is a 422).
ASSIGNEE_PATTERN = r"^(me|none|[0-9]{1,10})$"


def _overdue(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(Report.status == Status.SUBMITTED, Report.verify_due_at < now),
        and_(Report.status == Status.FORWARDED, Report.response_due_at < now),
    )


def _encode(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode(cursor: str, order: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        if not isinstance(payload, dict) or payload.get("o") != order:
            raise ValueError("cursor of another ordering")
        if not isinstance(payload.get("id"), int):
            raise ValueError("no id")
        due = payload.get("due")
        if due is not None:
            payload["due"] = datetime.fromisoformat(due)
            if payload["due"].tzinfo is None:
                raise ValueError("naive")
        return payload
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise Problem(
            422, "bad-cursor", "Invalid cursor", "use the next_cursor of the previous page"
        ) from None


#: Statuses whose stage has a deadline: the only rows ``current_due`` can be non-null for.
DUE_STATUSES = (Status.SUBMITTED, Status.FORWARDED, Status.ANSWERED)
HAS_DUE = and_(Report.status.in_(DUE_STATUSES), current_due.is_not(None))


def _page_rows(
    db: Session, query: Select[Report], order: str, cursor: dict[str, Any] | None, n: int
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


def _agency_id(db: Session, code: str) -> int:
    agency_id = db.scalar(select(Agency.id).where(Agency.code == code))
    if agency_id is None:
        raise Problem(422, "unknown-agency", "Unknown agency", f"no agency with code {code!r}")
    return agency_id


@dataclass(frozen=True, slots=True)
class ReportFilters:
    """The list's filters, shared by ``GET /reports`` and ``GET /reports/export`` so an export
    holds exactly the reports the same query lists."""

    status: list[Status] | None
    type: ReportType | None
    agency: str | None
    privacy: Privacy | None
    created_from: datetime | None
    created_to: datetime | None
    due_from: datetime | None
    due_to: datetime | None
    overdue: bool | None
    q: str | None = None
    assignee: str | None = None

    def _assignee_filter(self, actor: Actor) -> ColumnElement[bool] | None:
        """``me``, ``none`` or a staff id, as the inbox's "mine" and "unassigned" views."""
        if self.assignee is None:
            return None
        if self.assignee == "me":
            return Report.assignee_id == actor.id if actor.id is not None else false()
        if self.assignee == "none":
            return Report.assignee_id.is_(None)
        staff_id = int(self.assignee)
        if not 1 <= staff_id <= MAX_ROW_ID:
            raise Problem(422, "bad-assignee", "Invalid assignee", "use me, none or a staff id")
        return Report.assignee_id == staff_id

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
        if self.agency is not None:
            query = query.where(Report.agency_id == _agency_id(db, self.agency))
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
            query = query.where(_overdue(now) if self.overdue else ~_overdue(now))
        holder = self._assignee_filter(actor)
        if holder is not None:
            query = query.where(holder)
        return query


def report_filters(
    status: Annotated[list[Status] | None, Query(description="repeatable")] = None,
    type: Annotated[ReportType | None, Query()] = None,
    agency: Annotated[str | None, Query(max_length=40, description="agency code")] = None,
    privacy: Annotated[Privacy | None, Query()] = None,
    created_from: Annotated[AwareDatetime | None, Query()] = None,
    created_to: Annotated[AwareDatetime | None, Query(description="exclusive")] = None,
    due_from: Annotated[AwareDatetime | None, Query(description="running stage's deadline")] = None,
    due_to: Annotated[AwareDatetime | None, Query(description="exclusive")] = None,
    overdue: Annotated[bool | None, Query(description="verification/follow-up late")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="full-text search: every word in the title, body or location "
            "(as a word prefix on PostgreSQL), or part of the tracking code",
        ),
    ] = None,
    assignee: Annotated[
        str | None,
        Query(
            pattern=ASSIGNEE_PATTERN,
            description="me (assigned to the caller), none (unassigned) or a staff id",
            examples=["me"],
        ),
    ] = None,
) -> ReportFilters:
    return ReportFilters(
        status, type, agency, privacy, created_from, created_to, due_from, due_to, overdue, q,
        assignee,
    )  # fmt: skip


FiltersDep = Annotated[ReportFilters, Depends(report_filters)]


@router.get("/reports", response_model=ReportPage, summary="List reports")
def list_reports(
    db: SessionDep,
    staff: CurrentStaff,
    filters: FiltersDep,
    order: Annotated[Order, Query(description="newest first, or most urgent deadline")] = "newest",
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> ReportPage:
    """Reports the caller may see, newest first (or by deadline), ``limit`` per page.

    Officers and agency heads see their agency's reports only; the others see all. Pages are
    keyset-based: follow ``next_cursor`` until it is null.
    """
    actor = actor_of(staff)
    now = datetime.now(UTC)
    query = filters.query(db, actor, now)
    position = _decode(cursor, order) if cursor else None
    rows = _page_rows(db, query, order, position, limit + 1)
    page, more = rows[:limit], len(rows) > limit
    next_cursor = None
    if more:
        last = page[-1]
        payload: dict[str, Any] = {"o": order, "id": last.id}
        if order == "due":
            due = last.current_due_at
            payload["due"] = due.isoformat() if due else None
        next_cursor = _encode(payload)
    codes = agencies.codes_by_id(db)
    names = assignee_names(db, page)
    return ReportPage(
        items=[summary(r, codes, now, names) for r in page], next_cursor=next_cursor, limit=limit
    )


def visible_report(db: Session, actor: Actor, code: str, *, for_update: bool = False) -> Report:
    """The report ``code`` if ``actor`` may see it; 404 otherwise (no existence oracle)."""
    canonical = tracking.normalize(code) if len(code) <= 40 else None
    report = None
    if canonical is not None:
        query = select(Report).where(Report.tracking_code == canonical)
        if for_update:
            query = query.with_for_update()
        report = db.scalar(query)
    if report is None or not access.can_view(actor, report):
        raise Problem(404, "not-found", "Not found", "no report with this code is visible to you")
    return report


@router.get(
    "/reports/{code}",
    response_model=ReportDetail,
    summary="One report with its events and thread",
    responses=documented(404, s404="unknown, or not visible to you"),
)
def get_report(code: str, request: Request, db: SessionDep, staff: CurrentStaff) -> ReportDetail:
    """The report, its deadlines, event log, message thread and attachments.

    ``reporter`` is only filled in for callers allowed to see who reported (verifiers, admins,
    and the agency for public reports): never for anonymous or confidential ones.
    """
    actor = actor_of(staff)
    calendar = get_runtime(request).clock.calendar
    return detail(db, visible_report(db, actor, code), actor, datetime.now(UTC), calendar)


@router.get("/agencies", response_model=list[AgencyView], summary="Agencies (for forwarding)")
def list_agencies(db: SessionDep, staff: CurrentStaff) -> list[AgencyView]:
    """Codes to use in ``verify-forward`` and ``reroute``."""
    return [
        AgencyView(code=a.code, name=a.name, active=a.active)
        for a in db.scalars(select(Agency).order_by(Agency.code))
    ]
