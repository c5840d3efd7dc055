"""The outbox sender against the fake providers: parts, pacing, retries, leases, templates."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from bot.channels import Sent
from bot.channels.whatsapp import MAX_TEXT, WhatsAppSender
from bot.delivery import outbox
from bot.delivery.sender import OutboxWorker
from bot.delivery.worker import build_senders
from reports import citizen_cases, notify
from reports.enums import Channel, OutboxStatus, RecipientKind
from reports.models import CitizenIdentity, OutboxMessage
from reports.runtime import Runtime
from tests.channels.conftest import BOTH_BACKENDS, Channels
from tests.channels.helpers import drain, outbox_rows
from tests.processes import free_port


def queue_row(
    runtime: Runtime,
    *,
    channel: Channel = Channel.TELEGRAM,
    address: str = "5550001",
    body: str = "Halo",
    buttons: list[dict[str, str]] | None = None,
    template: str = "bot:test",
    recipient: RecipientKind = RecipientKind.CITIZEN,
    last_inbound: datetime | None = None,
    now: datetime | None = None,
) -> int:
    now = now or datetime.now(UTC)
    with runtime.sessions() as db, db.begin():
        citizen_id = None
        if recipient is RecipientKind.CITIZEN:
            citizen = citizen_cases.get_or_create_citizen(
                db, channel=channel, external_id=address, now=now
            )
            citizen_id = citizen.id
            identity = db.scalar(
                select(CitizenIdentity).where(
                    CitizenIdentity.channel == channel, CitizenIdentity.external_id == address
                )
            )
            assert identity is not None
            identity.last_inbound_at = last_inbound
        payload: dict[str, Any] = {"template": template.removeprefix("bot:")}
        if buttons:
            payload["buttons"] = buttons
        row = notify.queue(
            db,
            key=uuid.uuid4().hex,
            recipient_kind=recipient,
            channel=channel,
            address=address,
            template=template,
            body=body,
            now=now,
            citizen_id=citizen_id,
            payload=payload,
        )
        assert row is not None
        db.flush()
        return row.id


def drain_until_done(runtime: Runtime, timeout: float = 20.0) -> None:
    """Run the worker (real time) until no row is pending or sending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        drain(runtime, rounds=5)
        open_rows = [
            r
            for r in outbox_rows(runtime)
            if r.status in (OutboxStatus.PENDING, OutboxStatus.SENDING)
            and r.channel is not Channel.WEB
        ]
        if not open_rows:
            return
        time.sleep(0.1)
    raise AssertionError("outbox did not drain")


def _row(runtime: Runtime, row_id: int) -> OutboxMessage:
    with runtime.sessions() as db:
        row = db.get(OutboxMessage, row_id)
        assert row is not None
        return row


# -- content ------------------------------------------------------------------------------------


def test_long_text_goes_out_in_parts_with_buttons_on_the_last(channels: Channels) -> None:
    body = ("Tanggapan dinas atas laporan Anda sangat panjang. " * 60 + "\n\n") * 3
    buttons = [{"label": "Puas", "data": "fb:accept"}, {"label": "Tanggapi", "data": "fb:reply"}]
    row_id = queue_row(channels.runtime, body=body, buttons=buttons)
    drain(channels.runtime)
    sent = channels.telegram.sent
    assert len(sent) == 3 and all(len(m["text"]) <= 4096 for m in sent)
    assert " ".join(m["text"] for m in sent).split() == body.split()
    assert [m["reply_markup"] is not None for m in sent] == [False, False, True]
    row = _row(channels.runtime, row_id)
    assert row.status is OutboxStatus.SENT and row.payload["delivery"]["parts_sent"] == 3


def test_whatsapp_buttons_become_a_numbered_list(channels: Channels) -> None:
    queue_row(
        channels.runtime,
        channel=Channel.WHATSAPP,
        address="+6281234567890",
        body="Pilih jenis laporan",
        last_inbound=datetime.now(UTC),
        buttons=[{"label": "Pengaduan", "data": "t:c"}, {"label": "Aspirasi", "data": "t:a"}],
    )
    drain(channels.runtime)
    [message] = channels.twilio.messages
    assert message["Body"].endswith("Balas dengan nomor pilihan Anda:\n1. Pengaduan\n2. Aspirasi")


def test_web_rows_are_left_for_the_chat_page(channels: Channels) -> None:
    row_id = queue_row(channels.runtime, channel=Channel.WEB, address="session-1")
    assert drain(channels.runtime).claimed == 0
    assert _row(channels.runtime, row_id).status is OutboxStatus.PENDING


# -- the WhatsApp 24-hour rule --------------------------------------------------------------------


