"""The public tracking page ``/t/{code}``: what anyone holding a tracking code may learn.

Only the stage and its dates, never anything about the reporter. The rules, and why:

- A tracking code is a bearer secret the citizen may paste anywhere, so the page must be safe to
  show to a stranger: no name, contact, channel or thread, for any privacy level.
- A confidential report shows no content at all (no title, no agency): only stage and dates.
- Before verification the title is the citizen's raw text, which the verifier has not yet screened
  (they may still mark it confidential because it names third parties), so content appears only
  once the report has been verified and is not confidential (:func:`content_public`).
- An unknown code and a malformed one get the same 404 page, byte for byte, so the page is no
  oracle for which codes exist.
- One lookup on the unique ``tracking_code`` index, one primary-key read and four reads by the
  indexed report id (events, forwards, answer, photos): a fixed cost whatever the report's history.
- The timeline names the agencies, shows the agency's answer and the photos only when the content
  is public (:func:`content_public`); a confidential report's timeline says "forwarded to the
  responsible agency". The reporter never appears, and neither do staff names or notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi import Path as FastApiPath
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.catalogue import Catalogue
from console import public_group
from console.deps import MAX_ROW_ID
from reports import access, tracking
from reports.attachments import open_path
from reports.enums import MessageKind, Stage, Status
from reports.lifecycle import DomainError
from reports.messages import format_date
from reports.models import (
    Agency,
    AgencyAssignment,
    Attachment,
    Report,
    ReportEvent,
    ReportMessage,
)
from reports.runtime import Runtime

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
LANGUAGES: Final = ("id", "en")

#: Every text the public page (and Open311's ``status_notes``) shows, per language.
TEXTS: Final[dict[str, dict[str, str]]] = {
    "id": {
        "page_title": "Status laporan",
        "not_found_title": "Laporan tidak ditemukan",
        "not_found": (
            "Kode pelacakan tidak dikenal. Periksa kembali kode Anda (contoh: SW-7KQ4-M2XD)."
        ),
        "code": "Kode",
        "stage": "Tahap",
        "agency": "Instansi",
        "title": "Judul",
        "confidential": "Laporan ini bersifat rahasia: isinya tidak ditampilkan.",
        "submitted_at": "Diterima",
        "verified_at": "Diverifikasi",
        "answered_at": "Ditanggapi",
        "finished_at": "Selesai",
        "archived_at": "Ditutup",
        "due_verify": "Batas verifikasi",
        "due_respond": "Batas tindak lanjut instansi",
        "due_feedback": "Batas tanggapan pelapor",
        "paused": "Tenggat berhenti sementara sampai pelapor memberi informasi tambahan.",
        "timeline": "Riwayat",
        "deadlines": "Tenggat",
        "overdue": "terlambat",
        "on_time": "tepat waktu",
        "answer": "Tanggapan instansi",
        "photos": "Foto",
        "next": "Yang dapat Anda lakukan",
        "ev_received": "Laporan diterima",
        "ev_verified": "Diverifikasi",
        "ev_forwarded": "Diteruskan ke {agency}",
        "ev_forwarded_hidden": "Diteruskan ke instansi yang berwenang",
        "ev_info_requested": "Petugas meminta informasi tambahan",
        "ev_info_provided": "Pelapor memberi informasi tambahan",
        "ev_returned": "Dikembalikan ke verifikator (bukan kewenangan instansi)",
        "ev_answered": "Ditanggapi instansi",
        "ev_citizen_responded": "Pelapor menanggapi jawaban; kembali ke instansi",
        "ev_reopened": "Dibuka kembali oleh pelapor",
        "ev_extended": "Tenggat tindak lanjut diperpanjang",
        "ev_finished": "Selesai",
        "ev_archived": "Ditutup tanpa tindak lanjut",
        "close_reason": "Alasan: {reason}",
        "reporters": "Dilaporkan oleh {n} warga",
        "merged_into": "Laporan ini digabungkan dengan laporan {code} (masalah yang sama).",
        "join_title": "Saya juga mengalami ini",
        "join_hint": "Kirim pesan ini ke SuaraWarga; Anda ikut menerima kabar dan tanggapannya:",
        "join_chat": "Kirim lewat chat web",
        "join_whatsapp": "Kirim lewat WhatsApp",
        "join_message": "saya juga {code}",
        "next_submitted": (
            "Tunggu verifikasi. Jika ada informasi tambahan, kirimkan lewat percakapan tempat Anda "
            "melapor, dengan menyebut kode ini."
        ),
        "next_info_requested": (
            "Petugas menunggu jawaban Anda: balas pertanyaannya di percakapan tempat Anda melapor. "
            "Tenggat berjalan lagi setelah Anda menjawab."
        ),
        "next_forwarded": (
            'Instansi sedang menindaklanjuti. Ketik "status {code}" di percakapan kapan saja '
            "untuk kabar terbaru."
        ),
        "next_answered": (
            "Baca tanggapan instansi. Balas 1 di percakapan jika puas, atau tulis tanggapan Anda "
            "jika belum puas, paling lambat {due}."
        ),
        "next_finished": (
            "Laporan selesai. Jika masalahnya muncul lagi, Anda dapat membuka kembali laporan ini "
            "atau mengirim laporan baru."
        ),
        "next_archived": (
            "Laporan ditutup. Anda dapat mengirim laporan baru dengan keterangan yang lebih "
            "lengkap (apa, di mana, kapan)."
        ),
        "other_language": "English",
        "status_submitted": "Menunggu verifikasi",
        "status_info_requested": "Menunggu informasi tambahan dari pelapor",
        "status_forwarded": "Sedang ditindaklanjuti instansi",
        "status_answered": "Sudah ditanggapi instansi",
        "status_finished": "Selesai",
        "status_archived": "Ditutup tanpa tindak lanjut",
        "list_title": "Laporan warga",
        "list_intro": (
            "Laporan yang sudah diverifikasi dan tidak bersifat rahasia. Identitas pelapor tidak "
            "pernah ditampilkan."
        ),
        "filter": "Saring",
        "all": "Semua",
        "type": "Jenis",
        "area": "Wilayah",
        "none_found": "Tidak ada laporan yang cocok.",
        "on_time_title": "Ketepatan waktu tindak lanjut per instansi (12 bulan terakhir)",
        "on_time_share": "Tepat waktu",
        "measured": "Diukur",
        "not_measured": "belum ada data",
        "next_page": "Berikutnya",
        "type_complaint": "Pengaduan",
        "type_aspiration": "Aspirasi",
        "type_information_request": "Permintaan informasi",
        "views": "Tampilan",
        "view_list": "Daftar",
        "view_map": "Peta",
        "map_title": "Peta laporan warga",
        "map_label": "Peta laporan; setiap titik membuka halaman status laporannya",
        "map_no_tiles": (
            "Peta dasar tidak tersedia: titik laporan digambar pada kisi koordinat "
            "(utara {north}, selatan {south}, barat {west}, timur {east}). Daftar di bawah peta "
            "memuat laporan yang sama."
        ),
        "map_key_open": "Dalam proses",
        "map_key_finished": "Selesai",
        "map_key_archived": "Ditutup",
        "map_capped": (
            "Peta hanya menampilkan {n} laporan terbaru; persempit saringan untuk melihat "
            "yang lain."
        ),
        "map_list": "Laporan pada peta ({n})",
        "map_none": "Tidak ada laporan dengan lokasi yang cocok dengan saringan ini.",
        "map_geojson": "Data peta (GeoJSON)",
    },
    "en": {
        "page_title": "Report status",
        "not_found_title": "Report not found",
        "not_found": "Unknown tracking code. Please check your code (example: SW-7KQ4-M2XD).",
        "code": "Code",
        "stage": "Stage",
        "agency": "Agency",
        "title": "Title",
        "confidential": "This report is confidential: its content is not shown.",
        "submitted_at": "Received",
        "verified_at": "Verified",
        "answered_at": "Answered",
        "finished_at": "Finished",
        "archived_at": "Closed",
        "due_verify": "Verification due",
        "due_respond": "Agency follow-up due",
        "due_feedback": "Reporter's response due",
        "paused": "The deadline is paused until the reporter provides more information.",
        "timeline": "Timeline",
        "deadlines": "Deadlines",
        "overdue": "overdue",
        "on_time": "on time",
        "answer": "The agency's answer",
        "photos": "Photos",
        "next": "What you can do next",
        "ev_received": "Report received",
        "ev_verified": "Verified",
        "ev_forwarded": "Forwarded to {agency}",
        "ev_forwarded_hidden": "Forwarded to the responsible agency",
        "ev_info_requested": "The officer asked for more information",
        "ev_info_provided": "The reporter provided more information",
        "ev_returned": "Returned to the verifier (not the agency's authority)",
        "ev_answered": "Answered by the agency",
        "ev_citizen_responded": "The reporter responded to the answer; back with the agency",
        "ev_reopened": "Reopened by the reporter",
        "ev_extended": "Follow-up deadline extended",
        "ev_finished": "Finished",
        "ev_archived": "Closed without follow-up",
        "close_reason": "Reason: {reason}",
        "reporters": "Reported by {n} citizens",
        "merged_into": "This report was merged into report {code}, which handles the same problem.",
        "join_title": "I have this problem too",
        "join_hint": "Send this message to SuaraWarga to receive its updates and answer too:",
        "join_chat": "Send through the web chat",
        "join_whatsapp": "Send through WhatsApp",
        "join_message": "saya juga {code}",
        "next_submitted": (
            "Wait for verification. To add information, send it in the chat where you reported, "
            "mentioning this code."
        ),
        "next_info_requested": (
            "The officer is waiting for your answer: reply to the question in the chat where you "
            "reported. The deadline runs again once you answer."
        ),
        "next_forwarded": (
            'The agency is following up. Type "status {code}" in the chat at any time for the '
            "latest news."
        ),
        "next_answered": (
            "Read the agency's answer. Reply 1 in the chat if you are satisfied, or write your "
            "response if not, by {due}."
        ),
        "next_finished": (
            "The report is finished. If the problem comes back, you can reopen this report or "
            "send a new one."
        ),
        "next_archived": (
            "The report was closed. You can send a new report with more detail (what, where, when)."
        ),
        "other_language": "Bahasa Indonesia",
        "status_submitted": "Waiting for verification",
        "status_info_requested": "Waiting for more information from the reporter",
        "status_forwarded": "Being followed up by the agency",
        "status_answered": "Answered by the agency",
        "status_finished": "Finished",
        "status_archived": "Closed without follow-up",
        "list_title": "Citizens' reports",
        "list_intro": (
            "Reports that were verified and are not confidential. The reporter's identity is "
            "never shown."
        ),
        "filter": "Filter",
        "all": "All",
        "type": "Type",
        "area": "Area",
        "none_found": "No matching reports.",
        "on_time_title": "Follow-up on time, per agency (last 12 months)",
        "on_time_share": "On time",
        "measured": "Measured",
        "not_measured": "no data yet",
        "next_page": "Next",
        "type_complaint": "Complaint",
        "type_aspiration": "Aspiration",
        "type_information_request": "Information request",
        "views": "Views",
        "view_list": "List",
        "view_map": "Map",
        "map_title": "Map of citizens' reports",
        "map_label": "Map of reports; each marker opens the report's status page",
        "map_no_tiles": (
            "No base map available: the reports are drawn on a coordinate grid (north {north}, "
            "south {south}, west {west}, east {east}). The list below the map holds the same "
            "reports."
        ),
        "map_key_open": "In progress",
        "map_key_finished": "Finished",
        "map_key_archived": "Closed",
        "map_capped": (
            "The map shows the newest {n} reports only; narrow the filters to see others."
        ),
        "map_list": "Reports on the map ({n})",
        "map_none": "No reports with a location match these filters.",
        "map_geojson": "Map data (GeoJSON)",
    },
}
#: The same texts as one catalogue (``config.catalogue``): the parity test holds both languages to
#: the same keys and placeholders, and code reads one text with ``PUBLIC.text``.
PUBLIC: Final = Catalogue("console.public", TEXTS)

ZONE_ABBREVIATIONS: Final = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}

router = APIRouter(include_in_schema=False)
#: An attachment id as the console bounds it (``console.deps.RowId``): out of range is a 422.
PhotoId = Annotated[int, FastApiPath(ge=1, le=MAX_ROW_ID)]


def language(value: str | None) -> str:
    """``?lang=en`` switches to English; anything else (or nothing) is Indonesian."""
    return value if value in LANGUAGES else "id"


def stage_label(status: Status, lang: str) -> str:
    return PUBLIC.text(f"status_{status.value}", lang)


def content_public(report: Report) -> bool:
    """May strangers read this report's title, agency and location?

    Stricter than :func:`reports.access.public_content_visible`: the report must also have been
    verified, because until then nobody has checked whether it must be confidential.
    """
    return report.verified_at is not None and access.public_content_visible(report)


def local_time(instant: datetime | None, lang: str, tz: ZoneInfo) -> str | None:
    """ "Rabu, 25 November 2026 23:59 WIB" in the deployment's zone."""
    if instant is None:
        return None
    local = instant.astimezone(tz)
    zone = ZONE_ABBREVIATIONS.get(str(tz.key), local.strftime("%Z"))
    return f"{format_date(instant, lang, tz)} {local:%H:%M} {zone}"


