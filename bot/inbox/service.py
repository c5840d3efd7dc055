"""The inbox's database steps: store, claim, fence, finish, retry or set aside, backlog.

Why a durable inbox: the whole conversation pipeline (dedupe, state, engine, NLU, domain writes,
outbox rows) costs several times what a provider's delivery needs for its 200. The webhook now
stores the raw update in one INSERT (unique on channel + provider id: a redelivery is a no-op),
commits and answers; processors take pending rows from here.

**Order per chat.** A row is claimable only when no older row of the same chat is pending
(claimed by someone, waiting for a retry, or not yet taken), so one chat's updates are processed
one at a time, oldest first, across any number of processes. Different chats go in parallel.

**Exactly once.** A claim takes a row under a lease (``claim_token``, ``claimed_until``) and
counts the attempt, in a short transaction of its own. Processing is a second transaction that
first locks the row and checks the token (a processor whose lease ran out and was taken over
does nothing), then runs the pipeline and marks the row done, so the effects and "done" commit
together. A processor killed at any point leaves its rows pending; they are claimed again once
the lease runs out. The pipeline's own receipt (``inbound_receipts``) is a second guard.

**Never stuck, never lost.** A failure rolls the processing back and schedules a retry with
backoff; after ``inbox_max_attempts`` attempts (failures, or claims that never finished: a
processor that crashes on the row) the row is set aside as ``dead``: logged, counted in
``/health``, payload kept for a person to look at, and the chat's later updates move on.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Executable,
    Table,
    bindparam,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from reports.enums import Channel, InboxStatus
from reports.models import InboxUpdate

if TYPE_CHECKING:
    from reports.runtime import Runtime

log = logging.getLogger(__name__)

_INBOX: Table = InboxUpdate.__table__  # type: ignore[assignment]
_INSERTS: dict[str, Any] = {"postgresql": pg_insert, "sqlite": sqlite_insert}
ID_MAX = 120  # width of external_message_id and chat_id
#: The longest retry delay, however many attempts failed.
BACKOFF_CAP_SECONDS = 300.0


@dataclass(frozen=True)
class Incoming:
    """One update as a webhook route stores it: raw payload (Telegram's JSON body, Twilio's form
    as JSON), the provider's id for dedupe and the chat it belongs to (for the order)."""

    channel: Channel
    external_message_id: str
    chat_id: str
    payload: str
    received_at: datetime


@dataclass(frozen=True)
class Stored:
    """The row of a stored update, or None for a redelivery of one stored before."""

    id: int | None

    @property
    def duplicate(self) -> bool:
        return self.id is None


@dataclass(frozen=True)
class Claimed:
    """A pending row this processor holds under ``token`` until its lease runs out."""

    id: int
    channel: Channel
    chat_id: str
    payload: str
    received_at: datetime
    attempts: int
    token: str


@functools.cache
def _store_statement(dialect: str) -> Executable:
    insert = _INSERTS[dialect]
    statement: Executable = (
        insert(_INBOX)
        .on_conflict_do_nothing(index_elements=[_INBOX.c.channel, _INBOX.c.external_message_id])
        .returning(_INBOX.c.id, _INBOX.c.channel, _INBOX.c.external_message_id)
    )
    return statement


def store(db: Session, items: Sequence[Incoming]) -> list[Stored]:
    """Insert the updates (one statement, in key order so two batches cannot deadlock); each
    one's new row id, or None when that update was stored before (a provider's redelivery)."""
    if not items:
        return []
    connection = db.connection()
    keys = [(i.channel.value, i.external_message_id[:ID_MAX]) for i in items]
    first: dict[tuple[str, str], int] = {}
    for index, key in enumerate(keys):
        first.setdefault(key, index)
    rows = [
        {
            "channel": items[first[key]].channel,
            "external_message_id": key[1],
            "chat_id": items[first[key]].chat_id[:ID_MAX],
            "payload": items[first[key]].payload,
            "status": InboxStatus.PENDING,
            "attempts": 0,
            "received_at": items[first[key]].received_at,
        }
        for key in sorted(first)
    ]
    inserted = {
        (row.channel.value, row.external_message_id): row.id
        for row in connection.execute(_store_statement(connection.dialect.name), rows)
    }
    # A key twice in one batch: the first is stored, the second is its redelivery.
    return [
        Stored(inserted.get(key) if first[key] == index else None) for index, key in enumerate(keys)
    ]


