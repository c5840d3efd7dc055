"""A database outage answers 503 with Retry-After, not 500 (issue 12, point 11).

A real PostgreSQL database of its own is taken away under the running app (new connections
refused, open ones terminated), then given back: every kind of client (console page, REST API,
web chat, Telegram webhook) is told to retry, and everything works again afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from config.settings import Settings
from reports.enums import Role
from reports.migrate import upgrade
from tests import factories
from tests.conftest import PG_ADMIN_URL, _pg_available
from tests.console.conftest import sign_in
from webhooks.app import create_app
from webhooks.runtime import build_runtime

pytestmark = pytest.mark.postgres


@pytest.fixture
def own_database() -> Iterator[tuple[str, str]]:
    if not _pg_available():
        pytest.skip("PostgreSQL not reachable")
    name = f"sw_outage_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    try:
        yield name, url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _outage(name: str, *, down: bool) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if down else "true"}')
        )
        if down:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
    admin.dispose()


def test_database_outage_is_503_with_retry_after(
    own_database: tuple[str, str], tmp_path: Path
) -> None:
    name, url = own_database
    settings = Settings(
        environment="test",
        data_dir=tmp_path,
        database_url=url,
        run_scheduler_in_process=False,
        run_worker_in_process=False,
        telegram_bot_token="123:abc",  # type: ignore[arg-type]
        telegram_webhook_secret="s3cret",  # type: ignore[arg-type]
        session_secret="outage-test-secret-" + "x" * 32,  # type: ignore[arg-type]
    )
    runtime = build_runtime(settings)
    update = {
        "update_id": 7,
        "message": {
            "message_id": 1,
            "date": 1765000000,
            "chat": {"id": 42, "type": "private"},
            "from": {"id": 42, "is_bot": False, "first_name": "Ani"},
            "text": "halo",
        },
    }
    with runtime.sessions() as db, db.begin():
        factories.staff(db, Role.MANAGER, datetime.now(UTC), name="manager")
    probes: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/api/v1/reports", {"headers": {"Authorization": "Bearer sw_anything"}}),
        ("POST", "/chat/api/messages", {"json": {"text": "halo"}}),
        ("GET", "/t/SW-AAAA-AAAA", {}),
        (
            "POST",
            "/webhooks/telegram",
            {"json": update, "headers": {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}},
        ),
    ]
    try:
        with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
            assert client.post("/chat/api/messages", json={"text": "halo"}).status_code == 200
            sign_in(client, "manager")
            _outage(name, down=True)
            page = client.get("/console/dashboard")
            assert page.status_code == 503 and page.headers["retry-after"] == "5"
            assert "basis data" in page.text  # the console's own page, in the user's language
            for method, path, kwargs in probes:
                response = client.request(method, path, **kwargs)
                assert response.status_code == 503, (path, response.status_code, response.text)
                assert response.headers["retry-after"] == "5", path
            assert client.get("/health").status_code == 503
            _outage(name, down=False)
            assert client.post("/chat/api/messages", json={"text": "lagi"}).status_code == 200
            assert client.get("/console/login").status_code == 200
    finally:
        runtime.engine.dispose()
