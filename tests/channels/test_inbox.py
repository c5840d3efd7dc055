"""The durable inbox (issue 12 point 12): webhooks store the update and answer; processors run the
conversation on stored rows, exactly once, in order per chat, with retries and a dead state.

Real app and routes, real PTB and twilio clients against the fake providers, real databases (the
order and fencing tests on both backends). ``inbox_processing="worker"`` is what ``suarawarga
serve`` gives its web workers; the processor is run here by hand, as the worker process would.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.inbox import service
from bot.inbox.processor import InboxProcessor
from reports.enums import Channel, InboxStatus
from reports.models import Conversation, InboundReceipt, InboxUpdate
from reports.runtime import Runtime
from tests import factories
from tests.channels.conftest import BOTH_BACKENDS, Channels, telegram_fixture, twilio_fixture
from tests.channels.helpers import outbox_rows
from webhooks.app import create_app


class WorkerApp:
    """The app as serve's web workers run it: answers once the update is stored."""

    def __init__(self, channels: Channels, client: TestClient, runtime: Runtime) -> None:
        self.channels = channels
        self.client = client
        self.runtime = runtime

    def post_telegram(self, update: dict[str, Any]) -> Any:
        return self.client.post(
            "/webhooks/telegram",
            content=json.dumps(update),
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": self.channels.secret,
            },
        )

    def process(self, processor: InboxProcessor | None = None) -> int:
        """Run the real processor until a claim comes back empty; rows claimed in total."""
        processor = processor or InboxProcessor(self.runtime)

        async def _go() -> int:
            total = 0
            try:
                while claimed := await processor.run_once():
                    total += claimed
            finally:
                await processor.aclose()
            return total

        return asyncio.run(_go())

    def rows(self) -> list[InboxUpdate]:
        with self.runtime.sessions() as db:
            return list(db.scalars(select(InboxUpdate).order_by(InboxUpdate.id)))


@pytest.fixture
def worker_app(channels: Channels) -> Iterator[WorkerApp]:
    runtime = channels.runtime_with(inbox_processing="worker", inbox_backoff_base_seconds=0.0)
    with TestClient(create_app(runtime=runtime)) as client:
        yield WorkerApp(channels, client, runtime)


def _count(runtime: Runtime, model: Any) -> int:
    with runtime.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _text(update_id: int, chat: int, text: str = "halo") -> dict[str, Any]:
    return telegram_fixture("text_message", update_id=update_id, chat_id=chat, text=text)


@BOTH_BACKENDS
def test_the_webhook_answers_once_stored_and_the_worker_processes_it(
    worker_app: WorkerApp,
) -> None:
    response = worker_app.post_telegram(_text(900001, 7001, "Jalan rusak di depan pasar"))
    assert response.status_code == 200 and response.json() == {"ok": True, "duplicate": False}
    # Acknowledged, durable, and nothing else done yet: no conversation, no reply.
    [row] = worker_app.rows()
    assert row.status == InboxStatus.PENDING and row.chat_id == "7001" and row.payload
    assert _count(worker_app.runtime, Conversation) == 0
    assert outbox_rows(worker_app.runtime) == []

    assert worker_app.process() == 1
    [row] = worker_app.rows()
    assert row.status == InboxStatus.DONE and row.processed_at is not None
    assert row.payload is None  # the message text is not kept in the inbox once processed
    replies = outbox_rows(worker_app.runtime, Channel.TELEGRAM)
    assert replies and {r.address for r in replies} == {"7001"}
    assert _count(worker_app.runtime, InboundReceipt) == 1


def test_a_redelivery_is_stored_once_and_answered_once(worker_app: WorkerApp) -> None:
    update = _text(900002, 7002)
    assert worker_app.post_telegram(update).json()["duplicate"] is False
    assert worker_app.post_telegram(update).json()["duplicate"] is True
    assert len(worker_app.rows()) == 1
    worker_app.process()
    first = len(outbox_rows(worker_app.runtime))
    assert first >= 1
    # Redelivered after processing: still a no-op.
    assert worker_app.post_telegram(update).json()["duplicate"] is True
    assert worker_app.process() == 0
    assert len(outbox_rows(worker_app.runtime)) == first


