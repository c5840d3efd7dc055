"""Issue 12, points 2-6: provider back-off, credentials, lengths and delivery reports.

Against the fake Bot API and Twilio servers, through the real python-telegram-bot and twilio
clients and the real outbox worker. The two-process checks (no row sent twice, the rate across
workers) are in ``test_worker_process.py``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from bot.channels import Outgoing, TransientError, split_text, utf16_units
from bot.channels.whatsapp import WhatsAppSender
from bot.delivery.sender import OutboxWorker
from bot.delivery.worker import build_senders
from escalation.sweep import SWEEP_HEARTBEAT
from reports.enums import Channel, OutboxStatus
from reports.models import Heartbeat, OutboxMessage
from tests.channels.conftest import BOTH_BACKENDS, Channels
from tests.channels.helpers import drain, outbox_rows
from tests.channels.test_sender import drain_until_done, queue_row


def _row(channels: Channels, row_id: int) -> OutboxMessage:
    with channels.runtime.sessions() as db:
        row = db.get(OutboxMessage, row_id)
        assert row is not None
        return row


# -- 2. provider back-off ---------------------------------------------------------------------


@pytest.mark.slow  # waits on real retry and lease timers (seconds); make test runs it
@BOTH_BACKENDS
def test_nothing_goes_out_to_the_bot_during_a_telegram_retry_after(channels: Channels) -> None:
    """Twenty chats queued behind a 10/s limiter; the first send gets 429 retry_after 2. The
    sends already waiting in the limiter used to go out inside the pause (it was checked before
    the limiter's wait); now the pause is checked when the slot is granted."""
    runtime = channels.runtime_with(telegram_rate_per_second=10.0)
    texts = [f"Antrean {i}" for i in range(20)]
    for i, text in enumerate(texts):
        queue_row(runtime, address=str(6100 + i), body=text)
    channels.telegram.fail_next(1, "429", retry_after=2)
    drain_until_done(runtime)
    assert channels.telegram.texts() == {t: 1 for t in texts}
    [(mode, refused_at)] = channels.telegram.refused
    assert mode == "429"
    sent = channels.telegram.sent
    inside = [m["text"] for m in sent if refused_at + 0.2 < m["at"] < refused_at + 1.9]
    assert inside == [], f"{len(inside)} sends inside the 2 s pause"


def test_twilio_retry_after_is_read_and_honoured(channels: Channels) -> None:
    """The header was kept per thread and read on another one: always None."""
    sender = WhatsAppSender(channels.settings)
    message = Outgoing(row_id=1, channel=Channel.WHATSAPP, address="+6281234500001", text="x")
    channels.twilio.fail_next(1, "429", retry_after=7)
    with pytest.raises(TransientError) as caught:
        asyncio.run(sender.send(message, "x", last=True))
    assert caught.value.retry_after == 7.0

    row_id = queue_row(
        channels.runtime,
        channel=Channel.WHATSAPP,
        address="+6281234500002",
        body="Tunggu sebentar",
        last_inbound=datetime.now(UTC),
    )
    channels.twilio.fail_next(1, "429", retry_after=5)
    before = datetime.now(UTC)
    drain(channels.runtime, rounds=1)
    row = _row(channels, row_id)
    assert row.status is OutboxStatus.PENDING
    assert row.next_attempt_at >= before + timedelta(seconds=5)


# -- 4. credentials ------------------------------------------------------------------------------


def _fresh_sweep(channels: Channels) -> None:
    with channels.runtime.sessions() as db, db.begin():
        db.merge(Heartbeat(name=SWEEP_HEARTBEAT, beat_at=datetime.now(UTC), details={}))


def test_a_revoked_telegram_token_pauses_sending_keeps_rows_and_says_so(
    channels: Channels, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram 401: rows wait uncharged, the log and /health say why; once the token is fixed,
    the first probe sends and everything goes out."""
    right = channels.settings.telegram_bot_token.get_secret_value()  # type: ignore[union-attr]
    wrong = channels.runtime_with(
        telegram_bot_token=SecretStr(right.split(":")[0] + ":revoked-token"),
        outbox_credentials_retry_seconds=0.3,
    )
    ids = [queue_row(wrong, address="6201", body=f"Balasan {i}") for i in range(3)]
    _fresh_sweep(channels)
    with caplog.at_level(logging.ERROR, logger="bot.delivery.sender"):
        drain(wrong, rounds=3)
    rows = [_row(channels, i) for i in ids]
    assert all(r.status is OutboxStatus.PENDING for r in rows)  # kept, not failed
    assert all(r.attempts == 0 for r in rows)  # and not charged to the retry budget
    assert "bot token" in (rows[0].last_error or "")
    assert any("refused our credentials" in r.getMessage() for r in caplog.records)
    health = channels.client.get("/health").json()
    assert health["status"] != "ok"
    [(key, problem)] = health["delivery"].items()
    assert key == "telegram:" + right.split(":")[0] and "bot token" in problem

    time.sleep(0.4)  # the probe period of the misconfigured worker
    drain_until_done(channels.runtime)  # the operator fixed the token
    assert channels.telegram.texts() == {f"Balasan {i}": 1 for i in range(3)}
    health = channels.client.get("/health").json()
    assert "delivery" not in health and health["status"] == "ok"


def test_wrong_twilio_credentials_keep_the_rows(channels: Channels) -> None:
    """Twilio 401 used to fail every row permanently (17 replies lost during one wrong SID)."""
    wrong = channels.runtime_with(
        twilio_auth_token=SecretStr("0" * 32), outbox_credentials_retry_seconds=0.3
    )
    row_id = queue_row(
        wrong,
        channel=Channel.WHATSAPP,
        address="+6281234500003",
        body="Laporan Anda diterima",
        last_inbound=datetime.now(UTC),
    )
    drain(wrong, rounds=2)
    row = _row(channels, row_id)
    assert row.status is OutboxStatus.PENDING and "credentials" in (row.last_error or "")
    assert "whatsapp:+14155238886" in channels.client.get("/health").json()["delivery"]
    time.sleep(0.4)
    drain_until_done(channels.runtime)
    assert channels.twilio.bodies() == {"Laporan Anda diterima": 1}


# -- 5. length in the provider's units ---------------------------------------------------------


def test_emoji_are_split_by_utf16_code_units(channels: Channels) -> None:
    """4,000 emoji are 8,000 UTF-16 units: one part was refused and the row failed."""
    body = "🚧" * 4000
    row_id = queue_row(channels.runtime, body=body)
    drain(channels.runtime)
    parts = [m["text"] for m in channels.telegram.sent]
    assert len(parts) == 2 and "".join(parts) == body
    assert all(utf16_units(p) <= 4096 for p in parts)
    assert _row(channels, row_id).status is OutboxStatus.SENT


def test_split_never_cuts_inside_a_surrogate_pair_and_prefers_spaces() -> None:
    text = ("kata 👍🏽 " * 900).strip()
    parts = split_text(text, 1600)
    assert all(utf16_units(p) <= 1600 for p in parts)
    assert " ".join(parts).split() == text.split()


# -- 6. the smaller items ------------------------------------------------------------------------


def _status(channels: Channels, row_id: int, sid: str, status: str, code: str = "") -> int:
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "To": "whatsapp:+6281234500004",
        "From": "whatsapp:+14155238886",
        "AccountSid": channels.settings.twilio_account_sid or "",
        "ApiVersion": "2010-04-01",
    }
    if code:
        params["ErrorCode"] = code
    return int(channels.post_twilio(f"/webhooks/twilio/status?row={row_id}", params).status_code)


def test_undelivered_report_on_any_part_fails_the_row_visibly(channels: Channels) -> None:
    """A long text has a SID per part; a 'failed' report on the second part used to find no row
    (only the first SID was looked up) and the row stayed 'sent'."""
    body = "\n\n".join(f"Bagian {i}: " + "kata " * 250 for i in range(2))
    row_id = queue_row(
        channels.runtime,
        channel=Channel.WHATSAPP,
        address="+6281234500004",
        body=body,
        last_inbound=datetime.now(UTC),
    )
    drain(channels.runtime)
    row = _row(channels, row_id)
    sids = row.payload["delivery"]["provider_ids"]
    assert len(sids) == 2 and row.status is OutboxStatus.SENT
    assert all(m["StatusCallback"].endswith(f"?row={row_id}") for m in channels.twilio.messages)
    assert _status(channels, row_id, sids[1], "undelivered", "30008") == 204
    row = _row(channels, row_id)
    assert row.status is OutboxStatus.FAILED and "undelivered" in (row.last_error or "")
    assert "30008" in (row.last_error or "")


def test_outside_the_window_a_failed_free_text_goes_again_as_the_template(
    channels: Channels,
) -> None:
    """63016: Twilio refused free text after the fact (the window closed meanwhile)."""
    row_id = queue_row(
        channels.runtime,
        channel=Channel.WHATSAPP,
        address="+6281234500005",
        body="Tanggapan dinas",
        template="agency_answer",
        last_inbound=datetime.now(UTC) - timedelta(hours=23, minutes=59),
    )
    drain(channels.runtime)
    [free] = channels.twilio.messages
    assert free["Body"] == "Tanggapan dinas"
    assert _status(channels, row_id, free["sid"], "failed", "63016") == 204
    drain(channels.runtime)
    templated = channels.twilio.messages[-1]
    sid = channels.settings.whatsapp_templates["agency_answer"].content_sid
    assert templated["ContentSid"] == sid
    row = _row(channels, row_id)
    assert row.status is OutboxStatus.SENT and row.provider_message_id == templated["sid"]


def test_the_template_keeps_the_numbered_choices(channels: Channels) -> None:
    queue_row(
        channels.runtime,
        channel=Channel.WHATSAPP,
        address="+6281234500006",
        body="Apakah jawaban ini menyelesaikan masalah Anda?",
        template="agency_answer",
        buttons=[{"label": "Puas", "data": "acc:X"}, {"label": "Tanggapi", "data": "rsp:X"}],
        last_inbound=datetime.now(UTC) - timedelta(days=3),
    )
    drain(channels.runtime)
    [message] = channels.twilio.messages
    text = json.loads(message["ContentVariables"])["2"]
    assert text.endswith("Balas dengan nomor pilihan Anda: 1. Puas 2. Tanggapi")


@pytest.mark.slow  # waits on real retry and lease timers (seconds); make test runs it
def test_one_slow_call_does_not_hold_back_other_recipients(channels: Channels) -> None:
    """The worker used to wait for its whole batch: one call answering late held every row
    claimed after it. Now rows are topped up as recipients finish."""
    runtime = channels.runtime_with(outbox_batch_size=2, telegram_rate_per_second=100.0)
    slow = queue_row(runtime, address="6301", body="lambat")
    for i in range(5):
        queue_row(runtime, address=str(6310 + i), body=f"cepat {i}")
    channels.telegram.fail_next(1, "slow", retry_after=4)
    stop = threading.Event()
    worker = OutboxWorker(runtime, build_senders(runtime))
    thread = threading.Thread(target=lambda: asyncio.run(worker.run(stop)))
    thread.start()
    try:
        deadline = time.monotonic() + 8
        while len(channels.telegram.sent) < 6 and time.monotonic() < deadline:
            time.sleep(0.02)
        slow_status = _row(channels, slow).status
    finally:
        stop.set()
        thread.join(20)
    assert {f"cepat {i}" for i in range(5)} <= set(channels.telegram.texts())
    assert slow_status is OutboxStatus.SENDING  # the others went while its call was open
    assert all(r.status is OutboxStatus.SENT for r in outbox_rows(runtime))
