"""Officers in chat (issue 15): link a chat, receive a routed report, answer it from the chat.

Everything goes through the real webhook routes (signed), the real pipeline, the real use cases
and the real outbox sender with python-telegram-bot and the twilio client against the local fake
Bot API and fake Twilio. The refusals: a wrong, an expired and a used code, a deactivated
account, an officer of another agency, and a chat after unlinking.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from reports import officer_chat, staff_cases
from reports.actor import Actor
from reports.attachments import store
from reports.enums import Channel, Privacy, RecipientKind, Role, Status
from reports.lookups import get_report
from reports.models import (
    CitizenIdentity,
    OutboxMessage,
    ReportEvent,
    StaffChat,
    StaffUser,
)
from tests import factories
from tests.channels.chat_driver import ChatDriver, Clock
from tests.channels.conftest import PUBLIC_BASE, Channels
from tests.channels.helpers import drain
from tests.conftest import wib

T0 = wib(2026, 11, 23, 9, 0)  # Monday
STORY = (
    "Lampu penerangan jalan di Jl. Melati 5 mati sejak seminggu, gelap sekali dan rawan. "
    "Saya Budi Santoso, rumah nomor 7."
)
ANSWER = "Lampu sudah kami ganti pada 25 November; terima kasih atas laporannya."
JPEG = b"\xff\xd8\xff\xe0" + b"officer-chat-photo" * 20


ADDRESSES = {Channel.TELEGRAM: "7770001", Channel.WHATSAPP: "+6281299990000"}
CITIZEN = {Channel.TELEGRAM: "5550001", Channel.WHATSAPP: "+6281234567890"}


def _setup(channels: Channels) -> tuple[Clock, StaffUser, StaffUser]:
    clock = Clock(T0)
    channels.client.app.state.webhook_clock = lambda: clock.now  # type: ignore[attr-defined]
    with channels.runtime.sessions() as db, db.begin():
        verifier = factories.staff(db, Role.VERIFIER, T0)
        officer = factories.staff(db, Role.OFFICER, T0, agency="pupr")
    return clock, verifier, officer


def _code(channels: Channels, staff: StaffUser, now: datetime) -> str:
    with channels.runtime.sessions() as db, db.begin():
        person = db.get(StaffUser, staff.id)
        assert person is not None
        return officer_chat.new_link_code(db, staff=person, now=now).code


def _link(channels: Channels, chat: ChatDriver, staff: StaffUser) -> list[OutboxMessage]:
    code = _code(channels, staff, chat.clock.now)
    command = f"/start {code}" if chat.channel is Channel.TELEGRAM else f"LINK {code}"
    return chat.say(command)


def _routed_report(
    channels: Channels, clock: Clock, verifier: StaffUser, citizen_channel: Channel,
    privacy: Privacy = Privacy.ANONYMOUS,
) -> str:  # fmt: skip
    """A citizen's report with a photo and a place, verified and forwarded to pupr."""
    runtime = channels.runtime
    # The deployment's clock knows its public address (``clock_from_settings``); the test clock
    # is built without one.
    sla = replace(runtime.clock, public_base_url=PUBLIC_BASE)
    with runtime.sessions() as db, db.begin():
        citizen = factories.citizen(
            db, clock.now, citizen_channel, CITIZEN[citizen_channel], display_name="Budi Santoso"
        )
        report = factories.report(
            db, sla, clock.now, who=citizen, channel=citizen_channel, title="Lampu jalan mati",
            body=STORY, privacy=privacy, location_text="Jl. Melati 5, Jakarta Selatan",
            latitude=-6.2401, longitude=106.7812,
        )  # fmt: skip
        store(db, root=runtime.settings.attachments_dir, data=JPEG, content_type="image/jpeg",
              filename="budi-santoso.jpg", citizen_id=citizen.id, now=clock.now,
              report_id=report.id)  # fmt: skip
        staff_cases.verify_and_forward(
            db, clock=sla, report=report, actor=Actor.staff(verifier),
            agency_code="pupr", now=clock.now + timedelta(hours=1),
        )  # fmt: skip
        code = report.tracking_code
    clock.now += timedelta(hours=2)
    return code


def _status(channels: Channels, code: str) -> Status:
    with channels.runtime.sessions() as db:
        return get_report(db, code).status


