"""Assignment in the agency inbox and full-text search (console list and ``GET /api/v1/reports?q=``)
on SQLite and PostgreSQL, through the real app: officers find and take only their agency's
reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from console.views.common import get_now
from reports import lookups
from reports.models import OutboxMessage, Report, ReportEvent, StaffUser
from tests.console.api_support import Scenario, bearer, make_tokens
from tests.console.conftest import csrf_from, sign_in


def _assign(client: TestClient, code: str, assignee: str) -> int:
    token = csrf_from(client.get("/console/reports").text)
    response = client.post(
        f"/console/reports/{code}/assign",
        data={"csrf_token": token, "assignee": assignee},
        follow_redirects=False,
    )
    return int(response.status_code)


def _assignee(sessions: sessionmaker[Session], code: str) -> int | None:
    with sessions() as db:
        return lookups.get_report(db, code).assignee_id


def test_head_assigns_officer_takes_and_the_inbox_views(
    client: TestClient,
    app: FastAPI,
    scenario: Scenario,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
) -> None:
    public, anon = scenario.codes["pupr_public"], scenario.codes["pupr_anonymous"]
    officer, head = staff_users["officer"], staff_users["head"]
    sign_in(client, "head")
    assert _assign(client, public, str(officer.id)) == 303
    assert _assignee(sessions, public) == officer.id
    page = client.get(f"/console/reports/{public}").text
    assert "Officer" in page and "Penugasan petugas diubah" in page  # name and timeline
    # The head cannot hand a report to another agency's officer, nor touch another's report.
    assert _assign(client, public, str(staff_users["other.officer"].id)) == 422
    assert _assign(client, scenario.codes["other_public"], "me") == 404
    with sessions() as db:
        report = lookups.get_report(db, public)
        told = db.scalars(
            select(OutboxMessage.staff_id).where(
                OutboxMessage.report_id == report.id, OutboxMessage.template == "staff_assigned"
            )
        ).all()
        assert told == [officer.id]
        assert db.scalar(select(ReportEvent.actor_id).where(ReportEvent.action == "assign")) == (
            head.id
        )

    client.cookies.clear()
    sign_in(client, "officer")
    assert _assign(client, anon, "me") == 303
    mine = client.get("/console/inbox?view=mine").text
    assert public in mine and anon in mine
    assert scenario.codes["pupr_confidential"] not in mine
    unassigned = client.get("/console/inbox?view=unassigned").text
    assert scenario.codes["pupr_confidential"] in unassigned and public not in unassigned
    assert scenario.codes["other_public"] not in unassigned
    # An officer can neither assign a colleague nor take another agency's report.
    assert _assign(client, scenario.codes["pupr_confidential"], str(head.id)) == 403
    assert _assign(client, scenario.codes["other_public"], "me") == 404
    assert _assign(client, anon, "nobody!") == 422
    assert _assignee(sessions, scenario.codes["other_public"]) is None
    # Nothing is overdue yet; a week later (past 5 working days) all three forwarded ones are.
    assert public not in client.get("/console/inbox?view=overdue").text
    app.dependency_overrides[get_now] = lambda: datetime.now(UTC) + timedelta(days=10)
    try:
        late = client.get("/console/inbox?view=overdue").text
    finally:
        app.dependency_overrides.pop(get_now)
    assert public in late and anon in late and scenario.codes["other_public"] not in late
    assert _assign(client, anon, "") == 303  # release
    assert _assignee(sessions, anon) is None


def _api_codes(client: TestClient, token: str, q: str) -> set[str]:
    response = client.get("/api/v1/reports", headers=bearer(token), params={"q": q, "limit": 100})
    assert response.status_code == 200, response.text
    return {item["code"] for item in response.json()["items"]}


def test_search_respects_the_agency_in_the_api_and_the_console(
    client: TestClient,
    scenario: Scenario,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
) -> None:
    tokens = make_tokens(sessions, staff_users)
    c = scenario.codes
    everything = set(c.values())
    pupr = {c["pupr_public"], c["pupr_anonymous"], c["pupr_confidential"]}
    # Words of the body and the location, in any case, any order; every word must match.
    assert _api_codes(client, tokens["verifier"], "RUSAK jalan") == everything
    assert _api_codes(client, tokens["verifier"], "melati") == everything
    assert _api_codes(client, tokens["officer"], "jalan rusak") == pupr
    assert _api_codes(client, tokens["verifier"], "pupr public") == {c["pupr_public"]}
    assert _api_codes(client, tokens["verifier"], "jalan banjir") == set()
    # A word prefix ("rus" finds "rusak") and part of a tracking code.
    assert _api_codes(client, tokens["verifier"], "rus") == everything
    other = c["other_public"]
    assert _api_codes(client, tokens["verifier"], other[3:].lower()) == {other}
    # An officer searching for another agency's report by its words or its code gets nothing.
    assert _api_codes(client, tokens["officer"], "other") == set()
    assert _api_codes(client, tokens["officer"], other) == set()
    # Operators and punctuation are just text, never a 500 (tsquery syntax is not exposed).
    for junk in ("&|!:*()", "' OR 1=1 --", "100%_\\", "a\x00b", "ǅ"):
        _api_codes(client, tokens["verifier"], junk)
    schema = client.get("/openapi.json").json()
    params = schema["paths"]["/api/v1/reports"]["get"]["parameters"]
    assert "q" in {p["name"] for p in params}

    sign_in(client, "officer")
    page = client.get("/console/reports", params={"q": "jalan rusak"}).text
    assert all(code in page for code in pupr) and other not in page
    assert c["new_public"] not in page
    page = client.get("/console/reports", params={"q": other}).text
    listed = page.split("<table", 1)[1] if "<table" in page else ""
    assert other not in listed  # only in the search box, as typed
    with sessions() as db:
        assert db.scalar(select(Report).where(Report.tracking_code == other)) is not None
