"""Demo data: staff of every role and reports in every stage, so a newcomer sees a living system.

Reports are created through the real use cases with back-dated ``now`` values, so their events,
deadlines and outbox rows are exactly what production would have produced. Every back-dated step
falls on a working day in office hours (counted with the deployment's calendar): a demo where the
verifier works on Saturdays teaches the wrong thing about the deadlines. Finished reports carry
SKM ratings, so the dashboard's satisfaction panel has figures from the first start.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.calendar import WorkingCalendar
from escalation.deadlines import SlaClock
from reports import citizen_cases, staff_cases
from reports.actor import Actor
from reports.enums import Channel, Privacy, ReportType, Role
from reports.models import StaffUser
from reports.satisfaction import ELEMENTS, record_rating
from reports.staff import create_staff

STAFF = [
    ("admin", "Admin SuaraWarga", Role.ADMIN, None),
    ("verifikator", "Rina Verifikator", Role.VERIFIER, None),
    ("manajer", "Budi Manajer", Role.MANAGER, None),
    ("pupr.petugas", "Agus (Dinas PUPR)", Role.OFFICER, "pupr"),
    ("pupr.kepala", "Ir. Sri (Kepala Dinas PUPR)", Role.AGENCY_HEAD, "pupr"),
    ("dlh.petugas", "Dewi (DLH)", Role.OFFICER, "lingkungan"),
    ("dlh.kepala", "Kepala DLH", Role.AGENCY_HEAD, "lingkungan"),
    ("dukcapil.petugas", "Yusuf (Disdukcapil)", Role.OFFICER, "kependudukan"),
    ("dukcapil.kepala", "Kepala Disdukcapil", Role.AGENCY_HEAD, "kependudukan"),
]

# (working days ago, type, agency, title, body, privacy, how far along)
REPORTS = [
    (0, ReportType.COMPLAINT, "pupr", "Jalan berlubang di Jl. Melati",
     "Jalan di depan SDN 3 Jl. Melati berlubang besar sdh 2 minggu, motor sering jatuh. Mohon segera diperbaiki.",
     Privacy.PUBLIC, "submitted"),
    (6, ReportType.COMPLAINT, "lingkungan", "Sampah menumpuk di TPS Pasar Baru",
     "Sampah di TPS dekat pasar baru gak diangkut seminggu, baunya sampai ke rumah warga.",
     Privacy.ANONYMOUS, "submitted"),
    (2, ReportType.INFORMATION_REQUEST, "kependudukan", "Syarat pindah domisili",
     "Apa saja syarat pindah KK dari luar kota? Apakah bisa online?", Privacy.PUBLIC, "info_requested"),
    (1, ReportType.COMPLAINT, "kependudukan", "KTP-el belum jadi 3 bulan",
     "Saya rekam e-KTP bulan Agustus tapi sampai sekarang blm dicetak, katanya blanko habis.",
     Privacy.PUBLIC, "forwarded"),
    (14, ReportType.COMPLAINT, "pupr", "Drainase mampet, banjir tiap hujan",
     "Saluran air di RT 04 RW 02 mampet, tiap hujan air masuk rumah. Sudah lapor ke kelurahan tapi belum ada tindakan.",
     Privacy.PUBLIC, "forwarded"),
    (9, ReportType.ASPIRATION, "lingkungan", "Usul taman bermain di lahan kosong",
     "Mohon lahan kosong milik pemda di Jl. Kenanga dibangun taman bermain anak.",
     Privacy.PUBLIC, "answered"),
    (16, ReportType.COMPLAINT, "pupr", "Lampu jalan mati",
     "Lampu PJU di Jl. Anggrek mati sejak bulan lalu, rawan begal.", Privacy.CONFIDENTIAL, "finished"),
    (18, ReportType.COMPLAINT, "kependudukan", "Antrean layanan KK sangat lama",
     "Antre dari jam 7 pagi baru dilayani jam 1 siang, nomor antrean online tidak berlaku.",
     Privacy.PUBLIC, "finished"),
    (12, ReportType.ASPIRATION, "lingkungan", "Usul bank sampah di tiap RW",
     "Sebaiknya tiap RW punya bank sampah supaya warga mau memilah sampah.", Privacy.PUBLIC, "finished"),
    (8, ReportType.COMPLAINT, "pupr", "Trotoar rusak di Jl. Mawar",
     "Trotoar di Jl. Mawar depan puskesmas ambles, pejalan kaki harus turun ke jalan.",
     Privacy.ANONYMOUS, "finished"),
    (4, ReportType.COMPLAINT, "lainnya", "Promosi pinjaman online",
     "Ada yang mau pinjol cepat cair?", Privacy.PUBLIC, "archived"),
]  # fmt: skip

#: SKM scores (1-4) of each finished report, in ``ELEMENTS`` order: by title, so they read varied.
RATINGS: dict[str, tuple[int, ...]] = {
    "Lampu jalan mati": (3, 3, 4, 4, 3, 3, 4, 3, 3),
    "Antrean layanan KK sangat lama": (3, 2, 2, 4, 3, 3, 2, 3, 2),
    "Usul bank sampah di tiap RW": (4, 4, 3, 4, 4, 4, 4, 4, 3),
    "Trotoar rusak di Jl. Mawar": (3, 3, 3, 4, 3, 4, 3, 3, 3),
}


def working_day_back(calendar: WorkingCalendar, day: date, n: int) -> date:
    """The ``n``-th working day before ``day`` (``day`` itself, or the last working day before it,
    for ``n == 0``). Bounded: a year holds far fewer closed days than the loop allows."""
    one = timedelta(days=1)
    for _ in range(400):
        if calendar.is_working_day(day):
            break
        day -= one
    for _ in range(n):
        day -= one
        for _ in range(400):
            if calendar.is_working_day(day):
                break
            day -= one
    return day


def office_hours(calendar: WorkingCalendar, day: date, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` local time on ``day``, as an aware UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=calendar.tz).astimezone(UTC)


def seed(db: Session, *, clock: SlaClock, now: datetime, password: str) -> list[str]:
    lines: list[str] = []
    staff: dict[str, StaffUser] = {}
    for username, name, role, agency in STAFF:
        existing = db.scalar(select(StaffUser).where(StaffUser.username == username))
        if existing is None:
            existing = create_staff(
                db,
                username=username,
                full_name=name,
                password=password,
                role=role,
                agency_code=agency,
                now=now,
                addresses=[(Channel.EMAIL, f"{username}@demo.invalid")],
            )
            lines.append(f"staff: {username} ({role.value}{' ' + agency if agency else ''})")
        staff[username] = existing
    verifier = Actor.staff(staff["verifikator"])
    officers = {
        "pupr": Actor.staff(staff["pupr.petugas"]),
        "lingkungan": Actor.staff(staff["dlh.petugas"]),
        "kependudukan": Actor.staff(staff["dukcapil.petugas"]),
    }
    calendar = clock.calendar
    today = calendar.local_date(now)
    for i, (ago, rtype, agency, title, body, privacy, stage) in enumerate(REPORTS):
        day = working_day_back(calendar, today, ago)
        t0 = office_hours(calendar, day, 8, 5 * i)
        if t0 > now:  # seeded early in the morning: the previous working day
            day = working_day_back(calendar, day, 1)
            t0 = office_hours(calendar, day, 8, 5 * i)
        answered_at = office_hours(calendar, calendar.add_working_days(day, 2), 10)
        accepted_at = office_hours(calendar, calendar.add_working_days(day, 3), 11)
        citizen = citizen_cases.get_or_create_citizen(
            db, channel=Channel.WEB, external_id=f"demo-warga-{i + 1}", now=t0
        )
        report = citizen_cases.submit_report(
            db, clock=clock, citizen=citizen, channel=Channel.WEB, report_type=rtype,
            title=title, body=body, privacy=privacy, now=t0, location_text="Kota Demo",
        )  # fmt: skip
        step = t0 + timedelta(hours=3)
        if stage == "info_requested":
            staff_cases.request_info(
                db, clock=clock, report=report, actor=verifier, now=step,
                question="Mohon sebutkan kota asal dan kota tujuan Anda.",
            )  # fmt: skip
        elif stage == "archived":
            staff_cases.archive(
                db, clock=clock, report=report, actor=verifier, now=step,
                reason="Bukan laporan tentang kinerja pelayanan publik (spam).",
            )  # fmt: skip
        elif stage in {"forwarded", "answered", "finished"}:
            staff_cases.verify_and_forward(
                db, clock=clock, report=report, actor=verifier, agency_code=agency, now=step
            )
            if stage in {"answered", "finished"}:
                staff_cases.answer(
                    db, clock=clock, report=report, actor=officers[agency],
                    now=answered_at,
                    text="Terima kasih. Laporan sudah kami tinjau dan dijadwalkan minggu ini.",
                )  # fmt: skip
            if stage == "finished":
                citizen_cases.citizen_accept(
                    db, clock=clock, report=report, actor=Actor.citizen(citizen.id),
                    now=accepted_at,
                )  # fmt: skip
                for element, score in zip(ELEMENTS, RATINGS.get(title, ()), strict=False):
                    record_rating(
                        db, report=report, citizen_id=citizen.id, element=element, score=score,
                        now=accepted_at + timedelta(minutes=10),
                    )  # fmt: skip
        lines.append(f"report: {report.tracking_code} {report.status.value:<15} {title}")
    lines.append(f"demo accounts share the password given by --password ({len(STAFF)} accounts)")
    return lines
