"""The public list ``/laporan`` and map ``/laporan/peta``: what LAPOR! and FixMyStreet publish,
and no more.

Shown: verified reports that are not confidential (:mod:`reports.published`), with title, type,
agency, stage, area and dates, filterable by agency, type, status and area, and each agency's
share of follow-ups on time. Never shown: the reporter (for any privacy level), the body (it may
name people the verifier did not screen out of a title), the thread, staff names.

The list, the map and the map's GeoJSON (``/laporan/peta.geojson``) read the same query string
into one :class:`reports.published.PublicFilters`, so they always hold the same reports; pages
are bounded (``PAGE`` rows, keyset on id) and the map carries at most ``MAP_CAP`` markers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.orm import Session

from console import public_map
from console.i18n.public import TEXTS, language, local_time, stage_label
from console.public import TEMPLATES
from reports import published
from reports.agencies import agencies_by_code
from reports.enums import ReportType, Status
from reports.models import Agency
from reports.runtime import Runtime
from reports.stats import metrics
from reports.stats.figures import StatsFilter

PAGE: Final = 50
MAX_ID: Final = 2**31 - 1
MAP_CAP: Final = published.MAP_CAP
HEADERS: Final = {"Cache-Control": "public, max-age=60", "Referrer-Policy": "no-referrer"}

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class PublicQuery:
    """The query string as the pages read it: unknown values are ignored, never an error."""

    lang: str
    agency: str
    type: str
    status: str
    area: str


def read_query(
    lang: str | None = None,
    agency: Annotated[str, Query(max_length=40)] = "",
    type: Annotated[str, Query(max_length=40)] = "",
    status: Annotated[str, Query(max_length=40)] = "",
    area: Annotated[str, Query(max_length=100)] = "",
) -> PublicQuery:
    return PublicQuery(language(lang), agency, type, status, area.strip())


QueryDep = Annotated[PublicQuery, Depends(read_query)]


def _filters(
    agencies: dict[str, Agency], q: PublicQuery
) -> tuple[published.PublicFilters, dict[str, str]]:
    """The domain's filters and the values the form shows as chosen (the known ones only)."""
    chosen = agencies.get(q.agency)
    report_type = ReportType(q.type) if q.type in ReportType._value2member_map_ else None
    report_status = Status(q.status) if q.status in Status._value2member_map_ else None
    filters = published.PublicFilters(
        agency_id=chosen.id if chosen else None, type=report_type, status=report_status, area=q.area
    )
    shown = {
        "agency": q.agency if chosen else "",
        "type": report_type.value if report_type else "",
        "status": report_status.value if report_status else "",
        "area": q.area,
    }
    return filters, shown


def _shares(db: Session, names: dict[int, str], now: datetime) -> list[dict[str, Any]]:
    compliance = metrics.compliance(
        db, filters=StatsFilter(since=now - timedelta(days=365), until=now), now=now
    )
    shares = [
        {"agency": names.get(row.agency_id or 0, "-"), "rate": row.rate, "measured": row.measured}
        for row in compliance
        if row.agency_id is not None
    ]
    shares.sort(key=lambda s: str(s["agency"]))
    return shares


def _form_context(
    q: PublicQuery, agencies: dict[str, Agency], shown: dict[str, str], tab: str
) -> dict[str, Any]:
    """What the filter form and the tabs of both pages need (``tab``: list or map)."""
    texts = TEXTS[q.lang]
    query = urlencode({"lang": q.lang, **{k: v for k, v in shown.items() if v}})
    return {
        "t": texts,
        "lang": q.lang,
        "other_lang": "en" if q.lang == "id" else "id",
        "agencies": [(code, a.name) for code, a in agencies.items()],
        "types": [(t.value, texts[f"type_{t.value}"]) for t in ReportType],
        "statuses": [
            (s.value, stage_label(s, q.lang)) for s in Status if s is not Status.SUBMITTED
        ],
        "chosen": shown,
        "query": query,
        "tab": tab,
        "action": "/laporan/peta" if tab == "map" else "/laporan",
    }


