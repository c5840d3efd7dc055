"""Twilio webhooks: ``/webhooks/twilio/whatsapp`` (incoming) and ``/webhooks/twilio/status``.

Both verify ``X-Twilio-Signature`` over the public URL and every form field before using any of
them. Replies never go in the TwiML answer (an empty ``<Response/>``): they are outbox rows,
delivered by the sender with retries, pacing and the 24-hour template rule.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

import httpx
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from bot.channels.ingest import Delivery, already_received
from bot.channels.whatsapp import (
    SIGNATURE_HEADER,
    BadPayload,
    download,
    parse_form,
    public_url,
    signature_ok,
)
from bot.delivery.outbox import record_provider_status
from bot.request_body import read_body
from reports.enums import Channel
from reports.runtime import Runtime
from webhooks.group_commit import for_app
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
    runtime: Runtime = request.app.state.runtime
    form = await _signed_form(request)
    if isinstance(form, JSONResponse):
        return form
    try:
        parsed = parse_form(form)
    except BadPayload as exc:
        return _error(400, str(exc))
    message = parsed.message
    now = request_now(request)
    downloads = []
    if parsed.media and not await run_in_threadpool(
        already_received, runtime, Channel.WHATSAPP, message.external_message_id
    ):
        async with httpx.AsyncClient(timeout=20.0) as client:
            downloads = [await download(runtime.settings, client, ref) for ref in parsed.media]
    await for_app(request.app).submit(Delivery(message, now, tuple(downloads)))
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
