"""The manager dashboard: deadlines, breaches, durations, compliance, escalations and SKM.

Filters (period, agency, type) arrive as query parameters and are validated here: a bad date is a
400 with a readable message, never a 500. The same filtered data feeds the page, the CSV and the
XLSX export, so what a manager downloads is what they saw.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from console.deps import SessionDep, require_roles
from console.i18n import gettext
from console.views.charts import bar_chart
from console.views.common import NowDep
from console.views.exports import tables, to_csv, to_xlsx
from console.views.templating import language_of, render
from reports.agencies import active_agencies
from reports.enums import ReportType, Role
from reports.models import StaffUser
from reports.stats import parallel
from reports.stats.figures import Dashboard, StatsFilter

router = APIRouter()
DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 3 * 366
WatcherDep = Depends(require_roles(Role.MANAGER, Role.ADMIN, Role.VERIFIER))


class BadFilter(ValueError):
    """A filter the dashboard refuses, as a catalogue key (the page is read in two languages)."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class FilterForm:
    """The filter as typed by the manager, and the domain filter it means."""

    since: date
    until: date
    agency_id: int | None
    report_type: ReportType | None

    def stats_filter(self, tz: ZoneInfo) -> StatsFilter:
        return StatsFilter(
            since=datetime.combine(self.since, time.min, tzinfo=tz),
            until=datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=tz),
            agency_id=self.agency_id,
            report_type=self.report_type,
        )

    def report_export_query(self, tz: ZoneInfo, agency_codes: dict[int, str]) -> str:
        """The same period, agency and type as ``GET /api/v1/reports/export`` parameters."""
        since = datetime.combine(self.since, time.min, tzinfo=tz)
        until = datetime.combine(self.until + timedelta(days=1), time.min, tzinfo=tz)
        params = {"created_from": since.isoformat(), "created_to": until.isoformat()}
        if self.agency_id and self.agency_id in agency_codes:
            params["agency"] = agency_codes[self.agency_id]
        if self.report_type:
            params["type"] = self.report_type.value
        return urlencode(params)

    def query(self) -> str:
        parts = [f"since={self.since.isoformat()}", f"until={self.until.isoformat()}"]
        if self.agency_id:
            parts.append(f"agency={self.agency_id}")
        if self.report_type:
            parts.append(f"type={self.report_type.value}")
        return "&".join(parts)


def parse_filters(request: Request, now: datetime, tz: ZoneInfo) -> FilterForm:
    params = request.query_params
    today = now.astimezone(tz).date()
    try:
        until = date.fromisoformat(params["until"]) if params.get("until") else today
        since = (
            date.fromisoformat(params["since"])
            if params.get("since")
            else until - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        )
    except ValueError:
        raise BadFilter("filter_bad_date") from None
    if since > until:
        raise BadFilter("filter_reversed")
    if (until - since).days > MAX_PERIOD_DAYS:
        raise BadFilter("filter_too_long", days=MAX_PERIOD_DAYS)
    agency_id: int | None = None
    if params.get("agency"):
        try:
            agency_id = int(params["agency"])
        except ValueError:
            raise BadFilter("filter_bad_agency") from None
    report_type: ReportType | None = None
    if params.get("type"):
        try:
            report_type = ReportType(params["type"])
        except ValueError:
            raise BadFilter("filter_bad_type", value=params["type"]) from None
    return FilterForm(since, until, agency_id, report_type)


class BoardCache:
    """The last dashboards computed, per filter, for ``dashboard_cache_seconds``.

    Managers reload the dashboard all day and export what they see; figures a few seconds old are
    fine for them, and a burst of reloads then costs one set of aggregate queries, not one per
    click. The page shows the instant its figures were computed. ``0`` seconds disables it.
    """

    MAX_ENTRIES = 256

    def __init__(self, ttl_seconds: int) -> None:
        self.ttl = ttl_seconds
        self._items: dict[tuple[Any, ...], tuple[float, Dashboard]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], compute: Callable[[], Dashboard]) -> Dashboard:
        if self.ttl <= 0:
            return compute()
        now = monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        board = compute()
        with self._lock:
            if len(self._items) >= self.MAX_ENTRIES:
                self._items.clear()
            self._items[key] = (now + self.ttl, board)
        return board


