"""Bad and unusual input, duplicates, concurrency, limits and restarts: never an error, never
twice, always a polite answer."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bot.inbound import InboundKind
from bot.messages import id as id_catalogue
from bot.pipeline import PipelineResult, process_inbound
from reports.db import make_engine
from reports.enums import Channel, Status
from reports.models import (
    Citizen,
    CitizenIdentity,
    Conversation,
    InboundReceipt,
    OutboxMessage,
    Report,
    ReportMessage,
)
from reports.runtime import Runtime
from tests.bot.conftest import Chat, complete, make_runtime, sqlite_only, templates
from tests.bot.test_followup import file_report, report_of, request_info

STORY = "Jalan di Jl. Melati No. 5 rusak parah dan berlubang sejak sebulan, sudah ada motor jatuh."
postgres_only = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def count(runtime: Runtime, model: type) -> int:
    with runtime.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_a_redelivered_message_has_one_effect(chat: Chat) -> None:
    chat.send(STORY)
    chat.send("lewati")
    chat.send("1")
    confirm = chat.message(InboundKind.TEXT, text="ya", external_message_id="update-777")
    assert templates(chat.deliver(confirm)) == ["report_received"]
    assert chat.deliver(confirm) == []  # the provider retried: nothing new
    assert chat.results[-1] == PipelineResult(duplicate=True, replies=0)
    assert len(chat.reports()) == 1
    with chat.runtime.sessions() as db:
        receipts = db.scalar(
            select(func.count()).where(InboundReceipt.external_message_id == "update-777")
        )
    assert receipts == 1


def test_replies_are_outbox_rows_with_idempotency_keys(chat: Chat) -> None:
    chat.send("halo", external_message_id="m-1")
    with chat.runtime.sessions() as db:
        row = db.scalar(select(OutboxMessage))
        assert row is not None
        assert row.idempotency_key == "in:web:m-1:0"
        assert row.payload["reply_to"] == "m-1"
        assert row.payload["buttons"][0] == {"label": "Buat laporan", "data": "m:report"}
        assert row.status.value == "pending" and row.citizen_id is not None
        identity = db.scalar(select(CitizenIdentity))
        assert identity is not None and identity.last_inbound_at == chat.now - timedelta(seconds=5)


def test_nul_bytes_huge_emoji_and_right_to_left_text(chat: Chat) -> None:
    out = chat.send("halo\x00\x00 min\x07")
    assert templates(out) == ["bot:welcome"]
    huge = ("Jalan di depan rumah saya rusak parah. " * 3000)[:100_000]
    out = chat.send(huge)
    assert out[0].template == "bot:truncated" and "4000" in out[0].body
    assert len(out) == 2  # and the conversation goes on
    chat.send("batal")
    out = chat.send("🚧🚧 Jalan rusak parah di depan sekolah 🏫 sejak minggu lalu مرحبا بكم שלום")
    assert out and out[0].template.startswith("bot:ask_")
    complete(chat, out)
    [report] = chat.reports()
    assert "🏫" in report.body and "مرحبا" in report.body and "שלום" in report.body
    assert templates(chat.send("👍")) == ["bot:not_understood"]
    assert templates(chat.send("   ")) == ["bot:not_understood"]


@sqlite_only
def test_stickers_voice_edits_and_unknown_kinds_are_answered_and_keep_the_draft(
    chat: Chat,
) -> None:
    chat.send(STORY)
    for kind, template in (
        (InboundKind.STICKER, "bot:sticker"),
        (InboundKind.VOICE, "bot:voice"),
        (InboundKind.EDITED, "bot:edited"),
        (InboundKind.UNSUPPORTED, "bot:unsupported"),
        (InboundKind.LOCATION, "bot:unsupported"),  # a location without coordinates
    ):
        assert templates(chat.deliver(chat.message(kind))) == [template]
    assert chat.send("lewati")[0].template == "bot:ask_privacy"  # the draft survived


@sqlite_only
def test_unknown_buttons_and_forged_payloads(chat: Chat) -> None:
    assert chat.press("no-such-button")[0].template == "bot:not_understood"
    assert chat.press("x" * 500)[0].template == "bot:not_understood"
    assert chat.press("rate:SW-0000-0000:9")[0].template == "bot:not_understood"
    chat.send(STORY)
    # A stale button from an earlier question repeats the current one.
    assert chat.press("type:complaint")[0].template == "bot:ask_attachment"


@sqlite_only
def test_message_flood_is_explained_once(engine: Engine, bot_data_dir: Path) -> None:
    chat = Chat(make_runtime(engine, bot_data_dir, bot_max_messages_per_minute=5))
    start = chat.now
    for i in range(5):
        assert chat.send("halo", now=start + timedelta(seconds=i))
    flood = chat.send("halo", now=start + timedelta(seconds=6))
    assert templates(flood) == ["bot:flood"]
    assert chat.send("halo", now=start + timedelta(seconds=7)) == []  # quiet, not repeated
    assert templates(chat.send("halo", now=start + timedelta(minutes=2))) == ["bot:welcome"]


@sqlite_only
def test_reports_per_day_limit(engine: Engine, bot_data_dir: Path) -> None:
    chat = Chat(make_runtime(engine, bot_data_dir, bot_max_reports_per_day=1))
    complete(chat, chat.send(STORY))
    out = chat.send("Lampu jalan di Jl. Kenanga mati total sejak seminggu, gelap sekali.")
    assert templates(out) == ["bot:daily_limit"] and "1 laporan" in out[0].body
    assert len(chat.reports()) == 1
    chat.now += timedelta(days=1)
    assert chat.send("Lampu jalan di Jl. Kenanga mati total sejak seminggu.")[0].template == (
        "bot:ask_attachment"
    )


def test_state_survives_a_restart(chat: Chat, engine: Engine, bot_data_dir: Path) -> None:
    chat.send(STORY)
    # A new process: new runtime, new engine, nothing shared in memory.
    other = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        restarted = Chat(make_runtime(other, bot_data_dir), user=chat.user)
        restarted.now = chat.now
        restarted.last_id = chat.last_id
        assert restarted.send("lewati")[0].template == "bot:ask_privacy"
    finally:
        other.dispose()


@postgres_only
def test_concurrent_duplicates_and_first_messages_on_postgresql(runtime: Runtime) -> None:
    """Two workers get the same update, and a new contact's two first messages, at once."""
    barrier = threading.Barrier(4)
    results: list[PipelineResult] = []
    errors: list[BaseException] = []
    now = Chat(runtime).now

    def deliver(message_id: str) -> None:
        try:
            barrier.wait()
            chat = Chat(runtime, user="tg-555", channel=Channel.TELEGRAM)
            message = chat.message(InboundKind.TEXT, text="halo", external_message_id=message_id)
            with runtime.sessions() as db, db.begin():
                results.append(process_inbound(db, runtime=runtime, message=message, now=now))
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    ids = ["dup", "dup", uuid.uuid4().hex, uuid.uuid4().hex]
    threads = [threading.Thread(target=deliver, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert sorted(r.duplicate for r in results) == [False, False, False, True]
    assert count(runtime, Citizen) == 1
    assert count(runtime, Conversation) == 1
    assert count(runtime, InboundReceipt) == 3
    assert count(runtime, OutboxMessage) == 3
    assert count(runtime, Report) == 0


@sqlite_only
def test_a_broken_stored_state_gets_an_apology_and_a_clean_start(chat: Chat) -> None:
    """E.g. a draft written by an older version: the bot apologises instead of failing."""
    chat.send("halo")
    with chat.runtime.sessions() as db, db.begin():
        conversation = db.scalar(select(Conversation))
        assert conversation is not None
        conversation.state = "report_confirm"
        conversation.data = {"draft": {"started_at": chat.now.isoformat(), "body": "x"}}
    out = chat.press("confirm:send")
    assert templates(out) == ["bot:internal_error"]
    assert chat.results[-1].duplicate is False
    assert chat.reports() == []
    with chat.runtime.sessions() as db:
        conversation = db.scalar(select(Conversation))
        assert conversation is not None and conversation.state == "idle"
    assert templates(chat.send("halo")) == ["bot:welcome"]


@sqlite_only
def test_an_old_draft_expires(chat: Chat) -> None:
    chat.send(STORY)
    chat.now += timedelta(hours=25)
    out = chat.send("lewati")
    assert templates(out)[0] == "bot:draft_expired"
    assert chat.send("lewati")[0].template == "bot:not_understood"


def test_an_engine_failure_after_a_domain_write_undoes_it_and_keeps_the_receipt(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The citizen's answer is recorded by the domain, then the reply text fails to render (a
    translator's typo in the catalogue): the answer is rolled back with the engine's savepoint,
    the message is still received once, and the citizen is asked to try again."""
    code = file_report(chat)
    request_info(chat, code)
    chat.inbox()
    threads_before = count(chat.runtime, ReportMessage)
    monkeypatch.setitem(id_catalogue.MESSAGES, "info_sent", "{a_placeholder_nobody_fills}")
    answer = chat.message(
        InboundKind.TEXT,
        text="Di sisi kiri jalan, dekat tiang listrik nomor 12.",
        external_message_id="update-broken",
    )
    assert templates(chat.deliver(answer)) == ["bot:internal_error"]
    assert report_of(chat, code).status is Status.INFO_REQUESTED
    assert count(chat.runtime, ReportMessage) == threads_before
    assert chat.deliver(answer) == []  # a redelivery does not fail (or apologise) again
    assert chat.results[-1].duplicate is True
    monkeypatch.undo()
    # Our last message is now the apology, so the bot asks what the text is for.
    assert templates(chat.send("Di sisi kiri jalan, dekat tiang listrik nomor 12.")) == [
        "bot:which_report"
    ]
    assert "bot:info_sent" in templates(chat.press(f"pick:{code}"))
    assert report_of(chat, code).status is not Status.INFO_REQUESTED


@sqlite_only
def test_a_failure_before_any_database_work_still_gets_an_apology(chat: Chat) -> None:
    """A flood window written by an older version breaks the engine before it reads anything:
    no savepoint was needed, the bookkeeping is dropped, and the next message works."""
    chat.send("halo")
    with chat.runtime.sessions() as db, db.begin():
        conversation = db.scalar(select(Conversation))
        assert conversation is not None
        conversation.data = {"recent": ["not a timestamp"]}
    assert templates(chat.send("halo")) == ["bot:internal_error"]
    assert chat.results[-1].duplicate is False
    assert templates(chat.send("halo")) == ["bot:welcome"]


@postgres_only
@pytest.mark.parametrize("known", [True, False], ids=["returning-contact", "first-contact"])
def test_one_contact_is_never_processed_twice_at_once(runtime: Runtime, known: bool) -> None:
    """While one transaction processes a contact's message, the contact's next message waits
    for its commit (the conversation upsert holds the row lock, or the unique key for a
    contact's very first message) instead of running on the same state."""
    chat = Chat(runtime, user="tg-77", channel=Channel.TELEGRAM)
    if known:
        chat.send("halo")
    holding = threading.Event()
    release = threading.Event()
    finished: list[float] = []
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with runtime.sessions() as db, db.begin():
                message = chat.message(InboundKind.TEXT, text="halo")
                process_inbound(db, runtime=runtime, message=message, now=chat.now)
                holding.set()
                release.wait(10)
        except BaseException as exc:  # re-raised in the test thread
            errors.append(exc)
            holding.set()

    def second() -> None:
        try:
            holding.wait(10)
            with runtime.sessions() as db, db.begin():
                message = chat.message(InboundKind.TEXT, text="menu")
                process_inbound(db, runtime=runtime, message=message, now=chat.now)
            finished.append(time.monotonic())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(10)
    time.sleep(0.5)
    assert finished == []  # still waiting for the first transaction
    released_at = time.monotonic()
    release.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert finished and finished[0] >= released_at
    assert count(runtime, Conversation) == 1
    assert count(runtime, Citizen) == 1
