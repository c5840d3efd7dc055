"""The ceiling of the webhook benchmark, as a uvicorn factory (its database from the env).

``ceiling_app``: a bare FastAPI app whose async route does one INSERT of the request body through
an asyncpg pool, committed before the 200: the most any webhook that makes a message durable
before answering could do on this machine with the usual async stack. It does not parse the JSON
or check the secret, so it is a generous ceiling (SuaraWarga does both, and much more).

SuaraWarga itself is not here: the benchmark starts the installed ``suarawarga serve``, exactly
as a user does (``run.py``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

CEILING_TABLE = "bench_ceiling"


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://...`` (SQLAlchemy's form, as our settings hold it) to asyncpg's."""
    scheme, rest = sqlalchemy_url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgresql") else sqlalchemy_url


def ceiling_app() -> FastAPI:
    dsn = asyncpg_dsn(os.environ["SUARAWARGA_DATABASE_URL"])
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Per worker process: 32 connections over one worker per core never wait for a
        # connection with up to 16 each.
        state["pool"] = await asyncpg.create_pool(dsn, min_size=4, max_size=16)
        try:
            yield
        finally:
            await state["pool"].close()

    app = FastAPI(lifespan=lifespan)
    insert = f"INSERT INTO {CEILING_TABLE} (body, received_at) VALUES ($1, $2)"

    @app.post("/webhooks/telegram")
    async def receive(request: Request) -> JSONResponse:
        body = (await request.body()).decode("utf-8", "replace")
        await state["pool"].execute(insert, body, datetime.now(UTC))  # autocommit: durable
        return JSONResponse({"ok": True})

    return app
