"""REST API ``/api/v1`` through the real app, on SQLite and PostgreSQL.

Visibility per role, every filter, keyset pagination, reporter identity rules, the lifecycle
actions end to end and the mapping of domain refusals to problem+json statuses.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from reports.enums import Status
from reports.models import ApiToken, OutboxMessage, Report, StaffUser
from tests.console.api_support import (
    Scenario,
    bearer,
)
from tests.console.conftest import page_csrf, sign_in

PROBLEM = "application/problem+json"


def _codes(client: TestClient, token: str, **params: object) -> list[str]:
    response = client.get("/api/v1/reports", headers=bearer(token), params=params)
    assert response.status_code == 200, response.text
    return [item["code"] for item in response.json()["items"]]


def test_each_role_lists_exactly_what_it_may_see(
    client: TestClient, scenario: Scenario, tokens: dict[str, str]
) -> None:
    everything = set(scenario.codes.values())
    pupr = {scenario.codes[n] for n in ("pupr_public", "pupr_anonymous", "pupr_confidential")}
    other = {scenario.codes[n] for n in ("other_public", "other_anonymous")}
    for user in ("admin", "verifier", "manager"):
        assert set(_codes(client, tokens[user], limit=100)) == everything, user
    for user in ("officer", "head"):
        assert set(_codes(client, tokens[user], limit=100)) == pupr, user
    for user in ("other.officer", "other.head"):
        assert set(_codes(client, tokens[user], limit=100)) == other, user
    # A filter on another agency gives an officer nothing, not that agency's reports.
    assert _codes(client, tokens["officer"], agency="lingkungan") == []


def test_filters(client: TestClient, scenario: Scenario, tokens: dict[str, str]) -> None:
    token = tokens["verifier"]
    c = scenario.codes
    new = {c["new_public"], c["new_anonymous"], c["new_confidential"]}
    assert set(_codes(client, token, status="submitted")) == new
    assert set(_codes(client, token, status=["submitted", "forwarded"], limit=100)) == set(
        c.values()
    )
    assert set(_codes(client, token, agency="lingkungan")) == {
        c["other_public"],
        c["other_anonymous"],
    }
    assert set(_codes(client, token, privacy="confidential")) == {
        c["pupr_confidential"],
        c["new_confidential"],
    }
    assert _codes(client, token, type="aspiration") == []
    now = datetime.now(UTC)
    assert len(_codes(client, token, created_from=(now - timedelta(days=2)).isoformat())) == 8
    assert _codes(client, token, created_from=now.isoformat()) == []
    assert _codes(client, token, created_to=(now - timedelta(days=3)).isoformat()) == []
    # Nothing is overdue a day after submission; everything is "not overdue".
    assert _codes(client, token, overdue=True) == []
    assert len(_codes(client, token, overdue=False, limit=100)) == 8
    # Due dates: verification (3 working days) and follow-up (5) are both within 10 days.
    soon = (now + timedelta(days=10)).isoformat()
    assert len(_codes(client, token, due_to=soon, limit=100)) == 8
    assert _codes(client, token, due_from=soon) == []


def test_overdue_filter_finds_a_late_report(
    client: TestClient,
    sessions: sessionmaker[Session],
    scenario: Scenario,
    tokens: dict[str, str],
) -> None:
    with sessions() as db, db.begin():
        report = db.scalar(
            select(Report).where(Report.tracking_code == scenario.codes["pupr_public"])
        )
        assert report is not None
        report.response_due_at = datetime.now(UTC) - timedelta(hours=1)
    assert _codes(client, tokens["officer"], overdue=True) == [scenario.codes["pupr_public"]]
    body = client.get(
        f"/api/v1/reports/{scenario.codes['pupr_public']}", headers=bearer(tokens["officer"])
    ).json()
    assert body["overdue"] is True and body["stage"] == "respond"


@pytest.mark.parametrize("order", ["newest", "due"])
def test_cursor_pagination_walks_every_report_once(
    client: TestClient, scenario: Scenario, tokens: dict[str, str], order: str
) -> None:
    # Two closed reports (no deadline): the "due" order puts them last, after a phase switch.
    for name in ("new_public", "new_confidential"):
        response = client.post(
            f"/api/v1/reports/{scenario.codes[name]}/archive",
            headers=bearer(tokens["verifier"]),
            json={"reason": "spam"},
        )
        assert response.status_code == 200
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, object] = {"limit": 3, "order": order}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/reports", headers=bearer(tokens["verifier"]), params=params)
        assert page.status_code == 200, page.text
        seen += [i["code"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(scenario.codes.values())
    if order == "due":
        dues = [
            client.get(f"/api/v1/reports/{code}", headers=bearer(tokens["verifier"])).json()[
                "due_at"
            ]
            for code in seen
        ]
        assert dues[-2:] == [None, None] and None not in dues[:-2]
        assert dues[:-2] == sorted(dues[:-2])


def test_bad_parameters_are_problems_not_500s(
    client: TestClient, scenario: Scenario, tokens: dict[str, str]
) -> None:
    h = bearer(tokens["verifier"])
    for params in (
        {"cursor": "not-a-cursor"},
        {"cursor": "eyJvIjoiZHVlIiwiaWQiOjF9", "order": "newest"},  # a "due" cursor
        {"agency": "nope"},
        {"limit": 1000},
        {"status": "bogus"},
        {"created_from": "2026-11-01T00:00:00"},  # no offset
    ):
        response = client.get("/api/v1/reports", headers=h, params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert {"type", "title", "status", "detail", "instance"} <= body.keys()
        assert body["instance"] == "/api/v1/reports"


def test_reporter_identity_only_where_allowed(
    client: TestClient, scenario: Scenario, tokens: dict[str, str]
) -> None:
    def get(user: str, name: str) -> tuple[dict[str, Any], str]:
        response = client.get(
            f"/api/v1/reports/{scenario.codes[name]}", headers=bearer(tokens[user])
        )
        assert response.status_code == 200, response.text
        return response.json(), response.text

    body, text = get("verifier", "pupr_anonymous")
    assert body["reporter"] is not None
    assert all(s in text for s in scenario.identities["pupr_anonymous"])
    body, _ = get("officer", "pupr_public")
    assert body["reporter"]["identities"][0]["external_id"] == scenario.identities["pupr_public"][0]
    for user in ("officer", "head", "manager"):
        for name in ("pupr_anonymous", "pupr_confidential"):
            body, text = get(user, name)
            assert body["reporter"] is None, (user, name)
            assert not any(s in text for s in scenario.identities[name]), (user, name)
            citizen_events = [e for e in body["events"] if e["actor_kind"] == "citizen"]
            assert citizen_events and all(e["actor_id"] is None for e in citizen_events)
    # Events and thread are there, in order.
    body, _ = get("officer", "pupr_anonymous")
    assert [e["action"] for e in body["events"]] == ["submit", "verify_forward"]
    assert body["thread"][0]["kind"] == "report"
    assert set(body["allowed_actions"]) >= {"answer", "request_info", "return_to_verifier"}


def test_reports_out_of_reach_are_404(
    client: TestClient, scenario: Scenario, tokens: dict[str, str]
) -> None:
    h = bearer(tokens["officer"])
    for code in (scenario.codes["other_public"], scenario.codes["new_public"], "SW-0000-0000"):
        response = client.get(f"/api/v1/reports/{code}", headers=h)
        assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    unknown = client.get("/api/v1/reports/SW-0000-0000", headers=h).json()
    hidden = client.get(f"/api/v1/reports/{scenario.codes['other_public']}", headers=h).json()
    assert unknown["detail"] == hidden["detail"] and unknown["type"] == hidden["type"]
    assert client.get("/api/v1/reports/%3Cscript%3E", headers=h).status_code == 404


def test_authentication(
    client: TestClient,
    sessions: sessionmaker[Session],
    scenario: Scenario,
    tokens: dict[str, str],
) -> None:
    for headers in ({}, {"Authorization": "Bearer sw_wrong"}, {"Authorization": "Basic eDp5"}):
        response = client.get("/api/v1/reports", headers=headers)
        assert response.status_code == 401 and response.headers["content-type"] == PROBLEM
    with sessions() as db, db.begin():
        for token in db.scalars(select(ApiToken)):
            token.revoked_at = datetime.now(UTC)
    assert client.get("/api/v1/reports", headers=bearer(tokens["verifier"])).status_code == 401


def test_lifecycle_through_the_api(
    client: TestClient,
    sessions: sessionmaker[Session],
    scenario: Scenario,
    tokens: dict[str, str],
) -> None:
    code = scenario.codes["new_anonymous"]
    url = f"/api/v1/reports/{code}"

    def post(user: str, action: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = client.post(f"{url}/{action}", headers=bearer(tokens[user]), json=body)
        if response.status_code >= 400:
            assert response.headers["content-type"] == PROBLEM, response.text
        return response.status_code, response.json()

    # Before forwarding, the agency cannot even see it.
    assert post("officer", "answer", {"text": "x"})[0] == 404
    # Wrong stage: 409, with the allowed actions in the detail.
    status, problem = post("verifier", "finish", {"reason": "done"})
    assert status == 409 and "allowed from submitted" in str(problem["detail"])
    assert problem["type"] == "urn:suarawarga:problem:illegal-transition"
    # A domain rule: unknown agency -> 422.
    assert post("verifier", "verify-forward", {"agency": "nope"})[0] == 422
    # The manager may read but not act.
    status, problem = post("manager", "verify-forward", {"agency": "pupr"})
    assert status == 403
    status, body = post(
        "verifier",
        "verify-forward",
        {"agency": "pupr", "title": "Jalan rusak di Jl. Melati", "category": "jalan"},
    )
    assert status == 200 and body["status"] == "forwarded" and body["agency"] == "pupr"
    assert body["title"] == "Jalan rusak di Jl. Melati" and body["reporter"] is not None
    # The other agency still cannot see it; a verifier cannot answer for the agency.
    assert post("other.officer", "answer", {"text": "x"})[0] == 404
    assert post("verifier", "answer", {"text": "x"})[0] == 403
    status, problem = post("officer", "extend", {"days": 50, "reason": "survei lapangan"})
    # A refusal names its code and values: clients branch on those, never on the wording.
    assert (status, problem["code"], problem["params"]) == (
        422,
        "extend_max",
        {"limit": 14, "used": 0},
    )
    assert problem["detail"].startswith("The policy allows at most 14 working days")
    status, body = post("officer", "extend", {"days": 2, "reason": "survei lapangan"})
    assert status == 200 and body["events"][-1]["action"] == "extend_deadline"
    status, body = post("officer", "answer", {"text": "Sudah dijadwalkan perbaikan."})
    assert status == 200 and body["status"] == "answered" and body["reporter"] is None
    assert body["thread"][-1]["kind"] == "answer" and body["thread"][-1]["author"] == "Officer"
    status, body = post("head", "finish", {"reason": "dikonfirmasi lewat telepon"})
    assert status == 200 and body["status"] == "finished" and body["closed_at"]
    with sessions() as db:
        report = db.scalar(select(Report).where(Report.tracking_code == code))
        assert report is not None and report.status is Status.FINISHED
        templates = set(
            db.scalars(select(OutboxMessage.template).where(OutboxMessage.report_id == report.id))
        )
        assert {"report_forwarded", "agency_answer", "report_finished"} <= templates


def test_other_actions(client: TestClient, scenario: Scenario, tokens: dict[str, str]) -> None:
    def post(user: str, name: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(
            f"/api/v1/reports/{scenario.codes[name]}/{action}",
            headers=bearer(tokens[user]),
            json=body,
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    assert post("verifier", "new_public", "request-info", {"question": "Di mana?"})["paused"]
    assert post("verifier", "new_confidential", "archive", {"reason": "spam"})["status"] == (
        "archived"
    )
    body = post("verifier", "new_anonymous", "not-our-authority", {"reason": "urusan swasta"})
    assert body["close_reason"] == "urusan swasta"
    body = post("other.officer", "other_public", "return", {"reason": "bukan wewenang DLH"})
    assert body["status"] == "submitted" and body["agency"] is None
    body = post("verifier", "pupr_public", "reroute", {"agency": "lingkungan", "reason": "DLH"})
    assert body["agency"] == "lingkungan"
    # Rerouted away: the old agency no longer sees it.
    response = client.get(
        f"/api/v1/reports/{scenario.codes['pupr_public']}", headers=bearer(tokens["officer"])
    )
    assert response.status_code == 404
    # Unknown fields are refused, not ignored.
    response = client.post(
        f"/api/v1/reports/{scenario.codes['pupr_anonymous']}/answer",
        headers=bearer(tokens["officer"]),
        json={"text": "ok", "status": "finished"},
    )
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


def test_cookie_session_needs_csrf_for_actions(
    client: TestClient, scenario: Scenario, staff_users: dict[str, StaffUser]
) -> None:
    sign_in(client, "verifier")
    url = f"/api/v1/reports/{scenario.codes['new_public']}/archive"
    assert client.get("/api/v1/reports").status_code == 200  # reading needs no token
    response = client.post(url, json={"reason": "spam"})
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    token = page_csrf(client, "/console/login")
    response = client.post(url, json={"reason": "spam"}, headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.text


def test_statistics_per_role(
    client: TestClient, scenario: Scenario, tokens: dict[str, str]
) -> None:
    def get(user: str, **params: str) -> dict[str, object]:
        response = client.get("/api/v1/statistics", headers=bearer(tokens[user]), params=params)
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    everything = get("manager")
    assert everything["open_by_stage"] == {
        "submitted": 3,
        "info_requested": 0,
        "forwarded": 5,
        "answered": 0,
    }
    assert get("verifier", agency="lingkungan")["open_by_stage"]["forwarded"] == 2  # type: ignore[index]
    # An officer asking for another agency still gets only their own numbers.
    own = get("officer", agency="lingkungan")
    assert own["agency"] == "pupr" and own["open_by_stage"]["forwarded"] == 3  # type: ignore[index]
    durations = {d["agency"]: d for d in everything["durations"]}  # type: ignore[attr-defined]
    assert durations["pupr"]["verify"]["count"] == 3
    assert durations["pupr"]["verify"]["median_hours"] == 1.0
    response = client.get(
        "/api/v1/statistics",
        headers=bearer(tokens["manager"]),
        params={"since": "2026-12-01T00:00:00+07:00", "until": "2026-11-01T00:00:00+07:00"},
    )
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


def test_openapi_documents_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for action in ("verify-forward", "request-info", "not-our-authority", "archive", "return"):
        assert f"/api/v1/reports/{{code}}/{action}" in paths
    for action in ("reroute", "answer", "extend", "finish"):
        post = paths[f"/api/v1/reports/{{code}}/{action}"]["post"]
        assert {"200", "403", "404", "409", "422"} <= post["responses"].keys()
    listing = paths["/api/v1/reports"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "status",
        "type",
        "agency",
        "privacy",
        "created_from",
        "due_to",
        "overdue",
        "cursor",
    }
    assert "/open311/v2/requests.{fmt}" in paths
