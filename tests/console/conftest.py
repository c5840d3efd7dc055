"""Console fixtures shared by page, auth, stats, API and browser tests.

``app``/``client`` run the real ASGI app (``create_app``) over the ``engine`` fixture (SQLite and
PostgreSQL); a test module can pin one backend by overriding ``db_url``. ``staff_users`` seeds one
account per role (plus a second agency's officer and head for cross-agency checks), the one way
console tests make staff; ``scenario``/``tokens`` add the API tests' reports and tokens
(``api_support``); ``sign_in`` logs a client in through the real form, CSRF token included;
``browser`` is the browser modules' one Chromium (``tests.console.browser``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from escalation.deadlines import SlaClock
from reports.enums import Role
from reports.models import StaffUser
from reports.runtime import Runtime
from tests import factories
from webhooks.app import create_app

if TYPE_CHECKING:
    from tests.console.api_support import Scenario

STAFF_PASSWORD = factories.PASSWORD

#: username -> (role, agency code)
CONSOLE_STAFF: dict[str, tuple[Role, str | None]] = {
    "admin": (Role.ADMIN, None),
    "verifier": (Role.VERIFIER, None),
    "manager": (Role.MANAGER, None),
    "officer": (Role.OFFICER, "pupr"),
    "head": (Role.AGENCY_HEAD, "pupr"),
    "other.officer": (Role.OFFICER, "lingkungan"),
    "other.head": (Role.AGENCY_HEAD, "lingkungan"),
}

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def console_settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        run_scheduler_in_process=False,
        run_worker_in_process=False,
        dashboard_cache_seconds=0,  # live figures: tests travel in time
        session_secret="test-session-secret-" + "x" * 32,  # type: ignore[arg-type]
    )


@pytest.fixture
def runtime(
    engine: Engine, sessions: sessionmaker[Session], clock: SlaClock, console_settings: Settings
) -> Runtime:
    return factories.runtime(console_settings, engine, clock)


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime=runtime)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def staff_users(sessions: sessionmaker[Session]) -> dict[str, StaffUser]:
    """One committed account per role (``factories.staff``); all share ``STAFF_PASSWORD``."""
    now = datetime.now(UTC)
    users: dict[str, StaffUser] = {}
    with sessions() as db, db.begin():
        for username, (role, agency) in CONSOLE_STAFF.items():
            users[username] = factories.staff(db, role, now, agency, username)
    return users


@pytest.fixture
def scenario(
    sessions: sessionmaker[Session], clock: SlaClock, staff_users: dict[str, StaffUser]
) -> Scenario:
    """The API scenario (``api_support.build_scenario``): reports in every privacy level."""
    from tests.console.api_support import build_scenario

    return build_scenario(sessions, clock, staff_users)


@pytest.fixture
def tokens(sessions: sessionmaker[Session], staff_users: dict[str, StaffUser]) -> dict[str, str]:
    """One API token per seeded account: username -> secret."""
    from tests.console.api_support import make_tokens

    return make_tokens(sessions, staff_users)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per browser module (``tests.console.browser``); each test opens its own
    context (no shared cookies).

    Not one per session: Playwright's sync API keeps an event loop marked as running in the main
    thread for as long as it is started, so every ``async def`` test collected after the first
    browser module failed with "Cannot run the event loop while another loop is running"."""
    from tests.console.browser import launch

    with launch() as instance:
        yield instance


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def page_csrf(client: TestClient, url: str = "/console/login") -> str:
    """The CSRF token of the client's session, read from a real form."""
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    return csrf_from(response.text)


def sign_in(client: TestClient, username: str, password: str = STAFF_PASSWORD) -> None:
    """Sign ``client`` in through the login form (fails the test if it does not work)."""
    token = page_csrf(client)
    response = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
