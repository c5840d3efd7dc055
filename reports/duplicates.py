"""Possible duplicates: open reports about the same problem at the same place (issue 15).

When a report is submitted, the reports of the last 30 days that are still open, not merged, and
at the same place are scored against it; the best few are kept on the new report
(``Report.possible_duplicates``) for the verifier, who decides (``reports.merging``).

Why stored at submission and not computed on read: the verifier's page, the API and
``report show`` read the list many times, the search needs the report's own keys anyway, and the
set of earlier reports a new report could duplicate does not grow after it arrives (later reports
list *it*). On read the stored ids are only re-checked (still open, not merged), a primary-key
lookup of at most :data:`TOP` rows.

Why it stays cheap at a million rows: the candidates come from an index range, never a scan.
Each report carries a place key (the normalised street name, else its kelurahan/desa) and a map
cell of about 220 m; partial indexes on (key, created_at) and (cell, created_at) answer "this
street, or these nine cells, in the last 30 days" with the few dozen rows of one neighbourhood.
Only those are scored in Python.

What counts as the same problem at the same place, and the score: ``reports.duplicate_scoring``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from reports.duplicate_scoring import (
    WINDOW,
    Facts,
    PlaceKeys,
    cell_of,
    from_signature,
    neighbour_cells,
    rank,
    signature,
)
from reports.enums import OPEN_STATUSES
from reports.models import Report

#: At most this many candidates are scored (the most recent first): a street with hundreds of
#: open reports in 30 days is a flood or a city-wide outage, and the newest are the likely twins.
MAX_CANDIDATES = 200


def _report_text(title: str, body: str) -> str:
    """The body, and the title only when it adds words: a title is mostly the body's first
    words, cut short (a place name cut in half would be read as another place)."""
    return body if title.strip().rstrip(".") in body else f"{body}\n{title}"


def facts_of(report: Report) -> Facts:
    return Facts(
        text=_report_text(report.title, report.body),
        location_text=report.location_text,
        latitude=report.latitude,
        longitude=report.longitude,
    )


def set_keys(report: Report) -> PlaceKeys:
    """Fill the report's indexed place key, map cell and signature (before it is searched for or
    among)."""
    facts = facts_of(report)
    keys = facts.place
    report.dup_place_key = keys.key
    report.dup_cell = cell_of(report.latitude, report.longitude)
    report.dup_sig = signature(facts)
    return keys


def _near(report: Report, place_keys: list[str | None]) -> list[ColumnElement[bool]]:
    """The indexed conditions "on one of these place keys, or in the nine map cells around
    ``report``" (none: nothing to search by)."""
    where: list[ColumnElement[bool]] = []
    wanted = [k for k in place_keys if k]
    if wanted:
        where.append(Report.dup_place_key.in_(wanted))
    if report.latitude is not None and report.longitude is not None:
        where.append(Report.dup_cell.in_(neighbour_cells(report.latitude, report.longitude)))
    return where


def candidates(
    db: Session, report: Report, keys: PlaceKeys, now: datetime
) -> list[tuple[int, Facts]]:
    """Open, unmerged reports of the last 30 days on the same street/area or in nearby cells."""
    where = _near(report, [keys.key, f"kel:{keys.area}" if keys.area else None])
    if not where:
        return []
    query = (
        select(
            Report.id,
            Report.dup_sig,
            Report.title,
            Report.body,
            Report.location_text,
            Report.latitude,
            Report.longitude,
        )
        .where(
            or_(*where),
            Report.created_at >= now - WINDOW,
            Report.status.in_(OPEN_STATUSES),
            Report.duplicate_of_id.is_(None),
        )
        .order_by(Report.created_at.desc())
        .limit(MAX_CANDIDATES)
    )
    if report.id is not None:
        query = query.where(Report.id != report.id)
    # Only the columns scoring reads: no ORM objects, no thread or JSON columns loaded.
    found = []
    for rid, sig, title, body, location, lat, lon in db.execute(query):
        facts = from_signature(sig, lat, lon) if sig else None
        found.append((rid, facts or Facts(_report_text(title, body), location, lat, lon)))
    return found


def find_for(db: Session, report: Report, now: datetime) -> list[dict[str, Any]]:
    """Set ``report``'s keys and store its possible duplicates, best first; returns them."""
    keys = set_keys(report)
    found = rank(facts_of(report), candidates(db, report, keys, now))
    report.possible_duplicates = [{"id": rid, "score": round(s, 3)} for rid, s in found] or None
    return report.possible_duplicates or []


def current(db: Session, report: Report) -> list[Report]:
    """The stored suggestions that still make sense: open, not merged, not ``report`` itself."""
    stored = report.possible_duplicates or []
    ids = [int(item["id"]) for item in stored if isinstance(item, dict) and "id" in item]
    if not ids or report.duplicate_of_id is not None:
        return []
    rows = {
        r.id: r
        for r in db.scalars(
            select(Report).where(
                Report.id.in_(ids),
                Report.status.in_(OPEN_STATUSES),
                Report.duplicate_of_id.is_(None),
            )
        )
    }
    return [rows[i] for i in ids if i in rows and i != report.id]


def later(db: Session, report: Report) -> list[Report]:
    """Open, unmerged reports submitted after ``report`` (within the window) that list it among
    their possible duplicates, best first: the other direction of :func:`current`, so the page
    of the first report of a problem shows who reported it again, and its agency can merge them.

    Read through the same place indexes as the search (this report's place key, or the nine map
    cells around it) and the window after its submission; the stored lists are then read here.
    Not found: a later report that matched only on its kelurahan while naming a street, when
    this one named only that kelurahan and has no position.
    """
    if report.id is None or report.duplicate_of_id is not None:
        return []
    where = _near(report, [report.dup_place_key])
    if not where:
        return []
    rows = db.execute(
        select(Report.id, Report.possible_duplicates)
        .where(
            or_(*where),
            Report.id != report.id,
            Report.created_at >= report.created_at,  # the same instant too (a batch import)
            Report.created_at <= report.created_at + WINDOW,
            Report.status.in_(OPEN_STATUSES),
            Report.duplicate_of_id.is_(None),
            Report.possible_duplicates.is_not(None),
        )
        .order_by(Report.created_at)
        .limit(MAX_CANDIDATES)
    )
    scores: dict[int, float] = {}
    for rid, stored in rows:
        for item in stored or []:
            if isinstance(item, dict) and item.get("id") == report.id:
                scores[rid] = float(item.get("score", 0.0))
    if not scores:
        return []
    found = {r.id: r for r in db.scalars(select(Report).where(Report.id.in_(scores)))}
    return [found[i] for i in sorted(scores, key=lambda i: (-scores[i], i)) if i in found]
