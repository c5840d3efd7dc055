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
- One lookup on the unique ``tracking_code`` index plus one primary-key read: cheap enough that a
  rate limiter in front of it (or none) never has to worry about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from reports import access, tracking
from reports.enums import Status
from reports.messages import format_date
from reports.models import Agency, Report
from webhooks.runtime import Runtime

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
        "other_language": "English",
        "status_submitted": "Menunggu verifikasi",
        "status_info_requested": "Menunggu informasi tambahan dari pelapor",
        "status_forwarded": "Sedang ditindaklanjuti instansi",
        "status_answered": "Sudah ditanggapi instansi",
        "status_finished": "Selesai",
        "status_archived": "Ditutup tanpa tindak lanjut",
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
        "other_language": "Bahasa Indonesia",
        "status_submitted": "Waiting for verification",
        "status_info_requested": "Waiting for more information from the reporter",
        "status_forwarded": "Being followed up by the agency",
        "status_answered": "Answered by the agency",
        "status_finished": "Finished",
        "status_archived": "Closed without follow-up",
    },
}

ZONE_ABBREVIATIONS: Final = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}

router = APIRouter(include_in_schema=False)


def language(value: str | None) -> str:
    """``?lang=en`` switches to English; anything else (or nothing) is Indonesian."""
    return value if value in LANGUAGES else "id"


def stage_label(status: Status, lang: str) -> str:
    return TEXTS[language(lang)][f"status_{status.value}"]


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


@dataclass(frozen=True, slots=True)
class TrackingView:
    """Everything the page renders, built by :func:`tracking_view` and from nothing else."""

    code: str
    stage: str
    title: str | None
    agency: str | None
    confidential: bool
    paused: bool
    dates: list[tuple[str, str]]
    due: tuple[str, str] | None


def tracking_view(report: Report, agency_name: str | None, lang: str, tz: ZoneInfo) -> TrackingView:
    texts = TEXTS[lang]
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
    return TrackingView(
        code=report.tracking_code,
        stage=stage_label(report.status, lang),
        title=report.title if show else None,
        agency=agency_name if show else None,
        confidential=not access.public_content_visible(report),
        paused=report.status is Status.INFO_REQUESTED,
        dates=dates,
        due=due,
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
            report, agency.name if agency else None, lang, runtime.clock.calendar.tz
        )
    other = "en" if lang == "id" else "id"
    return TEMPLATES.TemplateResponse(
        request,
        "public/track.html",
        {"t": TEXTS[lang], "lang": lang, "view": view, "other_lang": other},
        headers=_HEADERS,
    )