#: Event actions shown on the timeline, and their label. Forwards and re-routes come from the
#: agency assignments instead (they name the agency); SLA bookkeeping (reminders, breaches) and
#: anything unknown is left out, so a new internal action never leaks onto a public page.
TIMELINE_ACTIONS: Final[dict[str, str]] = {
    "submit": "ev_received",
    "verify_forward": "ev_verified",
    "request_info": "ev_info_requested",
    "provide_info": "ev_info_provided",
    "return_to_verifier": "ev_returned",
    "answer": "ev_answered",
    "citizen_respond": "ev_citizen_responded",
    "reopen": "ev_reopened",
    "extend_deadline": "ev_extended",
    "citizen_accept": "ev_finished",
    "auto_close": "ev_finished",
    "finish": "ev_finished",
    "archive": "ev_archived",
    "not_our_authority": "ev_archived",
}

#: Photos the page shows inline; PDFs and videos stay with the staff (they often carry names,
#: ID cards and letterheads that a verifier screens less carefully than a street photo).
PUBLIC_IMAGE_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/webp"})


@dataclass(frozen=True, slots=True)
class Deadline:
    label: str
    at: str
    overdue: bool


@dataclass(frozen=True, slots=True)
class TrackingView:
    """Everything the page renders, built by :func:`tracking_view` and from nothing else."""

    code: str
    stage: str
    status: str
    title: str | None
    agency: str | None
    confidential: bool
    paused: bool
    dates: list[tuple[str, str]]
    due: tuple[str, str] | None
    timeline: list[tuple[str, str]] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    answer: str | None = None
    photos: list[int] = field(default_factory=list)
    next_step: str = ""
    close_reason: str | None = None
    # One problem, many reports (``console.public_group``): how many citizens reported it, the
    # report it was merged into, and the "saya juga mengalami ini" message with its links.
    reporters: int = 1
    merged_into: str | None = None
    join_text: str | None = None
    join_links: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class History:
    """What the page reads besides the report itself, loaded by :func:`load_history`."""

    events: list[ReportEvent] = field(default_factory=list)
    #: (assigned_at, agency name) in order
    forwards: list[tuple[datetime, str]] = field(default_factory=list)
    answer: str | None = None
    photo_ids: list[int] = field(default_factory=list)


