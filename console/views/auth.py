"""Sign-in, sign-out, language switch and the role-based landing page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console import auth
from console import sessions as staff_sessions
from console.deps import (
    SESSION_KEY,
    CsrfProtected,
    CurrentStaff,
    SessionDep,
    get_runtime,
)
from console.i18n import normalise
from console.views.common import NowDep
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
    now: NowDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    runtime = get_runtime(request)
    secret = runtime.settings.session_secret.get_secret_value()
    device = auth.read_device(request.cookies.get(auth.DEVICE_COOKIE), secret=secret)
    result = auth.authenticate(
        db,
        runtime.sessions,
        username=username,
        password=password,
        client=auth.client_key(request.client.host if request.client else None),
        device=device,
        now=now,
    )
    if result.outcome is not auth.Outcome.OK or result.user is None:
        if result.outcome is auth.Outcome.THROTTLED:
            error, values, status = "login_throttled", {"seconds": result.retry_after}, 429
            headers = {"Retry-After": str(result.retry_after)}
        else:
            error, values, status, headers = "login_invalid", {}, 401, {}
        response = render(
            request,
            "login.html",
            {"error": error, "error_values": values, "next": _safe_next(next) or "",
             "username": username},
            status_code=status,
        )  # fmt: skip
        response.headers.update(headers)
        return response
    user = result.user
    lang = request.session.get("lang")
    # A fresh session (and CSRF token) at sign-in: a token planted before login is worthless.
    old = request.session.get(SESSION_KEY)
    if isinstance(old, str):
        staff_sessions.end(db, old)
    request.session.clear()
    staff_sessions.purge_expired(db, now=now)
    request.session[SESSION_KEY] = staff_sessions.start(db, staff=user, now=now)
    request.session["lang"] = normalise(lang if isinstance(lang, str) else user.language)
    flash(request, "welcome", name=user.full_name)
    landing = RedirectResponse(_safe_next(next) or landing_for(user.role), status_code=303)
    # This browser is now trusted for this account: others' guesses never slow it down.
    landing.set_cookie(
        auth.DEVICE_COOKIE,
        auth.trust_device(device, user.username, secret=secret),
        max_age=auth.DEVICE_MAX_AGE,
        path="/console",
        httponly=True,
        samesite="lax",
        secure=runtime.settings.public_base_url.startswith("https://"),
    )
    return landing


@router.post("/logout", include_in_schema=False, dependencies=[CsrfProtected])
def logout(request: Request, db: SessionDep) -> Response:
    lang = language_of(request)
    secret = request.session.get(SESSION_KEY)
    if isinstance(secret, str):
        staff_sessions.end(db, secret)  # a copy of the cookie is worthless from now on
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
    secret = request.session.get(SESSION_KEY)
    if isinstance(secret, str):
        user = staff_sessions.resolve(db, secret, now=datetime.now(UTC))
        if user is not None:
            user.language = chosen
    return RedirectResponse(_safe_next(back) or "/console/login", status_code=303)
