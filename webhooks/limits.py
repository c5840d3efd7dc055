"""Request body size limits: a 413 instead of buffering gigabytes, on every route (the routes'
own tighter reader is ``bot.request_body.read_body``)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(413, "request body too large")


class BodyLimit:
    """ASGI middleware: every request body is capped at ``limit`` bytes.

    Routes parse their bodies in many places (FastAPI's JSON and form parsing, the CSRF check's
    form read, the webhooks' own readers); without one cap in front of them all, ``/chat/api/
    messages`` read 60 MB into memory before its validation refused it. A declared
    ``Content-Length`` over the cap is refused before anything is read; a body sent without one
    (chunked) is counted as it arrives and refused as soon as it passes the cap.
    """

    def __init__(self, app: ASGIApp, limit: int, larger: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        #: Exact paths allowed a larger body (the web chat's file upload); only those.
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope.get("path", ""), self.limit)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await PlainTextResponse("bad Content-Length", 400)(scope, receive, send)
                return
            if int(declared) > limit:
                await PlainTextResponse("request body too large", 413)(scope, receive, send)
                return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            # Raised where no exception handler turned it into a response (outside a route).
            if not started:
                await PlainTextResponse("request body too large", 413)(scope, receive, send)
