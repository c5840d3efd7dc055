"""The inbound pipeline every channel calls: dedupe, contact, state, engine, outbox.

It runs inside the caller's transaction (``with runtime.sessions() as db, db.begin():``), so the
receipt, the conversation state, any domain change and every reply commit together or not at all:
a provider retry after a crash finds no receipt and is processed again; a retry after a commit
finds the receipt and has no effect. Nothing is sent from here; replies are outbox rows.

This module is the message flow; the statements it runs (single SQL Core statements per wave,
built once per process and dialect, with their budget in ``tests/bot/test_pipeline_sql.py``) are
in ``bot.pipeline_store``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from bot import engine
from bot import pipeline_store as store
from bot.flows import officer
from bot.inbound import InboundMessage
from bot.pipeline_store import Inbound as Inbound
from bot.states import State
from bot.turn import Reply, Turn
from config.log import log_context
from reports import notify

if TYPE_CHECKING:
    from reports.runtime import Runtime

log = logging.getLogger(__name__)

#: C0 control characters other than tab and newlines: never meaningful in a report, and NUL bytes
#: are refused by PostgreSQL text columns.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


def _waves(batch: Sequence[Inbound]) -> list[list[int]]:
    """Split a batch so that no contact appears twice in one wave, keeping each contact's order.

    A wave's statements are set-wise (one upsert for all its conversations), and an upsert may not
    touch one row twice; a contact's second message also needs the state its first one left.
    """
    waves: list[list[int]] = []
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(batch):
        key = store.contact_key(item.message)
        wave = seen.get(key, 0)
        seen[key] = wave + 1
        if wave == len(waves):
            waves.append([])
        waves[wave].append(index)
    return waves


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
    turn.state, turn.data, turn.language, turn.replies = State.IDLE, {}, before[1], before[2]
    turn.say("internal_error")


def _turn(db: Session, runtime: Runtime, work: store.Work) -> Turn:
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
        state=conversation.state or State.IDLE,
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
        if not user or len(user) > store.ID_MAX:
            raise ValueError("external_user_id must be 1 to 120 characters")
    results: list[PipelineResult] = [PipelineResult(duplicate=True, replies=0)] * len(batch)
    if not batch:
        return results
    # The transaction's connection, once: the pipeline's own statements skip the ORM session.
    connection = db.connection()
    sql = store.statements_for(connection.dialect.name)
    for wave in _waves(batch):
        fresh = store.record_receipts(connection, sql, batch, wave)
        if len(fresh) < len(wave):
            log.info("%d duplicate inbound message(s) ignored", len(wave) - len(fresh))
        if not fresh:
            continue
        works = store.lock_conversations(connection, sql, batch, fresh)
        # A linked officer's chat (or one linking) is not a citizen's: ``bot.flows.officer``.
        taken = officer.take(db, runtime, [(w.conversation, w.message, w.now) for w in works])
        for position, sent in taken.items():
            results[works[position].index] = PipelineResult(duplicate=False, replies=sent)
        works = [work for position, work in enumerate(works) if position not in taken]
        if not works:
            continue
        store.upsert_contacts(connection, sql, works)
        replies: list[dict[str, Any]] = []
        for work in works:
            assert work.contact is not None
            store.claim_media(connection, work.message, work.contact.citizen_id)
            work.turn = _turn(db, runtime, work)
            _run_engine(db, work.turn)
            replies += store.reply_rows(
                work.message, work.contact.citizen_id, work.turn.replies, work.now
            )
            results[work.index] = PipelineResult(duplicate=False, replies=len(work.turn.replies))
        store.save_states(connection, sql, works)
        notify.insert_rows(db, replies)
    return results


def process_inbound(
    db: Session, *, runtime: Runtime, message: InboundMessage, now: datetime
) -> PipelineResult:
    """Process one inbound message exactly once; replies become outbox rows."""
    return process_batch(db, runtime=runtime, batch=[Inbound(message, now)])[0]
