"""The public tracking page ``/t/{code}``: stage and dates only, nothing about the reporter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from reports.enums import Channel
from reports.models import StaffUser
from tests import factories
from tests.console.api_support import Scenario


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """One backend is enough: the page is one lookup by a unique code (API tests cover both)."""
    return sqlite_url


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_public_report_shows_stage_title_and_local_dates(
    client: TestClient, scenario: Scenario
) -> None:
    page = client.get(f"/t/{scenario.codes['pupr_public']}")
    assert page.status_code == 200
    text = page.text
    assert "Sedang ditindaklanjuti instansi" in text
    assert scenario.titles["pupr_public"] in text
    assert "Dinas Pekerjaan Umum dan Penataan Ruang" in text
    assert "Batas tindak lanjut instansi" in text and "23:59 WIB" in text
    assert "Diterima" in text and "Diverifikasi" in text
    assert page.headers["cache-control"] == "no-store"
    english = client.get(f"/t/{scenario.codes['pupr_public']}", params={"lang": "en"}).text
    assert "Being followed up by the agency" in english and "Agency follow-up due" in english
    assert '<html lang="en">' in english


def test_no_reporter_and_no_body_for_any_report(client: TestClient, scenario: Scenario) -> None:
    for name, code in scenario.codes.items():
        text = client.get(f"/t/{code}").text
        assert not any(s in text for s in scenario.identities[name]), name
        assert "whatsapp" not in text.lower() and "Isi laporan" not in text, name


def test_confidential_shows_stage_and_dates_only(client: TestClient, scenario: Scenario) -> None:
    text = client.get(f"/t/{scenario.codes['pupr_confidential']}").text
    assert "Sedang ditindaklanjuti instansi" in text and "Batas tindak lanjut instansi" in text
    assert "bersifat rahasia" in text
    assert scenario.titles["pupr_confidential"] not in text
    assert "Dinas Pekerjaan Umum" not in text and "Jl. Melati" not in text


def test_unverified_report_shows_no_content_yet(client: TestClient, scenario: Scenario) -> None:
    text = client.get(f"/t/{scenario.codes['new_public']}").text
    assert "Menunggu verifikasi" in text and "Batas verifikasi" in text
    assert scenario.titles["new_public"] not in text


def test_unknown_and_malformed_codes_look_the_same(client: TestClient, scenario: Scenario) -> None:
    pages = [
        client.get(f"/t/{code}")
        for code in ("SW-0000-0000", "garbage", "SW-IIII-####", "x" * 300, "%3Cscript%3E")
    ]
    assert {p.status_code for p in pages} == {404}
    assert len({p.text for p in pages}) == 1
    assert "SW-0000-0000" not in pages[0].text


def test_code_is_forgiving_about_spelling(client: TestClient, scenario: Scenario) -> None:
    code = scenario.codes["pupr_public"]
    sloppy = code.lower().replace("-", " ")
    page = client.get(f"/t/{sloppy}")
    assert page.status_code == 200 and code in page.text


def test_citizen_text_is_inert(
    client: TestClient,
    sessions: sessionmaker[Session],
    clock: SlaClock,
    staff_users: dict[str, StaffUser],
) -> None:
    now = datetime.now(UTC) - timedelta(hours=2)
    with sessions() as db, db.begin():
        report = factories.report(
            db,
            clock,
            now,
            channel=Channel.WEB,
            title='<script>alert("x")</script><img src=x onerror=alert(1)>',
            body="isi",
        )
        code = factories.forward(db, clock, report, staff_users["verifier"], now).tracking_code
    text = client.get(f"/t/{code}").text
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;" in text


def test_page_costs_seven_indexed_lookups(
    client: TestClient, scenario: Scenario, statements: list[str]
) -> None:
    """The code, the agency, then events, forwards, answer and photos each by report id, and
    how many citizens reported it (``reports.groups.reporter_count``, one statement)."""
    client.get(f"/t/{scenario.codes['pupr_public']}")
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 7, selects
    assert "WHERE reports.tracking_code =" in selects[0]
    assert all(".report_id = " in s for s in selects[2:6]), selects[2:6]
    assert "reports.duplicate_of_id = " in selects[6]
    statements.clear()
    client.get("/t/not-a-code")
    assert statements == []
