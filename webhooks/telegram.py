"""``POST /webhooks/telegram``: verify, parse, hand to the pipeline, commit, then answer 200.

Order matters: the secret header is checked before the body is even read (a forged request costs
us nothing and stores nothing); the pipeline commits before we acknowledge (Telegram redelivers
anything not acknowledged, and the receipt makes that redelivery harmless); the callback query is
answered only after the commit, so a button never "works" on screen while its effect is lost.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from telegram import Bot, Update

from bot.channels.ingest import Delivery, already_received
from bot.channels.telegram import (
    SECRET_HEADER,
    ParsedUpdate,
    TelegramSender,
    build_bot,
    download,
    parse_update,
    secret_ok,
)
from bot.request_body import read_body
from reports.runtime import Runtime
from webhooks.group_commit import GroupCommit, for_app

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])


def webhook_bot(request: Request) -> Bot:
    """The server's PTB ``Bot``, built on first use in the server's event loop."""
    bot: Bot | None = getattr(request.app.state, "telegram_bot", None)
    if bot is None:
        runtime: Runtime = request.app.state.runtime
        bot = build_bot(runtime.settings)
        request.app.state.telegram_bot = bot
    return bot


def request_now(request: Request) -> datetime:
    """When this request happened. ``app.state.webhook_clock`` (a callable) pins it in tests that
    play out a report over days; the domain takes ``now`` as a parameter, never reads the clock."""
    clock = getattr(request.app.state, "webhook_clock", None)
    return clock() if clock is not None else datetime.now(UTC)


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"ok": False, "detail": detail}, status_code=status)


def decode_update(raw: bytes, bot: Bot) -> Update | None:
    """JSON -> PTB ``Update``; None when it is not a Telegram update at all."""
    try:
        data: Any = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
        return None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    try:
        return Update.de_json(data, bot)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
        return None


def parse_or_none(update: Update) -> ParsedUpdate | None:
    """The update as the pipeline reads it; None when a field it relies on is missing or of the
    wrong type (a message without ``chat``, a callback query without ``from``, a photo size whose
    width is not a number). PTB's ``de_json`` does not check types, so such an update only fails
    when read; that is bad input (a 400), never a 500 that Telegram would redeliver for ever.
    """
    try:
        return parse_update(update)
    except (AttributeError, TypeError, ValueError) as exc:
        log.warning("telegram update %s refused: %s", update.update_id, exc)
        return None


async def handle_update(
    commits: GroupCommit, bot: Bot, parsed: ParsedUpdate, now: datetime
) -> dict[str, Any]:
    """Download files (unless this is a redelivery), run the pipeline (committed with whatever
    other updates arrived meanwhile), then answer the button."""
    message = parsed.message
    if message is None:
        return {"ok": True, "ignored": True}
    downloads = []
    if parsed.files and not await run_in_threadpool(
        already_received, commits.runtime, message.channel, message.external_message_id
    ):
        downloads = [await download(bot, ref) for ref in parsed.files]
    result = await commits.submit(Delivery(message, now, tuple(downloads)))
    if parsed.callback_query_id:
        await TelegramSender(bot).answer_callback(parsed.callback_query_id)
    return {"ok": True, "duplicate": result.duplicate}


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
    body = await handle_update(for_app(request.app), bot, parsed, request_now(request))
    return JSONResponse(body)
