"""Report pages: the list (what the viewer may see), one report with its timeline, thread,
attachments and actions, and attachment downloads. Every lookup goes through ``reports.access``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from console.deps import (
    CsrfProtected,
    CurrentStaff,
    RowId,
    SessionDep,
    actor_of,
    get_runtime,
    require_roles,
)
from console.views import duplicates
from console.views.canned import compose, for_report
from console.views.common import (
    NowDep,
    ReportNotFound,
    calendar_of,
    visible_report,
)
from console.views.due import due_state
from console.views.queue import suggestion_of
from console.views.report_actions import ActionForm, available_actions, explain, perform
from console.views.templating import SECURITY_HEADERS, flash, render
from escalation.history import sla_history
from reports import access, assignment, listing, suggestion, timeline, tracking
from reports.agencies import active_agencies
from reports.attachments import open_path
from reports.enums import ActorKind, Privacy, ReportType, Role, Status
from reports.flags import flags_of
from reports.lifecycle import DomainError, IllegalTransition, NotPermitted
from reports.models import (
    Attachment,
    Report,
    StaffUser,
)
from reports.reporters import citizen_identities
from reports.staff import staff_names

router = APIRouter()
LIST_SIZE = 100
ActingStaff = Depends(require_roles(Role.ADMIN, Role.VERIFIER, Role.OFFICER, Role.AGENCY_HEAD))


@router.get("/reports", response_class=HTMLResponse, include_in_schema=False)
def report_list(
    request: Request,
    db: SessionDep,
    staff: CurrentStaff,
    now: NowDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    code: Annotated[str | None, Query(max_length=40, description="tracking code")] = None,
    q: Annotated[str | None, Query(max_length=200, description="words or a tracking code")] = None,
) -> Any:
    chosen = status if status in {s.value for s in Status} else None
    canonical = (tracking.normalize(code) or code.strip().upper()[:20]) if code else None
    reports = listing.newest_visible(
        db,
        actor=actor_of(staff),
        q=q or "",
        status=Status(chosen) if chosen else None,
        tracking_code=canonical,
        limit=LIST_SIZE,
    )
    calendar = calendar_of(request)
    agencies = {a.id: a.name for a in active_agencies(db)}
    marks = flags_of(db, [r.id for r in reports])
    rows = [
        {"r": r, "due": due_state(calendar, r, now), "flags": marks.get(r.id, [])} for r in reports
    ]
    return render(
        request,
        "reports.html",
        {"rows": rows, "statuses": list(Status), "status": chosen, "code": code or "", "q": q or "",
         "agencies": agencies, "limit": LIST_SIZE},
        staff=staff,
    )  # fmt: skip


def _page_context(
    db: Any, request: Request, staff: StaffUser, report: Report, now: Any
) -> dict[str, Any]:
    actor = actor_of(staff)
    events = timeline.events(db, report)
    messages = timeline.messages(db, report)
    attachments = timeline.attachments(db, report)
    staff_ids = {e.actor_id for e in events if e.actor_kind is ActorKind.STAFF and e.actor_id}
    staff_ids |= {m.author_staff_id for m in messages if m.author_staff_id}
    names = staff_names(db, staff_ids)
    reporter = None
    if access.can_see_reporter(actor, report):
        identities = citizen_identities(db, report.citizen_id)
        reporter = {
            "name": report.citizen.display_name,
            "identities": [(i.channel.value, i.external_id) for i in identities],
        }
    agencies = active_agencies(db)
    agency_names = {a.code: a.name for a in agencies}
    threshold = get_runtime(request).settings.nlu_auto_forward_threshold
    suggestions = report.nlu_suggestions or {}
    agency_ranking = [
        (agency_names.get(str(code), str(code)), round(100 * float(conf)))
        for code, conf in (suggestions.get("agency") or [])[:3]
        if isinstance(conf, int | float)
    ]
    nlu = suggestion_of(report, {a.code: a for a in agencies}, threshold=threshold)
    holders = assignment.candidates(db, report.agency_id) if report.agency_id else []
    is_head = assignment.may_assign(actor, report, None) and staff.role is Role.AGENCY_HEAD
    rtype = suggestion.suggested_type(report)
    actions = available_actions(actor, report)
    return {
        "report": report,
        "due": due_state(calendar_of(request), report, now),
        "sla_history": sla_history(events, calendar_of(request), now),
        "events": events,
        "messages": messages,
        "attachments": attachments,
        "names": names,
        "reporter": reporter,
        "actions": actions,
        "agencies": agencies,
        "types": list(ReportType),
        "privacies": list(Privacy),
        "agency_ranking": agency_ranking,
        "suggestion": nlu,
        "suggested_type": rtype.value if rtype else None,
        "suggested_type_pct": (
            round(100 * report.nlu_type_confidence)
            if rtype and report.nlu_type_confidence is not None
            else None
        ),
        # Below the one-click threshold the verifier chooses: nothing is preselected for them.
        "preselected_agency": (
            nlu["agency_code"]
            if nlu and nlu["one_click"]
            else (report.agency.code if report.agency else "")
        ),
        "threshold_pct": round(100 * threshold),
        "max_extension": get_runtime(request).clock.policy.for_type(report.type).max_extension_days,
        "assignee_name": report.assignee.full_name if report.assignee else None,
        "flags": flags_of(db, [report.id]).get(report.id, []),
        # The head picks anyone of the agency; an officer can only take or release.
        "assign_options": holders if is_head else [],
        "can_take": not is_head
        and assignment.may_assign(actor, report, staff.id)
        and report.assignee_id != staff.id,
        "can_release": not is_head and report.assignee_id == staff.id,
        "canned": for_report(db, staff, report.agency_id) if "answer" in actions else [],
        "answer_draft": "",
        "group": duplicates.context(db, staff, report),
    }


@router.get("/reports/{code}", response_class=HTMLResponse, include_in_schema=False)
def report_page(
    request: Request, code: str, db: SessionDep, staff: CurrentStaff, now: NowDep
) -> Any:
    report = visible_report(db, staff, code)
    return render(
        request, "report.html", _page_context(db, request, staff, report, now), staff=staff
    )


def _safe_back(value: str | None) -> str | None:
    if value and value.startswith("/console/") and "//" not in value and "\\" not in value:
        return value
    return None


@router.post(
    "/reports/{code}/actions/{action}", include_in_schema=False, dependencies=[CsrfProtected]
)
def report_action(
    request: Request,
    code: str,
    action: str,
    db: SessionDep,
    now: NowDep,
    staff: StaffUser = ActingStaff,
    agency_code: Annotated[str | None, Form(max_length=40)] = None,
    report_type: Annotated[str | None, Form(max_length=40)] = None,
    title: Annotated[str | None, Form(max_length=400)] = None,
    category: Annotated[str | None, Form(max_length=120)] = None,
    privacy: Annotated[str | None, Form(max_length=20)] = None,
    text: Annotated[str | None, Form(max_length=20_000)] = None,
    days: Annotated[str | None, Form(max_length=5)] = None,
    back: Annotated[str | None, Form(max_length=300)] = None,
) -> Response:
    report = visible_report(db, staff, code, for_update=True)
    actor = actor_of(staff)
    form = ActionForm(agency_code, report_type, title, category, privacy, text, days)
    clock = get_runtime(request).clock
    try:
        with db.begin_nested():
            values = perform(
                db, clock=clock, report=report, actor=actor, action=action, form=form, now=now,
                accept_threshold=get_runtime(request).settings.nlu_auto_forward_threshold,
            )  # fmt: skip
    except DomainError as exc:
        # The savepoint is rolled back: show the page again, with the reason, and a 4xx status.
        if isinstance(exc, NotPermitted):
            status = 403
        elif isinstance(exc, IllegalTransition):
            status = 409
        else:
            status = 422
        db.expire_all()
        report = visible_report(db, staff, code)
        context = _page_context(db, request, staff, report, now)
        context["error_key"], context["error_values"] = explain(exc)
        return render(request, "report.html", context, staff=staff, status_code=status)
    flash(request, f"done_{action}", **values)
    target = _safe_back(back)
    if target is None:
        still_visible = access.can_view(actor, report)
        target = f"/console/reports/{report.tracking_code}" if still_visible else "/console/"
    return RedirectResponse(target, status_code=303)


@router.post("/reports/{code}/assign", include_in_schema=False, dependencies=[CsrfProtected])
def assign_report(
    request: Request,
    code: str,
    db: SessionDep,
    now: NowDep,
    staff: StaffUser = Depends(require_roles(Role.OFFICER, Role.AGENCY_HEAD)),
    assignee: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Assign the report ("" for nobody, "me" for oneself, or a staff id for the head)."""
    report = visible_report(db, staff, code, for_update=True)
    if assignee == "me":
        chosen: int | None = staff.id
    elif assignee.isdigit():
        chosen = int(assignee)
    elif assignee == "":
        chosen = None
    else:
        raise HTTPException(status_code=422, detail="bad assignee")
    try:
        with db.begin_nested():
            assignment.assign(
                db, clock=get_runtime(request).clock, report=report, actor=actor_of(staff),
                assignee_id=chosen, now=now,
            )  # fmt: skip
    except DomainError as exc:
        db.expire_all()
        report = visible_report(db, staff, code)
        context = _page_context(db, request, staff, report, now)
        context["error_key"], context["error_values"] = explain(exc)
        status = 403 if isinstance(exc, NotPermitted) else 422
        return render(request, "report.html", context, staff=staff, status_code=status)
    flash(
        request, "done_assign" if chosen is not None else "done_unassign", code=report.tracking_code
    )
    return RedirectResponse(f"/console/reports/{report.tracking_code}", status_code=303)


