"""Channel tests: the real app, the real PTB and twilio clients, local fake provider servers.

Secrets and tokens are generated per test (never stored in the repo). ``channel_runtime`` runs on
both SQLite and PostgreSQL through the shared ``engine`` fixture.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from twilio.request_validator import RequestValidator

from config.settings import Settings, WhatsAppTemplate
from escalation.deadlines import SlaClock
from reports.runtime import Runtime
from tests import factories
from tests.channels.fakes.server import ThreadedServer
from tests.channels.fakes.telegram_api import FakeTelegram
from tests.channels.fakes.twilio_api import FakeTwilio
from tests.conftest import nlu_for
from webhooks.app import create_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PUBLIC_BASE = "https://suarawarga.example.go.id"
TEMPLATE_NAMES = (
    "agency_answer",
    "info_requested",
    "report_finished",
    "rating_request",
    "feedback_reminder",
    "default",
)


def telegram_fixture(name: str, **changes: Any) -> dict[str, Any]:
    """A recorded-style update with fields replaced (``update_id=...``, ``text=...``)."""
    data = json.loads((FIXTURES / "telegram" / f"{name}.json").read_text())
    data = deepcopy(data)
    if "update_id" in changes:
        data["update_id"] = changes.pop("update_id")
    body: dict[str, Any] = next((v for k, v in data.items() if k != "update_id"), {})
    for key, value in changes.items():
        if key == "chat_id":
            target = body.get("message", body) if "callback_query" in data else body
            target["chat"]["id"] = value
            if "from" in body:
                body["from"]["id"] = value
        else:
            body[key] = value
    update: dict[str, Any] = data
    return update


def twilio_fixture(name: str, **values: str) -> dict[str, str]:
    raw = (FIXTURES / "twilio" / f"{name}.json").read_text()
    for key, value in values.items():
        raw = raw.replace("{" + key + "}", value)
    params: dict[str, str] = json.loads(raw)
    return params


class Channels:
    """Everything a channel test drives: the app client, the fakes and the signing helpers."""

    def __init__(
        self, runtime: Runtime, client: TestClient, telegram: FakeTelegram, twilio: FakeTwilio
    ) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.client = client
        self.telegram = telegram
        self.twilio = twilio
        self.secret = runtime.settings.telegram_webhook_secret.get_secret_value()  # type: ignore[union-attr]

    def runtime_with(self, **settings: Any) -> Runtime:
        """The same database and clock under other settings (a smaller budget, a test SMTP)."""
        changed = self.settings.model_copy(update=settings)
        return replace(self.runtime, settings=changed, classifier=nlu_for(changed))

    def post_telegram(
        self, update: dict[str, Any] | bytes | str, *, secret: str | bytes | None = "default"
    ) -> Any:
        headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
        if secret == "default":
            secret = self.secret
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        body = update if isinstance(update, bytes | str) else json.dumps(update)
        return self.client.post("/webhooks/telegram", content=body, headers=headers)

    def sign(self, path: str, params: dict[str, str]) -> str:
        token = self.settings.twilio_auth_token.get_secret_value()  # type: ignore[union-attr]
        signature: str = RequestValidator(token).compute_signature(PUBLIC_BASE + path, params)
        return signature

    def post_twilio(
        self,
        path: str,
        params: dict[str, str],
        *,
        signature: str | None = "sign",
        body: bytes | None = None,
    ) -> Any:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature == "sign":
            signature = self.sign(path, params)
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        content = body if body is not None else urlencode(params).encode()
        return self.client.post(path, content=content, headers=headers)

    def whatsapp(self, params: dict[str, str], **kw: Any) -> Any:
        return self.post_twilio("/webhooks/twilio/whatsapp", params, **kw)


def make_settings(
    base: Settings, db_url: str, telegram_url: str, twilio_url: str, **extra: Any
) -> Settings:
    account = "AC" + secrets.token_hex(16)
    values: dict[str, Any] = {
        "database_url": db_url,
        "public_base_url": PUBLIC_BASE,
        "telegram_bot_token": SecretStr(f"{secrets.randbelow(10**9)}:{secrets.token_urlsafe(24)}"),
        "telegram_webhook_secret": SecretStr(secrets.token_urlsafe(24)),
        "telegram_api_base_url": telegram_url,
        "twilio_account_sid": account,
        "twilio_auth_token": SecretStr(secrets.token_hex(16)),
        "twilio_whatsapp_from": "+14155238886",
        "twilio_api_base_url": twilio_url,
        "whatsapp_templates": {
            name: WhatsAppTemplate(content_sid="HX" + secrets.token_hex(16))
            for name in TEMPLATE_NAMES
        },
        "run_scheduler_in_process": False,
        "run_worker_in_process": False,
        "outbox_backoff_base_seconds": 0.05,
        "outbox_backoff_max_seconds": 0.5,
        "outbox_poll_seconds": 0.05,
        "telegram_chat_interval_seconds": 0.0,
        **extra,
    }
    return base.model_copy(update=values)


@pytest.fixture
def db_url(request: pytest.FixtureRequest) -> str:
    """SQLite unless a test opts in with ``@BOTH_BACKENDS``: most channel behaviour does not
    depend on the backend, and the suite must stay fast (the sender, scenarios, NUL bytes and
    concurrency run on both)."""
    backend = getattr(request, "param", "sqlite")
    return str(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))


BOTH_BACKENDS = pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture(scope="session")
def fake_servers() -> Iterator[tuple[FakeTelegram, FakeTwilio, str, str]]:
    telegram = FakeTelegram("")
    twilio = FakeTwilio("", "")
    with ThreadedServer(telegram.app) as tg_server, ThreadedServer(twilio.app) as tw_server:
        yield telegram, twilio, tg_server.url, tw_server.url


@pytest.fixture
def fakes(
    fake_servers: tuple[FakeTelegram, FakeTwilio, str, str],
) -> tuple[FakeTelegram, FakeTwilio, str, str]:
    """The session's fake servers, emptied for this test."""
    fake_servers[0].reset()
    fake_servers[1].reset()
    return fake_servers


@pytest.fixture
def channels(
    settings: Settings,
    db_url: str,
    engine: Engine,
    clock: SlaClock,
    fakes: tuple[FakeTelegram, FakeTwilio, str, str],
) -> Iterator[Channels]:
    telegram, twilio, tg_url, tw_url = fakes
    cfg = make_settings(settings, db_url, tg_url, tw_url)
    telegram.token = cfg.telegram_bot_token.get_secret_value()  # type: ignore[union-attr]
    twilio.account_sid = cfg.twilio_account_sid or ""
    twilio.auth_token = cfg.twilio_auth_token.get_secret_value()  # type: ignore[union-attr]
    runtime = factories.runtime(cfg, engine, clock)
    with TestClient(
        create_app(runtime=runtime), raise_server_exceptions=bool(os.environ.get("CHANNELS_RAISE"))
    ) as client:
        yield Channels(runtime, client, telegram, twilio)
