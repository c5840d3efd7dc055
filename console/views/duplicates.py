"""The verifier's page about one problem reported many times (issue 15): the possible duplicates
found at submission, the group a report belongs to, and the merge and unmerge forms.

Kept apart from ``console.views.reports`` (which adds :func:`context` to the report page) so the
report page's module does not grow with every feature; the use cases are ``reports.merging``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from console.deps import CsrfProtected, SessionDep, actor_of, get_runtime, require_roles
from console.views.common import NowDep, ReportNotFound, visible_report
from console.views.report_actions import explain
from console.views.templating import flash, render
from reports import access, duplicates, groups, merging
from reports.enums import AGENCY_ROLES, OPEN_STATUSES, Role
from reports.lifecycle import DomainError, NotPermitted
from reports.models import Report, StaffUser

router = APIRouter()
MergingStaff = Depends(require_roles(Role.ADMIN, Role.VERIFIER, Role.OFFICER, Role.AGENCY_HEAD))


def _may_merge(staff: StaffUser, report: Report) -> bool:
    """Whether ``staff`` may merge or unmerge ``report``: a verifier or admin any report, an
    agency's staff their own agency's (``reports.merging`` checks it again)."""
    return staff.role in merging.MERGE_ROLES and (
        staff.role not in AGENCY_ROLES or report.agency_id == staff.agency_id
    )


def context(db: Session, staff: StaffUser, report: Report) -> dict[str, Any]:
    """What the report page shows of the report's group, and whether the forms are offered."""
    actor = actor_of(staff)
    may_act = _may_merge(staff, report)
    return {
        "possible_duplicates": [
            r for r in duplicates.current(db, report) if access.can_view(actor, r)
        ],
        # Reported again later: each may be merged into this report by whoever may merge it.
        "later_duplicates": [
            (r, _may_merge(staff, r) and report.duplicate_of_id is None)
            for r in duplicates.later(db, report)
            if access.can_view(actor, r)
        ],
        "duplicate_of": report.duplicate_of,
        "merged_reports": [r for r in groups.secondaries(db, report) if access.can_view(actor, r)],
        "reporters": groups.reporter_count(db, report),
        "can_merge": may_act and report.duplicate_of_id is None and report.status in OPEN_STATUSES,
        "can_unmerge": may_act and report.duplicate_of_id is not None,
    }


def _refused(
    request: Request, db: Session, staff: StaffUser, code: str, now: Any, exc: DomainError
) -> Response:
    from console.views.reports import _page_context

    db.expire_all()
    report = visible_report(db, staff, code)
    page = _page_context(db, request, staff, report, now)
    page["error_key"], page["error_values"] = explain(exc)
    status = 403 if isinstance(exc, NotPermitted) else 422
    return render(request, "report.html", page, staff=staff, status_code=status)


@router.post("/reports/{code}/merge", include_in_schema=False, dependencies=[CsrfProtected])
def merge_report(
    request: Request,
    code: str,
    db: SessionDep,
    now: NowDep,
    staff: StaffUser = MergingStaff,
    into: Annotated[str, Form(max_length=40)] = "",
    text: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Mark this report a duplicate of ``into`` (a tracking code)."""
    report = visible_report(db, staff, code, for_update=True)
    try:
        primary = visible_report(db, staff, into, for_update=True)
    except ReportNotFound:
        return _refused(
            request, db, staff, code, now, DomainError("unknown_report", code=into[:40])
        )
    try:
        with db.begin_nested():
            merging.merge(
                db, clock=get_runtime(request).clock, report=report, into=primary,
                actor=actor_of(staff), now=now, reason=text,
            )  # fmt: skip
    except DomainError as exc:
        return _refused(request, db, staff, code, now, exc)
    flash(request, "done_merge", code=report.tracking_code, primary=primary.tracking_code)
    return RedirectResponse(f"/console/reports/{report.tracking_code}", status_code=303)


@router.post("/reports/{code}/unmerge", include_in_schema=False, dependencies=[CsrfProtected])
def unmerge_report(
    request: Request,
    code: str,
    db: SessionDep,
    now: NowDep,
    staff: StaffUser = MergingStaff,
    text: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Take this report out of its group again (the reason is kept in the audit log)."""
    report = visible_report(db, staff, code, for_update=True)
    try:
        with db.begin_nested():
            merging.unmerge(
                db, clock=get_runtime(request).clock, report=report, actor=actor_of(staff),
                reason=text, now=now,
            )  # fmt: skip
    except DomainError as exc:
        return _refused(request, db, staff, code, now, exc)
    flash(request, "done_unmerge", code=report.tracking_code)
    return RedirectResponse(f"/console/reports/{report.tracking_code}", status_code=303)