def test_outside_24_hours_an_approved_template_is_used(channels: Channels) -> None:
    now = datetime.now(UTC)
    inside = queue_row(
        channels.runtime,
        channel=Channel.WHATSAPP,
        address="+6281111111111",
        body="Balasan biasa",
        last_inbound=now - timedelta(hours=23),
    )
    outside = queue_row(
        channels.runtime,
        channel=Channel.WHATSAPP,
        address="+6282222222222",
        body="Tanggapan Dinas PU:\n\nJalan\tsudah diperbaiki.",
        template="agency_answer",
        last_inbound=now - timedelta(days=4),
    )
    drain(channels.runtime)
    by_to = {m["To"]: m for m in channels.twilio.messages}
    assert by_to["whatsapp:+6281111111111"]["Body"] == "Balasan biasa"
    templated = by_to["whatsapp:+6282222222222"]
    sid = channels.settings.whatsapp_templates["agency_answer"].content_sid
    assert templated["ContentSid"] == sid and "Body" not in templated
    variables = json.loads(templated["ContentVariables"])
    assert variables["2"] == "Tanggapan Dinas PU: Jalan sudah diperbaiki."  # one line, no tabs
    for row_id in (inside, outside):
        assert _row(channels.runtime, row_id).status is OutboxStatus.SENT


def test_outside_24_hours_without_any_template_fails_visibly(channels: Channels) -> None:
    runtime = channels.runtime_with(whatsapp_templates={})
    row_id = queue_row(
        runtime,
        channel=Channel.WHATSAPP,
        address="+6283333333333",
        body="x",
        template="agency_answer",
        last_inbound=datetime.now(UTC) - timedelta(days=2),
    )
    drain(runtime)
    row = _row(runtime, row_id)
    assert row.status is OutboxStatus.FAILED and "24-hour" in (row.last_error or "")
    assert not channels.twilio.messages


# -- failures and retries -------------------------------------------------------------------------


@pytest.mark.slow  # waits on real retry and lease timers (seconds); make test runs it
@BOTH_BACKENDS
def test_outage_502_and_429_every_message_delivered_exactly_once(channels: Channels) -> None:
    texts = [f"Pesan {i} untuk chat {i % 4}" for i in range(12)]
    for i, text in enumerate(texts):
        queue_row(channels.runtime, address=str(7000 + i % 4), body=text)
    for i in range(4):
        queue_row(
            channels.runtime,
            channel=Channel.WHATSAPP,
            address=f"+62811000000{i}",
            body=f"WA {i}",
            last_inbound=datetime.now(UTC),
        )
    channels.telegram.fail_next(5, "502")
    channels.telegram.fail_next(2, "429", retry_after=1)
    channels.twilio.fail_next(3, "502")
    channels.twilio.fail_next(1, "429", retry_after=1)
    started = time.monotonic()
    drain_until_done(channels.runtime)
    assert channels.telegram.failed_calls == 7 and channels.twilio.failed_calls == 4
    assert channels.telegram.texts() == {t: 1 for t in texts}
    assert channels.twilio.bodies() == {f"WA {i}": 1 for i in range(4)}
    assert time.monotonic() - started >= 1.0  # retry_after was honoured
    rows = outbox_rows(channels.runtime)
    assert all(r.status is OutboxStatus.SENT for r in rows)
    assert any(r.attempts > 1 for r in rows)
    # Each chat's messages arrived in the order they were queued.
    for chat in range(4):
        got = [m["text"] for m in channels.telegram.sent if m["chat_id"] == str(7000 + chat)]
        assert got == [t for t in texts if t.endswith(f"chat {chat}")]


def test_a_part_is_never_sent_twice_when_a_later_part_fails(channels: Channels) -> None:
    body = "\n\n".join(f"Bagian {i}: " + "kata " * 600 for i in range(3))
    queue_row(channels.runtime, body=body)

    async def first_part_then_outage() -> None:
        worker = OutboxWorker(channels.runtime, build_senders(channels.runtime))
        original = worker.senders[Channel.TELEGRAM].send
        calls = 0

        async def flaky(message: Any, part: str, *, last: bool) -> Any:
            nonlocal calls
            calls += 1
            if calls == 2:
                channels.telegram.fail_next(1, "502")
            return await original(message, part, last=last)

        worker.senders[Channel.TELEGRAM].send = flaky  # type: ignore[method-assign]
        await worker.run_once()
        await worker.aclose()

    asyncio.run(first_part_then_outage())
    assert len(channels.telegram.sent) == 1
    time.sleep(0.6)
    drain_until_done(channels.runtime)
    texts = [m["text"] for m in channels.telegram.sent]
    assert len(texts) == 3 and [t.split(":")[0] for t in texts] == [
        "Bagian 0",
        "Bagian 1",
        "Bagian 2",
    ]