@router.get("/laporan", response_class=HTMLResponse, name="public_reports")
def public_reports(
    request: Request, q: QueryDep, before: Annotated[int, Query(ge=0, le=MAX_ID)] = 0
) -> HTMLResponse:
    """Public reports, newest first; unknown filter values are ignored, never an error."""
    texts = TEXTS[q.lang]
    runtime: Runtime = request.app.state.runtime
    tz = runtime.clock.calendar.tz
    with runtime.sessions() as db:
        agencies = agencies_by_code(db)
        filters, shown = _filters(agencies, q)
        rows = published.page(db, filters, before=before, size=PAGE)
        names = {a.id: a.name for a in agencies.values()}
        items = [
            {
                "code": r.tracking_code,
                "title": r.title,
                "type": texts[f"type_{r.type.value}"],
                "agency": names.get(r.agency_id or 0, "-"),
                "stage": stage_label(r.status, q.lang),
                "status": r.status.value,
                "area": r.location_text or "",
                "submitted": local_time(r.created_at, q.lang, tz),
            }
            for r in rows[:PAGE]
        ]
        next_before = rows[PAGE - 1].id if len(rows) > PAGE else None
        shares = _shares(db, names, datetime.now(UTC))
    return TEMPLATES.TemplateResponse(
        request,
        "public/reports.html",
        {
            **_form_context(q, agencies, shown, "list"),
            "items": items,
            "shares": shares,
            "next_before": next_before,
        },
        headers=HEADERS,
    )


@router.get("/laporan/peta", response_class=HTMLResponse, name="public_map")
def public_map_page(request: Request, q: QueryDep) -> HTMLResponse:
    """The same reports as the list, those with a place, as markers linking to their tracking
    page; below the map the same reports as a list (the map's text alternative)."""
    texts = TEXTS[q.lang]
    runtime: Runtime = request.app.state.runtime
    settings = runtime.settings
    tz = runtime.clock.calendar.tz
    with runtime.sessions() as db:
        agencies = agencies_by_code(db)
        filters, shown = _filters(agencies, q)
        points, capped = published.map_points(db, filters, cap=MAP_CAP)
        names = {a.id: a.name for a in agencies.values()}
        shares = _shares(db, names, datetime.now(UTC))
    picture = public_map.view(
        [(p.latitude, p.longitude, p.code, p.title, p.status.value) for p in points],
        settings.map_tile_url,
    )
    items = [
        {
            "code": p.code,
            "title": p.title,
            "type": texts[f"type_{p.type.value}"],
            "agency": names.get(p.agency_id or 0, "-"),
            "stage": stage_label(p.status, q.lang),
            "status": p.status.value,
            "area": p.area,
            "submitted": local_time(p.created_at, q.lang, tz),
        }
        for p in points
    ]
    return TEMPLATES.TemplateResponse(
        request,
        "public/map.html",
        {
            **_form_context(q, agencies, shown, "map"),
            "map": picture,
            "items": items,
            "capped": capped,
            "cap": MAP_CAP,
            "tiles": bool(settings.map_tile_url),
            "attribution": settings.map_tile_attribution,
            "shares": shares,
        },
        headers=HEADERS,
    )


@router.get("/laporan/peta.geojson", name="public_map_geojson")
def public_map_geojson(request: Request, q: QueryDep) -> JSONResponse:
    """The map's markers as a GeoJSON FeatureCollection (RFC 7946: longitude first), for other
    maps and scripts. Same filters and cap as the page; ``truncated`` says more matched."""
    runtime: Runtime = request.app.state.runtime
    with runtime.sessions() as db:
        agencies = agencies_by_code(db)
        filters, _ = _filters(agencies, q)
        points, capped = published.map_points(db, filters, cap=MAP_CAP)
    by_id = {a.id: a for a in agencies.values()}
    features = []
    for p in points:
        agency = by_id.get(p.agency_id or 0)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.longitude, p.latitude]},
                "properties": {
                    "code": p.code,
                    "title": p.title,
                    "type": p.type.value,
                    "agency": agency.code if agency else None,
                    "agency_name": agency.name if agency else None,
                    "status": p.status.value,
                    "stage": stage_label(p.status, q.lang),
                    "area": p.area,
                    "submitted_at": p.created_at.isoformat(),
                    "url": f"/t/{p.code}",
                },
            }
        )
    body = {"type": "FeatureCollection", "features": features, "truncated": capped}
    return JSONResponse(body, media_type="application/geo+json", headers=HEADERS)
