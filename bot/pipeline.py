"""The inbound pipeline every channel calls: dedupe, contact, state, engine, outbox.

It runs inside the caller's transaction (``with runtime.sessions() as db, db.begin():``), so the
receipt, the conversation state, any domain change and every reply commit together or not at all:
a provider retry after a crash finds no receipt and is processed again; a retry after a commit
finds the receipt and has no effect. Nothing is sent from here; replies are outbox rows.

This runs for every inbound message, so the pipeline's own reads and writes are single SQL Core
statements (INSERT ... ON CONFLICT ... RETURNING where the dialect allows) rather than ORM loads
and unit-of-work flushes, each built once per process: a new contact costs six statements and
the commit, a returning one five plus whatever the conversation engine reads (see
``tests/bot/test_pipeline_sql.py``). PostgreSQL and SQLite (the two backends of
``reports.db.make_engine``) both support these statements.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Executable, Row, Table, bindparam, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnClause

from bot import engine
from bot.flows import officer
from bot.inbound import InboundMessage
from bot.turn import Reply, Turn
from config.log import log_context
from reports import notify
from reports.enums import OutboxStatus, RecipientKind
from reports.models import (
    Attachment,
    Citizen,
    CitizenIdentity,
    Conversation,
    InboundReceipt,
)

if TYPE_CHECKING:
    from reports.runtime import Runtime

log = logging.getLogger(__name__)

#: C0 control characters other than tab and newlines: never meaningful in a report, and NUL bytes
#: are refused by PostgreSQL text columns.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ID_MAX = 120  # column width of external ids

_RECEIPTS: Table = InboundReceipt.__table__  # type: ignore[assignment]
_CONVERSATIONS: Table = Conversation.__table__  # type: ignore[assignment]
_CITIZENS: Table = Citizen.__table__  # type: ignore[assignment]
_IDENTITIES: Table = CitizenIdentity.__table__  # type: ignore[assignment]
_ATTACHMENTS: Table = Attachment.__table__  # type: ignore[assignment]
_INSERTS: dict[str, Any] = {"postgresql": pg_insert, "sqlite": sqlite_insert}


@dataclass(frozen=True)
class PipelineResult:
    duplicate: bool
    replies: int


def clean_text(text: str, limit: int) -> tuple[str, bool]:
    """Strip control characters and cap the length; returns (text, was_truncated)."""
    cleaned = _CONTROL.sub("", text or "").strip()
    if len(cleaned) > limit:
        return cleaned[:limit], True
    return cleaned, False


@dataclass(frozen=True)
class _Statements:
    """The pipeline's own statements for one dialect, built once per process.

    Values come as execution parameters (a list of rows: one statement for the whole wave), so
    each statement object (and its compiled form) is reused for every batch: building and
    cache-keying a Core statement per message costs more CPU than executing it.
    """

    receipt: Executable
    conversation: Executable
    new_citizen: Executable
    identity: Executable
    drop_citizen: Executable
    save_conversation: Executable
    save_citizen: Executable


def _citizen_column(column: str) -> Any:
    """``(SELECT citizens.<column> ...)`` for an identity row's citizen, for RETURNING clauses:
    an identity and its citizen come back in the statement that touches the identity."""
    # Spelled out: SQLAlchemy does not correlate to an INSERT's own table in RETURNING.
    identity_citizen: ColumnClause[Any] = literal_column(f"{_IDENTITIES.name}.citizen_id")
    return (
        select(_CITIZENS.c[column])
        .where(_CITIZENS.c.id == identity_citizen)
        .scalar_subquery()
        .label(f"citizen_{column}")
    )


@functools.cache
def _statements(dialect: str) -> _Statements:
    if dialect not in _INSERTS:
        raise NotImplementedError(f"the inbound pipeline needs PostgreSQL or SQLite, not {dialect}")
    insert = _INSERTS[dialect]
    conversation = insert(_CONVERSATIONS)
    conversation = conversation.on_conflict_do_update(
        index_elements=[_CONVERSATIONS.c.channel, _CONVERSATIONS.c.external_id],
        set_={"updated_at": conversation.excluded.updated_at},
    ).returning(
        _CONVERSATIONS.c.id,
        _CONVERSATIONS.c.channel,
        _CONVERSATIONS.c.external_id,
        _CONVERSATIONS.c.citizen_id,
        _CONVERSATIONS.c.state,
        _CONVERSATIONS.c.data,
        _CONVERSATIONS.c.language,
    )
    identity = insert(_IDENTITIES)
    identity = identity.on_conflict_do_update(
        index_elements=[_IDENTITIES.c.channel, _IDENTITIES.c.external_id],
        set_={"last_inbound_at": identity.excluded.last_inbound_at},
    ).returning(
        _IDENTITIES.c.channel,
        _IDENTITIES.c.external_id,
        _IDENTITIES.c.citizen_id,
        _citizen_column("display_name"),
        _citizen_column("language"),
    )
    return _Statements(
        receipt=insert(_RECEIPTS)
        .on_conflict_do_nothing()
        .returning(_RECEIPTS.c.channel, _RECEIPTS.c.external_message_id),
        conversation=conversation,
        # Ids come back in the order of the rows sent (SQLAlchemy's "insertmanyvalues").
        new_citizen=_CITIZENS.insert().returning(_CITIZENS.c.id, sort_by_parameter_order=True),
        identity=identity,
        drop_citizen=_CITIZENS.delete().where(_CITIZENS.c.id == bindparam("b_id")),
        save_conversation=update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == bindparam("b_id")),
        save_citizen=update(_CITIZENS).where(_CITIZENS.c.id == bindparam("b_id")),
    )


@dataclass(frozen=True)
class Inbound:
    """One message to process and the instant it arrived (each keeps its own, in a batch)."""

    message: InboundMessage
    now: datetime


@dataclass
class _Contact:
    """Who sent the message, as far as the pipeline needs it."""

    citizen_id: int
    display_name: str | None
    language: str
    created: bool  # the citizen was created by this message


@dataclass
class _Work:
    """One first delivery going through a wave: its conversation row, then its sender."""

    index: int  # position in the caller's batch
    message: InboundMessage
    now: datetime
    conversation: Row[Any]
    contact: _Contact | None = None
    turn: Turn | None = None


def _contact_key(message: InboundMessage) -> tuple[str, str]:
    return (message.channel.value, message.external_user_id)


def _receipt_key(message: InboundMessage) -> tuple[str, str]:
    return (message.channel.value, message.external_message_id[:ID_MAX])


def _waves(batch: Sequence[Inbound]) -> list[list[int]]:
    """Split a batch so that no contact appears twice in one wave, keeping each contact's order.

    A wave's statements are set-wise (one upsert for all its conversations), and an upsert may not
    touch one row twice; a contact's second message also needs the state its first one left.
    """
    waves: list[list[int]] = []
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(batch):
        key = _contact_key(item.message)
        wave = seen.get(key, 0)
        seen[key] = wave + 1
        if wave == len(waves):
            waves.append([])
        waves[wave].append(index)
    return waves


def _first_deliveries(
    connection: Connection, sql: _Statements, batch: Sequence[Inbound], wave: list[int]
) -> list[int]:
    """Record the wave's receipts; the indices of messages not processed before.

    INSERT ... ON CONFLICT DO NOTHING: on PostgreSQL a concurrent insert of the same key waits
    for the other transaction and then does nothing, which is exactly the dedupe we want. Rows go
    in key order, so two batches holding the same keys cannot deadlock.
    """
    by_key: dict[tuple[str, str], int] = {}
    for index in wave:
        by_key.setdefault(_receipt_key(batch[index].message), index)
    rows = [
        {
            "channel": batch[by_key[key]].message.channel,
            "external_message_id": key[1],
            "received_at": batch[by_key[key]].now,
        }
        for key in sorted(by_key)
    ]
    inserted = connection.execute(sql.receipt, rows).all()
    fresh = {by_key[(row.channel.value, row.external_message_id)] for row in inserted}
    return [index for index in wave if index in fresh]


def _lock_conversations(
    connection: Connection, sql: _Statements, batch: Sequence[Inbound], fresh: list[int]
) -> list[_Work]:
    """Each contact's conversation row, created if needed and locked, in one statement.

    An upsert that always updates (``updated_at``) returns the row and, on PostgreSQL, holds its
    row lock until the commit, exactly as SELECT ... FOR UPDATE would: two processes never run
    one contact at once. A concurrent first message of the same contact waits on the unique key
    and then updates (and locks) the row the other one created. Rows go in key order, so two
    batches lock shared contacts in the same order and cannot deadlock. SQLite serialises
    writers anyway (``BEGIN IMMEDIATE``, see ``reports.db``).
    """
    order = sorted(fresh, key=lambda index: _contact_key(batch[index].message))
    rows = [
        {
            "channel": batch[index].message.channel,
            "external_id": batch[index].message.external_user_id,
            "state": "idle",
            "data": {},
            # a new conversation starts in the channel's hint; an existing row keeps its own
            "language": batch[index].message.language or "id",
            "updated_at": batch[index].now,
        }
        for index in order
    ]
    found = {
        (row.channel.value, row.external_id): row
        for row in connection.execute(sql.conversation, rows)
    }
    return [
        _Work(i, batch[i].message, batch[i].now, found[_contact_key(batch[i].message)])
        for i in fresh
    ]


def _display_name(message: InboundMessage) -> str | None:
    return message.display_name[:200] if message.display_name else None


def _contacts(connection: Connection, sql: _Statements, works: list[_Work]) -> None:
    """The senders as citizens, created on first contact; ``last_inbound_at`` set to now.

    The WhatsApp 24-hour window counts from ``last_inbound_at``, so every message touches its
    identity; that statement also returns each citizen's name and language. A conversation that
    does not know its citizen means a first contact almost always, so those citizens are inserted
    straight away (one statement for all), then every identity is upserted (one statement). In the
    rare case an identity existed after all (created by other means), the citizen just inserted
    is dropped again. The conversation rows are locked, so no concurrent message of the same
    contacts races with these statements.
    """
    new = [work for work in works if work.conversation.citizen_id is None]
    created: dict[int, int] = {}  # work index -> citizen id inserted now
    if new:
        inserted = connection.execute(
            sql.new_citizen,
            [
                {
                    "display_name": _display_name(work.message),
                    "language": work.conversation.language or "id",
                    "created_at": work.now,
                }
                for work in new
            ],
        ).all()
        created = {work.index: row.id for work, row in zip(new, inserted, strict=True)}
    ordered = sorted(works, key=lambda work: _contact_key(work.message))
    identities = {
        (row.channel.value, row.external_id): row
        for row in connection.execute(
            sql.identity,
            [
                {
                    "citizen_id": created.get(work.index, work.conversation.citizen_id),
                    "channel": work.message.channel,
                    "external_id": work.message.external_user_id,
                    "last_inbound_at": work.now,
                    "created_at": work.now,
                }
                for work in ordered
            ],
        )
    }
    dropped: list[dict[str, Any]] = []
    named: list[dict[str, Any]] = []
    for work in works:
        found = identities[_contact_key(work.message)]
        mine = created.get(work.index)
        name = _display_name(work.message)
        if mine is not None and found.citizen_id == mine:
            work.contact = _Contact(mine, name, work.conversation.language or "id", created=True)
            continue
        if mine is not None:
            dropped.append({"b_id": mine})
        work.contact = _Contact(
            found.citizen_id, found.citizen_display_name, found.citizen_language, created=False
        )
        if name and not work.contact.display_name:
            named.append({"b_id": work.contact.citizen_id, "display_name": name})
            work.contact.display_name = name
    if dropped:
        connection.execute(sql.drop_citizen, dropped)
    if named:
        connection.execute(sql.save_citizen, named)


def _claim_media(connection: Connection, message: InboundMessage, citizen_id: int) -> None:
    """Files a first-time contact sent were stored before the citizen existed: make them theirs.

    Only unowned, unlinked attachments are claimed, so an id can never take someone else's file.
    """
    ids = [m.attachment_id for m in message.media if m.attachment_id is not None]
    if ids:
        connection.execute(
            update(_ATTACHMENTS)
            .where(
                _ATTACHMENTS.c.id.in_(ids),
                _ATTACHMENTS.c.citizen_id.is_(None),
                _ATTACHMENTS.c.report_id.is_(None),
            )
            .values(citizen_id=citizen_id)
        )


def _reply_rows(
    message: InboundMessage, citizen_id: int, replies: list[Reply], now: datetime
) -> list[dict[str, Any]]:
    """The turn's replies as outbox rows (the whole batch's go in one statement).

    Their idempotency keys are unique by construction (message id + position) and the receipt
    guarantees the message is processed once, so no per-row existence check is needed; the
    insert still ignores a duplicate key rather than failing the batch.
    """
    reply_to = message.external_message_id[:ID_MAX]
    base = f"in:{message.channel.value}:{reply_to}"
    rows: list[dict[str, Any]] = []
    for index, reply in enumerate(replies):
        payload: dict[str, object] = {"reply_to": reply_to}
        if reply.buttons:
            payload["buttons"] = [{"label": b.label, "data": b.data} for b in reply.buttons]
        rows.append(
            {
                "idempotency_key": f"{base}:{index}",
                "recipient_kind": RecipientKind.CITIZEN,
                "citizen_id": citizen_id,
                "staff_id": None,
                "report_id": reply.report_id,
                "channel": message.channel,
                "address": message.external_user_id,
                "template": f"bot:{reply.key}"[:80],
                "body": reply.text,
                "payload": payload,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    return rows


def _run_engine(db: Session, turn: Turn) -> None:
    """Run the engine; a bug costs this message an apology, not the channel.

    Everything the engine changes in the database goes through ``turn.db``, whose first use opens
    a savepoint (see ``bot.turn``); a turn that only reads, or needs no database, pays for none.
    A failure that is not the database's (which would fail the whole transaction and be retried
    by the provider) rolls that savepoint back, undoing the engine's partial writes, keeps the
    receipt so the same message does not fail again on every retry, and tells the citizen to try
    again. A statement that failed outside any savepoint leaves nothing to roll back to (and a
    PostgreSQL transaction that refuses further statements), so it fails the transaction.
    """
    with log_context(channel=turn.message.channel.value):
        before = (turn.state, turn.language, list(turn.replies))
        try:
            engine.handle(turn)
            if turn.savepoint is not None:
                turn.savepoint.commit()  # RELEASE, after flushing the engine's last changes
        except OperationalError:
            raise
        except DBAPIError:
            if turn.savepoint is None:
                raise
            _apologise(db, turn, before)
        except Exception:
            _apologise(db, turn, before)
        finally:
            turn.savepoint = None


def _apologise(db: Session, turn: Turn, before: tuple[str, str, list[Reply]]) -> None:
    """Undo the failed turn (its savepoint, its in-memory changes) and say sorry."""
    log.exception(
        "conversation engine failed on a %s message in state %s",
        turn.message.channel.value,
        before[0],
    )
    if turn.savepoint is not None:
        turn.savepoint.rollback()  # also closes one a failed flush already deactivated
    db.expire_all()  # and whatever it changed in memory only
    # The stored state itself may be what broke (a draft or flood window written by an
    # older version): start clean, without even the bookkeeping ``reset`` keeps.
    turn.state, turn.data, turn.language, turn.replies = "idle", {}, before[1], before[2]
    turn.say("internal_error")


def _save_states(connection: Connection, sql: _Statements, works: list[_Work]) -> None:
    """Write the turns' outcomes: one UPDATE per conversation and per changed language, each
    sent as one executemany (a single round trip with psycopg's pipeline mode).

    ``updated_at`` was already set by the locking upsert. New dicts are written: SQLAlchemy's JSON
    type does not notice in-place changes.
    """
    states: list[dict[str, Any]] = []
    languages: list[dict[str, Any]] = []
    for work in works:
        turn, contact = work.turn, work.contact
        assert turn is not None and contact is not None
        states.append(
            {
                "b_id": work.conversation.id,
                "state": turn.state,
                "data": dict(turn.data),
                "language": turn.language,
                "citizen_id": contact.citizen_id,
            }
        )
        if contact.language != turn.language:
            languages.append({"b_id": contact.citizen_id, "language": turn.language})
    connection.execute(sql.save_conversation, states)
    if languages:
        connection.execute(sql.save_citizen, languages)


def _turn(db: Session, runtime: Runtime, work: _Work) -> Turn:
    contact = work.contact
    assert contact is not None
    limit = runtime.settings.bot_max_text_chars
    text, truncated = clean_text(work.message.text, limit)
    conversation = work.conversation
    turn = Turn(
        session=db,
        runtime=runtime,
        citizen_id=contact.citizen_id,
        citizen_name=contact.display_name,
        message=work.message,
        text=text,
        now=work.now,
        state=conversation.state or "idle",
        data=dict(conversation.data or {}),
        language=conversation.language or "id",
        new_citizen=contact.created,
    )
    if truncated:
        turn.say("truncated", limit=limit)
    return turn


def process_batch(
    db: Session, *, runtime: Runtime, batch: Sequence[Inbound]
) -> list[PipelineResult]:
    """Process several messages exactly once each, in the caller's transaction.

    Concurrent webhook requests are committed together (``webhooks.group_commit``): the
    pipeline's statements then carry every message of a wave at once, so a batch of twenty costs
    about the round trips of one. Each message still gets its own engine turn, in arrival order
    per contact; results come back in the order of ``batch``.
    """
    for item in batch:
        user = item.message.external_user_id
        if not user or len(user) > ID_MAX:
            raise ValueError("external_user_id must be 1 to 120 characters")
    results: list[PipelineResult] = [PipelineResult(duplicate=True, replies=0)] * len(batch)
    if not batch:
        return results
    # The transaction's connection, once: the pipeline's own statements skip the ORM session.
    connection = db.connection()
    sql = _statements(connection.dialect.name)
    for wave in _waves(batch):
        fresh = _first_deliveries(connection, sql, batch, wave)
        if len(fresh) < len(wave):
            log.info("%d duplicate inbound message(s) ignored", len(wave) - len(fresh))
        if not fresh:
            continue
        works = _lock_conversations(connection, sql, batch, fresh)
        # A linked officer's chat (or one linking) is not a citizen's: ``bot.flows.officer``.
        taken = officer.take(db, runtime, [(w.conversation, w.message, w.now) for w in works])
        for position, sent in taken.items():
            results[works[position].index] = PipelineResult(duplicate=False, replies=sent)
        works = [work for position, work in enumerate(works) if position not in taken]
        if not works:
            continue
        _contacts(connection, sql, works)
        replies: list[dict[str, Any]] = []
        for work in works:
            assert work.contact is not None
            _claim_media(connection, work.message, work.contact.citizen_id)
            work.turn = _turn(db, runtime, work)
            _run_engine(db, work.turn)
            replies += _reply_rows(
                work.message, work.contact.citizen_id, work.turn.replies, work.now
            )
            results[work.index] = PipelineResult(duplicate=False, replies=len(work.turn.replies))
        _save_states(connection, sql, works)
        notify.insert_rows(db, replies)
    return results


def process_inbound(
    db: Session, *, runtime: Runtime, message: InboundMessage, now: datetime
) -> PipelineResult:
    """Process one inbound message exactly once; replies become outbox rows."""
    return process_batch(db, runtime=runtime, batch=[Inbound(message, now)])[0]