def store_many(runtime: Runtime, items: Sequence[Incoming]) -> list[Stored | Exception]:
    """Group commit's batch step: all in one transaction; if that fails, one by one, so a bad
    update fails only its own request."""

    def _together(batch: Sequence[Incoming]) -> list[Stored]:
        with runtime.sessions() as db, db.begin():
            return store(db, batch)

    try:
        return [*_together(items)]
    except Exception as exc:
        if len(items) == 1:
            return [exc]
        log.warning("a batch of %d inbox inserts failed; retrying one by one", len(items))
    outcomes: list[Stored | Exception] = []
    for item in items:
        try:
            outcomes.append(_together([item])[0])
        except Exception as exc:
            outcomes.append(exc)
    return outcomes


def _pending() -> Any:
    return _INBOX.c.status == InboxStatus.PENDING.value


def claim(
    db: Session,
    *,
    now: datetime,
    limit: int,
    lease_seconds: float,
    chat: tuple[Channel, str] | None = None,
) -> list[Claimed]:
    """Take up to ``limit`` claimable rows (oldest first, at most one per chat) under a new lease.

    Claimable: pending, due (no retry waiting), not under someone's live lease, and no older
    pending row of its chat. On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets concurrent claims
    pass each other; SQLite serialises writers anyway. ``chat`` limits it to one chat (the
    web process processing the update it has just stored).
    """
    inbox, older = _INBOX, _INBOX.alias("older")
    earlier_pending = (
        select(literal(1))
        .where(
            older.c.status == InboxStatus.PENDING.value,
            older.c.channel == inbox.c.channel,
            older.c.chat_id == inbox.c.chat_id,
            older.c.id < inbox.c.id,
        )
        .exists()
    )
    conditions = [
        _pending(),
        or_(inbox.c.next_attempt_at.is_(None), inbox.c.next_attempt_at <= now),
        or_(inbox.c.claimed_until.is_(None), inbox.c.claimed_until < now),
        ~earlier_pending,
    ]
    if chat is not None:
        conditions += [inbox.c.channel == chat[0].value, inbox.c.chat_id == chat[1]]
    eligible = (
        select(inbox.c.id)
        .where(*conditions)
        .order_by(inbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=inbox)
    )
    token = secrets.token_hex(16)
    rows = db.execute(
        update(inbox)
        .where(inbox.c.id.in_(eligible.scalar_subquery()))
        .values(
            claim_token=token,
            claimed_until=now + timedelta(seconds=lease_seconds),
            attempts=inbox.c.attempts + 1,
        )
        .returning(
            inbox.c.id,
            inbox.c.channel,
            inbox.c.chat_id,
            inbox.c.payload,
            inbox.c.received_at,
            inbox.c.attempts,
        )
    ).all()
    claimed = [
        Claimed(r.id, r.channel, r.chat_id, r.payload or "", r.received_at, r.attempts, token)
        for r in rows
    ]
    return sorted(claimed, key=lambda c: c.id)


def still_ours(db: Session, claimed: Claimed) -> bool:
    """Lock the row for the processing transaction; False when it is no longer ours to process
    (done meanwhile, or our lease ran out and another processor took it over)."""
    row = db.execute(
        select(_INBOX.c.status, _INBOX.c.claim_token)
        .where(_INBOX.c.id == claimed.id)
        .with_for_update()
    ).one_or_none()
    return (
        row is not None and row.status == InboxStatus.PENDING and row.claim_token == claimed.token
    )


