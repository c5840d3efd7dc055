"""Rendering console pages: one Jinja environment (autoescaped), the catalogue, flash messages.

Every page gets ``_`` (the catalogue in the viewer's language), ``csrf`` (the session token for
forms), ``staff``, ``flashes`` and date formatting in the deployment's zone. Security headers are
set here so no page can forget them: a strict CSP (no inline script, nothing from other origins)
keeps citizen text inert even if an escape were ever missed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from console import PACKAGE_DIR
from console.deps import StaffView, csrf_token
from console.i18n import gettext, normalise
from reports.models import StaffUser

templates = Jinja2Templates(directory=PACKAGE_DIR / "templates")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def language_of(request: Request, staff: StaffUser | StaffView | None = None) -> str:
    """The session's choice first, then the account's preference, then Indonesian."""
    chosen = request.session.get("lang") if "session" in request.scope else None
    if isinstance(chosen, str):
        return normalise(chosen)
    return normalise(staff.language if staff else None)


def flash(request: Request, key: str, kind: str = "ok", **values: Any) -> None:
    """Queue a message for the next page (confirmation after a redirect)."""
    items = list(request.session.get("flash") or [])
    items.append({"key": key, "kind": kind, "values": {k: str(v) for k, v in values.items()}})
    request.session["flash"] = items[-5:]


def _pop_flashes(request: Request) -> list[dict[str, Any]]:
    return list(request.session.pop("flash", None) or [])


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    staff: StaffUser | StaffView | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = language_of(request, staff)
    tz: ZoneInfo = request.app.state.settings.tz

    def _(key: str, **values: Any) -> str:
        return gettext(lang, key, **values)

    def local(value: datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
        return value.astimezone(tz).strftime(fmt) if value else "-"

    ctx: dict[str, Any] = {
        "_": _,
        "lang": lang,
        "staff": staff,
        "csrf": csrf_token(request),
        "flashes": [
            {"kind": f["kind"], "text": gettext(lang, f["key"], **f.get("values", {}))}
            for f in _pop_flashes(request)
        ],
        "local": local,
        "path": request.url.path,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response
