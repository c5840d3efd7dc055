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

from console import public_group
from console.deps import MAX_ROW_ID
from console.i18n.public import TEXTS, language, local_time, stage_label
from reports import access, tracking
from reports.access import content_public
from reports.attachments import open_path
from reports.enums import Stage, Status
from reports.lifecycle import DomainError
from reports.models import Agency, Attachment, Report
from reports.public_status import PUBLIC_IMAGE_TYPES, History, load_history, report_by_code
from reports.runtime import Runtime

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))


router = APIRouter(include_in_schema=False)
#: An attachment id as the console bounds it (``console.deps.RowId``): out of range is a 422.
PhotoId = Annotated[int, FastApiPath(ge=1, le=MAX_ROW_ID)]


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
        report = report_by_code(db, canonical)
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
        report = report_by_code(db, canonical)
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
