"""The staff console (verifier queue, agency inbox, report pages, manager dashboard).

``install(app, settings)`` wires it into the ASGI app: the signed session cookie, error handlers
that turn "not signed in" into a redirect for pages, the static files and the routers. The REST API
reuses ``console.deps`` for authentication.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from config.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parent
SESSION_COOKIE = "sw_session"
SESSION_MAX_AGE = 12 * 60 * 60  # one working day; the cookie is re-signed on every change


def install(app: FastAPI, settings: Settings) -> None:
    """Add the console's middleware, error handlers, static files and routes to ``app``."""
    from console.views import errors, router

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.public_base_url.startswith("https://"),
    )
    errors.install(app)
    app.mount(
        "/console/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="console-static"
    )
    app.include_router(router)