def _cache(request: Request) -> BoardCache:
    state = request.app.state
    cache = getattr(state, "console_board_cache", None)
    if cache is None:
        cache = state.console_board_cache = BoardCache(state.settings.dashboard_cache_seconds)
    return cache


def _board(request: Request, db: Any, now: datetime) -> tuple[FilterForm, Dashboard]:
    tz: ZoneInfo = request.app.state.settings.tz
    form = parse_filters(request, now, tz)
    key = (form.since, form.until, form.agency_id, form.report_type)
    board = _cache(request).get(
        key, lambda: parallel.dashboard(db, filters=form.stats_filter(tz), now=now, tz=tz)
    )
    return form, board


def _charts(board: Dashboard, lang: str) -> dict[str, Any]:
    def _(key: str, **values: Any) -> str:
        return gettext(lang, key, **values)

    def name(agency_id: int | None) -> str:
        return board.agencies.get(agency_id or 0, _("no_agency"))

    breaches_by_agency: dict[str, float] = {}
    for b in board.breaches:
        label = name(b.agency_id) if b.agency_id else _("verifier_stage")
        breaches_by_agency[label] = breaches_by_agency.get(label, 0) + b.breaches
    return {
        "open": bar_chart(
            [(_("status_" + s.value), n) for s, n in board.open_by_stage.items()],
            title=_("dash_open_by_stage"),
        ),
        "breaches": bar_chart(
            sorted(breaches_by_agency.items(), key=lambda kv: -kv[1]),
            title=_("dash_breaches"),
            css="bad",
        ),
        "compliance": bar_chart(
            [(name(c.agency_id), c.rate) for c in board.compliance if c.rate is not None],
            title=_("dash_compliance"),
            css="ok",
            suffix="%",
            max_value=100,
        ),
        "skm": bar_chart(
            [(name(s.agency_id), s.index.ikm) for s in board.satisfaction if s.index.ikm],
            title=_("dash_skm"),
            max_value=100,
        ),
    }


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard(request: Request, db: SessionDep, now: NowDep, staff: StaffUser = WatcherDep) -> Any:
    try:
        form, board = _board(request, db, now)
    except BadFilter as exc:
        return render(
            request,
            "error.html",
            {"message_key": exc.key, "message_values": exc.values},
            staff=staff,
            status_code=400,
        )
    lang = language_of(request, staff)
    agencies = active_agencies(db)
    return render(
        request,
        "dashboard.html",
        {
            "form": form,
            "board": board,
            "charts": _charts(board, lang),
            "agency_options": agencies,
            "report_export_query": form.report_export_query(
                request.app.state.settings.tz, {a.id: a.code for a in agencies}
            ),
            "types": list(ReportType),
        },
        staff=staff,
    )


def _export(request: Request, db: Any, now: datetime, staff: StaffUser, kind: str) -> Response:
    lang = language_of(request, staff)

    def _(key: str, **values: Any) -> str:
        return gettext(lang, key, **values)

    try:
        form, board = _board(request, db, now)
    except BadFilter as exc:
        return Response(_(exc.key, **exc.values), status_code=400, media_type="text/plain")

    sections = tables(board, _, request.app.state.settings.tz)
    name = f"suarawarga-dasbor-{form.since.isoformat()}-{form.until.isoformat()}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if kind == "csv":
        return Response(to_csv(sections, _), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(
        to_xlsx(sections, _),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=headers,
    )


@router.get("/dashboard.csv", include_in_schema=False)
def dashboard_csv(
    request: Request, db: SessionDep, now: NowDep, staff: StaffUser = WatcherDep
) -> Response:
    return _export(request, db, now, staff, "csv")


@router.get("/dashboard.xlsx", include_in_schema=False)
def dashboard_xlsx(
    request: Request, db: SessionDep, now: NowDep, staff: StaffUser = WatcherDep
) -> Response:
    return _export(request, db, now, staff, "xlsx")