@pytest.mark.parametrize(
    ("db_url", "channel"),
    [
        ("sqlite", Channel.TELEGRAM),
        ("sqlite", Channel.WHATSAPP),
        pytest.param("postgresql", Channel.TELEGRAM, marks=pytest.mark.postgres),
        pytest.param("postgresql", Channel.WHATSAPP, marks=pytest.mark.postgres),
    ],
    indirect=["db_url"],
)
def test_an_officer_links_a_chat_receives_a_routed_report_and_answers_it(
    channels: Channels, channel: Channel
) -> None:
    runtime = channels.runtime
    clock, verifier, officer = _setup(channels)
    chat = ChatDriver(channels, clock, channel, ADDRESSES[channel])

    # 1. Linking: the code from the chat, a confirmation, no citizen made of the officer.
    replies = _link(channels, chat, officer)
    assert [r.template for r in replies] == ["officer:linked"]
    assert officer.username in replies[0].body
    with runtime.sessions() as db:
        linked = db.scalar(select(StaffChat).where(StaffChat.address == chat.address))
        assert linked is not None and linked.staff_id == officer.id
        assert not db.scalar(
            select(func.count()).where(CitizenIdentity.external_id == chat.address)
        )

    # 2. A routed report arrives in the chat: text, place, deadline, photo, buttons; anonymous.
    citizen_channel = Channel.WHATSAPP if channel is Channel.TELEGRAM else Channel.TELEGRAM
    code = _routed_report(channels, clock, verifier, citizen_channel)
    card = chat.inbox()
    assert [r.template for r in card] == ["staff_new_report"]
    body = card[0].body
    assert STORY[:40] in body and "Jl. Melati 5, Jakarta Selatan" in body
    assert "hari kerja" in body and f"/console/reports/{code}" in body
    assert "Budi" not in body.replace(STORY, "") and CITIZEN[citizen_channel] not in body
    assert [b["data"] for b in card[0].payload["buttons"]] == [
        f"of:ans:{code}", f"of:info:{code}", f"of:ret:{code}", f"of:open:{code}",
    ]  # fmt: skip
    drain(runtime, now=clock.now)
    if channel is Channel.TELEGRAM:
        photos = [p for p in channels.telegram.photos if p["chat_id"] == chat.address]
        assert [p["data"] for p in photos] == [JPEG]
        sent = [m for m in channels.telegram.sent if m["chat_id"] == chat.address][-1]
        keyboard = json.loads(sent["reply_markup"]) if isinstance(
            sent["reply_markup"], str) else sent["reply_markup"]  # fmt: skip
        assert keyboard["inline_keyboard"][0][0]["callback_data"] == f"of:ans:{code}"
    else:
        to_officer = [m for m in channels.twilio.messages if m["To"] == f"whatsapp:{chat.address}"]
        media = [m["MediaUrl"] for m in to_officer if m.get("MediaUrl")]
        assert len(media) == 1
        fetched = channels.client.get(urlsplit(media[0]).path)
        assert fetched.status_code == 200 and fetched.content == JPEG
        assert channels.client.get(urlsplit(media[0]).path + "x").status_code == 404
        assert "1. Jawab" in to_officer[-1]["Body"]
    with runtime.sessions() as db:
        delivered = db.get(OutboxMessage, card[0].id)
        assert delivered is not None and delivered.provider_message_id
        card_id = delivered.provider_message_id

    # 3. Answering from the chat, confirmed before it is sent.
    if channel is Channel.TELEGRAM:
        draft = chat.say(ANSWER, reply_to=card_id)  # a reply to the report's message
    else:
        replied = chat.say("Akan kami cek.", reply_to=card_id)  # WhatsApp's reply to a message
        assert [r.template for r in replied] == ["officer:confirm_answer"]
        assert [r.template for r in chat.say("batal")] == ["officer:cancelled"]
        draft = chat.say(f"/jawab {code} {ANSWER}")
    assert [r.template for r in draft] == ["officer:confirm_answer"]
    assert ANSWER in draft[0].body and _status(channels, code) is Status.FORWARDED
    done = chat.say("ya") if channel is Channel.TELEGRAM else chat.say("1")  # "1. Kirim"
    assert [r.template for r in done] == ["officer:done_answer"]
    assert _status(channels, code) is Status.ANSWERED
    with runtime.sessions() as db:
        event = db.scalar(
            select(ReportEvent).where(ReportEvent.action == "answer").order_by(ReportEvent.id)
        )
        assert event is not None and event.actor_id == officer.id
        assert event.data["via"] == channel.value

    # 4. The citizen gets the answer on their own channel.
    before = len(channels.twilio.messages), len(channels.telegram.sent)
    drain(runtime, now=clock.now)
    with runtime.sessions() as db:
        to_citizen = db.scalar(
            select(OutboxMessage).where(
                OutboxMessage.template == "agency_answer",
                OutboxMessage.recipient_kind == RecipientKind.CITIZEN,
            )
        )
        assert to_citizen is not None and to_citizen.channel is citizen_channel
        assert to_citizen.address == CITIZEN[citizen_channel] and to_citizen.sent_at
    if citizen_channel is Channel.TELEGRAM:
        assert any(
            ANSWER in m["text"] and m["chat_id"] == CITIZEN[citizen_channel]
            for m in channels.telegram.sent[before[1] :]
        )
    else:  # no message from the citizen in 24 hours: the approved template carries the answer
        assert any(
            ANSWER in m.get("ContentVariables", "") and m["To"] == "whatsapp:+6281234567890"
            for m in channels.twilio.messages[before[0] :]
        )


