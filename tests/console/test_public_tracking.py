"""The tracking page's history: timeline, the agency's answer, photos, deadlines and next steps.

Built through the real use cases with a clock in the past, so deadlines are really overdue, and
read through the real app; the privacy rules of ``console/public.py`` are checked on every part.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from escalation.deadlines import SlaClock
from reports import attachments, staff_cases
from reports.actor import Actor
from reports.enums import Channel, Privacy
from reports.models import OutboxMessage, StaffUser
from tests import factories

#: The smallest valid PNG (1x1), so the stored photo is a real image.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db40000000049454e44ae426082"
)
REPORTER = "wa-secret-reporter-62811111"
REPORTER_NAME = "Siti Pelapor Rahasia"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


def _answered_report(
    sessions: sessionmaker[Session],
    clock: SlaClock,
    users: dict[str, StaffUser],
    settings: Settings,
    privacy: Privacy,
    *,
    late: bool,
) -> tuple[str, int]:
    """A report forwarded, re-routed and answered; answered 40 days after forwarding when late."""
    t0 = datetime.now(UTC) - timedelta(days=80)
    with sessions() as db, db.begin():
        citizen = factories.citizen(db, t0, Channel.WHATSAPP, REPORTER, REPORTER_NAME)
        report = factories.report(
            db,
            clock,
            t0,
            who=citizen,
            channel=Channel.WHATSAPP,
            title="Lampu jalan mati di Jl. Kenanga",
            body="Sudah seminggu gelap",
            privacy=privacy,
        )
        photo = attachments.store(
            db,
            root=settings.attachments_dir,
            data=PNG,
            content_type="image/png",
            filename="siti-pelapor.png",
            citizen_id=citizen.id,
            now=t0,
            report_id=report.id,
        )
        verifier = Actor.staff(db.merge(users["verifier"]))
        staff_cases.verify_and_forward(
            db,
            clock=clock,
            report=report,
            actor=verifier,
            agency_code="lingkungan",
            now=t0 + timedelta(hours=2),
        )
        staff_cases.reroute(
            db,
            clock=clock,
            report=report,
            actor=verifier,
            agency_code="pupr",
            reason="lampu jalan urusan PU",
            now=t0 + timedelta(hours=3),
        )
        answered = t0 + (timedelta(days=40) if late else timedelta(hours=5))
        staff_cases.answer(
            db,
            clock=clock,
            report=report,
            actor=Actor.staff(db.merge(users["officer"])),
            text="Lampu sudah kami ganti pada hari Senin.",
            now=answered,
        )
        return report.tracking_code, photo.id


@pytest.fixture
def public_late(
    sessions: sessionmaker[Session],
    clock: SlaClock,
    staff_users: dict[str, StaffUser],
    console_settings: Settings,
) -> tuple[str, int]:
    return _answered_report(
        sessions, clock, staff_users, console_settings, Privacy.PUBLIC, late=True
    )


def test_timeline_names_each_agency_and_shows_the_answer(
    client: TestClient, public_late: tuple[str, int]
) -> None:
    code, _ = public_late
    page = client.get(f"/t/{code}")
    assert page.status_code == 200
    timeline = re.search(r'data-testid="timeline">(.*?)</ol>', page.text, re.S)
    assert timeline is not None
    steps = re.findall(r"<span>(.*?)</span>", timeline.group(1))
    assert steps == [
        "Laporan diterima",
        "Diverifikasi",
        "Diteruskan ke Dinas Lingkungan Hidup",
        "Diteruskan ke Dinas Pekerjaan Umum dan Penataan Ruang",
        "Ditanggapi instansi",
    ]
    assert "Lampu sudah kami ganti pada hari Senin." in page.text
    assert "Balas 1 di percakapan jika puas" in page.text  # what to do next
    english = client.get(f"/t/{code}", params={"lang": "en"}).text
    assert "Forwarded to Dinas Pekerjaan Umum dan Penataan Ruang" in english
    assert "The agency&#39;s answer" in english and "What you can do next" in english


def test_late_answer_and_passed_feedback_window_are_marked_overdue(
    client: TestClient, public_late: tuple[str, int]
) -> None:
    code, _ = public_late
    text = client.get(f"/t/{code}").text
    deadlines = re.search(r'data-testid="deadlines">(.*?)</ul>', text, re.S)
    assert deadlines is not None
    items = re.findall(r"<li(.*?)</li>", deadlines.group(1), re.S)
    marked = {("Batas verifikasi" in i, "Batas tindak lanjut" in i): "overdue" in i for i in items}
    # verified in 2 hours: on time; answered 40 days after forwarding: late; the citizen's
    # window (10 working days from the answer) ended about a month ago: overdue.
    assert marked[(True, False)] is False
    assert marked[(False, True)] is True
    assert sum("Batas tanggapan pelapor" in i and "terlambat" in i for i in items) == 1


def test_on_time_report_has_no_overdue_marker(
    client: TestClient,
    sessions: sessionmaker[Session],
    clock: SlaClock,
    staff_users: dict[str, StaffUser],
    console_settings: Settings,
) -> None:
    code, _ = _answered_report(
        sessions, clock, staff_users, console_settings, Privacy.PUBLIC, late=False
    )
    text = client.get(f"/t/{code}").text
    deadlines = re.search(r'data-testid="deadlines">(.*?)</ul>', text, re.S)
    assert deadlines is not None
    assert "Batas tindak lanjut instansi" in deadlines.group(1)
    items = re.findall(r"<li(.*?)</li>", deadlines.group(1), re.S)
    assert not any("Batas tindak lanjut" in i and "terlambat" in i for i in items)


def test_photo_is_shown_and_served_for_a_public_report(
    client: TestClient, public_late: tuple[str, int]
) -> None:
    code, photo_id = public_late
    text = client.get(f"/t/{code}").text
    assert f'src="/t/{code}/photos/{photo_id}"' in text
    photo = client.get(f"/t/{code}/photos/{photo_id}")
    assert photo.status_code == 200 and photo.content == PNG
    assert photo.headers["content-type"] == "image/png"
    assert "siti-pelapor" not in photo.headers.get("content-disposition", "")


@pytest.mark.parametrize("privacy", [Privacy.CONFIDENTIAL, Privacy.ANONYMOUS])
def test_reporter_never_shown_and_confidential_content_hidden(
    client: TestClient,
    sessions: sessionmaker[Session],
    clock: SlaClock,
    staff_users: dict[str, StaffUser],
    console_settings: Settings,
    privacy: Privacy,
) -> None:
    code, photo_id = _answered_report(
        sessions, clock, staff_users, console_settings, privacy, late=True
    )
    for lang in ("id", "en"):
        text = client.get(f"/t/{code}", params={"lang": lang}).text
        assert REPORTER not in text and REPORTER_NAME not in text and "whatsapp" not in text
        assert "siti-pelapor" not in text
    photo = client.get(f"/t/{code}/photos/{photo_id}")
    text = client.get(f"/t/{code}").text
    if privacy is Privacy.CONFIDENTIAL:
        assert "Diteruskan ke instansi yang berwenang" in text  # the step, not the agency
        assert "Dinas" not in text and "Lampu sudah kami ganti" not in text
        assert "photos/" not in text
        assert photo.status_code == 404
    else:
        assert "Diteruskan ke Dinas Pekerjaan Umum" in text
        assert photo.status_code == 200


def test_photo_of_another_report_or_a_wrong_code_is_not_found(
    client: TestClient, public_late: tuple[str, int]
) -> None:
    code, photo_id = public_late
    pages = [
        client.get(f"/t/SW-0000-0000/photos/{photo_id}"),
        client.get(f"/t/{code}/photos/{photo_id + 1}"),
        client.get(f"/t/{code}/photos/0"),
        client.get(f"/t/{code}/photos/99999999999999999999"),
        client.get(f"/t/{code}/photos/x"),
    ]
    assert [p.status_code for p in pages] == [404, 404, 422, 422, 422]


def test_every_citizen_notice_carries_the_tracking_link(
    sessions: sessionmaker[Session], clock: SlaClock, staff_users: dict[str, StaffUser]
) -> None:
    linked = SlaClock(clock.calendar, clock.policy, public_base_url="https://lapor.example.go.id/")
    now = datetime.now(UTC) - timedelta(hours=3)
    with sessions() as db, db.begin():
        report = factories.report(db, linked, now, external_id="tg-1", body="Di depan pasar")
        verifier = staff_users["verifier"]
        code = factories.forward(
            db, linked, report, verifier, now + timedelta(hours=1)
        ).tracking_code
        bodies = db.scalars(select(OutboxMessage.body).where(OutboxMessage.address == "tg-1")).all()
    assert len(bodies) == 2
    for body in bodies:
        assert code in body
        assert f"Pantau laporan Anda: https://lapor.example.go.id/t/{code}" in body
