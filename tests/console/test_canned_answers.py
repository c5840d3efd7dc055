"""Canned answers through the real app, on SQLite and PostgreSQL: the head manages them on
``/console/canned``, an officer inserts one into an answer (without JavaScript: the draft is
posted and rendered back) and sends it; ``GET /api/v1/canned-answers`` gives the caller's agency's
only. Another agency's staff can neither see nor change them."""

from __future__ import annotations

import html
import re

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from reports.models import CannedAnswer, ReportMessage, StaffUser
from tests.console.api_support import Scenario, bearer, make_tokens
from tests.console.conftest import csrf_from, sign_in

TEXT = "Perbaikan jalan dijadwalkan pada anggaran tahun depan. Terima kasih atas laporan Anda."


def _post(client: TestClient, url: str, **data: str) -> httpx.Response:
    token = csrf_from(client.get("/console/canned").text)
    response: httpx.Response = client.post(
        url, data={"csrf_token": token, **data}, follow_redirects=False
    )
    return response


def _ids(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as db:
        return {c.title: c.id for c in db.scalars(select(CannedAnswer))}


def _draft(page: str) -> str:
    match = re.search(r"<textarea name=\"text\"[^>]*data-answer-text>(.*?)</textarea>", page, re.S)
    assert match, "no answer form"
    return html.unescape(match.group(1))


def test_the_head_manages_and_the_officer_inserts_and_sends(
    client: TestClient, scenario: Scenario, sessions: sessionmaker[Session]
) -> None:
    sign_in(client, "head")
    page = client.get("/console/canned")
    assert page.status_code == 200 and 'data-testid="canned-empty"' in page.text
    created = _post(client, "/console/canned", title="Jadwal perbaikan", body=TEXT)
    assert created.status_code == 303
    page = client.get("/console/canned").text
    assert "Jadwal perbaikan" in page and TEXT in page
    assert "Terakhir diubah" in page and "Head" in page  # who changed it last
    # A duplicate title is refused with the reason, and the typed text is kept.
    again = _post(client, "/console/canned", title="jadwal PERBAIKAN", body="lain")
    assert again.status_code == 422
    assert "sudah punya jawaban siap pakai dengan judul ini" in again.text
    canned_id = _ids(sessions)["Jadwal perbaikan"]
    edit = client.get(f"/console/canned/{canned_id}")
    assert edit.status_code == 200 and "Ubah jawaban siap pakai" in edit.text
    saved = _post(client, f"/console/canned/{canned_id}", title="Jadwal perbaikan", body=TEXT + " ")
    assert saved.status_code == 303
    _post(client, "/console/canned", title="Hapus saya", body="x")
    deleted = _post(client, f"/console/canned/{_ids(sessions)['Hapus saya']}/delete")
    assert deleted.status_code == 303 and set(_ids(sessions)) == {"Jadwal perbaikan"}

    client.cookies.clear()
    sign_in(client, "officer")
    code = scenario.codes["pupr_public"]
    report = client.get(f"/console/reports/{code}").text
    assert "data-canned-picker" in report and "Jadwal perbaikan" in report
    # The officer reads the list but gets no edit form, and edits are refused.
    listing = client.get("/console/canned").text
    assert TEXT in listing and 'action="/console/canned"' not in listing
    assert client.get(f"/console/canned/{canned_id}").status_code == 403
    assert _post(client, f"/console/canned/{canned_id}", title="X", body="y").status_code == 403
    assert _post(client, f"/console/canned/{canned_id}/delete").status_code == 403
    assert _post(client, "/console/canned", title="Baru", body="b").status_code == 403

    # Insert without JavaScript: the draft comes back with the text added as a new paragraph.
    token = csrf_from(report)
    drafted = client.post(
        f"/console/reports/{code}/answer-draft",
        data={"csrf_token": token, "text": "Yth. Bapak/Ibu,", "canned_id": str(canned_id)},
    )
    assert drafted.status_code == 200
    assert _draft(drafted.text) == "Yth. Bapak/Ibu,\n\n" + TEXT
    assert _draft(client.post(
        f"/console/reports/{code}/answer-draft",
        data={"csrf_token": token, "text": "", "canned_id": str(canned_id)},
    ).text) == TEXT  # fmt: skip
    nothing = client.post(
        f"/console/reports/{code}/answer-draft",
        data={"csrf_token": token, "text": "draf saya", "canned_id": ""},
    )
    assert nothing.status_code == 422 and _draft(nothing.text) == "draf saya"
    # Nothing was sent by inserting; sending the draft is the ordinary answer action.
    with sessions() as db:
        assert TEXT not in "".join(db.scalars(select(ReportMessage.body)))
    sent = client.post(
        f"/console/reports/{code}/actions/answer",
        data={"csrf_token": token, "text": _draft(drafted.text)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    with sessions() as db:
        assert any(TEXT in b for b in db.scalars(select(ReportMessage.body)))


def test_other_agencies_never_see_or_change_them(
    client: TestClient, scenario: Scenario, sessions: sessionmaker[Session]
) -> None:
    sign_in(client, "head")
    _post(client, "/console/canned", title="Rahasia PUPR", body="Teks khusus PUPR")
    canned_id = _ids(sessions)["Rahasia PUPR"]
    client.cookies.clear()
    sign_in(client, "other.head")
    assert "Teks khusus PUPR" not in client.get("/console/canned").text
    assert client.get(f"/console/canned/{canned_id}").status_code == 404
    assert _post(client, f"/console/canned/{canned_id}", title="X", body="y").status_code == 404
    assert _post(client, f"/console/canned/{canned_id}/delete").status_code == 404
    # Writing with another agency's code in the form still writes into one's own list.
    assert (
        _post(client, "/console/canned", title="Punya LH", body="l", agency="pupr").status_code
        == 303
    )
    with sessions() as db:
        rows = {c.title: c.agency_id for c in db.scalars(select(CannedAnswer))}
    assert rows["Punya LH"] != rows["Rahasia PUPR"]
    client.cookies.clear()
    # An officer of another agency cannot insert pupr's answer into their own report.
    sign_in(client, "other.officer")
    code = scenario.codes["other_public"]
    page = client.get(f"/console/reports/{code}").text
    assert "Rahasia PUPR" not in page and "Punya LH" in page
    drafted = client.post(
        f"/console/reports/{code}/answer-draft",
        data={"csrf_token": csrf_from(page), "text": "", "canned_id": str(canned_id)},
    )
    assert drafted.status_code == 404 and "Teks khusus PUPR" not in drafted.text
    # Nor draft on pupr's report at all (not visible: the console's 404).
    assert client.post(
        f"/console/reports/{scenario.codes['pupr_public']}/answer-draft",
        data={"csrf_token": csrf_from(page), "text": "", "canned_id": str(canned_id)},
    ).status_code == 404  # fmt: skip
    # Verifiers and managers have no canned answers page.
    client.cookies.clear()
    sign_in(client, "verifier")
    assert client.get("/console/canned").status_code == 403


def test_admin_manages_any_agency(
    client: TestClient, scenario: Scenario, sessions: sessionmaker[Session]
) -> None:
    sign_in(client, "admin")
    page = client.get("/console/canned", params={"agency": "lingkungan"}).text
    assert 'name="agency" value="lingkungan"' in page
    assert (
        _post(
            client, "/console/canned", title="Untuk LH", body="t", agency="lingkungan"
        ).status_code
        == 303
    )
    assert "Untuk LH" in client.get("/console/canned", params={"agency": "lingkungan"}).text
    assert "Untuk LH" not in client.get("/console/canned", params={"agency": "pupr"}).text


def test_api_lists_the_callers_agency_only(
    client: TestClient,
    scenario: Scenario,
    sessions: sessionmaker[Session],
    staff_users: dict[str, StaffUser],
) -> None:
    sign_in(client, "head")
    _post(client, "/console/canned", title="Jadwal perbaikan", body=TEXT)
    client.cookies.clear()
    sign_in(client, "other.head")
    _post(client, "/console/canned", title="Sampah", body="Jadwal angkut sampah")
    client.cookies.clear()
    tokens = make_tokens(sessions, staff_users)
    for user in ("officer", "head"):
        response = client.get("/api/v1/canned-answers", headers=bearer(tokens[user]))
        assert response.status_code == 200
        assert [(c["title"], c["body"]) for c in response.json()] == [("Jadwal perbaikan", TEXT)]
    other = client.get("/api/v1/canned-answers", headers=bearer(tokens["other.officer"])).json()
    assert [c["title"] for c in other] == ["Sampah"]
    for user in ("verifier", "manager", "admin"):
        refused = client.get("/api/v1/canned-answers", headers=bearer(tokens[user]))
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert client.get("/api/v1/canned-answers").status_code == 401