def test_retry_budget_spent_marks_the_row_failed(channels: Channels) -> None:
    runtime = channels.runtime_with(outbox_retry_budget_seconds=1)
    row_id = queue_row(runtime, body="tidak akan sampai")
    channels.telegram.fail_next(1000, "502")
    drain_until_done(runtime, timeout=15)
    row = _row(runtime, row_id)
    assert row.status is OutboxStatus.FAILED and row.attempts >= 2
    assert "unavailable" in (row.last_error or "")
    assert not channels.telegram.sent


def test_permanent_refusal_fails_at_once(channels: Channels) -> None:
    row_id = queue_row(
        channels.runtime,
        channel=Channel.WHATSAPP,
        address="12345",
        body="x",
        recipient=RecipientKind.STAFF,
    )
    drain(channels.runtime)
    row = _row(channels.runtime, row_id)
    assert (
        row.status is OutboxStatus.FAILED
        and row.attempts == 1
        and "21211" in (row.last_error or "")
    )


@BOTH_BACKENDS
def test_expired_lease_is_reclaimed_and_a_live_one_is_not(channels: Channels) -> None:
    now = datetime.now(UTC)
    crashed = queue_row(channels.runtime, address="8001", body="worker mati")
    busy = queue_row(channels.runtime, address="8002", body="worker lain masih mengirim")
    with channels.runtime.sessions() as db, db.begin():
        for row_id, until in (
            (crashed, now - timedelta(seconds=1)),
            (busy, now + timedelta(minutes=5)),
        ):
            row = db.get(OutboxMessage, row_id)
            assert row is not None
            row.status, row.locked_until, row.attempts = OutboxStatus.SENDING, until, 1
    drain(channels.runtime)
    assert channels.telegram.texts() == {"worker mati": 1}
    assert _row(channels.runtime, busy).status is OutboxStatus.SENDING


def _crashed_whatsapp_send(
    channels: Channels, body: str, *, reached_twilio: bool
) -> tuple[int, Sent | None]:
    """A worker claims a WhatsApp row, (maybe) gets it accepted by Twilio, then dies before it
    records anything; its lease has run out since."""
    row_id = queue_row(
        channels.runtime,
        channel=Channel.WHATSAPP,
        address="+6281200000001",
        body=body,
        last_inbound=datetime.now(UTC),
    )
    with channels.runtime.sessions() as db, db.begin():
        [claim] = outbox.claim(
            db,
            now=datetime.now(UTC),
            channels={Channel.WHATSAPP: MAX_TEXT},
            limit=10,
            lease_seconds=channels.settings.outbox_lease_seconds,
            settings=channels.settings,
        )
    sent = None
    if reached_twilio:
        sender = WhatsAppSender(channels.settings)
        sent = asyncio.run(sender.send(claim.outgoing, claim.parts[0], last=True))
    with channels.runtime.sessions() as db, db.begin():
        row = db.get(OutboxMessage, row_id)
        assert row is not None and row.status is OutboxStatus.SENDING
        row.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    return row_id, sent


@BOTH_BACKENDS
def test_a_whatsapp_send_cut_off_by_a_crash_is_looked_up_not_repeated(channels: Channels) -> None:
    row_id, sent = _crashed_whatsapp_send(channels, "Jawaban instansi", reached_twilio=True)
    assert sent is not None
    drain(channels.runtime)
    assert channels.twilio.bodies() == {"Jawaban instansi": 1}
    assert channels.twilio.list_calls == 1
    row = _row(channels.runtime, row_id)
    assert row.status is OutboxStatus.SENT
    assert row.provider_message_id == sent.provider_message_id


@BOTH_BACKENDS
def test_a_crash_before_twilio_had_the_message_sends_it_once(channels: Channels) -> None:
    row_id, _ = _crashed_whatsapp_send(channels, "Jawaban instansi", reached_twilio=False)
    drain(channels.runtime)
    assert channels.twilio.bodies() == {"Jawaban instansi": 1}
    assert channels.twilio.list_calls == 1  # looked up first, found nothing, then sent
    assert _row(channels.runtime, row_id).status is OutboxStatus.SENT


@BOTH_BACKENDS
def test_a_lookup_never_takes_another_rows_message_with_the_same_text(channels: Channels) -> None:
    """The same prompt may rightly go to one person twice: the first one's message, already
    recorded on its own row, is not mistaken for the crashed second one."""
    first = queue_row(
        channels.runtime,
        channel=Channel.WHATSAPP,
        address="+6281200000001",
        body="Balas 1, 2 atau 3",
        last_inbound=datetime.now(UTC),
    )
    drain(channels.runtime)
    assert _row(channels.runtime, first).status is OutboxStatus.SENT
    second, _ = _crashed_whatsapp_send(channels, "Balas 1, 2 atau 3", reached_twilio=False)
    drain(channels.runtime)
    assert channels.twilio.bodies() == {"Balas 1, 2 atau 3": 2}
    rows = [_row(channels.runtime, first), _row(channels.runtime, second)]
    assert all(r.status is OutboxStatus.SENT for r in rows)
    assert rows[0].provider_message_id != rows[1].provider_message_id


