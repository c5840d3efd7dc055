"""The admin page: staff accounts (list, create, change role and agency, deactivate/reactivate,
reset password) and the agencies. Every change is a CSRF-protected POST that redirects back
(post/redirect/get); the admin-only rule is checked by the route and again by the use cases
(``console.staff_admin``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console import staff_admin
from console.deps import CsrfProtected, RowId, SessionDep, actor_of, require_roles
from console.views.common import NowDep
from console.views.report_actions import explain
from console.views.templating import flash, render
from reports.actor import Actor
from reports.enums import AGENCY_ROLES, Role
from reports.lifecycle import DomainError, NotPermitted
from reports.models import StaffUser
from reports.staff import MIN_PASSWORD_LENGTH

router = APIRouter()
AdminDep = Depends(require_roles(Role.ADMIN))
PAGE = "/console/admin/staff"


def _page(
    request: Request,
    db: Any,
    staff: StaffUser,
    *,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    actor = actor_of(staff)
    return render(
        request,
        "admin.html",
        {
            "users": staff_admin.list_staff(db, actor=actor),
            "agencies": staff_admin.list_agencies(db, actor=actor),
            "roles": list(Role),
            "agency_roles": [r.value for r in AGENCY_ROLES],
            "min_password": MIN_PASSWORD_LENGTH,
            "error_key": error,
            "error_values": values or {},
        },
        staff=staff,
        status_code=status_code,
    )


def _refused(request: Request, db: Any, staff: StaffUser, exc: DomainError) -> HTMLResponse:
    """The page again with the reason, in the viewer's language (403 / 404 / 422)."""
    if isinstance(exc, NotPermitted):
        status = 403
    elif isinstance(exc, staff_admin.StaffNotFound):
        status = 404
    else:
        status = 422
    key, values = explain(exc)
    return _page(request, db, staff, error=key, values=values, status_code=status)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise DomainError("unknown_role", value=value) from None


def _apply(
    request: Request,
    db: Any,
    staff: StaffUser,
    change: Callable[[Actor], StaffUser],
    done: Callable[[StaffUser], str],
) -> Response:
    """One account change in a savepoint: refused, the page again with the reason; done, a
    flash (``done`` picks its message) and back to the list (post/redirect/get)."""
    try:
        with db.begin_nested():
            user = change(actor_of(staff))
    except DomainError as exc:
        return _refused(request, db, staff, exc)
    flash(request, done(user), name=user.username)
    return RedirectResponse(PAGE, status_code=303)


@router.get("/admin/staff", response_class=HTMLResponse, include_in_schema=False)
def staff_page(request: Request, db: SessionDep, staff: StaffUser = AdminDep) -> Response:
    return _page(request, db, staff)


@router.post("/admin/staff", include_in_schema=False, dependencies=[CsrfProtected])
def create_staff(
    request: Request,
    db: SessionDep,
    now: NowDep,
    username: Annotated[str, Form(max_length=80)],
    full_name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=20)],
    agency_code: Annotated[str | None, Form(max_length=40)] = None,
    email: Annotated[str, Form(max_length=200)] = "",
    telegram: Annotated[str, Form(max_length=40)] = "",
    whatsapp: Annotated[str, Form(max_length=40)] = "",
    staff: StaffUser = AdminDep,
) -> Response:
    return _apply(
        request, db, staff,
        lambda actor: staff_admin.add_staff(
            db, actor=actor, username=username, full_name=full_name, password=password,
            role=_role(role), agency_code=agency_code, now=now,
            email=email, telegram=telegram, whatsapp=whatsapp,
        ),
        lambda _: "admin_created",
    )  # fmt: skip


@router.post("/admin/staff/{user_id}/role", include_in_schema=False, dependencies=[CsrfProtected])
def set_role(
    request: Request,
    user_id: RowId,
    db: SessionDep,
    role: Annotated[str, Form(max_length=20)],
    agency_code: Annotated[str | None, Form(max_length=40)] = None,
    staff: StaffUser = AdminDep,
) -> Response:
    return _apply(
        request, db, staff,
        lambda actor: staff_admin.set_role(
            db, actor=actor, user_id=user_id, role=_role(role), agency_code=agency_code
        ),
        lambda _: "admin_role_set",
    )  # fmt: skip


@router.post("/admin/staff/{user_id}/active", include_in_schema=False, dependencies=[CsrfProtected])
def set_active(
    request: Request,
    user_id: RowId,
    db: SessionDep,
    now: NowDep,
    active: Annotated[Literal["0", "1"], Form()],  # anything else is a 422, never "deactivate"
    staff: StaffUser = AdminDep,
) -> Response:
    return _apply(
        request, db, staff,
        lambda actor: staff_admin.set_active(
            db, actor=actor, user_id=user_id, active=active == "1", now=now
        ),
        lambda user: "admin_activated" if user.active else "admin_deactivated",
    )  # fmt: skip


@router.post(
    "/admin/staff/{user_id}/password", include_in_schema=False, dependencies=[CsrfProtected]
)
def reset_password(
    request: Request,
    user_id: RowId,
    db: SessionDep,
    password: Annotated[str, Form(max_length=200)],
    staff: StaffUser = AdminDep,
) -> Response:
    return _apply(
        request, db, staff,
        lambda actor: staff_admin.reset_password(
            db, actor=actor, user_id=user_id, password=password
        ),
        lambda _: "admin_password_set",
    )  # fmt: skip