def test_whatsapp_is_stored_then_processed(worker_app: WorkerApp) -> None:
    params = {**twilio_fixture("whatsapp_text"), "MessageSid": "SM" + "a" * 32}
    response = worker_app.channels.post_twilio("/webhooks/twilio/whatsapp", params)
    assert response.status_code == 200  # the in-process app of the fixture: inline processing
    # The worker app acknowledges before processing.
    params = {**twilio_fixture("whatsapp_text"), "MessageSid": "SM" + "b" * 32}
    signature = worker_app.channels.sign("/webhooks/twilio/whatsapp", params)
    from urllib.parse import urlencode

    response = worker_app.client.post(
        "/webhooks/twilio/whatsapp",
        content=urlencode(params).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )
    assert response.status_code == 200
    pending = [r for r in worker_app.rows() if r.status == InboxStatus.PENDING]
    assert [r.external_message_id for r in pending] == ["SM" + "b" * 32]
    assert worker_app.process() == 1
    assert all(r.status == InboxStatus.DONE for r in worker_app.rows())
    replies = {r.payload["reply_to"] for r in outbox_rows(worker_app.runtime, Channel.WHATSAPP)}
    assert replies == {"SM" + "a" * 32, "SM" + "b" * 32}


@BOTH_BACKENDS
def test_one_chat_is_processed_in_order_one_update_at_a_time(worker_app: WorkerApp) -> None:
    for update_id, chat in ((900010, 7010), (900011, 7010), (900012, 7011), (900013, 7010)):
        assert worker_app.post_telegram(_text(update_id, chat)).status_code == 200
    now = datetime.now(UTC)
    with worker_app.runtime.sessions() as db, db.begin():
        first = service.claim(db, now=now, limit=10, lease_seconds=60)
    # One per chat, the oldest: 900010 of 7010 and 900012 of 7011.
    assert [(c.chat_id, json.loads(c.payload)["update_id"]) for c in first] == [
        ("7010", 900010),
        ("7011", 900012),
    ]
    with worker_app.runtime.sessions() as db, db.begin():
        # A second processor: 7010's next update waits while its first is held.
        assert service.claim(db, now=now, limit=10, lease_seconds=60) == []
    # The held rows are processed by their holder; then 7010 continues, in order.
    processor = InboxProcessor(worker_app.runtime)
    assert asyncio.run(_process_claims(processor, first)) == 2
    order = []
    while True:
        with worker_app.runtime.sessions() as db, db.begin():
            claims = service.claim(db, now=now, limit=10, lease_seconds=60)
        if not claims:
            break
        order += [json.loads(c.payload)["update_id"] for c in claims]
        assert len(claims) == 1
        asyncio.run(_process_claims(processor, claims))
    assert order == [900011, 900013]
    assert {r.status for r in worker_app.rows()} == {InboxStatus.DONE}


async def _process_claims(processor: InboxProcessor, claims: list[service.Claimed]) -> int:
    from bot.inbox.processor import _Item, decode

    items = [_Item(c, decode(c, None)) for c in claims]
    return await asyncio.to_thread(processor._handle_all, items)


@BOTH_BACKENDS
def test_a_taken_over_claim_is_not_processed_twice(worker_app: WorkerApp) -> None:
    """A processor whose lease ran out (stalled, not dead) finds the row is someone else's."""
    assert worker_app.post_telegram(_text(900020, 7020)).status_code == 200
    start = datetime.now(UTC)
    with worker_app.runtime.sessions() as db, db.begin():
        [stalled] = service.claim(db, now=start, limit=10, lease_seconds=1)
    later = start + timedelta(seconds=5)
    with worker_app.runtime.sessions() as db, db.begin():
        [taker] = service.claim(db, now=later, limit=10, lease_seconds=60)
    assert taker.id == stalled.id and taker.token != stalled.token and taker.attempts == 2
    processor = InboxProcessor(worker_app.runtime)
    assert asyncio.run(_process_claims(processor, [stalled])) == 0  # fenced: not ours
    assert outbox_rows(worker_app.runtime) == []
    assert asyncio.run(_process_claims(processor, [taker])) == 1
    replies = len(outbox_rows(worker_app.runtime))
    assert replies >= 1
    assert asyncio.run(_process_claims(processor, [stalled])) == 0
    assert len(outbox_rows(worker_app.runtime)) == replies


