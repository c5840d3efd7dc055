"""Sign-in, sign-out, language switch and the role-based landing page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.auth import Outcome, authenticate
from console.deps import (
    SESSION_USER_KEY,
    CsrfProtected,
    CurrentStaff,
    SessionDep,
    get_runtime,
)
from console.i18n import normalise
from console.views.templating import flash, language_of, render
from reports.enums import AGENCY_ROLES, Role

router = APIRouter()


def landing_for(role: Role) -> str:
    """Where each role starts its day."""
    if role is Role.VERIFIER:
        return "/console/queue"
    if role in AGENCY_ROLES:
        return "/console/inbox"
    return "/console/dashboard"


def _safe_next(value: str | None) -> str | None:
    # Only local console paths: never an open redirect to another site.
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console/"):
        return None
    return value


@router.get("/", include_in_schema=False)
def home(staff: CurrentStaff) -> Response:
    return RedirectResponse(landing_for(staff.role), status_code=303)


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _safe_next(next) or ""})


@router.post("/login", include_in_schema=False, dependencies=[CsrfProtected])
def login(
    request: Request,
    db: SessionDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    settings = get_runtime(request).settings
    now = datetime.now(UTC)
    result = authenticate(
        db,
        username=username,
        password=password,
        now=now,
        max_failures=settings.login_max_failures,
        lockout=timedelta(minutes=settings.login_lockout_minutes),
    )
    if result.outcome is not Outcome.OK or result.user is None:
        if result.outcome is Outcome.LOCKED and result.locked_until:
            until = result.locked_until.astimezone(settings.tz).strftime("%H:%M")
            error, values, status = "login_locked", {"until": until}, 429
        else:
            error, values, status = "login_invalid", {}, 401
        return render(
            request,
            "login.html",
            {"error": error, "error_values": values, "next": _safe_next(next) or "",
             "username": username},
            status_code=status,
        )  # fmt: skip
    user = result.user
    lang = request.session.get("lang")
    # A fresh session (and CSRF token) at sign-in: a token planted before login is worthless.
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    request.session["lang"] = normalise(lang if isinstance(lang, str) else user.language)
    flash(request, "welcome", name=user.full_name)
    return RedirectResponse(_safe_next(next) or landing_for(user.role), status_code=303)


@router.post("/logout", include_in_schema=False, dependencies=[CsrfProtected])
def logout(request: Request) -> Response:
    lang = language_of(request)
    request.session.clear()
    request.session["lang"] = lang
    flash(request, "signed_out")
    return RedirectResponse("/console/login", status_code=303)


@router.post("/language", include_in_schema=False, dependencies=[CsrfProtected])
def switch_language(
    request: Request,
    db: SessionDep,
    lang: Annotated[str, Form(max_length=5)],
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    chosen = normalise(lang)
    request.session["lang"] = chosen
    uid = request.session.get(SESSION_USER_KEY)
    if isinstance(uid, int):
        from reports.models import StaffUser

        user = db.get(StaffUser, uid)
        if user is not None:
            user.language = chosen
    return RedirectResponse(_safe_next(back) or "/console/login", status_code=303)
