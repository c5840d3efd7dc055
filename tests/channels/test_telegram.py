"""Telegram: recorded-style updates replayed through the real route, real PTB, fake Bot API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Bot, Update

from bot.channels.telegram import parse_update
from bot.inbound import InboundKind
from reports.enums import Channel, OutboxStatus
from reports.models import Attachment, Conversation, InboundReceipt, OutboxMessage
from tests.channels.conftest import Channels, telegram_fixture
from tests.channels.helpers import drain, outbox_rows

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(range(256)) * 4
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _count(channels: Channels, model: Any) -> int:
    with channels.runtime.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


# -- parsing (no database) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("text_message", InboundKind.TEXT),
        ("command_start", InboundKind.TEXT),
        ("callback_query", InboundKind.CALLBACK),
        ("photo", InboundKind.PHOTO),
        ("document", InboundKind.DOCUMENT),
        ("location", InboundKind.LOCATION),
        ("sticker", InboundKind.STICKER),
        ("voice", InboundKind.VOICE),
        ("edited_message", InboundKind.EDITED),
        ("contact", InboundKind.UNSUPPORTED),
    ],
)
def test_every_update_type_maps_to_one_inbound_kind(fixture: str, kind: InboundKind) -> None:
    bot = Bot("123:fake", base_url="http://127.0.0.1:9/bot")
    parsed = parse_update(Update.de_json(telegram_fixture(fixture), bot))
    assert parsed.message is not None
    assert parsed.message.kind is kind
    assert parsed.message.channel is Channel.TELEGRAM
    assert parsed.message.external_user_id == "5550001"
    assert parsed.message.external_message_id == str(telegram_fixture(fixture)["update_id"])
    if fixture == "photo":
        # The largest size is the one fetched; the caption is the text.
        assert [f.file_id for f in parsed.files] == ["AgACAgUAAxkBAAIBlarge"]
        assert parsed.message.text == "Ini fotonya"
    if fixture == "location":
        assert (parsed.message.latitude, parsed.message.longitude) == (-6.241586, 106.784215)
    if fixture == "callback_query":
        assert parsed.message.callback_data == "confirm"
        assert parsed.callback_query_id == "4382bfdwdsb323b2d9"


@pytest.mark.parametrize("fixture", ["my_chat_member", "future_update_type", "group_message"])
def test_updates_without_a_private_chat_are_ignored(fixture: str) -> None:
    bot = Bot("123:fake", base_url="http://127.0.0.1:9/bot")
    assert parse_update(Update.de_json(telegram_fixture(fixture), bot)).message is None


# -- the route ----------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "forged-secret-value", "ümlaut".encode()])
def test_missing_or_forged_secret_is_403_and_stores_nothing(
    channels: Channels, secret: str | bytes | None
) -> None:
    response = channels.post_telegram(telegram_fixture("text_message"), secret=secret)
    assert response.status_code == 403
    assert _count(channels, InboundReceipt) == 0
    assert _count(channels, OutboxMessage) == 0
    assert _count(channels, Conversation) == 0


def test_secret_is_checked_before_the_body_is_read(channels: Channels) -> None:
    """A forged request with garbage gets 403, not 400: nothing about it is looked at."""
    response = channels.post_telegram(b"\x00\xff not json", secret="wrong")
    assert response.status_code == 403


def test_text_message_gets_a_reply_with_inline_keyboard(channels: Channels) -> None:
    response = channels.post_telegram(telegram_fixture("text_message"))
    assert response.status_code == 200 and response.json()["ok"] is True
    rows = outbox_rows(channels.runtime, Channel.TELEGRAM)
    assert rows and all(r.address == "5550001" for r in rows)
    assert not channels.telegram.sent  # nothing is sent inside the request
    stats = drain(channels.runtime)
    assert stats.sent == len(rows) and stats.failed == 0
    sent = channels.telegram.sent
    assert [m["text"] for m in sent] == [r.body for r in rows]
    with_buttons = [r for r in rows if r.payload.get("buttons")]
    if with_buttons:  # choices arrive as an inline keyboard with the engine's callback data
        markup = json.loads(sent[rows.index(with_buttons[0])]["reply_markup"])
        datas = [row[0]["callback_data"] for row in markup["inline_keyboard"]]
        assert datas == [b["data"] for b in with_buttons[0].payload["buttons"]]
    for row in outbox_rows(channels.runtime, Channel.TELEGRAM):
        assert row.status is OutboxStatus.SENT and row.provider_message_id


def test_redelivered_update_has_one_effect(channels: Channels) -> None:
    update = telegram_fixture("text_message")
    first = channels.post_telegram(update)
    rows = len(outbox_rows(channels.runtime))
    second = channels.post_telegram(update)
    assert first.status_code == second.status_code == 200
    assert second.json()["duplicate"] is True
    assert len(outbox_rows(channels.runtime)) == rows
    assert _count(channels, InboundReceipt) == 1


def test_callback_query_is_answered_after_the_commit(channels: Channels) -> None:
    channels.post_telegram(telegram_fixture("text_message"))
    response = channels.post_telegram(telegram_fixture("callback_query"))
    assert response.status_code == 200
    assert channels.telegram.callbacks == ["4382bfdwdsb323b2d9"]
    assert _count(channels, InboundReceipt) == 2


def test_photo_is_downloaded_through_the_bot_api_into_attachments(channels: Channels) -> None:
    channels.telegram.add_file("AgACAgUAAxkBAAIBlarge", JPEG, "photos/file_7.jpg")
    channels.post_telegram(telegram_fixture("text_message"))
    response = channels.post_telegram(telegram_fixture("photo"))
    assert response.status_code == 200
    with channels.runtime.sessions() as db:
        [attachment] = db.scalars(select(Attachment)).all()
        assert attachment.content_type == "image/jpeg" and attachment.size_bytes == len(JPEG)
    assert (channels.settings.attachments_dir / attachment.storage_key).read_bytes() == JPEG
    # A redelivery neither downloads again nor stores a second attachment.
    calls = channels.telegram.calls["getFile"]
    channels.post_telegram(telegram_fixture("photo"))
    assert channels.telegram.calls["getFile"] == calls
    assert _count(channels, Attachment) == 1


def test_document_with_a_lying_type_is_refused_politely(channels: Channels) -> None:
    """Declared application/pdf, but the bytes are a Windows executable: not stored, no 500."""
    channels.telegram.add_file(
        "BQACAgUAAxkBAAIBdoc", b"MZ\x90\x00" + b"\x00" * 200, "documents/f.pdf"
    )
    response = channels.post_telegram(telegram_fixture("document"))
    assert response.status_code == 200
    assert _count(channels, Attachment) == 0
    assert outbox_rows(channels.runtime)  # the citizen hears what is accepted


def test_real_pdf_document_is_stored(channels: Channels) -> None:
    channels.telegram.add_file("BQACAgUAAxkBAAIBdoc", PDF, "documents/file_3.pdf")
    channels.post_telegram(telegram_fixture("document"))
    with channels.runtime.sessions() as db:
        [attachment] = db.scalars(select(Attachment)).all()
        assert attachment.content_type == "application/pdf"
        assert attachment.filename == "surat_keterangan.pdf"


def test_oversized_file_is_not_fetched(channels: Channels) -> None:
    update = telegram_fixture("document")
    update["message"]["document"]["file_size"] = 50 * 1024 * 1024
    response = channels.post_telegram(update)
    assert response.status_code == 200
    assert channels.telegram.calls["getFile"] == 0
    assert _count(channels, Attachment) == 0


@pytest.mark.parametrize("fixture", ["sticker", "voice", "edited_message", "contact"])
def test_unsupported_kinds_get_a_polite_reply(channels: Channels, fixture: str) -> None:
    response = channels.post_telegram(telegram_fixture(fixture))
    assert response.status_code == 200
    [reply] = outbox_rows(channels.runtime)
    assert reply.address == "5550001" and reply.body


@pytest.mark.parametrize("fixture", ["my_chat_member", "future_update_type", "group_message"])
def test_updates_with_no_one_to_answer_are_acknowledged(channels: Channels, fixture: str) -> None:
    response = channels.post_telegram(telegram_fixture(fixture))
    assert response.status_code == 200 and response.json().get("ignored") is True
    assert _count(channels, OutboxMessage) == 0


def test_a_failed_download_asks_for_the_file_again(channels: Channels) -> None:
    """Issue 12.6: the Bot API's getFile failed, and the citizen heard "file not accepted" (wrong
    type or size) for a file nothing was wrong with. Now they are asked to send it again."""
    response = channels.post_telegram(telegram_fixture("document"))  # getFile fails: unknown id
    assert response.status_code == 200
    assert _count(channels, Attachment) == 0
    [reply] = outbox_rows(channels.runtime)
    assert reply.template == "bot:media_fetch_failed"
    assert "kirim ulang" in reply.body and "surat_keterangan.pdf" in reply.body
