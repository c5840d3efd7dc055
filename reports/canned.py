"""Canned answers per agency: stock texts an officer inserts into an answer, then adapts.

Agencies answer the same questions again and again ("the repair is scheduled in the next budget
year", "the location is a national road: we forwarded it to the ministry"); LAPOR! staff keep
such texts in a notebook and retype them. Here each agency keeps its own list:

- the agency head (and an admin, for any agency) writes, edits and deletes them;
- the agency's officers read them and insert them into an answer (the answer form and
  ``GET /api/v1/canned-answers``);
- nobody else sees them: another agency's canned answers are "not found", exactly like one that
  does not exist, so ids cannot be probed across agencies. Verifiers and managers have none.

Who wrote a text and who changed it last (and when) stay on its row: the text belongs to no
report, so the reports' audit log has no place for it.

Refusals are :class:`CannedError` with a stable ``code`` the console translates (never English
wording matched by prefix).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.actor import Actor
from reports.enums import AGENCY_ROLES, ActorKind, Role
from reports.lifecycle import DomainError, NotPermitted
from reports.models import Agency, CannedAnswer

MAX_TITLE: Final = 120
MAX_BODY: Final = 5_000
#: Enough for any agency's stock answers, few enough for one picker.
MAX_PER_AGENCY: Final = 200


class CannedError(DomainError):
    """A canned answer's title or text the domain refuses; ``code`` names why."""


class CannedNotFound(DomainError):
    """No such canned answer, or one of another agency: the same answer for both."""


def may_read(actor: Actor, agency_id: int | None) -> bool:
    """The agency's own officers and head, and admins."""
    if actor.kind is not ActorKind.STAFF or agency_id is None:
        return False
    if actor.role is Role.ADMIN:
        return True
    return actor.role in AGENCY_ROLES and actor.agency_id == agency_id


def may_edit(actor: Actor, agency_id: int | None) -> bool:
    """The head of that agency, and admins."""
    if actor.kind is not ActorKind.STAFF or agency_id is None:
        return False
    if actor.role is Role.ADMIN:
        return True
    return actor.role is Role.AGENCY_HEAD and actor.agency_id == agency_id


def list_for(db: Session, *, actor: Actor, agency_id: int | None) -> list[CannedAnswer]:
    """The agency's canned answers by title, if ``actor`` may read them."""
    if not may_read(actor, agency_id):
        raise NotPermitted("canned_read_not_permitted")
    return list(
        db.scalars(
            select(CannedAnswer)
            .where(CannedAnswer.agency_id == agency_id)
            .order_by(func.lower(CannedAnswer.title), CannedAnswer.id)
        )
    )


def get(db: Session, *, actor: Actor, canned_id: int) -> CannedAnswer:
    """One canned answer ``actor`` may read; :class:`CannedNotFound` otherwise."""
    item = db.get(CannedAnswer, canned_id)
    if item is None or not may_read(actor, item.agency_id):
        raise CannedNotFound("canned_not_found")
    return item


def _clean(title: str, body: str) -> tuple[str, str]:
    title = " ".join(title.split())
    body = body.replace("\r\n", "\n").replace("\x00", "").strip()
    if not title:
        raise CannedError("canned_title_required")
    if len(title) > MAX_TITLE:
        raise CannedError("canned_title_too_long", max_title=MAX_TITLE)
    if not body:
        raise CannedError("canned_body_required")
    if len(body) > MAX_BODY:
        raise CannedError("canned_body_too_long", max_body=MAX_BODY)
    return title, body


def _title_taken(db: Session, agency_id: int, title: str, other_than: int | None) -> bool:
    query = select(CannedAnswer.id).where(
        CannedAnswer.agency_id == agency_id,
        func.lower(CannedAnswer.title) == title.lower(),
    )
    if other_than is not None:
        query = query.where(CannedAnswer.id != other_than)
    return db.scalar(query.limit(1)) is not None


def create(
    db: Session, *, actor: Actor, agency_id: int, title: str, body: str, now: datetime
) -> CannedAnswer:
    """A new canned answer of ``agency_id``, written by its head (or an admin)."""
    if not may_edit(actor, agency_id):
        raise NotPermitted("canned_write_not_permitted")
    if db.get(Agency, agency_id) is None:
        raise CannedNotFound("canned_not_found")
    title, body = _clean(title, body)
    if _title_taken(db, agency_id, title, None):
        raise CannedError("canned_title_taken")
    count = db.scalar(
        select(func.count()).select_from(CannedAnswer).where(CannedAnswer.agency_id == agency_id)
    )
    if (count or 0) >= MAX_PER_AGENCY:
        raise CannedError("canned_too_many", max_count=MAX_PER_AGENCY)
    item = CannedAnswer(
        agency_id=agency_id,
        title=title,
        body=body,
        created_by_id=actor.id,
        created_at=now,
        updated_by_id=actor.id,
        updated_at=now,
    )
    db.add(item)
    db.flush()
    return item


def edit(
    db: Session, *, actor: Actor, canned_id: int, title: str, body: str, now: datetime
) -> CannedAnswer:
    """Change a canned answer's title and text; officers who may only read are refused."""
    item = get(db, actor=actor, canned_id=canned_id)
    if not may_edit(actor, item.agency_id):
        raise NotPermitted("canned_write_not_permitted")
    title, body = _clean(title, body)
    if _title_taken(db, item.agency_id, title, item.id):
        raise CannedError("canned_title_taken")
    if (item.title, item.body) != (title, body):
        item.title, item.body = title, body
        item.updated_by_id, item.updated_at = actor.id, now
        db.flush()
    return item


def delete(db: Session, *, actor: Actor, canned_id: int) -> CannedAnswer:
    """Remove a canned answer (answers already sent with it keep their text)."""
    item = get(db, actor=actor, canned_id=canned_id)
    if not may_edit(actor, item.agency_id):
        raise NotPermitted("canned_write_not_permitted")
    db.delete(item)
    db.flush()
    return item
