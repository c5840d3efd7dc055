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


def active_agencies(db: Session) -> list[Agency]:
    """The agencies reports can be sent to now, by name (what every agency picker lists)."""
    return list(db.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)))


def by_id(db: Session) -> dict[int, Agency]:
    """Every agency by its id (inactive ones too: old reports still point at them)."""
    return {a.id: a for a in db.scalars(select(Agency))}


def agencies_by_code(db: Session) -> dict[str, Agency]:
    """Every agency by its code, in name order (inactive ones too)."""
    return {a.code: a for a in db.scalars(select(Agency).order_by(Agency.name))}


def in_code_order(db: Session) -> list[Agency]:
    """Every agency, inactive ones too, by code (the codes the REST API forwards to)."""
    return list(db.scalars(select(Agency).order_by(Agency.code)))


def id_for_code(db: Session, code: str) -> int | None:
    """The id of the agency with this code, or None."""
    return db.scalar(select(Agency.id).where(Agency.code == code))