@router.post(
    "/reports/{code}/answer-draft",
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[CsrfProtected],
)
def answer_draft(
    request: Request,
    code: str,
    db: SessionDep,
    now: NowDep,
    staff: StaffUser = Depends(require_roles(Role.OFFICER, Role.AGENCY_HEAD)),
    text: Annotated[str, Form(max_length=20_000)] = "",
    canned_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """The report page again, the chosen canned answer added to the answer's draft: the answer
    form's "insert" button without JavaScript. Nothing is saved or sent here."""
    report = visible_report(db, staff, code)
    context = _page_context(db, request, staff, report, now)
    context["answer_draft"] = text
    chosen = int(canned_id) if canned_id.isdigit() and len(canned_id) <= 10 else None
    item = next((c for c in context["canned"] if c.id == chosen), None)
    if item is None:
        # Nothing chosen, or not one of this agency's (another agency's id is "not found" too).
        context["error_key"] = "canned_not_found" if canned_id else "canned_none_chosen"
        context["error_values"] = {}
        status = 404 if canned_id else 422
        return render(request, "report.html", context, staff=staff, status_code=status)
    context["answer_draft"] = compose(text, item.body)
    return render(request, "report.html", context, staff=staff)


@router.get("/reports/{code}/attachments/{attachment_id}", include_in_schema=False)
def attachment(
    request: Request, code: str, attachment_id: RowId, db: SessionDep, staff: CurrentStaff
) -> Response:
    report = visible_report(db, staff, code)
    item = db.get(Attachment, attachment_id)
    if item is None or item.report_id != report.id:
        raise ReportNotFound()
    root = get_runtime(request).settings.attachments_dir
    try:
        path = open_path(root, item)
    except DomainError:
        raise ReportNotFound() from None
    if not path.is_file():
        raise ReportNotFound()
    inline = item.content_type.startswith("image/")
    response = FileResponse(
        path,
        media_type=item.content_type,
        filename=item.filename,
        content_disposition_type="inline" if inline else "attachment",
    )
    response.headers.update(SECURITY_HEADERS)
    return response
