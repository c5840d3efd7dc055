"""The inbound pipeline's storage: its own SQL Core statements, one set per dialect.

This runs for every inbound message, so the pipeline's own reads and writes are single SQL Core
statements (INSERT ... ON CONFLICT ... RETURNING where the dialect allows) rather than ORM loads
and unit-of-work flushes, each built once per process: a new contact costs six statements and
the commit, a returning one five plus whatever the conversation engine reads (see
``tests/bot/test_pipeline_sql.py``). PostgreSQL and SQLite (the two backends of
``reports.db.make_engine``) both support these statements.

Kept apart from ``bot.pipeline`` so that module reads as the message flow (dedupe, contact,
turn, save, replies) and this one holds the per-dialect SQL and the row shapes it writes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Executable, Row, Table, bindparam, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnClause

from bot.inbound import InboundMessage
from bot.states import State
from bot.turn import Reply, Turn
from reports.enums import Channel, OutboxStatus, RecipientKind
from reports.models import (
    Attachment,
    Citizen,
    CitizenIdentity,
    Conversation,
    InboundReceipt,
)

ID_MAX = 120  # column width of external ids

_RECEIPTS: Table = InboundReceipt.__table__  # type: ignore[assignment]
_CONVERSATIONS: Table = Conversation.__table__  # type: ignore[assignment]
_CITIZENS: Table = Citizen.__table__  # type: ignore[assignment]
_IDENTITIES: Table = CitizenIdentity.__table__  # type: ignore[assignment]
_ATTACHMENTS: Table = Attachment.__table__  # type: ignore[assignment]
_INSERTS: dict[str, Any] = {"postgresql": pg_insert, "sqlite": sqlite_insert}


@dataclass(frozen=True)
class Statements:
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
def statements_for(dialect: str) -> Statements:
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
    return Statements(
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
class Contact:
    """Who sent the message, as far as the pipeline needs it."""

    citizen_id: int
    display_name: str | None
    language: str
    created: bool  # the citizen was created by this message


@dataclass
class Work:
    """One first delivery going through a wave: its conversation row, then its sender."""

    index: int  # position in the caller's batch
    message: InboundMessage
    now: datetime
    conversation: Row[Any]
    contact: Contact | None = None
    turn: Turn | None = None


def contact_key(message: InboundMessage) -> tuple[str, str]:
    return (message.channel.value, message.external_user_id)


def receipt_key(message: InboundMessage) -> tuple[str, str]:
    return (message.channel.value, message.external_message_id[:ID_MAX])


def record_receipts(
    connection: Connection, sql: Statements, batch: Sequence[Inbound], wave: list[int]
) -> list[int]:
    """Record the wave's receipts; the indices of messages not processed before.

    INSERT ... ON CONFLICT DO NOTHING: on PostgreSQL a concurrent insert of the same key waits
    for the other transaction and then does nothing, which is exactly the dedupe we want. Rows go
    in key order, so two batches holding the same keys cannot deadlock.
    """
    by_key: dict[tuple[str, str], int] = {}
    for index in wave:
        by_key.setdefault(receipt_key(batch[index].message), index)
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


def lock_conversations(
    connection: Connection, sql: Statements, batch: Sequence[Inbound], fresh: list[int]
) -> list[Work]:
    """Each contact's conversation row, created if needed and locked, in one statement.

    An upsert that always updates (``updated_at``) returns the row and, on PostgreSQL, holds its
    row lock until the commit, exactly as SELECT ... FOR UPDATE would: two processes never run
    one contact at once. A concurrent first message of the same contact waits on the unique key
    and then updates (and locks) the row the other one created. Rows go in key order, so two
    batches lock shared contacts in the same order and cannot deadlock. SQLite serialises
    writers anyway (``BEGIN IMMEDIATE``, see ``reports.db``).
    """
    order = sorted(fresh, key=lambda index: contact_key(batch[index].message))
    rows = [
        {
            "channel": batch[index].message.channel,
            "external_id": batch[index].message.external_user_id,
            "state": State.IDLE.value,
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
        Work(i, batch[i].message, batch[i].now, found[contact_key(batch[i].message)]) for i in fresh
    ]


def _display_name(message: InboundMessage) -> str | None:
    return message.display_name[:200] if message.display_name else None


def upsert_contacts(connection: Connection, sql: Statements, works: list[Work]) -> None:
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
    ordered = sorted(works, key=lambda work: contact_key(work.message))
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
        found = identities[contact_key(work.message)]
        mine = created.get(work.index)
        name = _display_name(work.message)
        if mine is not None and found.citizen_id == mine:
            work.contact = Contact(mine, name, work.conversation.language or "id", created=True)
            continue
        if mine is not None:
            dropped.append({"b_id": mine})
        work.contact = Contact(
            found.citizen_id, found.citizen_display_name, found.citizen_language, created=False
        )
        if name and not work.contact.display_name:
            named.append({"b_id": work.contact.citizen_id, "display_name": name})
            work.contact.display_name = name
    if dropped:
        connection.execute(sql.drop_citizen, dropped)
    if named:
        connection.execute(sql.save_citizen, named)


def claim_media(connection: Connection, message: InboundMessage, citizen_id: int) -> None:
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


def reply_rows(
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


def save_states(connection: Connection, sql: Statements, works: list[Work]) -> None:
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


def received(db: Session, channel: Channel, external_message_id: str) -> bool:
    """Was this message already processed (its receipt committed)? A cheap pre-check only:
    the receipt insert of ``record_receipts`` is the real guard against races."""
    found = db.scalar(
        select(_RECEIPTS.c.id).where(
            _RECEIPTS.c.channel == channel,
            _RECEIPTS.c.external_message_id == external_message_id[:ID_MAX],
        )
    )
    return found is not None


def known_citizen(db: Session, message: InboundMessage) -> int | None:
    """The sender's citizen id when the contact is already known (None for a first contact,
    whose files the pipeline claims once the citizen exists: ``claim_media``)."""
    citizen_id: int | None = db.scalar(
        select(_IDENTITIES.c.citizen_id).where(
            _IDENTITIES.c.channel == message.channel,
            _IDENTITIES.c.external_id == message.external_user_id,
        )
    )
    return citizen_id
