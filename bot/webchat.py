"""The web chat at ``/chat``: the same engine as Telegram and WhatsApp, with no provider account.

The browser gets a random session id in an HttpOnly cookie; ``browser:<digest of it>`` is the
contact's external id on channel ``web``. POST runs the inbound pipeline; GET returns the
contact's outbox rows and marks them sent (the outbox sender skips channel ``web``). Client
message ids make a resent POST (double click, flaky network) take effect once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from bot import outbox_view
from bot.inbound import InboundKind, InboundMessage
from bot.pipeline import process_inbound
from reports.enums import Channel

COOKIE = "sw_chat"
WEB_PREFIX = "browser:"
COOKIE_MAX_AGE = 180 * 24 * 3600
_SESSION = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_TEXT = 200_000  # the pipeline keeps the first settings.bot_max_text_chars of it

router = APIRouter(prefix="/chat", tags=["web chat"])


class ChatIn(BaseModel):
    """One message from the page: typed ``text`` or a button's ``data``."""

    text: str | None = Field(default=None, max_length=MAX_TEXT)
    data: str | None = Field(default=None, max_length=64)
    client_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


@lru_cache(maxsize=1)
def _page() -> str:
    return (Path(__file__).parent / "static" / "chat.html").read_text(encoding="utf-8")


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
    response = HTMLResponse(_page())
    if _session(request) is None:
        _set_cookie(response, secrets.token_urlsafe(24), request)
    return response


@router.post("/api/messages")
def post_message(body: ChatIn, request: Request, response: Response) -> dict[str, Any]:
    """Run the conversation engine on one message; the replies are fetched with GET."""
    if not (body.text and body.text.strip()) and not body.data:
        raise HTTPException(422, "send a non-empty text or a button's data")
    session = _session(request)
    if session is None:
        session = secrets.token_urlsafe(24)
        _set_cookie(response, session, request)
    client_id = body.client_id or uuid.uuid4().hex
    message = InboundMessage(
        channel=Channel.WEB,
        external_user_id=contact_id(session),
        external_message_id=f"{session}:{client_id}",
        kind=InboundKind.CALLBACK if body.data else InboundKind.TEXT,
        text=body.text or "",
        callback_data=body.data,
    )
    runtime = request.app.state.runtime
    with runtime.sessions() as db, db.begin():
        result = process_inbound(db, runtime=runtime, message=message, now=datetime.now(UTC))
    return {"duplicate": result.duplicate, "replies": result.replies}


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
