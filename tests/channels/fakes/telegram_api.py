"""A local server that speaks enough of the Telegram Bot API for the real python-telegram-bot.

Methods: getMe, sendMessage, sendPhoto (an upload, kept in ``photos``), answerCallbackQuery,
getFile (+ file download), setWebhook, deleteWebhook, getUpdates (long polling with offsets).
Failure modes are switched by the test:
``fail_next(n, "502")`` or ``fail_next(n, "429", retry_after=2)``, ``fail_next(n, "slow",
retry_after=s)`` (the message IS delivered, the answer comes ``s`` seconds late), and
``conflict_next(n, description)`` (getUpdates answers 409, as when a second poller or a webhook
competes). Every delivered message is kept in ``sent`` so a test can count deliveries per text (the
exactly-once checks); ``refused`` keeps the time of each refusal. Like the real Bot API it refuses
a text longer than 4096 UTF-16 code units, an http webhook URL and a badly formed secret token.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class FakeTelegram:
    def __init__(self, token: str) -> None:
        self.token = token
        self.lock = threading.Lock()
        self.reset()
        self.app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self.api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self.file, methods=["GET"]),
            ]
        )

    def reset(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.photos: list[dict[str, Any]] = []
        self.callbacks: list[str] = []
        self.webhook: dict[str, Any] | None = None
        self.files: dict[str, tuple[bytes, str]] = {}
        self.updates: list[dict[str, Any]] = []
        self.confirmed_offset = 0
        self.failures: list[tuple[str, float]] = []
        self.failed_calls = 0
        self.refused: list[tuple[str, float]] = []  # (mode, monotonic time of the answer)
        self.conflicts: list[str] = []
        self.answer_delay = 0.0  # every sendMessage answers this late (a slow Bot API)
        self.calls: Counter[str] = Counter()
        self.next_message_id = 1000

    # -- test controls ----------------------------------------------------------------------
    def fail_next(self, count: int, mode: str, retry_after: float = 1) -> None:
        with self.lock:
            self.failures.extend([(mode, retry_after)] * count)

    def conflict_next(self, count: int, description: str) -> None:
        with self.lock:
            self.conflicts.extend([description] * count)

    def add_file(self, file_id: str, data: bytes, path: str) -> None:
        self.files[file_id] = (data, path)

    def push_update(self, update: dict[str, Any]) -> None:
        with self.lock:
            self.updates.append(update)

    def texts(self) -> Counter[str]:
        with self.lock:
            return Counter(m["text"] for m in self.sent)

    # -- protocol ---------------------------------------------------------------------------
    @staticmethod
    async def _params(request: Request) -> dict[str, Any]:
        if request.method == "GET":
            return dict(request.query_params)
        ctype = request.headers.get("content-type", "")
        if "json" in ctype:
            body: dict[str, Any] = await request.json()
            return body
        form = await request.form()
        return {k: v for k, v in form.items()}

    @staticmethod
    def ok(result: Any) -> JSONResponse:
        return JSONResponse({"ok": True, "result": result})

    async def api(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401
            )
        method = request.path_params["method"]
        params = await self._params(request)
        self.calls[method] += 1
        if method == "getMe":
            return self.ok(
                {
                    "id": 42,
                    "is_bot": True,
                    "first_name": "SuaraWarga",
                    "username": "suarawarga_test_bot",
                }
            )
        if method == "sendMessage":
            return await self._send_message(params)
        if method == "sendPhoto":
            return await self._send_photo(params)
        if method == "answerCallbackQuery":
            with self.lock:
                self.callbacks.append(str(params.get("callback_query_id")))
            return self.ok(True)
        if method == "getFile":
            file_id = str(params.get("file_id"))
            if file_id not in self.files:
                error = {"ok": False, "error_code": 400, "description": "Bad Request: bad file_id"}
                return JSONResponse(error, 400)
            data, path = self.files[file_id]
            return self.ok(
                {
                    "file_id": file_id,
                    "file_unique_id": "u" + file_id,
                    "file_size": len(data),
                    "file_path": path,
                }
            )
        if method == "setWebhook":
            return self._set_webhook(params)
        if method == "deleteWebhook":
            self.webhook = None
            return self.ok(True)
        if method == "getUpdates":
            return await self._get_updates(params)
        return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)

    def _set_webhook(self, params: dict[str, Any]) -> Response:
        url = str(params.get("url", ""))
        secret = params.get("secret_token")
        error = None
        if not url.startswith("https://"):
            error = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
        elif secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            error = "Bad Request: secret token contains unallowed characters"
        if error:
            return JSONResponse({"ok": False, "error_code": 400, "description": error}, 400)
        self.webhook = params
        return self.ok(True)

    async def _send_message(self, params: dict[str, Any]) -> Response:
        delay = self.answer_delay
        with self.lock:
            text = str(params.get("text", ""))
            if len(text.encode("utf-16-le")) // 2 > 4096:
                error = {"ok": False, "error_code": 400,
                         "description": "Bad Request: message is too long"}  # fmt: skip
                return JSONResponse(error, 400)
            if self.failures and self.failures[0][0] == "slow":
                delay = self.failures.pop(0)[1]
            elif self.failures:
                mode, retry_after = self.failures.pop(0)
                self.failed_calls += 1
                self.refused.append((mode, time.monotonic()))
                if mode == "429":
                    return JSONResponse(
                        {
                            "ok": False,
                            "error_code": 429,
                            "description": f"Too Many Requests: retry after {int(retry_after)}",
                            "parameters": {"retry_after": int(retry_after)},
                        },
                        status_code=429,
                    )
                return Response("<html>502 Bad Gateway</html>", status_code=502)
            self.next_message_id += 1
            markup = params.get("reply_markup")
            self.sent.append(
                {
                    "chat_id": str(params.get("chat_id")),
                    "text": text,
                    "reply_markup": markup,
                    "at": time.monotonic(),
                }
            )
            message_id = self.next_message_id
        if delay:
            await asyncio.sleep(delay)
        return self.ok(
            {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                "text": text,
            }
        )

    async def _send_photo(self, params: dict[str, Any]) -> Response:
        upload: Any = params.get("photo")
        data = await upload.read() if hasattr(upload, "read") else b""
        if not data:
            error = {"ok": False, "error_code": 400, "description": "Bad Request: no photo"}
            return JSONResponse(error, 400)
        with self.lock:
            self.next_message_id += 1
            message_id = self.next_message_id
            self.photos.append({"chat_id": str(params.get("chat_id")), "data": data})
        return self.ok(
            {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                "photo": [
                    {
                        "file_id": f"p{message_id}",
                        "file_unique_id": f"u{message_id}",
                        "width": 1,
                        "height": 1,
                        "file_size": len(data),
                    }
                ],
            }
        )

    async def _get_updates(self, params: dict[str, Any]) -> Response:
        with self.lock:
            conflict = self.conflicts.pop(0) if self.conflicts else None
        if conflict is not None:
            body = {"ok": False, "error_code": 409, "description": conflict}
            return JSONResponse(body, status_code=409)
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if offset:
                    self.confirmed_offset = max(self.confirmed_offset, offset)
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                pending = list(self.updates)
            if pending or time.monotonic() >= deadline:
                return self.ok(pending)
            await asyncio.sleep(0.05)

    async def file(self, request: Request) -> Response:
        path = request.path_params["path"]
        for data, file_path in self.files.values():
            if file_path == path:
                return Response(data, media_type="application/octet-stream")
        return Response(status_code=404)
