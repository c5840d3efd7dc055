"""The two apps the webhook benchmark compares, as uvicorn factories (settings from the env).

``suarawarga_app``: the real app (auth, PTB parse, dedupe, engine + NLU, domain writes, outbox).
``ceiling_app``: a bare FastAPI route doing one durable insert per request on the same database:
the most any webhook that commits before answering could do on this machine.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import create_engine, text

CEILING_TABLE = "bench_ceiling"


def suarawarga_app() -> FastAPI:
    from config.settings import Settings
    from webhooks.app import create_app

    return create_app(Settings())


def ceiling_app() -> FastAPI:
    engine = create_engine(os.environ["SUARAWARGA_DATABASE_URL"], pool_size=10, max_overflow=10)
    app = FastAPI()

    @app.post("/webhooks/telegram")
    def receive(update: Annotated[dict[str, Any], Body()]) -> JSONResponse:
        # A sync route runs in the thread pool, as the real route's database work does.
        with engine.begin() as conn:  # committed (fsync) before the 200, like the real route
            conn.execute(
                text(f"INSERT INTO {CEILING_TABLE} (body, received_at) VALUES (:b, :t)"),
                {"b": json.dumps(update), "t": datetime.now(UTC)},
            )
        return JSONResponse({"ok": True})

    return app
