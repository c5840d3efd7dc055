"""The verifier's queue: new reports oldest-due first, with the NLU's suggestion one click away."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from console.deps import SessionDep, actor_of, get_runtime, require_roles
from console.views.common import NowDep, active_agencies, calendar_of
from console.views.due import due_state
from console.views.templating import render
from reports import access, suggestion
from reports.enums import Role, Stage, Status
from reports.models import Report, StaffUser

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
    # A report merged into another waits for nothing: its primary is the one to handle.
    visible = access.visible_filter(actor_of(staff)) & Report.duplicate_of_id.is_(None)
    new_reports = db.scalars(
        select(Report)
        .where(Report.status == Status.SUBMITTED, visible)
        .order_by(Report.verify_due_at, Report.id)
        .limit(PAGE_SIZE)
    ).all()
    new_total = db.scalar(select(func.count()).where(Report.status == Status.SUBMITTED, visible))
    waiting = db.scalars(
        select(Report)
        .where(Report.status == Status.INFO_REQUESTED, Report.paused_stage == Stage.VERIFY, visible)
        .order_by(Report.paused_at, Report.id)
        .limit(PAGE_SIZE)
    ).all()
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
            "new_total": new_total or 0,
            "waiting": [{"r": r, "due": due_state(calendar, r, now)} for r in waiting],
            "page_size": PAGE_SIZE,
            "threshold_pct": round(100 * threshold),
        },
        staff=staff,
    )
