"""The agency inbox: what this agency must follow up, most urgent first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from console.deps import SessionDep, require_roles
from console.views.common import NowDep, calendar_of
from console.views.due import due_state
from console.views.templating import render
from reports.enums import Role
from reports.flags import flags_of
from reports.models import Agency, StaffUser
from reports.staff import agency_staff_names
from reports.worklists import INBOX_VIEWS, agency_inbox

router = APIRouter()
PAGE_SIZE = 100
AgencyStaffDep = Depends(require_roles(Role.OFFICER, Role.AGENCY_HEAD))


@router.get("/inbox", response_class=HTMLResponse, include_in_schema=False)
def inbox(
    request: Request,
    db: SessionDep,
    now: NowDep,
    staff: StaffUser = AgencyStaffDep,
    view: Annotated[str, Query(max_length=20)] = "all",
) -> Any:
    chosen = view if view in INBOX_VIEWS else "all"
    # Always the staff member's own agency: there is no parameter to ask for another one.
    inbox = agency_inbox(
        db, agency_id=staff.agency_id, view=chosen, staff_id=staff.id, now=now, limit=PAGE_SIZE
    )
    to_answer, waiting, answered = inbox.to_answer, inbox.waiting, inbox.answered
    calendar = calendar_of(request)
    agency = db.get(Agency, staff.agency_id) if staff.agency_id else None
    names = agency_staff_names(db, staff.agency_id)

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
            "views": INBOX_VIEWS,
            "view": chosen,
            "names": names,
        },
        staff=staff,
    )
