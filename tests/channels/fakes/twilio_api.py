"""A local server that speaks enough of Twilio's REST API for the real ``twilio`` client.

``POST /2010-04-01/Accounts/{sid}/Messages.json`` (Basic auth checked) records each message and
``GET`` on the same path lists them, newest first, filtered by ``To`` and ``From``; media
URLs under ``/2010-04-01/Accounts/{sid}/Messages/{mid}/Media/{id}`` redirect to the bytes, as the
real API does. Failure modes: ``fail_next(n, "502")`` or ``fail_next(n, "429", retry_after=2)``,
and ``fail_next(n, "stall", retry_after=s)``: the message IS accepted, the answer comes ``s``
seconds late (after a client's timeout).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import threading
import time
from collections import Counter
from email.utils import formatdate
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route


class FakeTwilio:
    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.lock = threading.Lock()
        self.reset()
        base = "/2010-04-01/Accounts/{sid}"
        self.app = Starlette(
            routes=[
                Route(base + "/Messages.json", self.create_message, methods=["POST"]),
                Route(base + "/Messages.json", self.list_messages, methods=["GET"]),
                Route(base + "/Messages/{mid}/Media/{media_id}", self.media_meta, methods=["GET"]),
                Route("/media-bytes/{media_id}", self.media_bytes, methods=["GET"]),
            ]
        )

    def reset(self) -> None:
        self.messages: list[dict[str, str]] = []
        self.media: dict[str, tuple[bytes, str]] = {}
        self.failures: list[tuple[str, float]] = []
        self.failed_calls = 0
        self.refused: list[tuple[str, float]] = []  # (mode, monotonic time of the answer)
        self.media_fetches = 0
        self.list_calls = 0
        self._ids = itertools.count(1)

    def fail_next(self, count: int, mode: str, retry_after: float = 1) -> None:
        with self.lock:
            self.failures.extend([(mode, retry_after)] * count)

    def add_media(self, media_id: str, data: bytes, content_type: str) -> None:
        self.media[media_id] = (data, content_type)

    def bodies(self) -> Counter[str]:
        with self.lock:
            return Counter(m.get("Body") or m.get("ContentSid", "") for m in self.messages)

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    async def create_message(self, request: Request) -> Response:
        if not self._authorised(request) or request.path_params["sid"] != self.account_sid:
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, 401)
        form = {k: str(v) for k, v in (await request.form()).items()}
        with self.lock:
            stall = self.failures[0][1] if self.failures and self.failures[0][0] == "stall" else 0
            if stall:
                self.failures.pop(0)
                self.failed_calls += 1
            elif self.failures:
                mode, retry_after = self.failures.pop(0)
                self.failed_calls += 1
                self.refused.append((mode, time.monotonic()))
                if mode == "429":
                    return JSONResponse(
                        {"code": 20429, "message": "Too Many Requests", "status": 429},
                        status_code=429,
                        headers={"Retry-After": str(int(retry_after))},
                    )
                return Response("Bad Gateway", status_code=502)
            if not form.get("To", "").startswith("whatsapp:+"):
                return JSONResponse(
                    {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400},
                    status_code=400,
                )
            sid = f"SM{next(self._ids):032x}"
            message = {**form, "sid": sid, "created": str(time.time())}
            self.messages.append(message)
        if stall:
            await asyncio.sleep(stall)
        return JSONResponse(self._resource(message, "queued"), status_code=201)

    def _resource(self, message: dict[str, str], status: str) -> dict[str, Any]:
        created = formatdate(float(message["created"]), usegmt=True)
        return {
            "sid": message["sid"],
            "account_sid": self.account_sid,
            "status": status,
            "to": message.get("To"),
            "from": message.get("From"),
            "body": message.get("Body", ""),
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": created,
            "date_updated": created,
            "date_sent": created,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message['sid']}.json",
        }

    async def list_messages(self, request: Request) -> Response:
        if not self._authorised(request) or request.path_params["sid"] != self.account_sid:
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, 401)
        to, from_ = request.query_params.get("To"), request.query_params.get("From")
        size = int(request.query_params.get("PageSize", "50"))
        with self.lock:
            self.list_calls += 1
            found = [
                self._resource(m, "sent")
                for m in reversed(self.messages)
                if (to is None or m.get("To") == to) and (from_ is None or m.get("From") == from_)
            ][:size]
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        return JSONResponse(
            {
                "messages": found,
                "first_page_uri": path,
                "next_page_uri": None,
                "previous_page_uri": None,
                "page": 0,
                "page_size": size,
                "start": 0,
                "end": max(0, len(found) - 1),
                "uri": path,
            }
        )

    async def media_meta(self, request: Request) -> Response:
        if not self._authorised(request):
            return Response(status_code=401)
        media_id = request.path_params["media_id"]
        if media_id not in self.media:
            return Response(status_code=404)
        return RedirectResponse(f"/media-bytes/{media_id}", status_code=307)

    async def media_bytes(self, request: Request) -> Response:
        data, ctype = self.media[request.path_params["media_id"]]
        with self.lock:
            self.media_fetches += 1
        return Response(data, media_type=ctype)


def form_of(params: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in params.items()}