def load_history(db: Session, report: Report) -> History:
    """Four indexed reads by report id, however long the history: the cost stays bounded."""
    events = list(
        db.scalars(
            select(ReportEvent)
            .where(ReportEvent.report_id == report.id)
            .order_by(ReportEvent.created_at, ReportEvent.id)
        )
    )
    forwards = [
        (at, name)
        for at, name in db.execute(
            select(AgencyAssignment.assigned_at, Agency.name)
            .join(Agency, Agency.id == AgencyAssignment.agency_id)
            .where(AgencyAssignment.report_id == report.id)
            .order_by(AgencyAssignment.assigned_at, AgencyAssignment.id)
        )
    ]
    answer = db.scalar(
        select(ReportMessage.body)
        .where(ReportMessage.report_id == report.id, ReportMessage.kind == MessageKind.ANSWER)
        .order_by(ReportMessage.created_at.desc(), ReportMessage.id.desc())
        .limit(1)
    )
    photo_ids = list(
        db.scalars(
            select(Attachment.id)
            .where(
                Attachment.report_id == report.id,
                Attachment.content_type.in_(sorted(PUBLIC_IMAGE_TYPES)),
            )
            .order_by(Attachment.id)
        )
    )
    return History(events=events, forwards=forwards, answer=answer, photo_ids=photo_ids)


