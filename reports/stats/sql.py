"""How the metrics are asked: one range scan per agency, and what differs between dialects.

Why apart from the metrics: these shapes are about the database (index use, PostgreSQL's parallel
workers, SQLite's missing percentile function), not about what a metric means; every metric of
:mod:`reports.stats.metrics` goes through them. See :mod:`reports.stats` for the cost at scale.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, cast, func, literal, null, select, union_all
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from reports.models import Agency


def is_postgresql(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def seconds_between(db: Session, later: Any, earlier: Any) -> Any:
    if is_postgresql(db):
        # date_part gives double precision; EXTRACT gives numeric since PostgreSQL 14, which is
        # several times slower to sort for the percentiles.
        return func.date_part("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks, as PostgreSQL's ``percentile_cont``."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    position = fraction * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def hours(seconds: float | None) -> float | None:
    return round(seconds / 3600.0, 1) if seconds is not None else None


def sort_agencies(keys: Iterable[int | None]) -> list[int | None]:
    return sorted(keys, key=lambda k: (k is None, k or 0))


def per_agency(
    db: Session,
    *,
    agency_column: Any,
    columns: Sequence[ColumnElement[Any]],
    where: Sequence[ColumnElement[bool]],
    agency_id: int | None,
) -> list[tuple[Any, ...]]:
    """``SELECT agency, <columns> ... GROUP BY agency``, shaped so each agency is a range scan.

    On PostgreSQL a plain GROUP BY reads the whole period through the period index and then sorts
    it by agency (spilling to disk at ~150k rows) before the percentiles sort each group again,
    all in one process (ordered-set aggregates cannot be split over parallel workers). Here each
    agency is its own branch of a ``UNION ALL`` reading its slice of an index led by ``(agency,
    period column)``, with no big sort, and PostgreSQL runs the branches on its parallel workers
    (Parallel Append). Rows without an agency are one more branch (``IS NULL``).

    ``columns`` must be aggregates, the first one a count of the rows the metric is about: an
    agency whose count is 0 is dropped, exactly as GROUP BY would not produce its group. With
    ``agency_id`` set (the filter already in ``where``) it is one aggregate query. SQLite keeps
    the plain GROUP BY (single-office scale).
    """
    labelled = [c.label(f"c{i}") for i, c in enumerate(columns)]
    if agency_id is not None:
        rows: list[tuple[Any, ...]] = [
            (agency_id, *db.execute(select(*labelled).where(*where)).one())
        ]
    elif is_postgresql(db):
        ids: list[int | None] = [*db.scalars(select(Agency.id).order_by(Agency.id)), None]
        branches = [
            select(
                literal(a, Integer).label("agency_id") if a is not None else cast(null(), Integer),
                *labelled,
            ).where(agency_column == a if a is not None else agency_column.is_(None), *where)
            for a in ids
        ]
        rows = [tuple(r) for r in db.execute(union_all(*branches))]
    else:
        query = select(agency_column, *labelled).where(*where).group_by(agency_column)
        rows = [tuple(r) for r in db.execute(query)]
    return [r for r in rows if r[1]]


QUANTILES = (0.5, 0.9)


def quantiles(seconds: Any) -> Any:
    """One ordered-set aggregate with an array of fractions: one sort per group, not two."""
    return func.percentile_cont(postgresql.array(list(QUANTILES), type_=Float)).within_group(
        seconds
    )
