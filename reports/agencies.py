"""Reads of the agency table that several screens need.

Reports carry ``agency_id``; the API, the statistics and the exports speak agency codes. One map,
read in one query, instead of each caller building its own.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.models import Agency


def codes_by_id(db: Session) -> dict[int, str]:
    """Every agency's code by its id (inactive ones too: old reports still point at them)."""
    return {agency_id: code for agency_id, code in db.execute(select(Agency.id, Agency.code))}


def active(db: Session) -> list[Agency]:
    """The agencies reports can be sent to now, by name (what every agency picker lists)."""
    return list(db.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)))


def by_id(db: Session) -> dict[int, Agency]:
    """Every agency by its id (inactive ones too: old reports still point at them)."""
    return {a.id: a for a in db.scalars(select(Agency))}
