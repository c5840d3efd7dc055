"""Canned answers in the console: the agency head's page to manage them, and inserting one into
an answer on the report page (``reports.canned`` decides who may do what).

``/console/canned`` lists the agency's canned answers; the head (and an admin, choosing the
agency) adds, edits and deletes them there, officers read them. On a report, the answer form has
a picker: its "insert" button posts the draft to ``/answer-draft``, which renders the page again
with the chosen text added to the draft, so it works without JavaScript; ``console.js`` does the
same in place when scripts run (the route lives with the report pages, ``console.views.reports``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from console.deps import CsrfProtected, RowId, SessionDep, actor_of, require_roles
from console.views.common import NowDep
from console.views.report_actions import explain
from console.views.templating import flash, render
from reports import canned
from reports.agencies import active_agencies
from reports.enums import Role
from reports.lifecycle import DomainError, NotPermitted
from reports.models import Agency, CannedAnswer, StaffUser
from reports.staff import staff_names

router = APIRouter()
CannedStaff = Depends(require_roles(Role.OFFICER, Role.AGENCY_HEAD, Role.ADMIN))
PAGE = "/console/canned"


def _agency(db: Session, staff: StaffUser, code: str | None) -> Agency | None:
    """The agency whose list is shown: one's own; an admin picks any (the first by default)."""
    if staff.role is not Role.ADMIN:
        return db.get(Agency, staff.agency_id) if staff.agency_id else None
    agencies = active_agencies(db)
    chosen = next((a for a in agencies if a.code == code), None)
    return chosen or (agencies[0] if agencies else None)


