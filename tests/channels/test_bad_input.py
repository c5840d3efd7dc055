"""Bad input corpus, one case per test: never a 500, and nothing that was accepted is lost.

NUL bytes (refused only by PostgreSQL) and concurrent duplicates run on both backends.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from reports.models import Conversation, InboundReceipt, OutboxMessage
from tests.channels.conftest import BOTH_BACKENDS, Channels, telegram_fixture, twilio_fixture

WA = "/webhooks/twilio/whatsapp"
EMOJI_RTL = "Lampu jalan mati 💡🚧 di depan masjid — مسجد الهدى‎ — שלום 👍🏽 sejak 3 hari"


def _count(channels: Channels, model: Any) -> int:
    with channels.runtime.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _nothing_stored(channels: Channels) -> None:
    assert _count(channels, InboundReceipt) == 0
    assert _count(channels, OutboxMessage) == 0
    assert _count(channels, Conversation) == 0


def _conversation_text(channels: Channels) -> str:
    """Everything the engine kept about the contact (state data and replies), as one string."""
    with channels.runtime.sessions() as db:
        data = [json.dumps(c.data, ensure_ascii=False) for c in db.scalars(select(Conversation))]
        replies = [o.body for o in db.scalars(select(OutboxMessage))]
    return "\n".join(data + replies)


def _draft_body(channels: Channels) -> str:
    """The story the engine keeps for the report it is drafting (what the citizen wrote)."""
    with channels.runtime.sessions() as db:
        (conversation,) = db.scalars(select(Conversation)).all()
        return str(conversation.data["draft"]["body"])


def _reply_templates(channels: Channels) -> list[str]:
    with channels.runtime.sessions() as db:
        return list(db.scalars(select(OutboxMessage.template).order_by(OutboxMessage.id)))


def _accepted(channels: Channels, response: Any) -> None:
    assert response.status_code == 200, response.text
    assert _count(channels, InboundReceipt) == 1
    assert _count(channels, OutboxMessage) >= 1  # the citizen always hears back


# -- Telegram -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[1, 2, 3]",
        b'"just a string"',
        b"\xff\xfe\x00garbage",
        b'{"message": {"text": "no update_id"}}',
        b'{"update_id": "12"}',
    ],
    ids=["truncated", "empty", "array", "string", "binary", "no-update-id", "string-update-id"],
)
def test_telegram_malformed_json_is_400(channels: Channels, body: bytes) -> None:
    assert channels.post_telegram(body).status_code == 400
    _nothing_stored(channels)


def test_telegram_structurally_broken_update_is_400(channels: Channels) -> None:
    update = {"update_id": 5, "message": {"message_id": "x", "text": "hai"}}  # no chat, no date
    assert channels.post_telegram(update).status_code == 400
    _nothing_stored(channels)


def test_telegram_oversized_body_is_413(channels: Channels) -> None:
    update = telegram_fixture("text_message", text="a" * 2_000_000)
    assert channels.post_telegram(update).status_code == 413
    _nothing_stored(channels)


@BOTH_BACKENDS
def test_telegram_nul_bytes_are_stripped_not_fatal(channels: Channels) -> None:
    update = telegram_fixture("text_message", text="Jalan\x00 rusak\x00 di Jl. Mawar\x00 no 3")
    _accepted(channels, channels.post_telegram(update))
    assert "\x00" not in _conversation_text(channels)


def test_telegram_100kb_message_is_accepted(channels: Channels) -> None:
    text = ("Sampah menumpuk di pinggir kali Ciliwung dekat jembatan. " * 1800)[:100_000]
    _accepted(channels, channels.post_telegram(telegram_fixture("text_message", text=text)))


def test_telegram_emoji_and_right_to_left_text_survive(channels: Channels) -> None:
    _accepted(channels, channels.post_telegram(telegram_fixture("text_message", text=EMOJI_RTL)))
    assert _draft_body(channels) == EMOJI_RTL  # every code point kept, in order


def test_telegram_unknown_update_type_is_200(channels: Channels) -> None:
    assert channels.post_telegram(telegram_fixture("future_update_type")).status_code == 200
    _nothing_stored(channels)


def test_telegram_edited_message_gets_a_polite_reply(channels: Channels) -> None:
    _accepted(channels, channels.post_telegram(telegram_fixture("edited_message")))
    assert _reply_templates(channels) == ["bot:edited"]


@BOTH_BACKENDS
def test_telegram_concurrent_duplicates_have_one_effect(channels: Channels) -> None:
    update = telegram_fixture("text_message")
    codes: list[int] = []

    def post() -> None:
        codes.append(channels.post_telegram(update).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 4
    assert _count(channels, InboundReceipt) == 1
    first_replies = _count(channels, OutboxMessage)
    channels.post_telegram(update)
    assert _count(channels, OutboxMessage) == first_replies


# -- Twilio ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\xfd", b"a=1&b", b"%%%", b"==&&=="],
    ids=["binary", "no-equals", "bad-escape", "empty-pairs"],
)
def test_twilio_malformed_form_is_rejected(channels: Channels, body: bytes) -> None:
    response = channels.whatsapp({}, body=body)
    assert response.status_code in (400, 403)
    _nothing_stored(channels)


def test_twilio_signed_form_without_sid_is_400(channels: Channels) -> None:
    params = twilio_fixture("whatsapp_text")
    del params["MessageSid"], params["SmsMessageSid"], params["SmsSid"]
    assert channels.whatsapp(params).status_code == 400
    _nothing_stored(channels)


def test_twilio_signed_form_with_garbage_sender_is_400(channels: Channels) -> None:
    params = {**twilio_fixture("whatsapp_text"), "From": "whatsapp:not-a-number"}
    assert channels.whatsapp(params).status_code == 400
    _nothing_stored(channels)


@BOTH_BACKENDS
def test_twilio_nul_bytes_are_stripped_not_fatal(channels: Channels) -> None:
    params = {**twilio_fixture("whatsapp_text"), "Body": "Got\x00 ong\x00 royong\x00 dibatalkan"}
    _accepted(channels, channels.whatsapp(params))
    assert "\x00" not in _conversation_text(channels)


def test_twilio_100kb_message_is_accepted(channels: Channels) -> None:
    body = ("Pelayanan KTP di kecamatan sangat lambat dan antrean panjang. " * 1700)[:100_000]
    _accepted(channels, channels.whatsapp({**twilio_fixture("whatsapp_text"), "Body": body}))


def test_twilio_emoji_and_right_to_left_text_survive(channels: Channels) -> None:
    _accepted(channels, channels.whatsapp({**twilio_fixture("whatsapp_text"), "Body": EMOJI_RTL}))
    assert _draft_body(channels) == EMOJI_RTL


def test_twilio_nonsense_media_count_and_coordinates_are_not_fatal(channels: Channels) -> None:
    params = {
        **twilio_fixture("whatsapp_text"),
        "NumMedia": "many",
        "Latitude": "NaN",
        "Longitude": "1e999",
    }
    _accepted(channels, channels.whatsapp(params))


def test_twilio_empty_message_gets_a_polite_reply(channels: Channels) -> None:
    params = {**twilio_fixture("whatsapp_text"), "Body": ""}
    _accepted(channels, channels.whatsapp(params))
