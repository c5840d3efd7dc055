"""What a manager reads about lateness: ``sla_history`` on a report (API, console page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from escalation.sweep import run_sweep
from reports import service
from reports.enums import Channel, Privacy, ReportType
from reports.models import StaffUser
from reports.service import Actor
from tests.console.api_support import bearer, make_tokens, quick_staff
from tests.console.conftest import sign_in


@pytest.fixture
def staff_users(sessions: sessionmaker[Session]) -> dict[str, StaffUser]:
    return quick_staff(sessions)


@pytest.fixture
def tokens(sessions: sessionmaker[Session], staff_users: dict[str, StaffUser]) -> dict[str, str]:
    return make_tokens(sessions, staff_users)


def late_verified_report(
    sessions: sessionmaker[Session], clock: SlaClock, users: dict[str, StaffUser]
) -> str:
    """Submitted three weeks ago, breached at verification, forwarded today to pupr."""
    now = datetime.now(UTC)
    with sessions() as db, db.begin():
        citizen = service.get_or_create_citizen(
            db, channel=Channel.WEB, external_id="late-1", now=now - timedelta(days=21)
        )
        report = service.submit_report(
            db,
            clock=clock,
            citizen=citizen,
            channel=Channel.WEB,
            report_type=ReportType.COMPLAINT,
            title="Jalan berlubang",
            body="Jalan di depan pasar berlubang besar.",
            privacy=Privacy.PUBLIC,
            now=now - timedelta(days=21),
        )
        code = report.tracking_code
    run_sweep(sessions, clock=clock, now=now)
    with sessions() as db, db.begin():
        service.verify_and_forward(
            db,
            clock=clock,
            report=service.get_report(db, code),
            actor=Actor.staff(db.merge(users["verifier"])),
            agency_code="pupr",
            now=now,
        )
    return code


def test_api_and_page_keep_the_breach_after_the_clock_moved_on(
    client: TestClient,
    sessions: sessionmaker[Session],
    clock: SlaClock,
    staff_users: dict[str, StaffUser],
    tokens: dict[str, str],
) -> None:
    code = late_verified_report(sessions, clock, staff_users)
    body = client.get(f"/api/v1/reports/{code}", headers=bearer(tokens["manager"])).json()
    assert body["escalation_level"] == 0 and body["status"] == "forwarded"
    [breach] = body["sla_history"]
    # Three calendar weeks hold at least ten working days; 3 went to the verification window.
    assert breach["stage"] == "verify" and breach["working_days_late"] >= 7
    assert breach["ongoing"] is False and breach["max_level"] >= 2
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert "sla_history" in schema["ReportDetail"]["properties"]

    sign_in(client, "manager")
    page = client.get(f"/console/reports/{code}")
    assert page.status_code == 200
    assert 'id="sla-history"' in page.text and "Verifikasi: terlambat" in page.text
