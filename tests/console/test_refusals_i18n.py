"""Refusals read in the viewer's language: action refusals and dashboard filter errors.

The use cases refuse in English (their messages also serve the API and logs); the console maps
the ones staff meet to its catalogue. These tests drive real refusals through the real pages (an
Indonesian and an English account) and pin the message table to the messages the code raises.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from console.i18n import en, gettext, id
from console.views.report_actions import REFUSALS, explain
from escalation.deadlines import SlaClock
from reports import service
from reports.enums import Channel, ReportType
from reports.lifecycle import DomainError, NotPermitted
from reports.models import StaffUser
from reports.service import Actor
from tests.console.conftest import csrf_from, sign_in


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


#: (what the code raises, the key it must read as, its values)
RAISED = [
    (DomainError("the reason is empty"), "err_empty", {}),
    (DomainError("unknown agency code 'nope'"), "err_agency", {}),
    (DomainError("the report is already with this agency"), "err_same_agency", {}),
    (
        NotPermitted("the agency now handles this report; ask its officer instead"),
        "err_agency_handles",
        {},
    ),
    (NotPermitted("this report is not with your agency"), "err_not_your_agency", {}),
    (NotPermitted("managers watch; they do not write on reports"), "err_manager_readonly", {}),
    (
        NotPermitted("only the responsible agency extends its follow-up deadline"),
        "err_extend_agency_only",
        {},
    ),
    (
        NotPermitted("the verification deadline is not the agency's to extend"),
        "err_extend_verify",
        {},
    ),
    (
        DomainError("the number of working days must be a whole number"),
        "err_days_number",
        {},
    ),
    (DomainError("an extension is at least 1 working day"), "err_extend_min", {}),
    (
        DomainError(
            "the policy allows at most 14 working days of extension in total; 2 already used"
        ),
        "err_extend_max",
        {"limit": "14", "used": "2"},
    ),
    (DomainError("no respond deadline to extend"), "err_no_deadline", {}),
    (DomainError("the window to reopen this report has ended"), "err_reopen_window", {}),
    (DomainError("unknown report type 'x'"), "err_unknown_value", {"what": "report type"}),
    (NotPermitted("a manager may not answer a report"), "forbidden", {}),
    (DomainError("something new and unforeseen"), "action_refused", {}),
]


@pytest.mark.parametrize(("exc", "key", "values"), RAISED, ids=[k for _, k, _ in RAISED])
def test_each_refusal_maps_to_its_key(exc: DomainError, key: str, values: dict[str, str]) -> None:
    got_key, got_values = explain(exc)
    assert got_key == key
    assert values.items() <= got_values.items()


def test_every_refusal_key_is_translated_and_differs_by_language() -> None:
    for _, key in REFUSALS:
        assert key in id.MESSAGES and key in en.MESSAGES, key
    keys = {key for _, key in REFUSALS} - {"err_empty", "err_agency"}
    for key in keys:
        assert id.MESSAGES[key] != en.MESSAGES[key], key
    sample = gettext("id", "err_extend_max", limit=14, used=2)
    assert "14 hari kerja" in sample and "2" in sample


def _forwarded(
    sessions: sessionmaker[Session], clock: SlaClock, verifier: StaffUser, external: str
) -> str:
    now = datetime.now(UTC)
    with sessions() as db, db.begin():
        citizen = service.get_or_create_citizen(
            db, channel=Channel.TELEGRAM, external_id=external, now=now
        )
        report = service.submit_report(
            db, clock=clock, citizen=citizen, channel=Channel.TELEGRAM,
            report_type=ReportType.COMPLAINT, title="Lampu jalan mati", body="Sudah seminggu.",
            now=now,
        )  # fmt: skip
        service.verify_and_forward(
            db, clock=clock, report=report, actor=Actor.staff(verifier), agency_code="pupr",
            now=now,
        )  # fmt: skip
        return report.tracking_code


def _post(client: TestClient, code: str, action: str, **data: str) -> object:
    token = csrf_from(client.get(f"/console/reports/{code}").text)
    return client.post(
        f"/console/reports/{code}/actions/{action}",
        data={"csrf_token": token, **data},
        follow_redirects=False,
    )


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
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "Jumlah hari kerja harus bilangan bulat." in refused.text  # type: ignore[attr-defined]
    assert "whole number" not in refused.text  # type: ignore[attr-defined]
    beyond = _post(client, code, "extend_deadline", days="99", text="survei")
    assert beyond.status_code == 422  # type: ignore[attr-defined]
    assert "paling banyak" in beyond.text  # type: ignore[attr-defined]
    _switch_to_english(client, f"/console/reports/{code}")
    refused = _post(client, code, "extend_deadline", days="dua", text="survei")
    assert "The number of working days must be a whole number." in refused.text  # type: ignore[attr-defined]


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
