"""Console pages per role, doing the real work through the real app (SQLite; the domain rules
themselves run on both backends in tests/reports)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from console.views.common import get_now
from escalation.deadlines import SlaClock
from reports import attachments, lookups, staff_cases
from reports.actor import Actor
from reports.citizen_cases import NluSuggestion
from reports.enums import Privacy, ReportType, Status
from reports.models import OutboxMessage, Report, ReportEvent, ReportMessage, StaffUser
from tests import factories
from tests.console.conftest import csrf_from, sign_in


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


def _submit(
    sessions: sessionmaker[Session],
    clock: SlaClock,
    *,
    title: str = "Jalan berlubang di Jl. Melati",
    body: str = "Jalan di depan SDN 3 berlubang besar sudah 2 minggu.",
    privacy: Privacy = Privacy.PUBLIC,
    now: datetime | None = None,
    nlu: NluSuggestion | None = None,
    external_id: str | None = None,
) -> str:
    now = now or datetime.now(UTC)
    with sessions() as db, db.begin():
        report = factories.report(
            db, clock, now, external_id=external_id or f"tg-{title}", title=title, body=body,
            privacy=privacy, nlu=nlu, location_text="Kota Demo", latitude=-6.2, longitude=106.8,
        )  # fmt: skip
        return report.tracking_code


def _forward(
    sessions: sessionmaker[Session],
    clock: SlaClock,
    code: str,
    verifier: StaffUser,
    agency: str = "pupr",
    now: datetime | None = None,
) -> None:
    with sessions() as db, db.begin():
        report = lookups.get_report(db, code)
        staff_cases.verify_and_forward(
            db, clock=clock, report=report, actor=Actor.staff(verifier), agency_code=agency,
            now=now or datetime.now(UTC),
        )  # fmt: skip


def _report(sessions: sessionmaker[Session], code: str) -> Report:
    with sessions() as db:
        return lookups.get_report(db, code)


def _post(client: TestClient, code: str, action: str, **data: str) -> Response:
    token = csrf_from(client.get(f"/console/reports/{code}").text)
    response: Response = client.post(
        f"/console/reports/{code}/actions/{action}",
        data={"csrf_token": token, **data},
        follow_redirects=False,
    )
    return response


# -- verifier --------------------------------------------------------------------------------------


def test_queue_is_oldest_due_first_with_nlu_suggestion_and_one_click_forward(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    now = datetime.now(UTC)
    newer = _submit(sessions, clock, title="Sampah menumpuk di pasar", now=now)
    older = _submit(
        sessions, clock, title="Drainase mampet", now=now - timedelta(days=3),
        nlu=NluSuggestion(type="complaint", type_confidence=0.91, agency_code="pupr",
                          agency_confidence=0.83),
    )  # fmt: skip
    sign_in(client, "verifier")
    page = client.get("/console/queue").text
    assert page.index(older) < page.index(newer)  # oldest due first
    assert "Dinas Pekerjaan Umum" in page and "keyakinan 83%" in page
    assert page.count("data-accept") == 1  # one-click only where there is a suggestion

    response = client.post(
        f"/console/reports/{older}/actions/verify_forward",
        data={"csrf_token": csrf_from(page), "agency_code": "pupr", "report_type": "complaint",
              "back": "/console/queue"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303 and response.headers["location"] == "/console/queue"
    confirmation = client.get("/console/queue").text
    assert f"Laporan {older} diverifikasi dan diteruskan" in confirmation
    with sessions() as db:
        report = lookups.get_report(db, older)
        assert report.status is Status.FORWARDED and report.agency is not None
        assert report.agency.code == "pupr" and report.verified_by_id == staff_users["verifier"].id
        event = db.scalars(
            select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
        ).all()[-1]
        assert event.action == "verify_forward" and event.actor_id == staff_users["verifier"].id
        assert db.scalar(
            select(OutboxMessage).where(
                OutboxMessage.report_id == report.id, OutboxMessage.template == "report_forwarded"
            )
        )


def test_verify_and_forward_with_edits(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    code = _submit(sessions, clock)
    sign_in(client, "verifier")
    response = _post(
        client, code, "verify_forward", agency_code="lingkungan", report_type="aspiration",
        title="Judul yang diperbaiki", category="Jalan", privacy="confidential",
    )  # fmt: skip
    assert response.status_code == 303
    report = _report(sessions, code)
    assert (report.status, report.type, report.title, report.category, report.privacy) == (
        Status.FORWARDED, ReportType.ASPIRATION, "Judul yang diperbaiki", "Jalan",
        Privacy.CONFIDENTIAL,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("action", "expected"),
    [("archive", Status.ARCHIVED), ("not_our_authority", Status.ARCHIVED),
     ("request_info", Status.INFO_REQUESTED)],
)  # fmt: skip
def test_verifier_closing_actions_need_a_reason(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
    action: str,
    expected: Status,
) -> None:
    code = _submit(sessions, clock)
    sign_in(client, "verifier")
    refused = _post(client, code, action, text="   ")
    assert refused.status_code == 422
    assert "Isian wajib belum diisi" in refused.text
    assert _report(sessions, code).status is Status.SUBMITTED
    done = _post(client, code, action, text="Spam / mohon lengkapi lokasi")
    assert done.status_code == 303
    assert _report(sessions, code).status is expected


def test_bad_form_values_are_4xx_not_500(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    code = _submit(sessions, clock)
    sign_in(client, "verifier")
    assert _post(client, code, "verify_forward", agency_code="nope").status_code == 422
    assert (
        _post(client, code, "verify_forward", agency_code="pupr", report_type="x").status_code
        == 422
    )
    assert _post(client, code, "launch_rockets").status_code == 422
    assert _post(client, code, "answer", text="hai").status_code == 403
    _forward(sessions, clock, code, staff_users["verifier"], "pupr")
    stale = _post(client, code, "verify_forward", agency_code="pupr")  # a stale page: 409
    assert stale.status_code == 409
    assert "tidak berlaku untuk status laporan" in stale.text
    assert client.get("/console/reports/SW-0000-0000").status_code == 404
    assert client.get("/console/reports/%3Cscript%3E").status_code == 404
    assert client.get("/console/dashboard?since=yesterday").status_code == 400
    assert client.get("/console/dashboard?type=bogus").status_code == 400
    assert _report(sessions, code).status is Status.FORWARDED


# -- agency ----------------------------------------------------------------------------------------


def test_officer_inbox_answer_and_the_other_agency_sees_nothing(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    mine = _submit(sessions, clock, title="Drainase mampet")
    theirs = _submit(sessions, clock, title="Sampah menumpuk")
    _forward(sessions, clock, mine, staff_users["verifier"], "pupr")
    _forward(sessions, clock, theirs, staff_users["verifier"], "lingkungan")
    sign_in(client, "officer")
    inbox = client.get("/console/inbox").text
    assert mine in inbox and theirs not in inbox
    assert theirs not in client.get("/console/reports").text
    assert client.get(f"/console/reports/{theirs}").status_code == 404
    assert _post(client, mine, "answer", text="x").status_code == 303
    page = client.get(f"/console/reports/{mine}").text
    assert "Jawaban untuk laporan" in page  # confirmation
    assert "Dijawab instansi" in page  # timeline
    # acting on the other agency's report: not found, and nothing changes
    token = csrf_from(page)
    response = client.post(
        f"/console/reports/{theirs}/actions/answer",
        data={"csrf_token": token, "text": "bukan urusan kami"},
        follow_redirects=False,
    )
    assert response.status_code == 404
    assert _report(sessions, theirs).status is Status.FORWARDED
    with sessions() as db:
        report = lookups.get_report(db, mine)
        assert report.status is Status.ANSWERED
        answer = db.scalar(
            select(ReportMessage).where(
                ReportMessage.report_id == report.id, ReportMessage.kind == "answer"
            )
        )
        assert answer is not None and answer.author_staff_id == staff_users["officer"].id
        sent = select(OutboxMessage).where(
            OutboxMessage.report_id == report.id, OutboxMessage.template == "agency_answer"
        )
        assert db.scalar(sent) is not None


def test_buttons_follow_the_lifecycle_and_role(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    code = _submit(sessions, clock)
    _forward(sessions, clock, code, staff_users["verifier"], "pupr")
    sign_in(client, "officer")
    page = client.get(f"/console/reports/{code}").text
    for action in ("answer", "request_info", "extend_deadline", "return_to_verifier"):
        assert f'/actions/{action}"' in page
    for action in ("verify_forward", "archive", "reroute", "finish"):
        assert f'/actions/{action}"' not in page


def test_extension_within_policy_and_refused_beyond(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    code = _submit(sessions, clock)
    _forward(sessions, clock, code, staff_users["verifier"], "pupr")
    before = _report(sessions, code).response_due_at
    sign_in(client, "head")
    assert (
        _post(client, code, "extend_deadline", days="2", text="perlu survei lapangan").status_code
        == 303
    )
    after = _report(sessions, code).response_due_at
    assert before is not None and after is not None and after > before
    assert _post(client, code, "extend_deadline", days="99", text="lama").status_code == 422
    assert _post(client, code, "extend_deadline", days="dua", text="lama").status_code == 422
    assert _report(sessions, code).response_due_at == after


def test_return_to_verifier_leaves_the_agency_view(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    code = _submit(sessions, clock)
    _forward(sessions, clock, code, staff_users["verifier"], "pupr")
    sign_in(client, "officer")
    response = _post(client, code, "return_to_verifier", text="wewenang provinsi")
    assert response.headers["location"] == "/console/"
    report = _report(sessions, code)
    assert report.status is Status.SUBMITTED and report.agency_id is None


def test_due_clock_overdue_by_working_days(
    app: FastAPI,
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    # Forwarded Monday 23 Nov 2026 10:00 WIB: due Monday 30 Nov 23:59:59 (5 working days).
    forwarded_at = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    code = _submit(sessions, clock, now=forwarded_at - timedelta(hours=1))
    _forward(sessions, clock, code, staff_users["verifier"], "pupr", now=forwarded_at)
    sign_in(client, "officer")
    app.dependency_overrides[get_now] = lambda: datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    assert "Jatuh tempo hari ini" in client.get(f"/console/reports/{code}").text
    app.dependency_overrides[get_now] = lambda: datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert "Tepat waktu, sisa 3 hari kerja" in client.get(f"/console/reports/{code}").text
    # Wednesday 2 Dec: Tuesday and Wednesday have passed -> overdue by 2 working days.
    app.dependency_overrides[get_now] = lambda: datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    assert "Terlambat 2 hari kerja" in client.get("/console/inbox").text
    app.dependency_overrides.clear()


# -- privacy ---------------------------------------------------------------------------------------


def test_anonymous_reporter_hidden_from_the_agency_but_not_the_verifier(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    code = _submit(sessions, clock, privacy=Privacy.ANONYMOUS, external_id="tg-rahasia-998877")
    sign_in(client, "verifier")
    assert "tg-rahasia-998877" in client.get(f"/console/reports/{code}").text
    _forward(sessions, clock, code, staff_users["verifier"], "pupr")
    for who in ("officer", "head"):
        client.cookies.clear()
        sign_in(client, who)
        page = client.get(f"/console/reports/{code}").text
        assert "tg-rahasia-998877" not in page
        assert "Identitas pelapor dirahasiakan" in page


def test_manager_reads_everything_and_changes_nothing(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    code = _submit(sessions, clock)
    sign_in(client, "manager")
    page = client.get(f"/console/reports/{code}").text
    assert "/actions/" not in page and "Anda hanya dapat melihat" in page
    assert client.get("/console/queue").status_code == 403
    assert client.get("/console/inbox").status_code == 403
    for action in ("verify_forward", "archive", "note"):
        response = client.post(
            f"/console/reports/{code}/actions/{action}",
            data={"csrf_token": csrf_from(page), "agency_code": "pupr", "text": "x"},
            follow_redirects=False,
        )
        assert response.status_code == 403
    assert _report(sessions, code).status is Status.SUBMITTED


def test_attachments_only_for_those_who_may_see_the_report(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
    console_settings: object,
) -> None:
    code = _submit(sessions, clock)
    with sessions() as db, db.begin():
        report = lookups.get_report(db, code)
        item = attachments.store(
            db, root=console_settings.attachments_dir,  # type: ignore[attr-defined]
            data=b"%PDF-1.4 bukti", content_type="application/pdf", filename="bukti.pdf",
            citizen_id=report.citizen_id, report_id=report.id, now=datetime.now(UTC),
        )  # fmt: skip
        attachment_id = item.id
    _forward(sessions, clock, code, staff_users["verifier"], "pupr")
    url = f"/console/reports/{code}/attachments/{attachment_id}"
    sign_in(client, "officer")
    response = client.get(url)
    assert response.status_code == 200 and response.content == b"%PDF-1.4 bukti"
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["x-content-type-options"] == "nosniff"
    client.cookies.clear()
    sign_in(client, "other.officer")
    assert client.get(url).status_code == 404


def test_language_switch_to_english(
    client: TestClient, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    sign_in(client, "verifier")
    page = client.get("/console/queue").text
    assert "Antrian verifikasi" in page
    client.post("/console/language", data={"csrf_token": csrf_from(page), "lang": "en",
                                           "back": "/console/queue"})  # fmt: skip
    assert "Verification queue" in client.get("/console/queue").text
    with sessions() as db:
        user = db.get(StaffUser, staff_users["verifier"].id)
        assert user is not None and user.language == "en"


def test_dashboard_figures_are_cached_per_filter_for_the_configured_time(
    app: FastAPI,
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    from console.views.dashboard import BoardCache

    app.state.console_board_cache = BoardCache(ttl_seconds=3600)
    sign_in(client, "manager")

    def submitted(url: str = "/console/dashboard") -> str:
        page = client.get(url).text
        return str(page.split('data-status="submitted">', 1)[1].split("<", 1)[0])

    assert submitted() == "0"
    _submit(sessions, clock)
    assert submitted() == "0"  # the same filter within the cache time: the same figures
    assert submitted("/console/dashboard?type=complaint") == "1"  # another filter: computed now
    app.state.console_board_cache = BoardCache(ttl_seconds=0)
    assert submitted() == "1"
