"""The public list of reports ``/laporan``: what LAPOR! and FixMyStreet publish, and no more.

Shown: verified reports that are not confidential (:func:`console.public.content_public`), with
title, type, agency, stage, area and dates, filterable by agency, type, status and area, and each
agency's share of follow-ups on time. Never shown: the reporter (for any privacy level), the
body (it may name people the verifier did not screen out of a title), the thread, staff names.

The query is built from :func:`reports.access` rules in SQL, so a confidential or unverified
report is never loaded at all, and pages are bounded (``PAGE`` rows, keyset on id).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import ColumnElement, select

from console.public import TEMPLATES, TEXTS, language, local_time, stage_label
from reports import stats
from reports.enums import Privacy, ReportType, Status
from reports.models import Agency, Report
from reports.runtime import Runtime

PAGE: Final = 50
MAX_ID: Final = 2**31 - 1

router = APIRouter(include_in_schema=False)


def _public_filter() -> list[ColumnElement[bool]]:
    """Verified and not confidential: the same rule as the tracking page's content."""
    return [Report.verified_at.is_not(None), Report.privacy != Privacy.CONFIDENTIAL]


@router.get("/laporan", response_class=HTMLResponse, name="public_reports")
def public_reports(
    request: Request,
    lang: str | None = None,
    agency: Annotated[str, Query(max_length=40)] = "",
    type: Annotated[str, Query(max_length=40)] = "",
    status: Annotated[str, Query(max_length=40)] = "",
    area: Annotated[str, Query(max_length=100)] = "",
    before: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> HTMLResponse:
    """Public reports, newest first; unknown filter values are ignored, never an error."""
    lang = language(lang)
    texts = TEXTS[lang]
    runtime: Runtime = request.app.state.runtime
    tz = runtime.clock.calendar.tz
    now = datetime.now(UTC)
    with runtime.sessions() as db:
        agencies = {a.code: a for a in db.scalars(select(Agency).order_by(Agency.name))}
        conds = _public_filter()
        chosen = agencies.get(agency)
        if chosen is not None:
            conds.append(Report.agency_id == chosen.id)
        report_type = ReportType(type) if type in ReportType._value2member_map_ else None
        if report_type is not None:
            conds.append(Report.type == report_type)
        report_status = Status(status) if status in Status._value2member_map_ else None
        if report_status is not None:
            conds.append(Report.status == report_status)
        area = area.strip()
        if area:
            escaped = area.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            conds.append(Report.location_text.ilike(f"%{escaped}%", escape="\\"))
        if before:
            conds.append(Report.id < before)
        rows = db.scalars(
            select(Report).where(*conds).order_by(Report.id.desc()).limit(PAGE + 1)
        ).all()
        names = {a.id: a.name for a in agencies.values()}
        items = [
            {
                "code": r.tracking_code,
                "title": r.title,
                "type": texts[f"type_{r.type.value}"],
                "agency": names.get(r.agency_id or 0, "-"),
                "stage": stage_label(r.status, lang),
                "status": r.status.value,
                "area": r.location_text or "",
                "submitted": local_time(r.created_at, lang, tz),
            }
            for r in rows[:PAGE]
        ]
        next_before = rows[PAGE - 1].id if len(rows) > PAGE else None
        compliance = stats.compliance(
            db, filters=stats.StatsFilter(since=now - timedelta(days=365), until=now), now=now
        )
    shares = [
        {
            "agency": names.get(row.agency_id or 0, "-"),
            "rate": row.rate,
            "measured": row.measured,
        }
        for row in compliance
        if row.agency_id is not None
    ]
    shares.sort(key=lambda s: str(s["agency"]))
    return TEMPLATES.TemplateResponse(
        request,
        "public/reports.html",
        {
            "t": texts,
            "lang": lang,
            "other_lang": "en" if lang == "id" else "id",
            "items": items,
            "shares": shares,
            "agencies": [(code, a.name) for code, a in agencies.items()],
            "types": [(t.value, texts[f"type_{t.value}"]) for t in ReportType],
            "statuses": [
                (s.value, stage_label(s, lang)) for s in Status if s is not Status.SUBMITTED
            ],
            "chosen": {
                "agency": agency if chosen else "",
                "type": report_type.value if report_type else "",
                "status": report_status.value if report_status else "",
                "area": area,
            },
            "next_before": next_before,
        },
        headers={"Cache-Control": "public, max-age=60", "Referrer-Policy": "no-referrer"},
    )
