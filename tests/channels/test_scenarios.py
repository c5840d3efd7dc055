"""A report's whole life on Telegram and on WhatsApp, in Indonesian and in English.

Each channel and each language runs once on SQLite and once on PostgreSQL (four runs in all).

First message -> tracking code, status check, agency answer on day 4 (an approved template on
WhatsApp: the citizen's last message is older than 24 hours), the citizen's reply, a second answer,
acceptance and the satisfaction rating. Every step goes through the real webhook route (signed with
the real algorithms) and every reply through the real outbox sender and provider client.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from reports import lookups, staff_cases
from reports.actor import Actor
from reports.enums import Channel, OutboxStatus, RecipientKind, Role, Status
from reports.models import OutboxMessage, Report, SatisfactionRating
from tests import factories
from tests.channels.chat_driver import ChatDriver, Clock
from tests.channels.conftest import Channels
from tests.channels.helpers import drain
from tests.conftest import wib

T0 = wib(2026, 11, 23, 9, 0)  # Monday; verification due Thursday 26 November 2026
CODE = re.compile(r"SW-[0-9A-Z]{4}-[0-9A-Z]{4}")

STORIES = {
    "id": "Jalan di depan Pasar Kebayoran Lama, Jl. Kebayoran Lama No. 12, berlubang besar sejak "
    "dua minggu dan sudah tiga motor jatuh. Mohon segera diperbaiki.",
    "en": "The road in front of Kebayoran Lama market, Jl. Kebayoran Lama No. 12, has a big "
    "pothole for two weeks and three motorbikes have fallen. Please repair it soon.",
}
EXPECT = {
    "id": {
        "verify": "diverifikasi paling lambat Kamis, 26 November 2026",
        "reply": "Belum diperbaiki, lubangnya masih ada dan makin dalam.",
        "accept": "puas",
    },
    "en": {
        "verify": "verified by Thursday, 26 November 2026",
        "reply": "It is not fixed yet, the hole is still there and getting deeper.",
        "accept": "I am satisfied",
    },
}


class Citizen(ChatDriver):
    """One citizen on one channel; ``now`` is the shared clock the webhook app reads."""

    def __init__(self, channels: Channels, channel: Channel) -> None:
        address = "5550001" if channel is Channel.TELEGRAM else "+6281234567890"
        super().__init__(channels, Clock(T0), channel, address)

    @property
    def now(self) -> datetime:
        return self.clock.now

    @now.setter
    def now(self, value: datetime) -> None:
        self.clock.now = value


def _button(row: OutboxMessage, prefix: str) -> str | None:
    return next(
        (b["data"] for b in row.payload.get("buttons", []) if b["data"].startswith(prefix)), None
    )


def file_report(citizen: Citizen, story: str) -> OutboxMessage:
    """Answer whatever the bot asks until the receipt with the tracking code arrives."""
    replies = citizen.say(story)
    for _ in range(12):
        last = replies[-1]
        template = last.template
        if template == "report_received":
            return last
        if template == "bot:ask_type":
            replies = citizen.choose(last, "type:complaint")
        elif template == "bot:ask_location":
            replies = citizen.say("Jl. Kebayoran Lama No. 12, Jakarta Selatan")
        elif template == "bot:ask_attachment":
            skip = _button(last, "skip")
            replies = citizen.choose(last, skip) if skip else citizen.say("lewati")
        elif template == "bot:ask_privacy":
            replies = citizen.choose(last, "priv:anonymous")
        elif template == "bot:summary":
            replies = citizen.choose(last, "confirm:send")
        else:
            raise AssertionError(f"unexpected step {template}: {last.body}")
    raise AssertionError("no receipt after 12 steps")


def _staff(channels: Channels) -> tuple[Any, Any]:
    with channels.runtime.sessions() as db, db.begin():
        verifier = factories.staff(db, Role.VERIFIER, T0)
        officer = factories.staff(db, Role.OFFICER, T0, agency="pupr")
    return verifier, officer


def _act(channels: Channels, code: str, step: Any) -> None:
    with channels.runtime.sessions() as db, db.begin():
        step(db, lookups.get_report(db, code))


@pytest.mark.parametrize(
    ("db_url", "channel", "language"),
    [
        ("sqlite", Channel.TELEGRAM, "id"),
        ("sqlite", Channel.WHATSAPP, "en"),
        pytest.param("postgresql", Channel.WHATSAPP, "id", marks=pytest.mark.postgres),
        pytest.param("postgresql", Channel.TELEGRAM, "en", marks=pytest.mark.postgres),
    ],
    indirect=["db_url"],
)
def test_report_life_from_first_message_to_rating(
    channels: Channels, channel: Channel, language: str
) -> None:
    runtime, clock = channels.runtime, channels.runtime.clock
    verifier, officer = _staff(channels)
    citizen = Citizen(channels, channel)
    if language == "en":
        assert "English" in citizen.say("english")[-1].body

    # 1. First message to tracking code, with the verification date in local time.
    receipt = file_report(citizen, STORIES[language])
    code = CODE.search(receipt.body).group(0)  # type: ignore[union-attr]
    assert EXPECT[language]["verify"] in receipt.body

    # 2. Status check lists the report.
    citizen.now = T0 + timedelta(hours=1)
    assert any(code in r.body for r in citizen.say("status"))
    drain(runtime, now=citizen.now)

    # 3. Verified on day 1, answered by the agency on day 4 (Friday).
    day1, day4 = T0 + timedelta(days=1), T0 + timedelta(days=4, hours=1)
    _act(
        channels,
        code,
        lambda db, r: staff_cases.verify_and_forward(
            db, clock=clock, report=r, actor=Actor.staff(verifier), agency_code="pupr", now=day1
        ),
    )
    _act(
        channels,
        code,
        lambda db, r: staff_cases.answer(
            db,
            clock=clock,
            report=r,
            actor=Actor.staff(officer),
            now=day4,
            text="Tim kami sudah menambal lubang pada 26 November 2026.",
        ),
    )
    before = len(channels.twilio.messages), len(channels.telegram.sent)
    drain(runtime, now=day4)
    answer_row = next(r for r in citizen.inbox() if r.template == "agency_answer")
    assert answer_row.status is OutboxStatus.SENT
    if channel is Channel.WHATSAPP:
        # More than 24 hours since the citizen's last message: the approved template.
        templated = channels.twilio.messages[before[0] :]
        sid = channels.settings.whatsapp_templates["agency_answer"].content_sid
        answer_msg = next(m for m in templated if m.get("ContentSid") == sid)
        variables = json.loads(answer_msg["ContentVariables"])
        assert variables["1"] == code and "menambal lubang" in variables["2"]
        assert "Body" not in answer_msg
    else:
        assert any("menambal lubang" in m["text"] for m in channels.telegram.sent[before[1] :])

    # 4. The citizen replies: the report goes back to the agency with a new window.
    citizen.now = day4 + timedelta(hours=2)
    citizen.say(EXPECT[language]["reply"])
    with runtime.sessions() as db:
        report = lookups.get_report(db, code)
        assert report.status is Status.FORWARDED and report.stage_cycle >= 1
        staff_rows = db.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient_kind == RecipientKind.STAFF,
                OutboxMessage.template == "staff_citizen_response",
            )
        ).all()
        assert staff_rows  # the officer hears about it (e-mail address from the factory)

    # 5. A second answer, accepted; then the satisfaction rating.
    day6 = day4 + timedelta(days=3)
    _act(
        channels,
        code,
        lambda db, r: staff_cases.answer(
            db,
            clock=clock,
            report=r,
            actor=Actor.staff(officer),
            now=day6,
            text="Lubang sudah ditambal ulang dan diaspal.",
        ),
    )
    citizen.now = day6 + timedelta(hours=1)
    replies = citizen.say(EXPECT[language]["accept"])
    for _ in range(8):
        if not replies:
            break
        last = replies[-1]
        if last.template == "bot:rating_thanks":
            break
        rate = _button(last, f"rate:{code}:")
        replies = citizen.choose(last, f"rate:{code}:4") if rate else citizen.say("4")
    with runtime.sessions() as db:
        report = lookups.get_report(db, code)
        assert report.status is Status.FINISHED
        scores = db.scalars(
            select(SatisfactionRating.score).where(SatisfactionRating.report_id == report.id)
        ).all()
        assert scores and set(scores) == {4}

    # 6. Everything queued for the citizen is delivered exactly once.
    drain(runtime, now=citizen.now)
    with runtime.sessions() as db:
        rows = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == channel)).all()
        assert rows and all(r.status is OutboxStatus.SENT for r in rows), [
            (r.template, r.status, r.last_error) for r in rows if r.status is not OutboxStatus.SENT
        ]
        found = db.scalar(select(Report).where(Report.tracking_code == code))
        assert found is not None
        report = found
        assert report.channel in (channel, Channel.WEB)
    delivered = len(
        channels.telegram.sent if channel is Channel.TELEGRAM else channels.twilio.messages
    )
    assert delivered == sum(
        max(1, len((r.payload.get("delivery") or {}).get("provider_ids", []))) for r in rows
    )
