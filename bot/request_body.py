"""A request body read with a cap: 413 past ``limit`` bytes, 400 for a bad ``Content-Length``.

The provider webhooks (``webhooks.telegram``, ``webhooks.twilio``) and the web chat read their
bodies with a limit tighter than the app-wide one (``webhooks.limits.BodyLimit``). It lives in the
bot, below the webhooks, because the web chat (``bot.webchat``) is one of its readers.
"""

from __future__ import annotations

from fastapi import HTTPException, Request


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise HTTPException(413, "request body too large")
        except ValueError:
            raise HTTPException(400, "bad Content-Length") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, "request body too large")
        chunks.append(chunk)
    return b"".join(chunks)
