"""How refusals look: pages redirect to sign-in or show a readable page; the API gets
``application/problem+json`` (RFC 9457) with the same status codes."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from console.deps import CsrfRejected, Forbidden, LoginRequired
from console.views.common import ReportNotFound
from console.views.templating import render

CONSOLE_PREFIX = "/console"


def _is_page(request: Request) -> bool:
    return request.url.path.startswith(CONSOLE_PREFIX)


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if _is_page(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{CONSOLE_PREFIX}/login?next={quote(target)}", status_code=303)
    return problem(401, "Unauthorized", str(exc.detail), dict(exc.headers or {}))


async def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Forbidden | CsrfRejected)
    if _is_page(request):
        key = "csrf_failed" if isinstance(exc, CsrfRejected) else "forbidden"
        staff = getattr(request.state, "staff", None)
        return render(request, "error.html", {"message_key": key}, staff=staff, status_code=403)
    return problem(403, "Forbidden", str(exc.detail))


async def _report_not_found(request: Request, exc: Exception) -> Response:
    """A report the viewer may not see (or that does not exist): the console's own page, worded
    the same either way so it reveals nothing; JSON only outside the console."""
    if _is_page(request):
        staff = getattr(request.state, "staff", None)
        return render(request, "error.html", {"message_key": "not_found"}, staff=staff,
                      status_code=404)  # fmt: skip
    return problem(404, "Not Found", "report not found")


def unavailable_page(request: Request, retry_after: int) -> Response:
    """The console's page for a database outage (the API gets problem+json, see webhooks.app)."""
    response = render(request, "error.html", {"message_key": "db_unavailable"}, status_code=503)
    response.headers["Retry-After"] = str(retry_after)
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(CsrfRejected, _forbidden)
    app.add_exception_handler(ReportNotFound, _report_not_found)
