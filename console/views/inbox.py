"""The agency inbox: what this agency must follow up, most urgent first."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import ColumnElement, select, true

from console.deps import SessionDep, require_roles
from console.views.common import NowDep, calendar_of
from console.views.due import due_state
from console.views.templating import render
from reports.enums import Role, Stage, Status
from reports.flags import flags_of
from reports.models import Agency, Report, StaffUser

router = APIRouter()
PAGE_SIZE = 100
AgencyStaffDep = Depends(require_roles(Role.OFFICER, Role.AGENCY_HEAD))
#: The inbox's views: everything, assigned to me, assigned to nobody, past the follow-up deadline.
VIEWS: Final = ("all", "mine", "unassigned", "overdue")


def _narrowed(view: str, staff: StaffUser, now: Any) -> ColumnElement[bool]:
    if view == "mine":
        return Report.assignee_id == staff.id
    if view == "unassigned":
        return Report.assignee_id.is_(None)
    if view == "overdue":
        # Only the agency's own deadline counts: waiting for the citizen is not overdue.
        overdue: ColumnElement[bool] = (Report.status == Status.FORWARDED) & (
            Report.response_due_at < now
        )
        return overdue
    return true()


@router.get("/inbox", response_class=HTMLResponse, include_in_schema=False)
def inbox(
    request: Request,
    db: SessionDep,
    now: NowDep,
    staff: StaffUser = AgencyStaffDep,
    view: Annotated[str, Query(max_length=20)] = "all",
) -> Any:
    chosen = view if view in VIEWS else "all"
    # Always the staff member's own agency: there is no parameter to ask for another one.
    mine = (
        (Report.agency_id == staff.agency_id)
        & _narrowed(chosen, staff, now)
        & Report.duplicate_of_id.is_(None)  # merged: its primary is the one to answer
    )
    to_answer = db.scalars(
        select(Report)
        .where(mine, Report.status == Status.FORWARDED)
        .order_by(Report.response_due_at, Report.id)
        .limit(PAGE_SIZE)
    ).all()
    waiting = db.scalars(
        select(Report)
        .where(mine, Report.status == Status.INFO_REQUESTED, Report.paused_stage == Stage.RESPOND)
        .order_by(Report.paused_at, Report.id)
        .limit(PAGE_SIZE)
    ).all()
    answered = db.scalars(
        select(Report)
        .where(mine, Report.status == Status.ANSWERED)
        .order_by(Report.feedback_due_at, Report.id)
        .limit(PAGE_SIZE)
    ).all()
    calendar = calendar_of(request)
    agency = db.get(Agency, staff.agency_id) if staff.agency_id else None
    names = dict(
        db.execute(
            select(StaffUser.id, StaffUser.full_name).where(StaffUser.agency_id == staff.agency_id)
        ).all()
    )

    marks = flags_of(db, [r.id for r in (*to_answer, *waiting, *answered)])

    def rows(reports: Any) -> list[dict[str, Any]]:
        return [
            {"r": r, "due": due_state(calendar, r, now), "flags": marks.get(r.id, [])}
            for r in reports
        ]

    return render(
        request,
        "inbox.html",
        {
            "agency": agency,
            "sections": [
                ("inbox_to_answer", rows(to_answer)),
                ("inbox_waiting_citizen", rows(waiting)),
                ("inbox_answered", rows(answered)),
            ],
            "page_size": PAGE_SIZE,
            "views": VIEWS,
            "view": chosen,
            "names": names,
        },
        staff=staff,
    )
