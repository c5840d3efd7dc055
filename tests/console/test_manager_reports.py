"""What a manager reads about lateness: ``sla_history`` on a report (API, console page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from escalation.sweep import run_sweep
from reports import citizen_cases, lookups, staff_cases
from reports.actor import Actor
from reports.enums import Channel, ReportType
from reports.models import StaffUser
from tests import factories
from tests.console.api_support import bearer
from tests.console.conftest import sign_in


def late_verified_report(
    sessions: sessionmaker[Session], clock: SlaClock, users: dict[str, StaffUser]
) -> str:
    """Submitted three weeks ago, breached at verification, forwarded today to pupr."""
    now = datetime.now(UTC)
    with sessions() as db, db.begin():
        code = factories.report(
            db, clock, now - timedelta(days=21), channel=Channel.WEB, external_id="late-1"
        ).tracking_code
    run_sweep(sessions, clock=clock, now=now)
    with sessions() as db, db.begin():
        factories.forward(db, clock, lookups.get_report(db, code), users["verifier"], now)
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


def answered_and_rated_report(
    sessions: sessionmaker[Session], clock: SlaClock, users: dict[str, StaffUser]
) -> str:
    """Submitted, forwarded and answered on time four weeks ago, then finished and rated."""
    from reports.satisfaction import ELEMENTS, record_rating

    t0 = datetime.now(UTC) - timedelta(days=28)
    with sessions() as db, db.begin():
        citizen = factories.citizen(db, t0, Channel.WEB, "rated-1")
        report = factories.report(
            db,
            clock,
            t0,
            who=citizen,
            channel=Channel.WEB,
            report_type=ReportType.ASPIRATION,
            title="Taman kota",
            body="Mohon dibangun taman di kelurahan kami.",
        )
        factories.forward(
            db, clock, report, users["verifier"], t0 + timedelta(hours=2), "lingkungan"
        )
        staff_cases.answer(
            db,
            clock=clock,
            report=report,
            actor=Actor.staff(db.merge(users["other.officer"])),
            text="Sudah masuk rencana tahun depan.",
            now=t0 + timedelta(hours=5),
        )
        citizen_cases.citizen_accept(
            db,
            clock=clock,
            report=report,
            actor=Actor.citizen(citizen.id),
            now=t0 + timedelta(hours=6),
        )
        for element, score in zip(ELEMENTS[:4], (4, 3, 4, 3), strict=True):
            record_rating(
                db,
                report=report,
                citizen_id=citizen.id,
                element=element,
                score=score,
                now=t0 + timedelta(hours=7),
            )
        return report.tracking_code


def _csv_rows(text: str) -> dict[str, dict[str, str]]:
    import csv
    import io

    return {row["code"]: row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}


def test_export_csv_has_lateness_and_satisfaction_per_report(
    client: TestClient,
    sessions: sessionmaker[Session],
    clock: SlaClock,
    staff_users: dict[str, StaffUser],
    tokens: dict[str, str],
) -> None:
    late = late_verified_report(sessions, clock, staff_users)
    rated = answered_and_rated_report(sessions, clock, staff_users)
    response = client.get(
        "/api/v1/reports/export", params={"format": "csv"}, headers=bearer(tokens["manager"])
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = _csv_rows(response.text)
    assert rows.keys() == {late, rated}
    assert rows[late]["verify_late"] == "True" and int(rows[late]["verify_working_days_late"]) >= 7
    assert rows[late]["respond_late"] == "False" and rows[late]["respond_working_days_late"] == ""
    assert rows[late]["agency"] == "Dinas Pekerjaan Umum dan Penataan Ruang"
    assert rows[rated]["verify_late"] == "False" and rows[rated]["status"] == "finished"
    assert rows[rated]["satisfaction_ikm"] == "87.5"  # 25 × mean(4, 3, 4, 3)
    assert rows[late]["created_at"].endswith("+07:00")  # local time, with its offset

    # Same filters as the list: the period, the agency, the type.
    since = (datetime.now(UTC) - timedelta(days=25)).isoformat()
    by_period = client.get(
        "/api/v1/reports/export",
        params={"created_from": since},
        headers=bearer(tokens["manager"]),
    )
    assert _csv_rows(by_period.text).keys() == {late}
    by_type = client.get(
        "/api/v1/reports/export", params={"type": "aspiration"}, headers=bearer(tokens["manager"])
    )
    assert _csv_rows(by_type.text).keys() == {rated}
    # RBAC as the list: an officer exports their own agency's reports only.
    mine = client.get("/api/v1/reports/export", headers=bearer(tokens["other.officer"]))
    assert _csv_rows(mine.text).keys() == {rated}
    # Bad input is a clear 4xx.
    bad = client.get(
        "/api/v1/reports/export", params={"format": "pdf"}, headers=bearer(tokens["manager"])
    )
    assert bad.status_code == 422
    assert client.get("/api/v1/reports/export").status_code == 401
    unknown = client.get(
        "/api/v1/reports/export", params={"agency": "nope"}, headers=bearer(tokens["manager"])
    )
    assert unknown.status_code == 422


def test_export_xlsx_has_real_date_cells(
    client: TestClient,
    sessions: sessionmaker[Session],
    clock: SlaClock,
    staff_users: dict[str, StaffUser],
    tokens: dict[str, str],
) -> None:
    import io

    from openpyxl import load_workbook

    late = late_verified_report(sessions, clock, staff_users)
    response = client.get(
        "/api/v1/reports/export", params={"format": "xlsx"}, headers=bearer(tokens["manager"])
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[0] == "code" and "created_at (Asia/Jakarta)" in header
    row = [c for c in sheet[2]]
    assert row[0].value == late
    created = row[header.index("created_at (Asia/Jakarta)")]
    assert isinstance(created.value, datetime) and created.is_date
    assert row[header.index("verify_late")].value is True


def test_dashboard_links_the_per_report_export(
    client: TestClient, staff_users: dict[str, StaffUser]
) -> None:
    sign_in(client, "manager")
    page = client.get("/console/dashboard", params={"since": "2026-11-01", "until": "2026-11-30"})
    assert page.status_code == 200
    import re

    link = re.search(r'id="export-reports-xlsx" href="([^"]+)"', page.text)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    assert "created_from=2026-11-01T00%3A00%3A00%2B07%3A00" in url
    download = client.get(url)  # the console's session is enough, as for the list
    assert download.status_code == 200 and download.content[:2] == b"PK"
    schema = client.get("/openapi.json").json()
    export = schema["paths"]["/api/v1/reports/export"]["get"]
    assert {p["name"] for p in export["parameters"]} >= {"format", "created_from", "agency", "type"}


def test_openapi_declares_how_to_authenticate(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["apiToken"]["description"],
    }
    assert schemes["consoleSession"]["in"] == "cookie"
    assert schemes["consoleSession"]["name"] == "sw_session"
    listing = schema["paths"]["/api/v1/reports"]["get"]
    assert {"apiToken": []} in listing["security"] and {"consoleSession": []} in listing["security"]
    # Declaring the schemes changed no answer: still our problem+json 401 without credentials.
    response = client.get("/api/v1/reports")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
