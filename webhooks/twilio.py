"""Twilio webhooks: ``/webhooks/twilio/whatsapp`` (incoming) and ``/webhooks/twilio/status``.

Both verify ``X-Twilio-Signature`` over the public URL and every form field before using any of
them. An incoming message is stored in the durable inbox (``webhooks.inbox``) before the
answer; the conversation pipeline runs on it there. Replies never go in the TwiML answer (an
empty ``<Response/>``): they are outbox rows, delivered by the sender with retries, pacing and
the 24-hour template rule.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from bot.channels.whatsapp import (
    SIGNATURE_HEADER,
    BadPayload,
    parse_form,
    public_url,
    signature_ok,
)
from bot.delivery.outbox import record_provider_status
from bot.inbox.service import Incoming
from bot.request_body import read_body
from reports.enums import Channel
from reports.runtime import Runtime
from webhooks.inbox import accept
from webhooks.telegram import request_now

log = logging.getLogger(__name__)

router = APIRouter(tags=["webhooks"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="application/xml")


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"ok": False, "detail": detail}, status_code=status)


async def _signed_form(request: Request) -> dict[str, str] | JSONResponse:
    """The form fields of a request Twilio signed, or the 4xx answer to give instead."""
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature or settings.twilio_auth_token is None:
        return _error(403, "forbidden")
    raw = await read_body(request, settings.webhook_max_body_bytes)
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except (UnicodeDecodeError, ValueError):
        pairs = None
    url = public_url(settings, request.url.path, request.url.query)
    params = dict(pairs or [])
    if not signature_ok(settings, url, params, signature):
        return _error(403, "forbidden")
    if pairs is None:
        return _error(400, "the body is not a form")
    return params


@router.post("/webhooks/twilio/whatsapp", include_in_schema=False)
async def whatsapp_webhook(request: Request) -> Response:
    form = await _signed_form(request)
    if isinstance(form, JSONResponse):
        return form
    try:
        parsed = parse_form(form)
    except BadPayload as exc:
        return _error(400, str(exc))
    message = parsed.message
    await accept(
        request.app,
        Incoming(
            channel=message.channel,
            external_message_id=message.external_message_id,
            chat_id=message.external_user_id,
            payload=json.dumps(form, ensure_ascii=False),
            received_at=request_now(request),
        ),
    )
    return _twiml()


@router.post("/webhooks/twilio/status", include_in_schema=False)
async def twilio_status(request: Request) -> Response:
    """Delivery reports (queued, sent, delivered, read, failed) recorded on the outbox row."""
    runtime: Runtime = request.app.state.runtime
    form = await _signed_form(request)
    if isinstance(form, JSONResponse):
        return form
    sid = form.get("MessageSid", "")
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if not sid or not status:
        return _error(400, "MessageSid and MessageStatus are required")
    row = request.query_params.get("row", "")
    row_id = int(row) if row.isdigit() and len(row) < 19 else None
    now = request_now(request)

    def _record() -> bool:
        with runtime.sessions() as db, db.begin():
            return record_provider_status(
                db,
                channel=Channel.WHATSAPP,
                provider_message_id=sid[:120],
                status=status,
                error_code=form.get("ErrorCode") or None,
                now=now,
                row_id=row_id,
            )

    await run_in_threadpool(_record)
    return Response(status_code=204)
