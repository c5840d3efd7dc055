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
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Executable, Row, Table, bindparam, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot import engine
from bot.inbound import InboundMessage
from bot.turn import Reply, Turn
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
    from webhooks.runtime import Runtime

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

    Values come as execution parameters, so each statement object (and its compiled form) is
    reused for every message: building and cache-keying a Core statement per message costs more
    CPU than executing it.
    """

    receipt: Executable
    conversation: Executable
    touch_identity: Executable
    new_citizen: Executable
    new_identity: Executable
    drop_citizen: Executable
    save_conversation: Executable
    save_citizen: Executable


def _citizen_column(column: str) -> Any:
    """``(SELECT citizens.<column> ...)`` for an identity row's citizen, for RETURNING clauses:
    an identity and its citizen come back in the statement that touches the identity."""
    # Spelled out: SQLAlchemy does not correlate to an INSERT's own table in RETURNING.
    identity_citizen = literal_column(f"{_IDENTITIES.name}.citizen_id")
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
        _CONVERSATIONS.c.citizen_id,
        _CONVERSATIONS.c.state,
        _CONVERSATIONS.c.data,
        _CONVERSATIONS.c.language,
    )
    contact = (
        _IDENTITIES.c.citizen_id,
        _citizen_column("display_name"),
        _citizen_column("language"),
    )
    identity = insert(_IDENTITIES)
    identity = identity.on_conflict_do_update(
        index_elements=[_IDENTITIES.c.channel, _IDENTITIES.c.external_id],
        set_={"last_inbound_at": identity.excluded.last_inbound_at},
    ).returning(*contact)
    return _Statements(
        receipt=insert(_RECEIPTS).on_conflict_do_nothing().returning(_RECEIPTS.c.id),
        conversation=conversation,
        touch_identity=update(_IDENTITIES)
        .where(
            _IDENTITIES.c.channel == bindparam("b_channel"),
            _IDENTITIES.c.external_id == bindparam("b_external_id"),
        )
        .returning(*contact),
        new_citizen=_CITIZENS.insert().returning(_CITIZENS.c.id),
        new_identity=identity,
        drop_citizen=_CITIZENS.delete().where(_CITIZENS.c.id == bindparam("b_id")),
        save_conversation=update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == bindparam("b_id")),
        save_citizen=update(_CITIZENS).where(_CITIZENS.c.id == bindparam("b_id")),
    )


@dataclass
class _Contact:
    """Who sent the message, as far as the pipeline needs it."""

    citizen_id: int
    display_name: str | None
    language: str
    created: bool  # the citizen was created by this message


def _first_delivery(
    connection: Connection, sql: _Statements, message: InboundMessage, now: datetime
) -> bool:
    """Record the receipt; False when this (channel, message id) was processed before.

    INSERT ... ON CONFLICT DO NOTHING: on PostgreSQL a concurrent insert of the same key waits
    for the other transaction and then does nothing, which is exactly the dedupe we want.
    """
    inserted = connection.execute(
        sql.receipt,
        {
            "channel": message.channel,
            "external_message_id": message.external_message_id[:ID_MAX],
            "received_at": now,
        },
    )
    return inserted.first() is not None


def _lock_conversation(
    connection: Connection, sql: _Statements, message: InboundMessage, now: datetime
) -> Row[Any]:
    """The contact's conversation row, created if needed and locked, in one statement.

    An upsert that always updates (``updated_at``) returns the row and, on PostgreSQL, holds its
    row lock until the commit, exactly as SELECT ... FOR UPDATE would: two processes never run
    one contact at once. A concurrent first message of the same contact waits on the unique key
    and then updates (and locks) the row the other one created. SQLite serialises writers anyway
    (``BEGIN IMMEDIATE``, see ``reports.db``).
    """
    values = {
        "channel": message.channel,
        "external_id": message.external_user_id,
        "state": "idle",
        "data": {},
        "language": "id",
        "updated_at": now,
    }
    return connection.execute(sql.conversation, values).one()


def _contact(
    connection: Connection,
    sql: _Statements,
    message: InboundMessage,
    conversation: Row[Any],
    now: datetime,
) -> _Contact:
    """The sender as a citizen, created on first contact; ``last_inbound_at`` set to now.

    The WhatsApp 24-hour window counts from ``last_inbound_at``, so every message touches the
    identity; that statement also returns the citizen's name and language. A conversation that
    knows its citizen means a known identity (one UPDATE ... RETURNING); one that does not means
    a first contact almost always, so the citizen is inserted straight away and the identity
    upserted (two statements). In the rare case the identity existed after all (created by other
    means), the citizen just inserted is dropped again. The contact's conversation row is
    locked, so no concurrent message of the same contact races with these statements.
    """
    name = message.display_name[:200] if message.display_name else None
    found = None
    if conversation.citizen_id is not None:
        found = connection.execute(
            sql.touch_identity,
            {
                "b_channel": message.channel,
                "b_external_id": message.external_user_id,
                "last_inbound_at": now,
            },
        ).first()
    if found is None:
        language = conversation.language or "id"
        created_id = connection.execute(
            sql.new_citizen, {"display_name": name, "language": language, "created_at": now}
        ).scalar_one()
        found = connection.execute(
            sql.new_identity,
            {
                "citizen_id": created_id,
                "channel": message.channel,
                "external_id": message.external_user_id,
                "last_inbound_at": now,
                "created_at": now,
            },
        ).one()
        if found.citizen_id == created_id:
            return _Contact(created_id, name, language, created=True)
        connection.execute(sql.drop_citizen, {"b_id": created_id})
    contact = _Contact(
        found.citizen_id, found.citizen_display_name, found.citizen_language, created=False
    )
    if name and not contact.display_name:
        connection.execute(sql.save_citizen, {"b_id": contact.citizen_id, "display_name": name})
        contact.display_name = name
    return contact


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


def _queue_replies(
    db: Session, message: InboundMessage, citizen_id: int, replies: list[Reply], now: datetime
) -> None:
    """All replies of the turn as outbox rows, in one statement.

    Their idempotency keys are unique by construction (message id + position) and the receipt
    guarantees the message is processed once, so no per-row existence check is needed; the
    insert still ignores a duplicate key rather than failing the turn.
    """
    if not replies:
        return
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
    notify.insert_rows(db, rows)


def _run_engine(db: Session, turn: Turn) -> None:
    """Run the engine; a bug costs this message an apology, not the channel.

    Everything the engine does in the database goes through ``turn.db``, whose first use opens a
    savepoint (see ``bot.turn``); a turn that needs no database pays for none. A failure that is
    not the database's (which would fail the whole transaction and be retried by the provider)
    rolls that savepoint back, undoing the engine's partial writes, keeps the receipt so the same
    message does not fail again on every retry, and tells the citizen to try again.
    """
    before = (turn.state, turn.language, list(turn.replies))
    try:
        engine.handle(turn)
        if turn.savepoint is not None:
            turn.savepoint.commit()  # RELEASE, after flushing the engine's last changes
    except OperationalError:
        raise
    except Exception:
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
    finally:
        turn.savepoint = None


def _save_state(
    connection: Connection,
    sql: _Statements,
    conversation: Row[Any],
    contact: _Contact,
    turn: Turn,
) -> None:
    """Write the turn's outcome: one UPDATE of the conversation, and the language if it changed.

    ``updated_at`` was already set by the locking upsert. New dicts are written: SQLAlchemy's JSON
    type does not notice in-place changes.
    """
    values: dict[str, Any] = {
        "b_id": conversation.id,
        "state": turn.state,
        "data": dict(turn.data),
        "language": turn.language,
    }
    if conversation.citizen_id != contact.citizen_id:
        values["citizen_id"] = contact.citizen_id
    connection.execute(sql.save_conversation, values)
    if contact.language != turn.language:
        connection.execute(
            sql.save_citizen, {"b_id": contact.citizen_id, "language": turn.language}
        )


def process_inbound(
    db: Session, *, runtime: Runtime, message: InboundMessage, now: datetime
) -> PipelineResult:
    """Process one inbound message exactly once; replies become outbox rows."""
    if not message.external_user_id or len(message.external_user_id) > ID_MAX:
        raise ValueError("external_user_id must be 1 to 120 characters")
    # The transaction's connection, once: the pipeline's own statements skip the ORM session.
    connection = db.connection()
    sql = _statements(connection.dialect.name)
    if not _first_delivery(connection, sql, message, now):
        log.info("duplicate inbound %s message ignored", message.channel.value)
        return PipelineResult(duplicate=True, replies=0)
    conversation = _lock_conversation(connection, sql, message, now)
    contact = _contact(connection, sql, message, conversation, now)
    _claim_media(connection, message, contact.citizen_id)
    text, truncated = clean_text(message.text, runtime.settings.bot_max_text_chars)
    turn = Turn(
        session=db,
        runtime=runtime,
        citizen_id=contact.citizen_id,
        citizen_name=contact.display_name,
        message=message,
        text=text,
        now=now,
        state=conversation.state or "idle",
        data=dict(conversation.data or {}),
        language=conversation.language or "id",
        new_citizen=contact.created,
    )
    if truncated:
        turn.say("truncated", limit=runtime.settings.bot_max_text_chars)
    _run_engine(db, turn)
    _save_state(connection, sql, conversation, contact, turn)
    _queue_replies(db, message, contact.citizen_id, turn.replies, now)
    return PipelineResult(duplicate=False, replies=len(turn.replies))
