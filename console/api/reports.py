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
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime
from sqlalchemy import Select
from sqlalchemy.orm import Session

from console.api.present import assignee_names, detail, summary
from console.api.schemas import AgencyView, Order, ReportDetail, ReportPage
from console.deps import MAX_ROW_ID, CurrentStaff, SessionDep, actor_of, get_runtime
from console.problems import Problem, documented
from reports import access, agencies, listing, lookups, tracking
from reports.actor import Actor
from reports.enums import Privacy, ReportType, Status
from reports.lifecycle import DomainError
from reports.models import Report

PROBLEMS = documented(
    401, 422, s401="not signed in (bearer token or session)", s422="invalid parameters"
)
router = APIRouter(tags=["reports"], responses=PROBLEMS)

#: ``?assignee=``: ``me``, ``none`` or a staff id (digits; a larger one than a row id is a 422).
ASSIGNEE_PATTERN = r"^(me|none|[0-9]{1,10})$"


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


def _agency_id(db: Session, code: str) -> int:
    agency_id = agencies.id_for_code(db, code)
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

    def _assignee(self) -> Literal["me", "none"] | int | None:
        """``me``, ``none`` or a staff id, as the inbox's "mine" and "unassigned" views."""
        if self.assignee is None or self.assignee in ("me", "none"):
            return cast(Literal["me", "none"] | None, self.assignee)
        staff_id = int(self.assignee)
        if not 1 <= staff_id <= MAX_ROW_ID:
            raise Problem(422, "bad-assignee", "Invalid assignee", "use me, none or a staff id")
        return staff_id

    def query(self, db: Session, actor: Actor, now: datetime) -> Select[Report]:
        """Reports ``actor`` may see that match; access comes first, so no filter widens it."""
        agency_id = _agency_id(db, self.agency) if self.agency is not None else None
        criteria = listing.ReportCriteria(
            status=self.status,
            type=self.type,
            agency_id=agency_id,
            privacy=self.privacy,
            created_from=self.created_from,
            created_to=self.created_to,
            due_from=self.due_from,
            due_to=self.due_to,
            overdue=self.overdue,
            q=self.q,
            assignee=self._assignee(),
        )
        return criteria.query(db, actor, now)


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
    rows = listing.page_rows(db, query, order, position, limit + 1)
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
        try:
            report = lookups.get_report(db, canonical, for_update=for_update)
        except DomainError:
            report = None
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
        AgencyView(code=a.code, name=a.name, active=a.active) for a in agencies.in_code_order(db)
    ]
