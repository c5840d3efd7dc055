"""The web chat at ``/chat``: the same engine as Telegram and WhatsApp, with no provider account.

The browser gets a random session id in an HttpOnly cookie; ``browser:<digest of it>`` is the
contact's external id on channel ``web``. POST runs the inbound pipeline; GET returns the
contact's outbox rows and marks them sent (the outbox sender skips channel ``web``). Client
message ids make a resent POST (double click, flaky network) take effect once.

Files and places take the very path of Telegram's and WhatsApp's: a file becomes a
:class:`~bot.channels.media.Download` that ``bot.channels.ingest`` stores (type checked by its
bytes, size capped) before the engine sees an ``InboundMessage`` of kind photo or document; a
shared location is an ``InboundMessage`` of kind location. The report flow cannot tell the
channels apart.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, model_validator

from bot.channels.ingest import already_received, ingest
from bot.channels.media import MAX_BYTES, Download, sniff_content_type
from bot.delivery import outbox_view
from bot.inbound import InboundKind, InboundMessage
from bot.messages import WEB_PAGE
from bot.pipeline import process_inbound
from bot.request_body import read_body
from reports.attachments import ALLOWED_TYPES
from reports.enums import Channel

COOKIE = "sw_chat"
WEB_PREFIX = "browser:"
COOKIE_MAX_AGE = 180 * 24 * 3600
_SESSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_TEXT = 200_000  # the pipeline keeps the first settings.bot_max_text_chars of it
UPLOAD_PATH = "/chat/api/files"
#: The body of an upload is the file itself: the attachment limit is the request limit.
UPLOAD_LIMIT = MAX_BYTES
#: Types the page offers; the bytes decide in the end (``sniff_content_type``).
PAGE_ACCEPT = "image/*,application/pdf"
_CLIENT_ID = r"^[A-Za-z0-9_.:-]+$"

router = APIRouter(prefix="/chat", tags=["web chat"])


class ChatIn(BaseModel):
    """One message from the page: typed ``text``, a button's ``data``, or a shared location."""

    text: str | None = Field(default=None, max_length=MAX_TEXT)
    data: str | None = Field(default=None, max_length=64)
    client_id: str | None = Field(default=None, max_length=64, pattern=_CLIENT_ID)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _both_coordinates(self) -> ChatIn:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("send both latitude and longitude, or neither")
        return self


@lru_cache(maxsize=4)
def _page(tile_url: str, attribution: str) -> str:
    """The page with its settings and its labels (from the catalogues) filled in once."""
    config = {
        "tileUrl": tile_url,
        "attribution": attribution,
        "maxBytes": UPLOAD_LIMIT,
        "accept": PAGE_ACCEPT,
        "labels": WEB_PAGE.languages,
    }
    html = (Path(__file__).parent / "static" / "chat.html").read_text(encoding="utf-8")
    # "</" cannot appear inside the JSON, so a label can never close the script element.
    blob = json.dumps(config, ensure_ascii=True).replace("</", "<\\/")
    return html.replace("/*CHAT_CONFIG*/{}", blob, 1)


def _session(request: Request) -> str | None:
    value = request.cookies.get(COOKIE)
    return value if value and _SESSION.match(value) else None


def contact_id(session: str) -> str:
    """The contact's external id on channel ``web``: a digest of the cookie, never the cookie.

    The id is stored and shown to staff (report page, exports); the cookie is the browser's only
    credential, so anyone who could read it there could open the citizen's chat and act as them.
    The prefix keeps a browser from ever speaking as a contact created elsewhere on the same
    channel (``suarawarga chat --as ...``, ``report create --citizen ...``).
    """
    digest = hashlib.sha256(session.encode("ascii")).hexdigest()[:32]
    return f"{WEB_PREFIX}{digest}"


def _set_cookie(response: Response, session: str, request: Request) -> None:
    response.set_cookie(
        COOKIE,
        session,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/chat",
    )


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def chat_page(request: Request) -> HTMLResponse:
    settings = request.app.state.runtime.settings
    response = HTMLResponse(_page(settings.map_tile_url, settings.map_tile_attribution))
    if _session(request) is None:
        _set_cookie(response, secrets.token_urlsafe(24), request)
    return response