def test_link_codes_are_refused_when_wrong_expired_or_used(channels: Channels) -> None:
    runtime = channels.runtime
    clock, _verifier, officer = _setup(channels)
    chat = ChatDriver(channels, clock, Channel.TELEGRAM, "7770002")
    other = ChatDriver(channels, clock, Channel.WHATSAPP, "+6281299990001")

    # Wrong: same words as any other refusal, nothing linked.
    assert [r.template for r in chat.say("/start ABCDEFGHJK")] == ["officer:link_refused"]
    # Expired: 15 minutes and one second later.
    code = _code(channels, officer, clock.now)
    clock.now += officer_chat.CODE_TTL + timedelta(seconds=1)
    assert [r.template for r in chat.say(f"/start {code}")] == ["officer:link_refused"]
    # Used: works once, then refused from another chat.
    code = _code(channels, officer, clock.now)
    assert [r.template for r in chat.say(f"/start {code}")] == ["officer:linked"]
    assert [r.template for r in other.say(f"LINK {code}")] == ["officer:link_refused"]
    drain(runtime, now=clock.now)  # the refusal reaches the WhatsApp chat that just wrote
    refusal = [m for m in channels.twilio.messages if m["To"] == "whatsapp:+6281299990001"]
    assert len(refusal) == 1 and "Kode tidak berlaku" in refusal[0]["Body"]
    with runtime.sessions() as db:
        chats = db.scalars(select(StaffChat)).all()
        assert [(c.channel, c.address) for c in chats] == [(Channel.TELEGRAM, "7770002")]
        # The refused WhatsApp chat got no citizen either: it was answered by the officer flow.
        assert not db.scalar(
            select(func.count()).where(CitizenIdentity.external_id == "+6281299990001")
        )


