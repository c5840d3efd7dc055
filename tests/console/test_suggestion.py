"""The NLU's suggestion in the console and the API, on SQLite and PostgreSQL.

Names, not codes, in both languages; one-click "accept and forward" only at or above
``nlu_auto_forward_threshold``, and the server refuses a one-click accept below it (a hidden
button is no guarantee); ``suggestion`` with ``model_version`` in ``GET /api/v1/reports/{code}``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from reports import lookups
from reports.citizen_cases import NluSuggestion
from reports.enums import ReportType, Status
from reports.models import ReportEvent, StaffUser
from reports.runtime import Runtime
from tests import factories
from tests.console.api_support import bearer, make_tokens
from tests.console.conftest import csrf_from, sign_in
from webhooks.app import create_app

PUPR = "Dinas Pekerjaan Umum dan Penataan Ruang"
PERHUBUNGAN = "Dinas Perhubungan"
VERSION = "embedded report_type@2026-12-01T08:00:00+00:00#3f9a1c2e7b10 + embedded routing@x#y"


def _submit(
    sessions: sessionmaker[Session], clock: SlaClock, title: str, nlu: NluSuggestion | None
) -> str:
    now = datetime.now(UTC)
    with sessions() as db, db.begin():
        report = factories.report(
            db, clock, now, external_id=f"tg-{title}", title=title, nlu=nlu,
            body=f"{title}: sudah dua minggu, mohon segera ditangani.",
        )  # fmt: skip
        return report.tracking_code


def _suggest(agency: str, confidence: float, kind: str = "information_request") -> NluSuggestion:
    return NluSuggestion(
        type=kind,
        type_confidence=0.9,
        agency_code=agency,
        agency_confidence=confidence,
        ranking={"agency": [[agency, confidence], ["perhubungan", 0.1]]},
        model_version=VERSION,
    )


@pytest.fixture
def reports(sessions: sessionmaker[Session], clock: SlaClock) -> dict[str, str]:
    """A confident (99%), an unsure (28%) and a suggestion-less report."""
    return {
        "sure": _submit(sessions, clock, "Jalan berlubang di Jl. Melati", _suggest("pupr", 0.99)),
        "unsure": _submit(sessions, clock, "Drainase mampet di Gang Mawar", _suggest("pupr", 0.28)),
        "none": _submit(sessions, clock, "Pertanyaan umum", None),
    }


def _row(page: str, code: str) -> str:
    match = re.search(rf"<tr data-row>(?:(?!</tr>).)*{code}(?:(?!</tr>).)*</tr>", page, re.S)
    assert match, f"{code} not in the queue"
    return match.group(0)


def _accept(client: TestClient, code: str) -> object:
    token = csrf_from(client.get("/console/queue").text)
    return client.post(
        f"/console/reports/{code}/actions/accept_suggestion",
        data={"csrf_token": token, "back": "/console/queue"},
        follow_redirects=False,
    )


def test_queue_shows_names_and_one_click_only_when_confident(
    client: TestClient, staff_users: dict[str, StaffUser], reports: dict[str, str]
) -> None:
    sign_in(client, "verifier")
    page = client.get("/console/queue").text
    sure, unsure = _row(page, reports["sure"]), _row(page, reports["unsure"])
    assert f"{PUPR} <span" in sure and "keyakinan 99%" in sure
    assert f"{PUPR} <span" in unsure and "keyakinan 28%" in unsure
    assert ">pupr<" not in page and "pupr (" not in page  # the code is never what is shown
    assert "Permintaan informasi" in sure  # the suggested type, translated
    assert "data-accept" in sure and "Terima saran &amp; teruskan" in sure
    assert "data-accept" not in unsure and "Terima saran" not in unsure
    assert "Pilih instansi" in unsure and "Keyakinan di bawah 80%" in unsure
    assert "data-accept" not in _row(page, reports["none"])

    client.post("/console/language", data={"csrf_token": csrf_from(page), "lang": "en"})
    page = client.get("/console/queue").text
    sure, unsure = _row(page, reports["sure"]), _row(page, reports["unsure"])
    assert PUPR in sure and "99% confidence" in sure and "Accept suggestion &amp; forward" in sure
    assert "Information or confirmation request" in sure
    assert "Accept suggestion" not in unsure and "Choose agency" in unsure
    assert "Confidence below 80%: choose the agency yourself." in unsure


def test_report_page_names_the_suggestion_and_preselects_only_when_confident(
    client: TestClient, staff_users: dict[str, StaffUser], reports: dict[str, str]
) -> None:
    sign_in(client, "verifier")
    sure = client.get(f"/console/reports/{reports['sure']}").text
    unsure = client.get(f"/console/reports/{reports['unsure']}").text
    for page, pct in ((sure, 99), (unsure, 28)):
        suggestion = page[page.index('id="nlu-suggestion"') :].split("</dd>")[0]
        assert f"{PUPR} (keyakinan {pct}%)" in suggestion
        assert f"{PERHUBUNGAN} 10%" in suggestion  # the ranking, by name
        assert "pupr" not in suggestion
    assert '<option value="pupr" selected>' in sure
    assert '<option value="pupr" selected>' not in unsure  # the verifier must choose
    assert "Keyakinan di bawah 80%" in unsure and "Keyakinan di bawah" not in sure


def test_one_click_accept_is_refused_below_the_threshold(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    reports: dict[str, str],
    sessions: sessionmaker[Session],
) -> None:
    sign_in(client, "verifier")
    for code in (reports["unsure"], reports["none"]):
        response = _accept(client, code)
        assert response.status_code == 422  # type: ignore[attr-defined]
        assert "terlalu rendah untuk diterima sekali klik" in response.text  # type: ignore[attr-defined]
        with sessions() as db:
            report = lookups.get_report(db, code)
            assert report.status is Status.SUBMITTED and report.agency_id is None

    response = _accept(client, reports["sure"])
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"] == "/console/queue"  # type: ignore[attr-defined]
    assert f"Saran diterima: laporan {reports['sure']}" in client.get("/console/queue").text
    with sessions() as db:
        report = lookups.get_report(db, reports["sure"])
        assert report.status is Status.FORWARDED and report.agency is not None
        assert report.agency.code == "pupr"
        assert report.type is ReportType.INFORMATION_REQUEST  # the suggested type, too
        event = db.scalars(
            select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
        ).all()[-1]
        assert event.action == "verify_forward" and event.actor_id == staff_users["verifier"].id
        assert event.data["suggestion_accepted"] is True

    # Choosing explicitly stays possible below the threshold: the full form forwards.
    page = client.get(f"/console/reports/{reports['unsure']}").text
    response = client.post(
        f"/console/reports/{reports['unsure']}/actions/verify_forward",
        data={"csrf_token": csrf_from(page), "agency_code": "perhubungan"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with sessions() as db:
        report = lookups.get_report(db, reports["unsure"])
        assert report.agency is not None and report.agency.code == "perhubungan"


def test_the_threshold_is_a_setting(
    runtime: Runtime, staff_users: dict[str, StaffUser], reports: dict[str, str]
) -> None:
    """At 0.25 the 28% suggestion gets the button and the accept goes through."""
    settings = runtime.settings.model_copy(update={"nlu_auto_forward_threshold": 0.25})
    app = create_app(runtime=replace(runtime, settings=settings))
    with TestClient(app) as client:
        sign_in(client, "verifier")
        page = client.get("/console/queue").text
        assert "data-accept" in _row(page, reports["unsure"])
        assert _accept(client, reports["unsure"]).status_code == 303  # type: ignore[attr-defined]


def test_api_report_carries_the_suggestion_with_its_model_version(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    reports: dict[str, str],
    sessions: sessionmaker[Session],
) -> None:
    token = make_tokens(sessions, staff_users)["verifier"]
    body = client.get(f"/api/v1/reports/{reports['sure']}", headers=bearer(token)).json()
    assert body["suggestion"] == {
        "type": "information_request",
        "type_confidence": 0.9,
        "agency": "pupr",
        "agency_confidence": 0.99,
        "model_version": VERSION,
    }
    body = client.get(f"/api/v1/reports/{reports['none']}", headers=bearer(token)).json()
    assert body["suggestion"] == dict.fromkeys(
        ("type", "type_confidence", "agency", "agency_confidence", "model_version")
    )

    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert "suggestion" in schema["ReportDetail"]["required"]
    assert set(schema["SuggestionView"]["properties"]) == {
        "type", "type_confidence", "agency", "agency_confidence", "model_version",
    }  # fmt: skip