def _page(
    request: Request,
    db: Session,
    staff: StaffUser,
    agency: Agency | None,
    *,
    editing: CannedAnswer | None = None,
    form: dict[str, str] | None = None,
    error: str | None = None,
    error_params: dict[str, object] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    actor = actor_of(staff)
    agency_id = agency.id if agency else None
    items = canned.list_for(db, actor=actor, agency_id=agency_id) if agency else []
    authors = {c.updated_by_id for c in items if c.updated_by_id}
    names = staff_names(db, authors)
    return render(
        request,
        "canned.html",
        {
            "agency": agency,
            "agencies": active_agencies(db) if staff.role is Role.ADMIN else [],
            "items": items,
            "names": names,
            "can_edit": canned.may_edit(actor, agency_id),
            "editing": editing,
            "form": form or {},
            "error_key": error,
            "error_values": error_params or {},
            "max_title": canned.MAX_TITLE,
            "max_body": canned.MAX_BODY,
        },
        staff=staff,
        status_code=status_code,
    )


def _refused(
    request: Request,
    db: Session,
    staff: StaffUser,
    agency: Agency | None,
    exc: DomainError,
    *,
    editing: CannedAnswer | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    """The page again with the reason in the viewer's language (403 / 404 / 422)."""
    params: dict[str, object] = {}
    if isinstance(exc, NotPermitted):
        key, status = "forbidden", 403
    elif isinstance(exc, canned.CannedNotFound):
        key, status, editing = "canned_not_found", 404, None
    else:
        (key, params), status = explain(exc), 422
    return _page(
        request, db, staff, agency, editing=editing, form=form, error=key, error_params=params,
        status_code=status,
    )  # fmt: skip


def _back(agency: Agency | None, staff: StaffUser) -> str:
    if staff.role is Role.ADMIN and agency is not None:
        return f"{PAGE}?agency={agency.code}"
    return PAGE


@router.get("/canned", response_class=HTMLResponse, include_in_schema=False)
def canned_page(
    request: Request,
    db: SessionDep,
    staff: StaffUser = CannedStaff,
    agency: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    return _page(request, db, staff, _agency(db, staff, agency))


@router.post("/canned", include_in_schema=False, dependencies=[CsrfProtected])
def create_canned(
    request: Request,
    db: SessionDep,
    now: NowDep,
    title: Annotated[str, Form(max_length=1000)] = "",
    body: Annotated[str, Form(max_length=20_000)] = "",
    agency: Annotated[str | None, Form(max_length=40)] = None,
    staff: StaffUser = CannedStaff,
) -> Response:
    chosen = _agency(db, staff, agency)
    try:
        with db.begin_nested():
            if chosen is None:
                raise NotPermitted("canned_write_not_permitted")
            item = canned.create(
                db, actor=actor_of(staff), agency_id=chosen.id, title=title, body=body, now=now
            )
    except DomainError as exc:
        return _refused(request, db, staff, chosen, exc, form={"title": title, "body": body})
    flash(request, "canned_created", title=item.title)
    return RedirectResponse(_back(chosen, staff), status_code=303)


def _editable(db: Session, staff: StaffUser, canned_id: int) -> CannedAnswer:
    item = canned.get(db, actor=actor_of(staff), canned_id=canned_id)
    if not canned.may_edit(actor_of(staff), item.agency_id):
        raise NotPermitted("canned_write_not_permitted")
    return item


@router.get("/canned/{canned_id}", response_class=HTMLResponse, include_in_schema=False)
def edit_page(
    request: Request, canned_id: RowId, db: SessionDep, staff: StaffUser = CannedStaff
) -> Response:
    try:
        item = _editable(db, staff, canned_id)
    except DomainError as exc:
        return _refused(request, db, staff, _agency(db, staff, None), exc)
    form = {"title": item.title, "body": item.body}
    return _page(request, db, staff, db.get(Agency, item.agency_id), editing=item, form=form)


@router.post("/canned/{canned_id}", include_in_schema=False, dependencies=[CsrfProtected])
def save_canned(
    request: Request,
    canned_id: RowId,
    db: SessionDep,
    now: NowDep,
    title: Annotated[str, Form(max_length=1000)] = "",
    body: Annotated[str, Form(max_length=20_000)] = "",
    staff: StaffUser = CannedStaff,
) -> Response:
    try:
        with db.begin_nested():
            item = canned.edit(
                db, actor=actor_of(staff), canned_id=canned_id, title=title, body=body, now=now
            )
    except DomainError as exc:
        found = db.get(CannedAnswer, canned_id)
        visible = found if found and canned.may_read(actor_of(staff), found.agency_id) else None
        agency = db.get(Agency, visible.agency_id) if visible else _agency(db, staff, None)
        return _refused(
            request, db, staff, agency, exc, editing=visible, form={"title": title, "body": body}
        )
    flash(request, "canned_saved", title=item.title)
    return RedirectResponse(_back(db.get(Agency, item.agency_id), staff), status_code=303)


@router.post("/canned/{canned_id}/delete", include_in_schema=False, dependencies=[CsrfProtected])
def delete_canned(
    request: Request, canned_id: RowId, db: SessionDep, staff: StaffUser = CannedStaff
) -> Response:
    try:
        with db.begin_nested():
            item = canned.delete(db, actor=actor_of(staff), canned_id=canned_id)
    except DomainError as exc:
        return _refused(request, db, staff, _agency(db, staff, None), exc)
    flash(request, "canned_deleted", title=item.title)
    return RedirectResponse(_back(db.get(Agency, item.agency_id), staff), status_code=303)


def for_report(db: Session, staff: StaffUser, agency_id: int | None) -> list[CannedAnswer]:
    """The canned answers the answer form offers: the report's agency's, to its own staff."""
    actor = actor_of(staff)
    if staff.role is Role.ADMIN or not canned.may_read(actor, agency_id):
        return []
    return canned.list_for(db, actor=actor, agency_id=agency_id)


def compose(draft: str, text: str) -> str:
    """The draft with ``text`` added as a new paragraph (or ``text`` alone for an empty draft)."""
    draft = draft.rstrip()
    return f"{draft}\n\n{text}" if draft else text
