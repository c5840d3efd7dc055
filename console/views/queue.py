"""The verifier's queue: new reports oldest-due first, with the NLU's suggestion one click away."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from console.deps import SessionDep, actor_of, require_roles
from console.views.common import NowDep, active_agencies, calendar_of
from console.views.due import due_state
from console.views.templating import render
from reports import access
from reports.enums import ReportType, Role, Stage, Status
from reports.models import Report, StaffUser

router = APIRouter()
PAGE_SIZE = 100
VerifierDep = Depends(require_roles(Role.VERIFIER, Role.ADMIN))


def suggestion_of(report: Report, agencies_by_code: dict[str, Any]) -> dict[str, Any] | None:
    """The NLU's proposal in a form the template can show and the one-click form can post."""
    agency = agencies_by_code.get(report.nlu_agency_code or "")
    if agency is None or agency.code == "lainnya":
        return None
    valid_type = report.nlu_type in {t.value for t in ReportType}
    return {
        "agency_code": agency.code,
        "agency_name": agency.name,
        "agency_pct": round(100 * (report.nlu_agency_confidence or 0)),
        "type": report.nlu_type if valid_type else report.type.value,
        "type_pct": round(100 * (report.nlu_type_confidence or 0)) if valid_type else None,
    }


@router.get("/queue", response_class=HTMLResponse, include_in_schema=False)
def queue(request: Request, db: SessionDep, now: NowDep, staff: StaffUser = VerifierDep) -> Any:
    visible = access.visible_filter(actor_of(staff))
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
    rows = [
        {"r": r, "due": due_state(calendar, r, now), "suggestion": suggestion_of(r, agencies)}
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
        },
        staff=staff,
    )
