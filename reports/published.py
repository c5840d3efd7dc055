"""The reports anyone may see: one query for the public list and the public map.

Published means verified and not confidential (the tracking page's :func:`content_public` rule,
in SQL, so a confidential or unverified report is never loaded at all). What is published of
them is decided here too: title, type, agency, stage, area, dates and, for the map, the place.
Never the reporter, for any privacy level, and never the body (it may name people the verifier
did not screen out of a title).

:class:`PublicFilters` is the one filter both views apply, so the list and the map of the same
filters always hold the same reports (the map: those of them with coordinates).

The map's coordinates are rounded to :data:`COORDINATE_DECIMALS` places (about 11 m): enough to
find a pothole or a broken street light, while a reporter who shared their own position from a
phone (the web chat, Telegram, WhatsApp) is not pinned to their doorstep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from reports.enums import Privacy, ReportType, Status
from reports.models import Report

COORDINATE_DECIMALS: Final = 4
#: The most markers one map (or GeoJSON document) carries, newest first.
MAP_CAP: Final = 500


def published() -> list[ColumnElement[bool]]:
    """Verified and not confidential: the same rule as the tracking page's content. A report
    merged into another (``reports.merging``) is not listed: its primary speaks for the group."""
    return [
        Report.verified_at.is_not(None),
        Report.privacy != Privacy.CONFIDENTIAL,
        Report.duplicate_of_id.is_(None),
    ]


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class PublicFilters:
    """The public list's and map's filters: agency, type, status and area (part of the place)."""

    agency_id: int | None = None
    type: ReportType | None = None
    status: Status | None = None
    area: str = ""

    def query(self) -> Select[Report]:
        """Published reports matching every filter (unordered, unbounded: callers page it)."""
        conds = published()
        if self.agency_id is not None:
            conds.append(Report.agency_id == self.agency_id)
        if self.type is not None:
            conds.append(Report.type == self.type)
        if self.status is not None:
            conds.append(Report.status == self.status)
        area = self.area.strip()
        if area:
            conds.append(Report.location_text.ilike(f"%{_like_escape(area)}%", escape="\\"))
        return select(Report).where(*conds)


def page(db: Session, filters: PublicFilters, *, before: int, size: int) -> list[Report]:
    """Up to ``size + 1`` reports, newest first, with ids below ``before`` (0: from the newest);
    the extra row tells the caller there is a next page."""
    query = filters.query()
    if before:
        query = query.where(Report.id < before)
    return list(db.scalars(query.order_by(Report.id.desc()).limit(size + 1)))


@dataclass(frozen=True, slots=True)
class MapPoint:
    """One marker: only what the public list shows, plus the rounded place."""

    code: str
    title: str
    type: ReportType
    agency_id: int | None
    status: Status
    area: str
    created_at: datetime
    latitude: float
    longitude: float


def map_points(
    db: Session, filters: PublicFilters, *, cap: int = MAP_CAP
) -> tuple[list[MapPoint], bool]:
    """The newest ``cap`` published reports of ``filters`` that have coordinates, and whether
    more matched (the map then says it shows the newest ``cap``)."""
    # The list's query with only the columns a marker shows (never the body, never the citizen).
    query = (
        filters.query()
        .where(Report.latitude.is_not(None), Report.longitude.is_not(None))
        .with_only_columns(
            Report.tracking_code,
            Report.title,
            Report.type,
            Report.agency_id,
            Report.status,
            Report.location_text,
            Report.created_at,
            Report.latitude,
            Report.longitude,
        )
        .order_by(Report.id.desc())
        .limit(cap + 1)
    )
    rows = db.execute(query).all()
    points = [
        MapPoint(
            code=code,
            title=title,
            type=kind,
            agency_id=agency_id,
            status=status,
            area=area or "",
            created_at=created_at,
            latitude=round(lat or 0.0, COORDINATE_DECIMALS),  # never null: filtered above
            longitude=round(lon or 0.0, COORDINATE_DECIMALS),
        )
        for code, title, kind, agency_id, status, area, created_at, lat, lon in rows[:cap]
    ]
    return points, len(rows) > cap