def test_deactivated_other_agency_and_unlinked_chats_can_do_nothing(channels: Channels) -> None:
    runtime = channels.runtime
    clock, verifier, officer = _setup(channels)
    with runtime.sessions() as db, db.begin():
        outsider = factories.staff(db, Role.OFFICER, T0, agency="kesehatan")
        leaver = factories.staff(db, Role.OFFICER, T0, agency="pupr")
    mine = ChatDriver(channels, clock, Channel.TELEGRAM, "7770003")
    theirs = ChatDriver(channels, clock, Channel.WHATSAPP, "+6281299990002")
    gone = ChatDriver(channels, clock, Channel.TELEGRAM, "7770004")
    for chat, person in ((mine, officer), (theirs, outsider), (gone, leaver)):
        assert [r.template for r in _link(channels, chat, person)] == ["officer:linked"]
    code = _routed_report(channels, clock, verifier, Channel.TELEGRAM, Privacy.CONFIDENTIAL)
    assert [r.template for r in mine.inbox()] == ["staff_new_report"]
    assert [r.template for r in gone.inbox()] == ["staff_new_report"]
    assert theirs.inbox() == []  # another agency's officer hears nothing of it

    # Another agency: refused by the use case's own check, nothing changes.
    refused = theirs.say(f"/jawab {code} Bukan urusan kami tapi saya jawab saja.")
    assert [r.template for r in refused] == ["officer:refused"]
    assert "not (or no longer) with your agency" in refused[0].body or "instansi" in (
        refused[0].body
    )
    assert _status(channels, code) is Status.FORWARDED

    # Deactivated: the chat can do nothing, not even draft.
    with runtime.sessions() as db, db.begin():
        leaving = db.get(StaffUser, leaver.id)
        assert leaving is not None
        leaving.active = False
    assert [r.template for r in gone.say(f"/jawab {code} Sudah diperbaiki.")] == [
        "officer:inactive"
    ]
    assert [r.template for r in gone.say("/tugas")] == ["officer:inactive"]
    assert _status(channels, code) is Status.FORWARDED

    # /tugas for the linked officer: the report, then /unlink, then nothing more comes.
    tasks = mine.say("/tugas")
    assert [r.template for r in tasks] == ["officer:tasks"] and code in tasks[0].body
    assert [r.template for r in mine.say("/unlink")] == ["officer:unlinked"]
    with runtime.sessions() as db:
        assert db.scalar(select(StaffChat).where(StaffChat.address == mine.address)) is None
    # An unlinked chat is a citizen's again: the officer commands mean nothing there.
    after = mine.say(f"/jawab {code} Sudah diperbaiki.")
    assert after and not any(r.template.startswith("officer:") for r in after)
    assert _status(channels, code) is Status.FORWARDED
    _routed_report(channels, clock, verifier, Channel.TELEGRAM)
    assert not [r for r in mine.inbox() if r.template == "staff_new_report"]


def test_asking_the_citizen_and_returning_to_the_verifier_from_the_buttons(
    channels: Channels,
) -> None:
    runtime = channels.runtime
    clock, verifier, officer = _setup(channels)
    chat = ChatDriver(channels, clock, Channel.TELEGRAM, "7770005")
    _link(channels, chat, officer)
    code = _routed_report(channels, clock, verifier, Channel.TELEGRAM)
    chat.inbox()

    opened = chat.press(f"of:open:{code}")
    assert [r.template for r in opened] == ["officer:open_link"]
    assert f"{PUBLIC_BASE}/console/reports/{code}" in opened[0].body

    # "Ask the citizen": the button, the question, a change of mind, then confirmed.
    assert [r.template for r in chat.press(f"of:info:{code}")] == ["officer:ask_info"]
    draft = chat.say("Di depan rumah nomor berapa tepatnya?")
    assert [r.template for r in draft] == ["officer:confirm_info"]
    assert [r.template for r in chat.say("batal")] == ["officer:cancelled"]
    assert [r.template for r in chat.say("yes")] == ["officer:help"]  # nothing left to confirm
    assert _status(channels, code) is Status.FORWARDED
    again = chat.say(f"/info {code} Di depan rumah nomor berapa tepatnya?")  # the command
    assert [r.template for r in again] == ["officer:confirm_info"]
    assert [r.template for r in chat.press("of:yes")] == ["officer:done_info"]
    assert _status(channels, code) is Status.INFO_REQUESTED
    with runtime.sessions() as db:
        asked = db.scalar(select(OutboxMessage).where(OutboxMessage.template == "info_requested"))
        assert asked is not None and asked.address == CITIZEN[Channel.TELEGRAM]
        assert "nomor berapa" in asked.body

    # "Not our authority" on a second report: back to the verifier, who is told.
    second = _routed_report(channels, clock, verifier, Channel.TELEGRAM)
    chat.inbox()
    assert [r.template for r in chat.press(f"of:ret:{second}")] == ["officer:ask_return"]
    assert [r.template for r in chat.say("Ini jalan nasional, wewenang BBPJN.")] == [
        "officer:confirm_return"
    ]
    assert [r.template for r in chat.say("ya")] == ["officer:done_return"]
    assert _status(channels, second) is Status.SUBMITTED
    with runtime.sessions() as db:
        told = db.scalars(
            select(OutboxMessage.staff_id).where(OutboxMessage.template == "staff_returned")
        ).all()
        assert verifier.id in told
        event = db.scalar(select(ReportEvent).where(ReportEvent.action == "return_to_verifier"))
        assert event is not None and event.data["via"] == "telegram"
    # A report waiting for the citizen cannot be returned: refused before any draft is written.
    refused = chat.press(f"of:ret:{code}")
    assert [r.template for r in refused] == ["officer:refused"]