@pytest.mark.slow  # waits on real retry and lease timers (seconds); make test runs it
def test_a_timed_out_whatsapp_send_that_arrived_is_not_repeated(channels: Channels) -> None:
    """Twilio accepts the message but answers after our timeout: the next attempt finds it."""
    runtime = channels.runtime_with(twilio_timeout_seconds=0.5)
    row_id = queue_row(
        runtime,
        channel=Channel.WHATSAPP,
        address="+6281200000002",
        body="Mohon lengkapi lokasi",
        last_inbound=datetime.now(UTC),
    )
    channels.twilio.fail_next(1, "stall", retry_after=2)
    drain_until_done(runtime)
    assert channels.twilio.failed_calls == 1 and channels.twilio.list_calls == 1
    assert channels.twilio.bodies() == {"Mohon lengkapi lokasi": 1}
    row = _row(runtime, row_id)
    assert row.status is OutboxStatus.SENT and row.attempts == 2
    assert row.provider_message_id == channels.twilio.messages[0]["sid"]


@pytest.mark.slow  # waits on real retry and lease timers (seconds); make test runs it
@BOTH_BACKENDS
def test_two_workers_at_once_deliver_each_row_once(channels: Channels) -> None:
    texts = [f"paralel {i}" for i in range(30)]
    for i, text in enumerate(texts):
        queue_row(channels.runtime, address=str(9000 + i), body=text)
    runtime = channels.runtime_with(outbox_batch_size=5)
    threads = [threading.Thread(target=drain, args=(runtime,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert channels.telegram.texts() == {t: 1 for t in texts}


def test_same_chat_is_paced(channels: Channels) -> None:
    # The sender spaces its own sends by 0.5 s; the fake server stamps each request when it
    # arrives, which a loaded machine can delay by a scheduler slice or two. Unpaced sends arrive
    # milliseconds apart, so a 0.35 s floor still tells the two apart without timing the machine.
    runtime = channels.runtime_with(telegram_chat_interval_seconds=0.5)
    for i in range(3):
        queue_row(runtime, address="6001", body=f"urutan {i}")
    drain(runtime)
    times = [m["at"] for m in channels.telegram.sent]
    assert len(times) == 3
    assert all(b - a >= 0.35 for a, b in itertools.pairwise(times)), times


# -- e-mail ---------------------------------------------------------------------------------------


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def test_staff_email_goes_through_smtp(channels: Channels) -> None:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        runtime = channels.runtime_with(
            smtp_host="127.0.0.1", smtp_port=port, smtp_from="noreply@suarawarga.example"
        )
        row_id = queue_row(
            runtime,
            channel=Channel.EMAIL,
            address="verifikator@dinas.example",
            body="Pengingat: laporan harus diverifikasi.",
            template="staff_reminder",
            recipient=RecipientKind.STAFF,
        )
        drain(runtime)
    finally:
        controller.stop()
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["verifikator@dinas.example"]
    mail = message_from_bytes(envelope.content)
    assert mail["Subject"] == "[SuaraWarga] Pemberitahuan"
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert "Pengingat: laporan harus diverifikasi." in payload.decode()
    row = _row(runtime, row_id)
    assert row.status is OutboxStatus.SENT and row.provider_message_id == "".join(
        mail["Message-ID"].split()
    )


def test_smtp_down_is_retried_not_lost(channels: Channels) -> None:
    runtime = channels.runtime_with(smtp_host="127.0.0.1", smtp_port=free_port())
    row_id = queue_row(
        runtime,
        channel=Channel.EMAIL,
        address="kepala@dinas.example",
        body="Eskalasi",
        recipient=RecipientKind.STAFF,
    )
    drain(runtime, rounds=1)
    row = _row(runtime, row_id)
    assert row.status is OutboxStatus.PENDING and "smtp unavailable" in (row.last_error or "")


@pytest.mark.parametrize("channel", [Channel.TELEGRAM, Channel.WHATSAPP])
def test_staff_on_telegram_and_whatsapp_use_the_same_senders(
    channels: Channels, channel: Channel
) -> None:
    address = "777001" if channel is Channel.TELEGRAM else "+6285555555555"
    queue_row(
        channels.runtime,
        channel=channel,
        address=address,
        body="ESKALASI tingkat 1",
        template="staff_escalation",
        recipient=RecipientKind.STAFF,
    )
    drain(channels.runtime)
    if channel is Channel.TELEGRAM:
        assert channels.telegram.texts() == {"ESKALASI tingkat 1": 1}
    else:  # staff have no 24-hour window on record: the generic approved template
        [message] = channels.twilio.messages
        assert message["ContentSid"] == channels.settings.whatsapp_templates["default"].content_sid
