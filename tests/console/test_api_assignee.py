"""The assignee in the REST API, on SQLite and PostgreSQL: shown on the list and on one report
(id and name), and ``?assignee=me|none|<id>`` filtering like the inbox's views, never past the
caller's agency."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from reports import assignment
from reports.actor import Actor
from reports.models import Report, StaffUser
from tests.console.api_support import Scenario, bearer, build_scenario


@pytest.fixture
def scenario(
    sessions: sessionmaker[Session], clock: SlaClock, staff_users: dict[str, StaffUser]
) -> Scenario:
    scenario = build_scenario(sessions, clock, staff_users)
    with sessions() as db, db.begin():
        head = Actor.staff(db.merge(staff_users["head"]))
        officer = db.merge(staff_users["officer"])
        report = db.scalar(
            select(Report).where(Report.tracking_code == scenario.codes["pupr_public"])
        )
        assert report is not None
        assignment.assign(
            db, clock=clock, report=report, actor=head, assignee_id=officer.id,
            now=datetime.now(UTC),
        )  # fmt: skip
    return scenario


def _items(client: TestClient, token: str, **params: object) -> list[dict[str, object]]:
    response = client.get("/api/v1/reports", headers=bearer(token), params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def test_the_list_and_the_report_name_the_assignee(
    client: TestClient,
    scenario: Scenario,
    tokens: dict[str, str],
    staff_users: dict[str, StaffUser],
) -> None:
    officer = staff_users["officer"]
    by_code = {i["code"]: i for i in _items(client, tokens["head"], limit=100)}
    assert by_code[scenario.codes["pupr_public"]]["assignee"] == {
        "id": officer.id,
        "name": "Officer",
    }
    assert by_code[scenario.codes["pupr_anonymous"]]["assignee"] is None
    one = client.get(
        f"/api/v1/reports/{scenario.codes['pupr_public']}", headers=bearer(tokens["officer"])
    )
    assert one.status_code == 200
    assert one.json()["assignee"] == {"id": officer.id, "name": "Officer"}


def test_filter_me_none_and_an_id(
    client: TestClient,
    scenario: Scenario,
    tokens: dict[str, str],
    staff_users: dict[str, StaffUser],
) -> None:
    c = scenario.codes
    officer = staff_users["officer"]
    mine = [i["code"] for i in _items(client, tokens["officer"], assignee="me")]
    assert mine == [c["pupr_public"]]
    assert _items(client, tokens["head"], assignee="me") == []
    unassigned = {i["code"] for i in _items(client, tokens["officer"], assignee="none")}
    assert unassigned == {c["pupr_anonymous"], c["pupr_confidential"]}
    by_id = [i["code"] for i in _items(client, tokens["verifier"], assignee=str(officer.id))]
    assert by_id == [c["pupr_public"]]
    # Another agency's officer asking for this officer's reports gets nothing of theirs.
    assert _items(client, tokens["other.officer"], assignee=str(officer.id)) == []
    # The export applies the same filter (one ReportFilters for both).
    export = client.get(
        "/api/v1/reports/export", headers=bearer(tokens["head"]), params={"assignee": "me"}
    )
    assert export.status_code == 200 and c["pupr_public"] not in export.text
    export = client.get(
        "/api/v1/reports/export",
        headers=bearer(tokens["head"]),
        params={"assignee": str(officer.id)},
    )
    assert c["pupr_public"] in export.text and c["pupr_anonymous"] not in export.text


@pytest.mark.parametrize("bad", ["someone", "-1", "0", "99999999999", "2147483648", ""])
def test_bad_assignee_is_a_422(
    client: TestClient, scenario: Scenario, tokens: dict[str, str], bad: str
) -> None:
    response = client.get(
        "/api/v1/reports", headers=bearer(tokens["head"]), params={"assignee": bad}
    )
    assert response.status_code == 422, response.text


def test_openapi_documents_the_assignee_and_canned_answers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/reports", "/api/v1/reports/export"):
        [param] = [p for p in paths[path]["get"]["parameters"] if p["name"] == "assignee"]
        assert param["schema"]["anyOf"][0]["pattern"] == "^(me|none|[0-9]{1,10})$"
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "assignee" in schemas["ReportSummary"]["properties"]
    assert "assignee" in schemas["ReportDetail"]["properties"]
    canned = paths["/api/v1/canned-answers"]["get"]
    assert {"200", "401", "403"} <= canned["responses"].keys()