@BOTH_BACKENDS
def test_an_update_that_keeps_failing_is_set_aside_and_the_chat_moves_on(
    worker_app: WorkerApp, caplog: pytest.LogCaptureFixture
) -> None:
    """An update the pipeline refuses every time (a chat id longer than the column, stored here
    directly: Telegram's ids are numbers) is retried, then dead; the chat's next update is
    processed after it, never before, and never held for ever."""
    settings = worker_app.runtime.settings.model_copy(update={"inbox_max_attempts": 2})
    rt = factories.runtime(settings, worker_app.runtime.engine, worker_app.runtime.clock)
    bad = _text(900030, 7030)
    bad["message"]["chat"]["id"] = int("9" * 130)
    now = datetime.now(UTC)
    with rt.sessions() as db, db.begin():
        service.store(
            db,
            [
                service.Incoming(Channel.TELEGRAM, "900030", "7030", json.dumps(bad), now),
                service.Incoming(
                    Channel.TELEGRAM, "900031", "7030", json.dumps(_text(900031, 7030)), now
                ),
            ],
        )
    app = WorkerApp(worker_app.channels, worker_app.client, rt)
    processor = InboxProcessor(rt)
    assert asyncio.run(processor.run_once()) == 1  # only the first: the second waits behind it
    first, second = app.rows()
    assert first.status == InboxStatus.PENDING and first.attempts == 1 and first.last_error
    assert second.status == InboxStatus.PENDING and second.attempts == 0
    with caplog.at_level("ERROR"):
        app.process(processor)
    first, second = app.rows()
    assert first.status == InboxStatus.DEAD and first.attempts == 2
    assert first.payload  # kept for a person to look at
    assert second.status == InboxStatus.DONE
    assert any("set aside as dead" in r.getMessage() for r in caplog.records)
    assert {r.payload["reply_to"] for r in outbox_rows(rt)} == {"900031"}
    health = worker_app.client.get("/health").json()
    assert health["inbox"]["dead"] == 1 and health["inbox"]["pending"] == 0


def test_an_unreadable_stored_update_is_set_aside_at_once(worker_app: WorkerApp) -> None:
    with worker_app.runtime.sessions() as db, db.begin():
        service.store(
            db,
            [service.Incoming(Channel.TELEGRAM, "1", "5", "{not json", datetime.now(UTC))],
        )
    worker_app.process()
    [row] = worker_app.rows()
    assert row.status == InboxStatus.DEAD and row.attempts == 1
    assert "Unreadable" in (row.last_error or "")


def test_a_row_whose_processor_keeps_dying_is_set_aside(worker_app: WorkerApp) -> None:
    """Claimed max-attempts times and never finished (a crash no except could catch)."""
    with worker_app.runtime.sessions() as db, db.begin():
        service.store(
            db,
            [service.Incoming(Channel.TELEGRAM, "900040", "7040",
                              json.dumps(_text(900040, 7040)), datetime.now(UTC))],
        )  # fmt: skip
    now = datetime.now(UTC)
    attempts = worker_app.runtime.settings.inbox_max_attempts
    for n in range(attempts):  # each claim's processor "dies": the lease simply runs out
        with worker_app.runtime.sessions() as db, db.begin():
            assert service.claim(db, now=now + timedelta(minutes=2 * n), limit=5, lease_seconds=60)
    with worker_app.runtime.sessions() as db, db.begin():
        later = now + timedelta(minutes=2 * attempts)
        assert service.bury_abandoned(db, now=later, max_attempts=attempts) != []
        assert service.claim(db, now=later, limit=5, lease_seconds=60) == []
    [row] = worker_app.rows()
    assert row.status == InboxStatus.DEAD


def test_health_shows_the_backlog_and_is_degraded_when_it_is_stale(
    worker_app: WorkerApp,
) -> None:
    client = worker_app.client
    assert client.get("/health").json()["inbox"] == {
        "pending": 0,
        "oldest_age_seconds": 0.0,
        "dead": 0,
    }
    assert worker_app.post_telegram(_text(900050, 7050)).status_code == 200
    body = client.get("/health").json()
    assert body["inbox"]["pending"] == 1 and "stale" not in body["inbox"]
    # The same backlog, ten minutes old: nobody is processing it.
    client.app.state.webhook_clock = lambda: datetime.now(UTC) - timedelta(minutes=10)  # type: ignore[attr-defined]
    assert worker_app.post_telegram(_text(900051, 7051)).status_code == 200
    body = client.get("/health").json()
    assert body["inbox"]["pending"] == 2 and body["inbox"]["stale"] is True
    assert body["inbox"]["oldest_age_seconds"] >= 590
    assert body["status"] == "degraded"
    worker_app.process()
    body = client.get("/health").json()
    assert body["inbox"]["pending"] == 0 and "stale" not in body["inbox"]


def test_an_app_without_a_processor_processes_its_own_updates_before_answering(
    channels: Channels,
) -> None:
    """The in-process app of the tests (no worker configured): the reply rows exist when the
    200 arrives, and the inbox row is done, through the same processor code."""
    response = channels.post_telegram(_text(900060, 7060))
    assert response.status_code == 200
    assert outbox_rows(channels.runtime)
    with channels.runtime.sessions() as db:
        assert db.scalar(select(InboxUpdate.status)) == InboxStatus.DONE
