"""The ASGI application factory. Nothing is built at import time: ``create_app(settings)``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from bot.delivery.ratelimit import credential_problems
from bot.delivery.worker import serve_channels
from bot.inbox.service import backlog as inbox_backlog
from bot.webchat import UPLOAD_LIMIT, UPLOAD_PATH
from bot.webchat import router as chat_router
from config.settings import Settings, get_settings
from escalation.scheduler import build_scheduler
from escalation.sweep import SWEEP_HEARTBEAT
from reports.models import Heartbeat
from reports.runtime import Runtime
from webhooks import telegram as telegram_webhooks
from webhooks import twilio as twilio_webhooks
from webhooks.group_commit import close_for_app
from webhooks.limits import BodyLimit
from webhooks.media import router as media_router
from webhooks.runtime import build_runtime

log = logging.getLogger(__name__)


#: Seconds a client is asked to wait after a database outage (connections refused, the server
#: restarting, a serialization failure or SQLite busy): long enough for a restart to finish.
DB_RETRY_AFTER_SECONDS = 5


def database_unavailable(request: Request, exc: Exception) -> Response:
    """A database that cannot be reached (or refused the transaction for now) is our outage, not
    the client's error and not a bug: 503 with ``Retry-After``, so providers and scripts retry
    (Telegram and Twilio redeliver a webhook that did not get a 2xx) instead of a bare 500."""
    log.warning("database unavailable for %s %s: %s", request.method, request.url.path, exc)
    if request.url.path.startswith("/console") and "session" in request.scope:
        from console.views.errors import unavailable_page

        return unavailable_page(request, DB_RETRY_AFTER_SECONDS)
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "the database is unavailable; retry shortly",
        },
        status_code=503,
        media_type="application/problem+json",
        headers={"Retry-After": str(DB_RETRY_AFTER_SECONDS)},
    )


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> FastAPI:
    settings = settings or (runtime.settings if runtime else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A runtime handed in (argument, or installed on app.state before start-up by its owner)
        # is used as is and left open; only one built here is ours to dispose.
        given = runtime or getattr(app.state, "runtime", None)
        rt = given or build_runtime(settings)
        app.state.runtime = rt
        scheduler = None
        if settings.run_scheduler_in_process:
            scheduler = build_scheduler(
                rt.sessions,
                rt.clock,
                interval_seconds=settings.sweep_interval_seconds,
                batch_size=settings.sweep_batch_size,
                blocking=False,
            )
            scheduler.start()
        try:
            async with serve_channels(app, rt):  # outbox sender thread + webhook bot
                yield
        finally:
            await close_for_app(app)
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            if given is None:
                rt.engine.dispose()
                del app.state.runtime

    app = FastAPI(
        title="SuaraWarga",
        description="Citizen complaints and aspirations with LAPOR!-style working-day deadlines.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(
        BodyLimit,
        limit=settings.max_request_body_bytes,
        # The web chat's uploads: one file up to the attachment limit (checked again there).
        larger={UPLOAD_PATH: UPLOAD_LIMIT},
    )
    for outage in (OperationalError, InterfaceError, SATimeoutError):
        app.add_exception_handler(outage, database_unavailable)
    app.include_router(chat_router)  # /chat: the web chat (channel web)
    app.include_router(telegram_webhooks.router)
    app.include_router(twilio_webhooks.router)
    app.include_router(media_router)  # /media/{token}: report photos for officers' WhatsApp

    from console import install as install_console

    install_console(app, settings)

    from console import api, open311, problems, public, public_reports

    app.include_router(api.router)
    app.include_router(public.router)
    app.include_router(public_reports.router)  # /laporan: the public list
    problems.install(app)  # after the console's handlers: answers for /api only
    open311.install(app)  # its routes, and the spec's error documents for /open311 only

    @app.get("/health", tags=["operations"])
    def health(request: Request) -> JSONResponse:
        """Database reachable and the sweep alive; 503 "degraded" when the last real sweep is
        older than three sweep intervals (``heartbeat_stale_after``). The inbox's backlog and its
        oldest update's age; "degraded" (200) when that age passes ``inbox_stale_seconds``."""
        rt: Runtime = request.app.state.runtime
        try:
            with rt.sessions() as db:
                db.execute(text("SELECT 1"))
                beat = db.get(Heartbeat, SWEEP_HEARTBEAT)
                refused = credential_problems(db)
                inbox = inbox_backlog(db)
        except DBAPIError as exc:  # unreachable, or not migrated: say so, not a bare 500
            log.warning("health check: database not usable: %s", exc.orig)
            return JSONResponse(
                {
                    "status": "down",
                    "database": "unreachable or not migrated: run `suarawarga db upgrade`",
                },
                status_code=503,
            )
        now = datetime.now(UTC)
        age = (now - beat.beat_at).total_seconds() if beat else None
        # A beat from the future (a clock that jumped back, or one stored before sweeps refused
        # to) proves nothing about the scheduler: degraded, like a beat that is too old.
        stale = age is None or age < -60 or age > settings.heartbeat_stale_after
        body: dict[str, Any] = {
            "status": "degraded" if stale else "ok",
            "database": "ok",
            "sweep_last_run": beat.beat_at.isoformat() if beat else None,
            "sweep_age_seconds": round(age, 1) if age is not None else None,
        }
        # The durable inbox: updates acknowledged to the providers, not processed yet. A backlog
        # whose oldest update waited too long means citizens wait for answers (no worker running,
        # or it cannot keep up): degraded, not 503, since this app still takes and keeps updates.
        inbox_age = (now - inbox.oldest).total_seconds() if inbox.oldest is not None else 0.0
        body["inbox"] = {
            "pending": inbox.pending,
            "oldest_age_seconds": round(max(0.0, inbox_age), 1),
            "dead": inbox.dead,
        }
        if inbox_age > settings.inbox_stale_seconds:
            body["inbox"]["stale"] = True
            body["status"] = "degraded"
        if refused:
            # Replies are kept, not lost, but none goes out until someone fixes the credentials.
            # Degraded, not 503: the app still takes messages, and a load balancer must not
            # take it out of service for a provider setting.
            body["delivery"] = {key: f"paused: {p['error']}" for key, p in refused.items()}
            body["delivery_paused_since"] = {key: p["since"] for key, p in refused.items()}
            if not stale:
                body["status"] = "degraded"
        return JSONResponse(body, status_code=503 if stale else 200)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(lang: str | None = None) -> str:
        """Where to go: the chat, the console, the API; ``?lang=en`` in English."""
        from console.i18n import gettext, normalise

        language = normalise(lang)
        return (
            f"<!doctype html><html lang={language}><meta charset=utf-8><title>SuaraWarga</title>"
            "<h1>SuaraWarga</h1><ul>"
            f"<li><a href=/chat>{escape(gettext(language, 'home_chat'))}</a></li>"
            f"<li><a href=/console/>{escape(gettext(language, 'home_console'))}</a></li>"
            "<li><a href=/docs>API</a></li>"
            "<li><a href=/health>Health</a></li></ul></html>"
        )

    return app
