"""Refusals read in the viewer's language: action refusals and dashboard filter errors.

The use cases refuse with a code (``DomainError(code, **params)``); the console reads the code's
text from the refusals' catalogue in the viewer's language. These tests drive real refusals
through the real pages (an Indonesian and an English account).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker

from console.i18n import gettext
from console.views.report_actions import explain
from escalation.deadlines import SlaClock
from reports.enums import Status
from reports.lifecycle import Action, DomainError, IllegalTransition, NotPermitted
from reports.messages import ERRORS
from reports.models import StaffUser
from tests import factories
from tests.console.conftest import csrf_from, sign_in


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


#: (what the code raises, the key it must read as, its values)
RAISED = [
    (DomainError("empty", field="reason"), "error.empty", {"field": "reason"}),
    (DomainError("extend_max", limit=14, used=2), "error.extend_max", {"limit": 14, "used": 2}),
    (NotPermitted("role_not_permitted", role="manager"), "error.role_not_permitted", {}),
    (IllegalTransition(Status.ARCHIVED, Action.ANSWER), "err_illegal", {}),
]


@pytest.mark.parametrize(("exc", "key", "values"), RAISED, ids=[k for _, k, _ in RAISED])
def test_each_refusal_maps_to_its_key(exc: DomainError, key: str, values: dict[str, str]) -> None:
    got_key, got_values = explain(exc)
    assert got_key == key
    assert values.items() <= got_values.items()


def test_a_refusal_reads_by_its_code_in_each_language() -> None:
    key, values = explain(DomainError("extend_max", limit=14, used=2))
    indonesian, english = gettext("id", key, **values), gettext("en", key, **values)
    assert "14 hari kerja" in indonesian and "2" in indonesian
    assert english.startswith("The policy allows at most 14 working days")
    # A code's text is the catalogue's, whatever the English of str(exc) says.
    assert gettext("id", "error.same_agency") == ERRORS.text("same_agency", "id")


def _forwarded(
    sessions: sessionmaker[Session], clock: SlaClock, verifier: StaffUser, external: str
) -> str:
    now = datetime.now(UTC)
    with sessions() as db, db.begin():
        report = factories.report(
            db, clock, now, external_id=external, title="Lampu jalan mati", body="Sudah seminggu."
        )
        return factories.forward(db, clock, report, verifier, now).tracking_code


def _post(client: TestClient, code: str, action: str, **data: str) -> Response:
    token = csrf_from(client.get(f"/console/reports/{code}").text)
    response: Response = client.post(
        f"/console/reports/{code}/actions/{action}",
        data={"csrf_token": token, **data},
        follow_redirects=False,
    )
    return response


def _switch_to_english(client: TestClient, page: str) -> None:
    token = csrf_from(client.get(page).text)
    client.post("/console/language", data={"csrf_token": token, "lang": "en", "back": page})


def test_action_refusals_in_indonesian_then_english(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    code = _forwarded(sessions, clock, staff_users["verifier"], "refusal-1")
    sign_in(client, "head")
    refused = _post(client, code, "extend_deadline", days="dua", text="survei")
    assert refused.status_code == 422
    assert "Jumlah hari kerja harus bilangan bulat." in refused.text
    assert "whole number" not in refused.text
    beyond = _post(client, code, "extend_deadline", days="99", text="survei")
    assert beyond.status_code == 422
    assert "paling banyak" in beyond.text
    _switch_to_english(client, f"/console/reports/{code}")
    refused = _post(client, code, "extend_deadline", days="dua", text="survei")
    assert "The number of working days must be a whole number." in refused.text


def test_dashboard_filter_errors_in_the_viewer_language(
    client: TestClient, staff_users: dict[str, StaffUser]
) -> None:
    sign_in(client, "manager")
    page = client.get("/console/dashboard?since=kemarin")
    assert page.status_code == 400
    assert "tanggal ditulis TTTT-BB-HH" in page.text
    reversed_ = client.get("/console/dashboard?since=2026-11-10&until=2026-11-01")
    assert reversed_.status_code == 400 and "awal periode sesudah akhirnya" in reversed_.text
    long_ = client.get("/console/dashboard?since=2020-01-01&until=2026-11-01")
    assert long_.status_code == 400 and "paling panjang 1098 hari" in long_.text
    assert "tidak dikenal" in client.get("/console/dashboard?type=bogus").text
    assert "nomor instansi" in client.get("/console/dashboard?agency=dinas").text
    csv = client.get("/console/dashboard.csv?since=kemarin")
    assert csv.status_code == 400 and "TTTT-BB-HH" in csv.text
    _switch_to_english(client, "/console/dashboard")
    assert "dates are YYYY-MM-DD" in client.get("/console/dashboard?since=kemarin").text
