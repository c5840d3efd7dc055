"""Flags for reports the citizen pushed back on, attachments inline, and the console's own 404
page for a report of another agency (issue 13, points 7 and 8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from reports import attachments, citizen_cases, lookups, staff_cases
from reports.actor import Actor
from reports.models import StaffUser
from tests import factories
from tests.console.api_support import Scenario
from tests.console.conftest import sign_in


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


def test_not_satisfied_and_reopened_are_flagged_in_every_list(
    client: TestClient,
    scenario: Scenario,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    now = datetime.now(UTC)
    officer = Actor.staff(staff_users["officer"])
    back, reopened = scenario.codes["pupr_public"], scenario.codes["pupr_anonymous"]
    with sessions() as db, db.begin():
        report = lookups.get_report(db, back)
        staff_cases.answer(db, clock=clock, report=report, actor=officer, text="Sudah.", now=now)
        citizen_cases.citizen_respond(
            db, clock=clock, report=report, actor=Actor.citizen(report.citizen_id),
            text="Belum beres.", now=now + timedelta(minutes=5),
        )  # fmt: skip
        other = lookups.get_report(db, reopened)
        staff_cases.answer(db, clock=clock, report=other, actor=officer, text="Sudah.", now=now)
        citizen = Actor.citizen(other.citizen_id)
        citizen_cases.citizen_accept(db, clock=clock, report=other, actor=citizen, now=now)
        citizen_cases.reopen(
            db, clock=clock, report=other, actor=citizen, text="Ternyata belum.",
            now=now + timedelta(minutes=5),
        )  # fmt: skip
    sign_in(client, "officer")
    for url in ("/console/inbox", "/console/reports"):
        page = client.get(url).text
        row = page[page.index(back) :].split("</tr>", 1)[0]
        assert 'data-flag="not_satisfied"' in row and "Pelapor belum puas" in row, url
        row = page[page.index(reopened) :].split("</tr>", 1)[0]
        assert 'data-flag="reopened"' in row and "Dibuka kembali" in row, url
        row = page[page.index(scenario.codes["pupr_confidential"]) :].split("</tr>", 1)[0]
        assert "data-flag" not in row
    assert 'data-flag="not_satisfied"' in client.get(f"/console/reports/{back}").text


def test_another_agencys_report_is_the_consoles_404_page(
    client: TestClient, scenario: Scenario
) -> None:
    sign_in(client, "officer")
    for url in (
        f"/console/reports/{scenario.codes['other_public']}",
        "/console/reports/SW-0000-0000",
        f"/console/reports/{scenario.codes['other_public']}/attachments/1",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Laporan tidak ditemukan atau bukan wewenang Anda." in response.text
        assert "report not found" not in response.text
        assert 'href="/console/inbox"' in response.text  # the console's own frame


def test_images_inline_and_pdfs_as_links(
    client: TestClient,
    scenario: Scenario,
    sessions: sessionmaker[Session],
    console_settings: object,
) -> None:
    code = scenario.codes["pupr_public"]
    with sessions() as db, db.begin():
        report = lookups.get_report(db, code)
        root = console_settings.attachments_dir  # type: ignore[attr-defined]
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
        for name, data, kind in (
            ("foto.png", png, "image/png"),
            ("surat.pdf", b"%PDF-1.4\n", "application/pdf"),
        ):
            item = attachments.store(
                db, root=root, filename=name, content_type=kind, data=data,
                citizen_id=report.citizen_id, now=datetime.now(UTC),
            )  # fmt: skip
            item.report_id = report.id
    sign_in(client, "officer")
    page = client.get(f"/console/reports/{code}").text
    assert '<img class="thumb"' in page and 'alt="foto.png"' in page
    assert "surat.pdf</a>" in page and page.count("<img") == 1
    client.cookies.clear()
    sign_in(client, "other.officer")
    assert client.get(f"/console/reports/{code}").status_code == 404


def test_readable_wording_for_reporter_deadlines_and_confirmations(
    client: TestClient, sessions: sessionmaker[Session], clock: SlaClock, staff_users: object
) -> None:
    """Point 9: no hash for a web-chat reporter, no internal code for a missed deadline, and a
    confirmation that says what will happen."""
    from escalation.sweep import run_sweep
    from reports.enums import Channel

    now = datetime.now(UTC) - timedelta(days=20)
    with sessions() as db, db.begin():
        code = factories.report(
            db, clock, now, channel=Channel.WEB, external_id="9f86d081884c7d659a2feaa0c55ad015",
            title="Pohon tumbang", body="Pohon tumbang menutup jalan.",
        ).tracking_code  # fmt: skip
    run_sweep(sessions, clock=clock, now=datetime.now(UTC))
    sign_in(client, "verifier")
    page = client.get(f"/console/reports/{code}").text
    assert "Warga (web chat)" in page and "9f86d081884c7d659a2feaa0c55ad015" not in page
    assert "Batas verifikasi terlewati" in page and "deadline missed" not in page
    assert "Arsipkan laporan " + code + " tanpa tindak lanjut?" in page
    assert "Yakin?" not in page
