"""Citizen text is shown inert everywhere in the console, and exports never carry live formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from reports import citizen_cases, lookups, staff_cases
from reports.actor import Actor
from reports.enums import Channel
from reports.models import StaffUser
from tests import factories
from tests.console.conftest import sign_in

PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example","klik")'


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def hostile(
    sessions: sessionmaker[Session], clock: SlaClock, staff_users: dict[str, StaffUser]
) -> dict[str, str]:
    """One report still in the queue and one forwarded, answered-in-thread and escalated, all
    carrying HTML and script in every citizen-controlled field."""
    now = datetime.now(UTC)
    codes: dict[str, str] = {}
    with sessions() as db, db.begin():
        for key in ("queued", "forwarded"):
            citizen = factories.citizen(db, now, Channel.WEB, f"web-{key}-{PAYLOAD}", PAYLOAD)
            report = factories.report(
                db, clock, now, who=citizen, channel=Channel.WEB, title=f"{FORMULA} {PAYLOAD}",
                body=f"Isi {PAYLOAD}\n<b>tebal</b>", location_text=PAYLOAD, category=PAYLOAD,
                nlu=citizen_cases.NluSuggestion(type=PAYLOAD, agency_code="pupr",
                                                agency_confidence=0.9,
                                                ranking={"agency": [[PAYLOAD, 0.5]]}),
            )  # fmt: skip
            codes[key] = report.tracking_code
        report = lookups.get_report(db, codes["forwarded"])
        staff_cases.verify_and_forward(
            db, clock=clock, report=report, actor=Actor.staff(staff_users["verifier"]),
            agency_code="pupr", now=now,
        )  # fmt: skip
        staff_cases.request_info(
            db, clock=clock, report=report, actor=Actor.staff(staff_users["officer"]),
            question=f"Pertanyaan {PAYLOAD}", now=now,
        )  # fmt: skip
        citizen_cases.provide_info(
            db, clock=clock, report=report, actor=Actor.citizen(report.citizen_id),
            text=f"Balasan {PAYLOAD}", now=now,
        )  # fmt: skip
        report.escalation_level = 1  # shown in the dashboard's current escalations
    return codes


def _assert_inert(html: str) -> None:
    assert PAYLOAD not in html
    assert "<script>alert" not in html and "onerror=alert(1)>" not in html
    assert "<b>tebal</b>" not in html


PAGES = {
    "verifier": ["/console/queue", "/console/reports", "/console/dashboard",
                 "/console/reports/{queued}", "/console/reports/{forwarded}"],
    "officer": ["/console/inbox", "/console/reports", "/console/reports/{forwarded}"],
    "manager": ["/console/dashboard", "/console/reports/{forwarded}", "/console/reports/{queued}"],
}  # fmt: skip


@pytest.mark.parametrize("who", sorted(PAGES))
def test_citizen_html_is_escaped_on_every_page(
    client: TestClient, hostile: dict[str, str], who: str
) -> None:
    sign_in(client, who)
    for template in PAGES[who]:
        response = client.get(template.format(**hostile))
        assert response.status_code == 200, template
        html = response.text
        _assert_inert(html)
        assert "&lt;script&gt;" in html, template  # the text is there, as text
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'self'" in csp


def test_exports_do_not_carry_live_formulas(client: TestClient, hostile: dict[str, str]) -> None:
    sign_in(client, "manager")
    body = client.get("/console/dashboard.csv").content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    titles = [c for c in cells if "HYPERLINK" in c]
    assert titles and all(c.startswith("'=") for c in titles)
    book = load_workbook(io.BytesIO(client.get("/console/dashboard.xlsx").content))
    values = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    linked = [v for v in values if isinstance(v, str) and "HYPERLINK" in v]
    assert linked and all(v.startswith("'=") for v in linked)
