"""What one inbound message costs in SQL statements, and the outbox's idempotent insert.

The webhook's throughput is bounded by the pipeline's per-message work (issue 4: at least half
the throughput of a bare one-insert webhook). These budgets catch a change that quietly adds
round trips to every message, e.g. an ORM load or an existence check before an insert.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select

from bot.inbound import InboundKind
from bot.pipeline import process_inbound
from reports import citizen_cases, notify
from reports.enums import Channel, RecipientKind
from reports.models import Citizen, CitizenIdentity, Conversation, OutboxMessage
from reports.runtime import Runtime
from tests.bot.conftest import Chat, templates

STORY = "Jalan di Jl. Melati No. 5 rusak parah dan berlubang sejak sebulan, sudah ada motor jatuh."


@contextmanager
def statements(runtime: Runtime) -> Iterator[list[str]]:
    """SQL statements sent by the runtime's engine inside the block (not BEGIN/COMMIT)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(" ".join(statement.split()))

    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)


def counted(chat: Chat, text: str) -> tuple[list[str], list[str]]:
    """Process one text as a webhook does; the statements it cost and the reply templates."""
    message = chat.message(InboundKind.TEXT, text=text)
    with statements(chat.runtime) as seen, chat.runtime.sessions() as db, db.begin():
        process_inbound(db, runtime=chat.runtime, message=message, now=chat.now)
    chat.now += timedelta(seconds=5)
    return seen, templates(chat.inbox())


def test_a_new_contacts_report_costs_six_statements(chat: Chat) -> None:
    """Receipt, conversation (upsert + lock), citizen, identity, state, replies: no savepoint
    and no engine query (a citizen created now has no reports to look up)."""
    seen, replies = counted(chat, STORY)
    assert replies == ["bot:ask_attachment"]
    assert len(seen) == 6, "\n".join(seen)
    assert not any("SAVEPOINT" in s for s in seen)


def test_a_returning_contact_costs_a_few_more(chat: Chat) -> None:
    chat.send("halo")
    seen, replies = counted(chat, "halo")
    assert replies == ["bot:welcome"]
    # receipt, conversation, identity (with the citizen), state, replies: a greeting needs no query
    assert len(seen) == 5, "\n".join(seen)
    seen, replies = counted(chat, STORY)
    assert replies == ["bot:ask_attachment"]
    # + waiting reports, reports today: queries only, so no savepoint (two round trips less)
    assert len(seen) == 7, "\n".join(seen)
    assert not any("SAVEPOINT" in s for s in seen)


def test_an_identity_created_elsewhere_is_found_on_the_first_message(chat: Chat) -> None:
    """A contact known before its first conversation (e.g. created by staff or another channel
    adapter): the optimistic new citizen is dropped and the existing one keeps everything."""
    with chat.runtime.sessions() as db, db.begin():
        known = citizen_cases.get_or_create_citizen(
            db, channel=chat.channel, external_id=chat.user, now=chat.now, language="en"
        )
        known_id = known.id
    message = chat.message(InboundKind.TEXT, text="halo", display_name="Siti")
    with chat.runtime.sessions() as db, db.begin():
        process_inbound(db, runtime=chat.runtime, message=message, now=chat.now)
    assert chat.citizen().id == known_id and chat.citizen().display_name == "Siti"
    with chat.runtime.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Citizen)) == 1
        conversation = db.scalar(select(Conversation))
        assert conversation is not None and conversation.citizen_id == known_id
        identity = db.scalar(select(CitizenIdentity))
        assert identity is not None and identity.last_inbound_at == chat.now


def test_queue_inserts_once_per_key(chat: Chat) -> None:
    """Two notices with one idempotency key: the second is skipped, without a prior SELECT."""
    now = chat.now
    with chat.runtime.sessions() as db, db.begin():
        values: dict[str, Any] = {
            "key": "notice:1",
            "recipient_kind": RecipientKind.EXTERNAL,
            "channel": Channel.EMAIL,
            "address": "dinas@example.org",
            "template": "staff_digest",
            "body": "Ringkasan",
            "now": now,
        }
        with statements(chat.runtime) as seen:
            first = notify.queue(db, **values)
            again = notify.queue(db, **{**values, "body": "Ringkasan lain"})
        assert len(seen) == 2 and all(s.startswith("INSERT INTO outbox") for s in seen)
        assert first is not None and first.id is not None and first.body == "Ringkasan"
        assert again is None
    with chat.runtime.sessions() as db:
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        row = db.scalar(select(OutboxMessage))
        assert row is not None and row.body == "Ringkasan" and row.payload == {}