def still_ours_many(db: Session, claims: Sequence[Claimed]) -> set[int]:
    """:func:`still_ours` for several rows at once (locked in id order): the ids still ours."""
    tokens = {c.id: c.token for c in claims}
    rows = db.execute(
        select(_INBOX.c.id, _INBOX.c.status, _INBOX.c.claim_token)
        .where(_INBOX.c.id.in_(list(tokens)))
        .order_by(_INBOX.c.id)
        .with_for_update()
    ).all()
    return {r.id for r in rows if r.status == InboxStatus.PENDING and r.claim_token == tokens[r.id]}


def mark_done(db: Session, claimed: Claimed | Sequence[Claimed], *, now: datetime) -> None:
    """In the processing transaction: done, and the message text dropped (the row stays as the
    dedupe key; the conversation and the report keep what they need)."""
    claims = [claimed] if isinstance(claimed, Claimed) else list(claimed)
    if not claims:
        return
    db.execute(
        update(_INBOX)
        .where(_INBOX.c.id.in_([c.id for c in claims]))
        .values(
            status=InboxStatus.DONE,
            processed_at=now,
            payload=None,
            claim_token=None,
            claimed_until=None,
            last_error=None,
        )
    )


def backoff_seconds(attempts: int, base: float) -> float:
    return min(BACKOFF_CAP_SECONDS, base * 2.0 ** max(0, attempts - 1))


def record_failure(
    db: Session,
    claimed: Claimed,
    *,
    now: datetime,
    error: str,
    max_attempts: int,
    backoff_base: float,
    permanent: bool = False,
) -> InboxStatus | None:
    """After a failed processing (rolled back): retry later, or set the row aside as dead once
    it has had ``max_attempts`` (at once when ``permanent``: it can never succeed). None when the
    row was not ours any more."""
    dead = permanent or claimed.attempts >= max_attempts
    status = InboxStatus.DEAD if dead else InboxStatus.PENDING
    found = db.execute(
        update(_INBOX)
        .where(_INBOX.c.id == claimed.id, _INBOX.c.claim_token == claimed.token)
        .values(
            status=status,
            next_attempt_at=now
            + timedelta(seconds=backoff_seconds(claimed.attempts, backoff_base)),
            claim_token=None,
            claimed_until=None,
            last_error=error[:2000],
        )
        .returning(_INBOX.c.id)
    ).first()
    return status if found is not None else None


def bury_abandoned(db: Session, *, now: datetime, max_attempts: int) -> list[int]:
    """Rows claimed ``max_attempts`` times whose last lease ran out unfinished: a processor died
    on them each time (a crash the code could not catch). Set aside as dead, so they stop taking
    processors down and their chats move on."""
    rows = db.execute(
        update(_INBOX)
        .where(
            _pending(),
            _INBOX.c.attempts >= max_attempts,
            _INBOX.c.claimed_until.is_not(None),
            _INBOX.c.claimed_until < now,
        )
        .values(
            status=InboxStatus.DEAD,
            claim_token=None,
            claimed_until=None,
            last_error=func.coalesce(_INBOX.c.last_error, "")
            + bindparam("note", "; claimed repeatedly, never finished (processor crashed?)"),
        )
        .returning(_INBOX.c.id)
    ).all()
    return [r.id for r in rows]


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest: datetime | None
    dead: int


def backlog(db: Session) -> Backlog:
    """Pending rows and the oldest one's arrival (both from the partial index), and dead rows."""
    pending, oldest = db.execute(
        select(func.count(), func.min(_INBOX.c.received_at)).where(_pending())
    ).one()
    dead = db.scalar(select(func.count()).where(_INBOX.c.status == InboxStatus.DEAD.value))
    return Backlog(int(pending or 0), oldest, int(dead or 0))