def _deadlines(
    report: Report, texts: dict[str, str], lang: str, tz: ZoneInfo, now: datetime
) -> list[Deadline]:
    """Every stored deadline, each marked overdue when its stage ended (or is still open) after it.

    A stage's end is the moment the next step happened: verification for the verify clock, the
    answer for the agency's, the closing for the citizen's. A paused clock is never overdue.
    """
    current = report.stage
    paused = report.status is Status.INFO_REQUESTED
    rows: list[Deadline] = []
    for stage, due, ended in (
        (Stage.VERIFY, report.verify_due_at, report.verified_at),
        (Stage.RESPOND, report.response_due_at, report.answered_at),
        (Stage.FEEDBACK, report.feedback_due_at, report.closed_at),
    ):
        if due is None:
            continue
        if stage is current:
            overdue = now > due
        elif paused and report.paused_stage is stage:
            overdue = False
        else:
            overdue = ended is not None and ended > due
        shown = local_time(due, lang, tz)
        assert shown is not None
        rows.append(Deadline(texts[f"due_{stage.value}"], shown, overdue))
    return rows


def tracking_view(
    report: Report,
    agency_name: str | None,
    lang: str,
    tz: ZoneInfo,
    history: History | None = None,
    now: datetime | None = None,
) -> TrackingView:
    texts = TEXTS[lang]
    history = history or History()
    now = now or report.updated_at
    show = content_public(report)
    dates: list[tuple[str, str]] = []
    closed_key = "finished_at" if report.status is Status.FINISHED else "archived_at"
    for key, instant in (
        ("submitted_at", report.created_at),
        ("verified_at", report.verified_at),
        ("answered_at", report.answered_at),
        (closed_key, report.closed_at),
    ):
        shown = local_time(instant, lang, tz)
        if shown is not None:
            dates.append((texts[key], shown))
    due = None
    stage = report.stage
    if stage is not None and report.current_due_at is not None:
        due_text = local_time(report.current_due_at, lang, tz)
        assert due_text is not None
        due = (texts[f"due_{stage.value}"], due_text)
    entries: list[tuple[datetime, int, str]] = []
    for event in history.events:
        label_key = TIMELINE_ACTIONS.get(event.action)
        if label_key is not None:
            entries.append((event.created_at, 0, texts[label_key]))
    for at, name in history.forwards:
        label = texts["ev_forwarded"].format(agency=name) if show else texts["ev_forwarded_hidden"]
        entries.append((at, 1, label))
    entries.sort(key=lambda e: (e[0], e[1]))
    timeline = [(local_time(at, lang, tz) or "", label) for at, _order, label in entries]
    feedback_due = local_time(report.feedback_due_at, lang, tz) or "-"
    next_step = texts[f"next_{report.status.value}"].format(
        code=report.tracking_code, due=feedback_due
    )
    reason = report.close_reason if show and report.status is Status.ARCHIVED else None
    return TrackingView(
        code=report.tracking_code,
        stage=stage_label(report.status, lang),
        status=report.status.value,
        title=report.title if show else None,
        agency=agency_name if show else None,
        confidential=not access.public_content_visible(report),
        paused=report.status is Status.INFO_REQUESTED,
        dates=dates,
        due=due,
        timeline=timeline,
        deadlines=_deadlines(report, texts, lang, tz, now),
        answer=history.answer if show else None,
        photos=history.photo_ids if show else [],
        next_step=next_step,
        close_reason=texts["close_reason"].format(reason=reason) if reason else None,
    )


