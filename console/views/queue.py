"""The verifier's queue: new reports oldest-due first, with the NLU's suggestion one click away."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from console.deps import SessionDep, actor_of, get_runtime, require_roles
from console.views.common import NowDep, calendar_of
from console.views.due import due_state
from console.views.templating import render
from reports import suggestion
from reports.agencies import active_agencies
from reports.enums import Role
from reports.models import Report, StaffUser
from reports.worklists import verification_queue

router = APIRouter()
PAGE_SIZE = 100
VerifierDep = Depends(require_roles(Role.VERIFIER, Role.ADMIN))


def suggestion_of(
    report: Report, agencies_by_code: dict[str, Any], *, threshold: float
) -> dict[str, Any] | None:
    """The NLU's proposal in a form the template can show and the one-click form can post.

    Names, not codes, are what a verifier reads. ``one_click`` is the same rule the accept POST
    checks (``reports.suggestion.one_click_allowed``): below ``threshold`` the verifier opens the
    report and chooses the agency.
    """
    agency = agencies_by_code.get(suggestion.suggested_agency(report) or "")
    if agency is None:
        return None
    rtype = suggestion.suggested_type(report)
    return {
        "agency_code": agency.code,
        "agency_name": agency.name,
        "agency_pct": round(100 * (report.nlu_agency_confidence or 0)),
        "type": rtype.value if rtype else report.type.value,
        "type_pct": round(100 * (report.nlu_type_confidence or 0)) if rtype else None,
        "one_click": suggestion.one_click_allowed(report, threshold=threshold),
    }


@router.get("/queue", response_class=HTMLResponse, include_in_schema=False)
def queue(request: Request, db: SessionDep, now: NowDep, staff: StaffUser = VerifierDep) -> Any:
    queued = verification_queue(db, actor=actor_of(staff), limit=PAGE_SIZE)
    new_reports, new_total, waiting = queued.new, queued.new_total, queued.waiting
    calendar = calendar_of(request)
    agencies = {a.code: a for a in active_agencies(db)}
    threshold = get_runtime(request).settings.nlu_auto_forward_threshold
    rows = [
        {
            "r": r,
            "due": due_state(calendar, r, now),
            "suggestion": suggestion_of(r, agencies, threshold=threshold),
        }
        for r in new_reports
    ]
    return render(
        request,
        "queue.html",
        {
            "rows": rows,
            "new_total": new_total,
            "waiting": [{"r": r, "due": due_state(calendar, r, now)} for r in waiting],
            "page_size": PAGE_SIZE,
            "threshold_pct": round(100 * threshold),
        },
        staff=staff,
    )
