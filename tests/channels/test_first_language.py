"""Issue 11 through the real webhooks: the channel's language hint (Telegram's ``language_code``,
WhatsApp's country code) sets a new conversation's first reply, and the type buttons of an unsure
classification work as an inline keyboard on Telegram and as numbered choices on WhatsApp."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.messages import t
from reports.enums import Channel, ReportType
from reports.models import Conversation, Report
from tests.channels.conftest import Channels, telegram_fixture, twilio_fixture
from tests.channels.helpers import drain, outbox_rows
from webhooks.app import create_app

FOREIGN = "+447700900123"  # a UK mobile number (Ofcom's range for drama)


def start_from(language_code: str | None, *, user: int = 5550001, update_id: int = 1) -> Any:
    update = telegram_fixture("command_start", update_id=update_id, chat_id=user)
    if language_code is None:
        update["message"]["from"].pop("language_code", None)
    else:
        update["message"]["from"]["language_code"] = language_code
    return update


def telegram_text(text: str, *, update_id: int, language_code: str = "en") -> Any:
    update = telegram_fixture("text_message", update_id=update_id, text=text)
    update["message"]["from"]["language_code"] = language_code
    return update


def language_of(channels: Channels, channel: Channel, address: str) -> str:
    with channels.runtime.sessions() as db:
        row = db.scalar(
            select(Conversation.language).where(
                Conversation.channel == channel, Conversation.external_id == address
            )
        )
        assert row is not None
        return str(row)


def welcome(language: str, name: str) -> str:
    return t("welcome", language, name=f" {name}")


@pytest.mark.parametrize(
    ("code", "language"),
    [("en", "en"), ("en-GB", "en"), ("pt-br", "en"), ("id", "id"), ("jv", "id"), (None, "id")],
)
def test_telegram_language_code_sets_the_first_reply(
    channels: Channels, code: str | None, language: str
) -> None:
    assert channels.post_telegram(start_from(code)).status_code == 200
    rows = outbox_rows(channels.runtime, Channel.TELEGRAM)
    assert [r.template for r in rows] == ["bot:welcome"]
    assert rows[0].body == welcome(language, "Siti")
    drain(channels.runtime)
    assert channels.telegram.sent[0]["text"] == welcome(language, "Siti")


def test_telegram_hint_sets_only_the_first_reply(channels: Channels) -> None:
    """An English app language greets in English; the citizen then writes Indonesian and the
    bot follows them, and a later update's language_code changes nothing."""
    channels.post_telegram(start_from("en", update_id=1))
    assert language_of(channels, Channel.TELEGRAM, "5550001") == "en"
    story = "Lampu jalan di gang kami mati sudah seminggu dan gelap sekali kalau malam"
    channels.post_telegram(telegram_text(story, update_id=2, language_code="en"))
    assert language_of(channels, Channel.TELEGRAM, "5550001") == "id"
    channels.post_telegram(telegram_text("batal", update_id=3, language_code="en"))
    channels.post_telegram(start_from("en", update_id=4))
    rows = outbox_rows(channels.runtime, Channel.TELEGRAM)
    assert rows[-1].body == welcome("id", "Siti")  # the conversation's own language now


@pytest.mark.parametrize(
    ("number", "language"),
    [(FOREIGN, "en"), ("+6281234567890", "id"), ("+60123456789", "en")],
)
def test_whatsapp_country_code_sets_the_first_reply(
    channels: Channels, number: str, language: str
) -> None:
    params = twilio_fixture("whatsapp_text")
    params.update(From=f"whatsapp:{number}", WaId=number.lstrip("+"), Body="halo")
    assert channels.whatsapp(params).status_code == 200
    rows = outbox_rows(channels.runtime, Channel.WHATSAPP)
    assert [r.template for r in rows] == ["bot:welcome"]
    assert rows[0].body == welcome(language, "Budi")
    assert rows[0].address == number
    drain(channels.runtime)
    assert channels.twilio.messages[0]["Body"].startswith(welcome(language, "Budi"))


# -- the type buttons on each channel --------------------------------------------------------------


@pytest.fixture
def unsure(channels: Channels) -> Iterator[Channels]:
    """The same app with a type threshold no confidence reaches: the citizen is always asked."""
    runtime = channels.runtime_with(nlu_type_threshold=1.01)
    with TestClient(create_app(runtime=runtime)) as client:
        yield Channels(runtime, client, channels.telegram, channels.twilio)


STORY = "Jalan di depan SDN 3 Sukamaju rusak parah, sudah sebulan tidak diperbaiki"


def test_telegram_type_question_is_an_inline_keyboard_that_works(unsure: Channels) -> None:
    unsure.post_telegram(telegram_text(STORY, update_id=10, language_code="id"))
    drain(unsure.runtime)
    asked = unsure.telegram.sent[-1]
    markup = json.loads(asked["reply_markup"])["inline_keyboard"]
    assert [row[0]["text"] for row in markup] == ["Pengaduan", "Aspirasi", "Permintaan informasi"]
    press = telegram_fixture("callback_query", update_id=11)
    press["callback_query"]["data"] = markup[0][0]["callback_data"]
    assert unsure.post_telegram(press).status_code == 200
    rows = outbox_rows(unsure.runtime, Channel.TELEGRAM)
    assert rows[-1].template == "bot:ask_attachment"  # the place was in the story


def test_whatsapp_type_question_is_numbered_and_a_number_answers_it(unsure: Channels) -> None:
    params = twilio_fixture("whatsapp_text")
    params.update(Body="Bagaimana cara mengurus akta kelahiran untuk anak saya yang baru lahir?")
    unsure.whatsapp(params)
    drain(unsure.runtime)
    body = unsure.twilio.messages[-1]["Body"]
    assert "1. Pengaduan" in body and "2. Aspirasi" in body and "3. Permintaan informasi" in body
    answer = twilio_fixture("whatsapp_text")
    answer.update(Body="3", MessageSid="SM" + "3" * 32, SmsMessageSid="SM" + "3" * 32)
    unsure.whatsapp(answer)
    templates = [r.template for r in outbox_rows(unsure.runtime, Channel.WHATSAPP)]
    assert "report_received" in templates and "bot:ask_location" not in templates
    with unsure.runtime.sessions() as db:
        (report,) = db.scalars(select(Report)).all()
        assert report.type is ReportType.INFORMATION_REQUEST