def _not_found(request: Request, lang: str) -> HTMLResponse:
    # No echo of the code: an unknown and a malformed code produce the very same bytes.
    return TEMPLATES.TemplateResponse(
        request,
        "public/not_found.html",
        {"t": TEXTS[lang], "lang": lang},
        status_code=404,
        headers=_HEADERS,
    )


_HEADERS: Final = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


@router.get("/t/{code}", response_class=HTMLResponse, name="public_tracking")
def tracking_page(request: Request, code: str, lang: str | None = None) -> HTMLResponse:
    """The citizen's status page for one tracking code."""
    lang = language(lang)
    canonical = tracking.normalize(code) if len(code) <= 40 else None
    if canonical is None:
        return _not_found(request, lang)
    runtime: Runtime = request.app.state.runtime
    with runtime.sessions() as db:
        report = db.scalar(select(Report).where(Report.tracking_code == canonical))
        if report is None:
            return _not_found(request, lang)
        agency = db.get(Agency, report.agency_id) if report.agency_id else None
        view = tracking_view(
            report,
            agency.name if agency else None,
            lang,
            runtime.clock.calendar.tz,
            history=load_history(db, report),
            now=datetime.now(UTC),
        )
        view = public_group.with_group(db, view, report, TEXTS[lang], runtime.settings)
    other = "en" if lang == "id" else "id"
    return TEMPLATES.TemplateResponse(
        request,
        "public/track.html",
        {"t": TEXTS[lang], "lang": lang, "view": view, "other_lang": other},
        headers=_HEADERS,
    )


