"""``POST /webhooks/telegram``: verify, parse, store in the durable inbox, then answer 200.

Order matters: the secret header is checked before the body is even read (a forged request costs
us nothing and stores nothing); the update is parsed as the pipeline will read it (junk is a 400
now, not a failure later) and committed to the inbox before we acknowledge (Telegram redelivers
anything not acknowledged, and the inbox's unique key makes that redelivery a no-op); the
callback query is answered only after that commit, so a button never "works" on screen while the
update could still be lost. The conversation pipeline runs on the stored update: in the worker
process, or inline before the answer (``webhooks.inbox``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from telegram import Bot

from bot.channels.telegram import (
    SECRET_HEADER,
    TelegramSender,
    build_bot,
    decode_update,
    parse_or_none,
    secret_ok,
)
from bot.inbox.service import Incoming
from bot.request_body import read_body
from reports.runtime import Runtime
from webhooks.inbox import accept

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])


def app_bot(app: FastAPI) -> Bot:
    """The server's PTB ``Bot``, built on first use in the server's event loop."""
    bot: Bot | None = getattr(app.state, "telegram_bot", None)
    if bot is None:
        runtime: Runtime = app.state.runtime
        bot = build_bot(runtime.settings)
        app.state.telegram_bot = bot
    return bot


def webhook_bot(request: Request) -> Bot:
    return app_bot(request.app)


def request_now(request: Request) -> datetime:
    """When this request happened. ``app.state.webhook_clock`` (a callable) pins it in tests that
    play out a report over days; the domain takes ``now`` as a parameter, never reads the clock."""
    clock = getattr(request.app.state, "webhook_clock", None)
    return clock() if clock is not None else datetime.now(UTC)


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"ok": False, "detail": detail}, status_code=status)


@router.post("/webhooks/telegram", include_in_schema=False)
async def telegram_webhook(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    if not secret_ok(settings, request.headers.get(SECRET_HEADER)):
        return _error(403, "forbidden")
    if settings.telegram_bot_token is None:
        return _error(503, "telegram is not configured")
    raw = await read_body(request, settings.webhook_max_body_bytes)
    bot = webhook_bot(request)
    update = decode_update(raw, bot)
    if update is None:
        return _error(400, "not a Telegram update")
    parsed = parse_or_none(update)
    if parsed is None:
        return _error(400, "malformed Telegram update")
    message = parsed.message
    if message is None:  # group chats, member changes, polls: nobody to answer
        return JSONResponse({"ok": True, "ignored": True})
    try:
        payload = raw.decode("utf-8")
    except UnicodeDecodeError:  # JSON in UTF-16/32: stored as the same update in UTF-8
        import json

        payload = json.dumps(update.to_dict())
    stored = await accept(
        request.app,
        Incoming(
            channel=message.channel,
            external_message_id=message.external_message_id,
            chat_id=message.external_user_id,
            payload=payload,
            received_at=request_now(request),
        ),
    )
    if parsed.callback_query_id:
        await TelegramSender(bot).answer_callback(parsed.callback_query_id)
    return JSONResponse({"ok": True, "duplicate": stored.duplicate})
