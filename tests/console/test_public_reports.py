"""The public list ``/laporan``: verified, non-confidential reports, never the reporter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from reports import staff_cases
from reports.actor import Actor
from reports.enums import Channel
from reports.models import StaffUser
from tests import factories
from tests.console.api_support import Scenario


def test_only_verified_non_confidential_reports_and_never_a_reporter(
    client: TestClient, scenario: Scenario
) -> None:
    page = client.get("/laporan")
    assert page.status_code == 200
    text = page.text
    for name in ("pupr_public", "pupr_anonymous", "other_public", "other_anonymous"):
        assert scenario.titles[name] in text, name
        assert scenario.codes[name] in text, name
    for name in ("pupr_confidential", "new_public", "new_anonymous", "new_confidential"):
        assert scenario.titles[name] not in text, name
        assert scenario.codes[name] not in text, name
    for name, identity in scenario.identities.items():
        assert not any(s in text for s in identity), name
    assert "Isi laporan" not in text and "whatsapp" not in text.lower()


def test_filters_by_agency_type_status_and_area(client: TestClient, scenario: Scenario) -> None:
    pupr = client.get("/laporan", params={"agency": "pupr"}).text
    assert scenario.titles["pupr_public"] in pupr
    assert scenario.titles["other_public"] not in pupr
    assert (
        scenario.titles["pupr_public"]
        not in client.get("/laporan", params={"type": "aspiration"}).text
    )
    assert (
        scenario.titles["pupr_public"]
        not in client.get("/laporan", params={"status": "answered"}).text
    )
    assert (
        scenario.titles["pupr_public"]
        in client.get("/laporan", params={"status": "forwarded", "area": "melati"}).text
    )
    nowhere = client.get("/laporan", params={"area": "Jl. Mawar"}).text
    assert scenario.titles["pupr_public"] not in nowhere and 'data-testid="none"' in nowhere
    # Unknown values are ignored; hostile ones are inert or a clear 422.
    assert client.get("/laporan", params={"agency": "nope", "type": "x"}).status_code == 200
    assert "<script>" not in client.get("/laporan", params={"area": "<script>"}).text
    assert client.get("/laporan", params={"area": "%_\\"}).status_code == 200
    assert client.get("/laporan", params={"before": 2**40}).status_code == 422


def test_each_agency_on_time_share(
    client: TestClient,
    sessions: sessionmaker[Session],
    clock: SlaClock,
    staff_users: dict[str, StaffUser],
) -> None:
    t0 = datetime.now(UTC) - timedelta(days=60)
    with sessions() as db, db.begin():
        citizen = factories.citizen(db, t0, Channel.WEB, "w")
        for late in (False, True):
            report = factories.report(
                db, clock, t0, who=citizen, channel=Channel.WEB, title=f"Jalan {late}", body="b"
            )
            factories.forward(db, clock, report, staff_users["verifier"], t0)
            staff_cases.answer(
                db, clock=clock, report=report, text="ok",
                actor=Actor.staff(db.merge(staff_users["officer"])),
                now=t0 + timedelta(days=40 if late else 1),
            )  # fmt: skip
    text = client.get("/laporan").text
    row = text[text.index('data-testid="on-time"') :]
    row = row[row.index("Dinas Pekerjaan Umum") :]
    assert "50.0%" in row[: row.index("</tr>")]
    english = client.get("/laporan", params={"lang": "en"}).text
    assert "Follow-up on time, per agency" in english and "Privacy" not in english