@router.get("/t/{code}/photos/{attachment_id}", name="public_photo")
def tracking_photo(request: Request, code: str, attachment_id: PhotoId) -> Response:
    """One photo of a report whose content is public; anything else is the same 404 page.

    The code is required beside the id so attachment ids (sequential) cannot be walked.
    """
    canonical = tracking.normalize(code) if len(code) <= 40 else None
    if canonical is None:
        return _not_found(request, "id")
    runtime: Runtime = request.app.state.runtime
    with runtime.sessions() as db:
        report = db.scalar(select(Report).where(Report.tracking_code == canonical))
        item = db.get(Attachment, attachment_id) if report is not None else None
        if (
            report is None
            or item is None
            or item.report_id != report.id
            or item.content_type not in PUBLIC_IMAGE_TYPES
            or not content_public(report)
        ):
            return _not_found(request, "id")
        try:
            path = open_path(runtime.settings.attachments_dir, item)
        except DomainError:
            return _not_found(request, "id")
        media_type = item.content_type
    if not path.is_file():
        return _not_found(request, "id")
    # No filename: the citizen's file name may carry their name.
    return FileResponse(
        path,
        media_type=media_type,
        headers={**_HEADERS, "X-Content-Type-Options": "nosniff"},
        content_disposition_type="inline",
    )
