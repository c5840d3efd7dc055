"""Schemathesis against our own OpenAPI schema: ``/api/v1`` and ``/open311/v2`` operations.

Generated requests (valid and invalid) go through the real ASGI app, authenticated as a verifier
and as an officer, over a database holding the usual scenario. Every response must: not be a
5xx, have a documented status code and content type, and match the documented schema (the
problem+json documents of 4xx answers included). Bounded and derandomized so the run is fast
and repeatable: ``MAX_EXAMPLES`` per operation and role.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from escalation.deadlines import SlaClock
from reports import assignment, canned, lookups
from reports.actor import Actor
from reports.models import StaffUser
from reports.runtime import Runtime
from tests.console.api_support import bearer, build_scenario, make_tokens
from webhooks.app import create_app

# Real clients / property-based runs: minutes on the 2-core machine (make test-fast skips them).
pytestmark = pytest.mark.slow

MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def tokens(
    sessions: sessionmaker[Session], clock: SlaClock, staff_users: dict[str, StaffUser]
) -> dict[str, str]:
    scenario = build_scenario(sessions, clock, staff_users)
    # Data for the optional parts of the responses: an assignee and a canned answer.
    now = datetime.now(UTC)
    with sessions() as db, db.begin():
        head = Actor.staff(db.merge(staff_users["head"]))
        report = lookups.get_report(db, scenario.codes["pupr_public"])
        assignment.assign(
            db, clock=clock, report=report, actor=head,
            assignee_id=staff_users["officer"].id, now=now,
        )  # fmt: skip
        canned.create(
            db, actor=head, agency_id=report.agency_id or 0, title="Jadwal perbaikan",
            body="Perbaikan dijadwalkan pada anggaran tahun depan.", now=now,
        )  # fmt: skip
    return make_tokens(sessions, staff_users)


#: The app whose schema is read at collection (schemathesis parametrizes per operation then);
#: each test hands it that test's runtime (database) before any request is made. The schema is
#: taken from ``app.openapi()``, not fetched with ``from_asgi``: fetching runs the app's lifespan,
#: which builds a runtime of its own and starts the outbox worker while tests are being collected
#: (a thread left running that printed a traceback at exit).
APP = create_app(Settings(environment="test", run_scheduler_in_process=False))
loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(APP.openapi())))
loaded.app = APP
schema = loaded.include(path_regex=r"^/(api/v1|open311/v2)/")
# Explicit examples and bounded fuzzing; the coverage phase enumerates every boundary case of every
# parameter (hundreds per operation), too slow for the suite's time budget.
schema.config.phases.update(phases=["examples", "fuzzing"])


@pytest.fixture(autouse=True)
def _wire_app(runtime: Runtime) -> None:
    # Calls go straight to the ASGI app without its lifespan: give it the runtime it would build.
    APP.state.runtime = runtime


SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@SETTINGS
def test_api_conforms_to_its_schema(case: Case[Any], tokens: dict[str, str]) -> None:
    """Each generated request is sent as a verifier and as an officer (one setup for both)."""
    for role in ("verifier", "officer"):
        case.call_and_validate(headers=bearer(tokens[role]), checks=CHECKS)


@pytest.mark.slow
def test_collecting_this_module_starts_nothing(tmp_path: Path) -> None:
    """Importing the module (what collection does) leaves no thread behind and prints nothing.

    A fresh interpreter, so the import really happens; the data directory is empty and must stay
    so (a lifespan run at import built a runtime there, with its SQLite file).
    """
    probe = (
        "import threading, tests.console.test_schemathesis as m\n"
        "print(sorted(t.name for t in threading.enumerate()))\n"
    )
    env = {**os.environ, "SUARAWARGA_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['MainThread']"
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []
