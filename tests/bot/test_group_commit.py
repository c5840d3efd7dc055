"""Group commit: several inbound messages in one transaction, each with its own outcome.

The webhooks hand concurrent requests to ``webhooks.group_commit.GroupCommit``, which runs what
has queued up through ``bot.channels.ingest.ingest_many``. These tests drive both on SQLite and
PostgreSQL and check what a citizen would notice if grouping went wrong: replies missing,
mixed up between contacts or out of order, a duplicate processed twice, or one bad message
taking other people's messages down with it. The bad message is made bad in the database itself
(a trigger refuses its reply row), not by replacing any of our code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, text

from bot.channels.ingest import Delivery, ingest_many
from bot.inbound import InboundKind
from bot.pipeline import PipelineResult
from reports.models import Conversation, InboundReceipt, OutboxMessage
from reports.runtime import Runtime
from tests.bot.conftest import Chat, templates
from webhooks.group_commit import GroupCommit

PipelineCommit = GroupCommit[Delivery, PipelineResult]

STORY = "Jalan di Jl. Melati No. 5 rusak parah dan berlubang sejak sebulan, sudah ada motor jatuh."


def delivery(chat: Chat, text: str, *, message_id: str | None = None) -> Delivery:
    fields = {"external_message_id": message_id} if message_id else {}
    message = chat.message(InboundKind.TEXT, text=text, **fields)
    chat.now += timedelta(seconds=1)
    return Delivery(message, chat.now)


def receipts(runtime: Runtime) -> int:
    with runtime.sessions() as db:
        return db.scalar(select(func.count()).select_from(InboundReceipt)) or 0


MARKER = "Halo"  # in the welcome reply to a greeting, in no reply to a report


@pytest.fixture
def greetings_refused(runtime: Runtime) -> Iterator[None]:
    """A trigger that fails any outbox insert whose body contains ``MARKER``: a database
    error confined to one message's statements (dropped again afterwards)."""
    marker = MARKER
    with runtime.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    f"BEGIN IF NEW.body LIKE '%{marker}%' THEN "
                    "RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_marked BEFORE INSERT ON outbox "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_marked()"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_marked BEFORE INSERT ON outbox "
                    f"WHEN NEW.body LIKE '%{marker}%' "
                    "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
                )
            )
    yield
    with runtime.engine.begin() as conn:
        conn.execute(
            text(
                "DROP TRIGGER refuse_marked ON outbox"
                if conn.dialect.name == "postgresql"
                else "DROP TRIGGER refuse_marked"
            )
        )
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP FUNCTION refuse_marked()"))


def test_one_transaction_serves_many_contacts_each_with_their_own_replies(
    runtime: Runtime,
) -> None:
    chats = [Chat(runtime, user=f"warga-{n}") for n in range(6)]
    commits: list[object] = []

    def count(connection: object) -> None:
        commits.append(connection)

    event.listen(runtime.engine, "commit", count)
    try:
        outcomes = ingest_many(runtime, [delivery(chat, STORY) for chat in chats])
    finally:
        event.remove(runtime.engine, "commit", count)
    assert len(commits) == 1
    assert all(isinstance(o, PipelineResult) and not o.duplicate for o in outcomes)
    for chat in chats:
        assert templates(chat.inbox()) == ["bot:ask_attachment"]
        assert chat.citizen().display_name is None
    with runtime.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Conversation)) == 6


def test_a_contacts_messages_in_one_batch_run_in_order(runtime: Runtime) -> None:
    """The second message must see the state the first one left (a draft waiting for a photo)."""
    siti, budi = Chat(runtime, user="siti"), Chat(runtime, user="budi")
    batch = [delivery(siti, STORY), delivery(budi, "halo"), delivery(siti, "lewati")]
    outcomes = ingest_many(runtime, batch)
    assert [o.replies > 0 for o in outcomes if isinstance(o, PipelineResult)] == [True] * 3
    assert templates(siti.inbox()) == ["bot:ask_attachment", "bot:ask_privacy"]
    assert templates(budi.inbox()) == ["bot:welcome"]


def test_a_message_delivered_twice_in_one_batch_has_one_effect(runtime: Runtime) -> None:
    siti = Chat(runtime, user="siti")
    first = delivery(siti, STORY, message_id="tg:777")
    again = Delivery(first.message, first.now + timedelta(seconds=2))
    outcomes = ingest_many(runtime, [first, again])
    assert [getattr(o, "duplicate", None) for o in outcomes] == [False, True]
    assert templates(siti.inbox()) == ["bot:ask_attachment"]
    assert receipts(runtime) == 1


@pytest.mark.usefixtures("greetings_refused")
def test_a_message_that_breaks_the_batch_fails_alone(runtime: Runtime) -> None:
    """The others are committed (retried one by one); the bad one stores nothing, so the
    provider's redelivery will try it again."""
    good = [Chat(runtime, user=f"warga-{n}") for n in range(3)]
    bad = Chat(runtime, user="penyapa")
    batch = [delivery(good[0], STORY), delivery(bad, "halo"), delivery(good[1], STORY)]
    batch.append(delivery(good[2], STORY))
    outcomes = ingest_many(runtime, batch)
    assert isinstance(outcomes[1], Exception)
    assert all(isinstance(outcomes[i], PipelineResult) for i in (0, 2, 3))
    for chat in good:
        assert templates(chat.inbox()) == ["bot:ask_attachment"]
    assert bad.inbox() == []
    assert receipts(runtime) == 3


async def test_requests_waiting_together_are_committed_in_one_batch(runtime: Runtime) -> None:
    """Requests that queue while no lane is free form one batch; every one gets its result."""
    commits: PipelineCommit = GroupCommit(runtime, lanes=1, max_batch=32)
    chats = [Chat(runtime, user=f"warga-{n}") for n in range(10)]
    # All ten are queued before the lane first runs (tasks start in creation order).
    results = await asyncio.gather(*(commits.submit(delivery(chat, STORY)) for chat in chats))
    await commits.close()
    assert commits.batches == 1 and commits.largest == 10
    assert all(not r.duplicate and r.replies == 1 for r in results)
    assert await asyncio.to_thread(receipts, runtime) == 10


@pytest.mark.usefixtures("greetings_refused")
async def test_batches_are_capped_and_a_failure_reaches_only_its_request(
    runtime: Runtime,
) -> None:
    commits: PipelineCommit = GroupCommit(runtime, lanes=2, max_batch=4)
    chats = [Chat(runtime, user=f"warga-{n}") for n in range(9)]
    texts = [STORY] * 9
    texts[4] = "halo"
    outcomes = await asyncio.gather(
        *(commits.submit(delivery(c, t)) for c, t in zip(chats, texts, strict=True)),
        return_exceptions=True,
    )
    await commits.close()
    assert commits.largest <= 4 and commits.batches >= 3
    assert isinstance(outcomes[4], Exception)
    assert sum(isinstance(o, PipelineResult) for o in outcomes) == 8
    assert await asyncio.to_thread(receipts, runtime) == 8


async def test_a_request_that_goes_away_still_has_its_message_committed(
    runtime: Runtime,
) -> None:
    """The client disconnected after we accepted the message: it is processed anyway, so the
    provider's redelivery finds the receipt instead of a lost message."""
    commits: PipelineCommit = GroupCommit(runtime, lanes=1, max_batch=32)
    siti = Chat(runtime, user="siti")
    waiting = asyncio.create_task(commits.submit(delivery(siti, STORY)))
    await asyncio.sleep(0)  # queued
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    for _ in range(200):
        if commits.batches:
            break
        await asyncio.sleep(0.02)
    await commits.close()
    assert commits.batches == 1
    assert await asyncio.to_thread(receipts, runtime) == 1
    assert templates(await asyncio.to_thread(siti.inbox)) == ["bot:ask_attachment"]


def test_one_bad_sender_id_does_not_fail_the_others(runtime: Runtime) -> None:
    fine = Chat(runtime, user="siti")
    nameless = Chat(runtime, user="")
    outcomes = ingest_many(runtime, [delivery(fine, STORY), delivery(nameless, STORY)])
    assert isinstance(outcomes[0], PipelineResult) and isinstance(outcomes[1], ValueError)
    assert templates(fine.inbox()) == ["bot:ask_attachment"]
    with runtime.sessions() as db:
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 1


async def submit_pass_by_pass(commits: PipelineCommit, chats: list[Chat]) -> list[PipelineResult]:
    """Two requests at once (load), then one more on each pass of the event loop, as a burst of
    webhook requests reaches the queue."""
    tasks = [asyncio.ensure_future(commits.submit(delivery(c, STORY))) for c in chats[:2]]
    for chat in chats[2:]:
        await asyncio.sleep(0)
        tasks.append(asyncio.ensure_future(commits.submit(delivery(chat, STORY))))
    return await asyncio.gather(*tasks)


async def test_under_load_a_batch_gathers_while_requests_keep_arriving(runtime: Runtime) -> None:
    """The lane starts once the arrivals stop, not after ``max_wait``."""
    commits: PipelineCommit = GroupCommit(runtime, lanes=1, max_batch=32, max_wait=30.0)
    chats = [Chat(runtime, user=f"warga-{n}") for n in range(6)]
    started = asyncio.get_running_loop().time()
    results = await submit_pass_by_pass(commits, chats)
    await commits.close()
    assert commits.batches == 1 and commits.largest == 6
    assert all(not r.duplicate for r in results)
    assert asyncio.get_running_loop().time() - started < 30.0


async def test_gathering_stops_at_a_full_batch_and_at_max_wait(runtime: Runtime) -> None:
    full: PipelineCommit = GroupCommit(runtime, lanes=1, max_batch=4, max_wait=30.0)
    await submit_pass_by_pass(full, [Chat(runtime, user=f"full-{n}") for n in range(6)])
    await full.close()
    assert full.batches == 2 and full.largest == 4
    hasty: PipelineCommit = GroupCommit(runtime, lanes=1, max_batch=32, max_wait=1e-9)
    await submit_pass_by_pass(hasty, [Chat(runtime, user=f"hasty-{n}") for n in range(6)])
    await hasty.close()
    assert hasty.batches >= 2 and hasty.largest < 6
    assert receipts(runtime) == 12


async def test_a_lone_request_does_not_wait(runtime: Runtime) -> None:
    """No load, no wait: a single message is committed at once, not after ``max_wait``."""
    commits: PipelineCommit = GroupCommit(runtime, lanes=1, max_batch=32, max_wait=30.0)
    started = asyncio.get_running_loop().time()
    result = await commits.submit(delivery(Chat(runtime, user="siti"), STORY))
    await commits.close()
    assert not result.duplicate
    assert asyncio.get_running_loop().time() - started < 30.0
