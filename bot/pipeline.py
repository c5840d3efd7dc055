"""The inbound pipeline every channel calls: dedupe, contact, state, engine, outbox.

It runs inside the caller's transaction (``with runtime.sessions() as db, db.begin():``), so the
receipt, the conversation state, any domain change and every reply commit together or not at all:
a provider retry after a crash finds no receipt and is processed again; a retry after a commit
finds the receipt and has no effect. Nothing is sent from here; replies are outbox rows.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, joinedload

from bot import engine
from bot.inbound import InboundMessage
from bot.turn import Reply, Turn
from reports import notify, service
from reports.enums import RecipientKind
from reports.models import (
    Attachment,
    Citizen,
    CitizenIdentity,
    Conversation,
    InboundReceipt,
    Report,
)

if TYPE_CHECKING:
    from webhooks.runtime import Runtime

log = logging.getLogger(__name__)

#: C0 control characters other than tab and newlines: never meaningful in a report, and NUL bytes
#: are refused by PostgreSQL text columns.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ID_MAX = 120  # column width of external ids


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


def _insert_if_absent(db: Session, table: Table, values: dict[str, Any]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True when the row was inserted.

    One statement instead of savepoint + insert + release: this runs for every inbound message.
    On PostgreSQL a concurrent insert of the same key waits for the other transaction and then
    does nothing, which is exactly the dedupe we want.
    """
    dialect = db.get_bind().dialect.name
    if dialect not in _UPSERT:
        try:
            with db.begin_nested():
                db.execute(table.insert().values(**values))
        except IntegrityError:
            return False
        return True
    statement = _UPSERT[dialect](table).values(**values).on_conflict_do_nothing()
    return db.execute(statement.returning(table.c.id)).first() is not None


_UPSERT: dict[str, Any] = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def _first_delivery(db: Session, message: InboundMessage, now: datetime) -> bool:
    """Record the receipt; False when this (channel, message id) was processed before."""
    return _insert_if_absent(
        db,
        InboundReceipt.__table__,  # type: ignore[arg-type]
        {
            "channel": message.channel,
            "external_message_id": message.external_message_id[:ID_MAX],
            "received_at": now,
        },
    )


def _conversation(db: Session, message: InboundMessage, now: datetime) -> Conversation:
    """The contact's conversation row, locked so two processes never run one contact at once."""
    query = (
        select(Conversation)
        .where(
            Conversation.channel == message.channel,
            Conversation.external_id == message.external_user_id,
        )
        .with_for_update()
    )
    row = db.scalar(query)
    if row is not None:
        return row
    # A first message: create the row (unless a concurrent first message just did), then lock it.
    _insert_if_absent(
        db,
        Conversation.__table__,  # type: ignore[arg-type]
        {
            "channel": message.channel,
            "external_id": message.external_user_id,
            "state": "idle",
            "data": {},
            "language": "id",
            "updated_at": now,
        },
    )
    row = db.scalar(query)
    assert row is not None
    return row


def _contact(
    db: Session, message: InboundMessage, conversation: Conversation, now: datetime
) -> Citizen:
    query = (
        select(CitizenIdentity)
        .where(
            CitizenIdentity.channel == message.channel,
            CitizenIdentity.external_id == message.external_user_id,
        )
        .options(joinedload(CitizenIdentity.citizen))
    )
    identity = db.scalar(query)
    if identity is None:
        service.get_or_create_citizen(
            db,
            channel=message.channel,
            external_id=message.external_user_id,
            now=now,
            language=conversation.language,
        )
        identity = db.scalar(query)
        assert identity is not None
    citizen = identity.citizen
    identity.last_inbound_at = now  # the WhatsApp 24-hour window counts from here
    if message.display_name and not citizen.display_name:
        citizen.display_name = message.display_name[:200]
    conversation.citizen_id = citizen.id
    _claim_media(db, message, citizen)
    return citizen


def _claim_media(db: Session, message: InboundMessage, citizen: Citizen) -> None:
    """Files a first-time contact sent were stored before the citizen existed: make them theirs.

    Only unowned, unlinked attachments are claimed, so an id can never take someone else's file.
    """
    ids = [m.attachment_id for m in message.media if m.attachment_id is not None]
    if ids:
        db.execute(
            update(Attachment)
            .where(
                Attachment.id.in_(ids),
                Attachment.citizen_id.is_(None),
                Attachment.report_id.is_(None),
            )
            .values(citizen_id=citizen.id)
        )


def _queue_replies(
    db: Session, message: InboundMessage, citizen: Citizen, replies: list[Reply], now: datetime
) -> None:
    base = f"in:{message.channel.value}:{message.external_message_id[:ID_MAX]}"
    for index, reply in enumerate(replies):
        payload: dict[str, object] = {"reply_to": message.external_message_id[:ID_MAX]}
        if reply.buttons:
            payload["buttons"] = [{"label": b.label, "data": b.data} for b in reply.buttons]
        notify.queue(
            db,
            key=f"{base}:{index}",
            recipient_kind=RecipientKind.CITIZEN,
            channel=message.channel,
            address=message.external_user_id,
            template=f"bot:{reply.key}"[:80],
            body=reply.text,
            now=now,
            citizen_id=citizen.id,
            payload=payload,
            report=db.get(Report, reply.report_id) if reply.report_id else None,
        )


def _run_engine(db: Session, turn: Turn) -> None:
    """Run the engine in a savepoint; a bug costs this message an apology, not the channel.

    A failure that is not the database's (which would fail the whole transaction and be retried
    by the provider) undoes the engine's partial writes, keeps the receipt so the same message
    does not fail again on every retry, and tells the citizen to try again.
    """
    before = (turn.state, dict(turn.data), turn.language, list(turn.replies))
    try:
        with db.begin_nested():
            engine.handle(turn)
    except OperationalError:
        raise
    except Exception:
        log.exception(
            "conversation engine failed on a %s message in state %s",
            turn.message.channel.value,
            before[0],
        )
        turn.state, turn.data, turn.language, turn.replies = before
        turn.reset()  # the state itself may be what broke: start clean
        turn.say("internal_error")


def process_inbound(
    db: Session, *, runtime: Runtime, message: InboundMessage, now: datetime
) -> PipelineResult:
    """Process one inbound message exactly once; replies become outbox rows."""
    if not message.external_user_id or len(message.external_user_id) > ID_MAX:
        raise ValueError("external_user_id must be 1 to 120 characters")
    if not _first_delivery(db, message, now):
        log.info("duplicate inbound %s message ignored", message.channel.value)
        return PipelineResult(duplicate=True, replies=0)
    conversation = _conversation(db, message, now)
    citizen = _contact(db, message, conversation, now)
    text, truncated = clean_text(message.text, runtime.settings.bot_max_text_chars)
    turn = Turn(
        db=db,
        runtime=runtime,
        citizen=citizen,
        message=message,
        text=text,
        now=now,
        state=conversation.state or "idle",
        data=dict(conversation.data or {}),
        language=conversation.language or "id",
    )
    if truncated:
        turn.say("truncated", limit=runtime.settings.bot_max_text_chars)
    _run_engine(db, turn)
    # Assign new objects: SQLAlchemy's JSON type does not notice in-place changes.
    conversation.state = turn.state
    conversation.data = dict(turn.data)
    conversation.language = turn.language
    conversation.updated_at = now
    citizen.language = turn.language
    _queue_replies(db, message, citizen, turn.replies, now)
    db.flush()
    return PipelineResult(duplicate=False, replies=len(turn.replies))
