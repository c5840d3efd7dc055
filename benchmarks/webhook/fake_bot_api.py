"""A small stand-in for the Telegram Bot API, so that ``suarawarga serve``'s outbox sender really
sends its replies during the webhook benchmark, as in production (the benchmark points
``SUARAWARGA_TELEGRAM_API_BASE_URL`` here).

It answers every method at once with valid Bot API JSON (``sendMessage`` with a Message object,
``getMe`` with the bot, anything else ``true``) and counts the calls: ``GET /stats``. Unlike the
test fake (``tests/channels/fakes/telegram_api.py``) it keeps nothing per message and has no
failure modes: it must cost little CPU beside the server under test.

Run: ``python -m benchmarks.webhook.fake_bot_api --port P`` (loopback only).
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections import Counter
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

CALLS: Counter[str] = Counter()
MESSAGE_IDS = itertools.count(1)


async def _params(request: Request) -> dict[str, Any]:
    if request.method == "GET":
        return dict(request.query_params)
    if "json" in request.headers.get("content-type", ""):
        return dict(await request.json())
    return dict(await request.form())


async def api(request: Request) -> JSONResponse:
    method = request.path_params["method"]
    params = await _params(request)
    CALLS[method] += 1
    result: Any = True
    if method == "getMe":
        result = {"id": 42, "is_bot": True, "first_name": "SuaraWarga", "username": "sw_bench_bot"}
    elif method in {"sendMessage", "editMessageText"}:
        chat = int(params.get("chat_id", 0))
        result = {
            "message_id": next(MESSAGE_IDS),
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "text": str(params.get("text", "")),
        }
    return JSONResponse({"ok": True, "result": result})


async def stats(_: Request) -> JSONResponse:
    return JSONResponse(dict(CALLS))


app = Starlette(
    routes=[
        Route("/bot{token}/{method}", api, methods=["GET", "POST"]),
        Route("/stats", stats, methods=["GET"]),
    ]
)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m benchmarks.webhook.fake_bot_api")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