@router.post("/api/messages")
def post_message(body: ChatIn, request: Request, response: Response) -> dict[str, Any]:
    """Run the conversation engine on one message; the replies are fetched with GET."""
    located = body.latitude is not None and body.longitude is not None
    if not (body.text and body.text.strip()) and not body.data and not located:
        raise HTTPException(422, "send a non-empty text, a button's data or a location")
    session = _session(request)
    if session is None:
        session = secrets.token_urlsafe(24)
        _set_cookie(response, session, request)
    client_id = body.client_id or uuid.uuid4().hex
    kind = InboundKind.TEXT
    if body.data:
        kind = InboundKind.CALLBACK
    elif located:
        kind = InboundKind.LOCATION
    message = InboundMessage(
        channel=Channel.WEB,
        external_user_id=contact_id(session),
        external_message_id=f"{session}:{client_id}",
        kind=kind,
        text=body.text or "",
        callback_data=body.data,
        latitude=body.latitude if located else None,
        longitude=body.longitude if located else None,
    )
    runtime = request.app.state.runtime
    with runtime.sessions() as db, db.begin():
        result = process_inbound(db, runtime=runtime, message=message, now=datetime.now(UTC))
    return {"duplicate": result.duplicate, "replies": result.replies}


@router.post("/api/files")
async def post_file(
    request: Request,
    response: Response,
    client_id: Annotated[str, Query(min_length=1, max_length=64, pattern=_CLIENT_ID)],
    name: Annotated[str, Query(max_length=255)] = "",
    caption: Annotated[str, Query(max_length=1024)] = "",
) -> dict[str, Any]:
    """One photo or PDF as the raw request body (the browser's ``File``, no multipart).

    The declared Content-Type is only a hint: the bytes decide, as for Telegram and WhatsApp. A
    file of another kind still reaches the engine, which tells the citizen what is accepted; the
    page also learns it from ``accepted`` to say so at once. Too large: 413 before anything is
    stored (the body is counted as it arrives).
    """
    data = await read_body(request, UPLOAD_LIMIT)
    if not data:
        raise HTTPException(422, "the file is empty")
    session = _session(request)
    if session is None:
        session = secrets.token_urlsafe(24)
        _set_cookie(response, session, request)
    declared = request.headers.get("content-type", "")
    content_type = sniff_content_type(data, declared)
    kind = "photo" if content_type.startswith("image/") else "document"
    filename = (name.replace("\x00", "").strip() or f"{kind}")[:255]
    message = InboundMessage(
        channel=Channel.WEB,
        external_user_id=contact_id(session),
        external_message_id=f"{session}:{client_id}",
        kind=InboundKind.PHOTO if kind == "photo" else InboundKind.DOCUMENT,
        text=caption,
    )
    runtime = request.app.state.runtime
    if already_received(runtime, Channel.WEB, message.external_message_id):
        return {"duplicate": True, "accepted": True, "replies": 0}
    download = Download(kind, declared, filename, data)
    result = await run_in_threadpool(
        ingest, runtime, message, downloads=[download], now=datetime.now(UTC)
    )
    return {
        "duplicate": result.duplicate,
        "accepted": content_type in ALLOWED_TYPES,
        "replies": result.replies,
    }


@router.get("/api/messages")
def get_messages(
    request: Request, after: Annotated[int, Query(ge=0, le=2**62)] = 0
) -> dict[str, Any]:
    """Messages for this browser's session newer than ``after`` (marked as delivered)."""
    session = _session(request)
    if session is None:
        return {"messages": []}
    runtime = request.app.state.runtime
    with runtime.sessions() as db, db.begin():
        messages = outbox_view.fetch(
            db,
            channel=Channel.WEB,
            address=contact_id(session),
            now=datetime.now(UTC),
            after=after,
        )
        return {"messages": [m.as_dict() for m in messages]}
