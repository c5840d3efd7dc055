"""One problem, three citizens, two channels: a merged group is answered once and everyone hears.

Two citizens on Telegram (two chats) and one on WhatsApp report the same pothole through the real
webhook routes; the second and third reports are suggested as duplicates of the first (through
the real bot pipeline), merged by the verifier, and answered once by the agency. The real outbox
sender delivers through the real python-telegram-bot and twilio clients to the fake Bot API and
fake Twilio servers; each citizen receives the merge notice, the one answer and, when the primary
is finished, a rating request they answer in their own chat; so does a fourth citizen who
joined the report with "saya juga" and has no report of their own.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from reports import duplicates, groups, lookups, merging, staff_cases
from reports.actor import Actor
from reports.enums import Channel, OutboxStatus, RecipientKind, Role, Status
from reports.models import OutboxMessage, Report, SatisfactionRating
from tests import factories
from tests.channels.conftest import BOTH_BACKENDS, Channels
from tests.channels.helpers import drain
from tests.channels.test_scenarios import CODE, T0, Citizen, file_report

ANSWER = "Lubang di Jl. Kebayoran Lama sudah ditambal pada 26 November 2026."


class TelegramChat(Citizen):
    """A Telegram citizen in a chat of their own (the scenario's citizen uses chat 5550001)."""

    def __init__(self, channels: Channels, chat_id: int) -> None:
        super().__init__(channels, Channel.TELEGRAM)
        self.address = str(chat_id)


def _delivered_to(channels: Channels, citizen: Citizen, text: str) -> bool:
    """Did the fake provider receive ``text`` for this citizen (a plain message or a template's
    variables, as WhatsApp sends outside the 24-hour window)?"""
    if citizen.channel is Channel.TELEGRAM:
        return any(
            m["chat_id"] == citizen.address and text in m["text"] for m in channels.telegram.sent
        )
    for message in channels.twilio.messages:
        if message.get("To") != f"whatsapp:{citizen.address}":
            continue
        shown = message.get("Body", "") + json.dumps(
            json.loads(message.get("ContentVariables") or "{}"), ensure_ascii=False
        )
        if text in shown:
            return True
    return False


def _rate(citizen: Citizen, code: str) -> None:
    """Answer the rating request in the citizen's own chat (button or number)."""
    with citizen.c.runtime.sessions() as db:
        ask = db.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.address == citizen.address,
                OutboxMessage.template == "rating_request",
            )
            .order_by(OutboxMessage.id.desc())
        ).first()
    assert ask is not None and code in ask.body
    buttons = [b["data"] for b in (ask.payload or {}).get("buttons", [])]
    replies: list[Any] = (
        citizen.choose(ask, f"rate:{code}:4") if f"rate:{code}:4" in buttons else citizen.say("4")
    )
    for _ in range(10):
        if not replies or replies[-1].template == "bot:rating_thanks":
            break
        last = replies[-1]
        data = next(
            (b["data"] for b in last.payload.get("buttons", []) if b["data"].endswith(":4")), None
        )
        replies = citizen.choose(last, data) if data else citizen.say("4")


@BOTH_BACKENDS
def test_a_merged_group_of_three_is_answered_once_and_every_citizen_hears(
    channels: Channels,
) -> None:
    runtime, clock = channels.runtime, channels.runtime.clock
    with runtime.sessions() as db, db.begin():
        verifier = factories.staff(db, Role.VERIFIER, T0)
        officer = factories.staff(db, Role.OFFICER, T0, agency="pupr")
    first = TelegramChat(channels, 5550001)
    second = Citizen(channels, Channel.WHATSAPP)
    third = TelegramChat(channels, 5550777)
    stories = [
        "Jalan di depan Pasar Kebayoran Lama, Jl. Kebayoran Lama No. 12, berlubang besar sejak "
        "dua minggu dan sudah tiga motor jatuh. Mohon segera diperbaiki.",
        "aspal jl kebayoran lama depan pasar bolong2 parah, bahaya buat motor",
        "Lubang besar di jalan Kebayoran Lama dekat pasar makin dalam, tolong ditambal",
    ]
    codes = []
    for i, (citizen, story) in enumerate(zip((first, second, third), stories, strict=True)):
        citizen.now = T0 + timedelta(minutes=10 * i)
        receipt = file_report(citizen, story)
        codes.append(CODE.search(receipt.body).group(0))  # type: ignore[union-attr]
    primary_code = codes[0]

    # The later reports were found as possible duplicates of the first when submitted.
    with runtime.sessions() as db:
        for code in codes[1:]:
            suggested = duplicates.current(db, lookups.get_report(db, code))
            assert primary_code in [r.tracking_code for r in suggested]

    # The verifier merges them; their citizens are told, with the primary's tracking link.
    day1 = T0 + timedelta(days=1)
    with runtime.sessions() as db, db.begin():
        primary = lookups.get_report(db, primary_code)
        for code in codes[1:]:
            merging.merge(
                db, clock=clock, report=lookups.get_report(db, code), into=primary,
                actor=Actor.staff(verifier), now=day1,
            )  # fmt: skip
        assert groups.reporter_count(db, primary) == 3
    drain(runtime, now=day1)
    for citizen, code in zip((second, third), codes[1:], strict=True):
        assert _delivered_to(channels, citizen, f"{code} membahas masalah yang sama")
        assert _delivered_to(channels, citizen, f"laporan {primary_code}")

    # One verification and one answer on the primary only.
    day4 = T0 + timedelta(days=4, hours=1)
    with runtime.sessions() as db, db.begin():
        primary = lookups.get_report(db, primary_code)
        staff_cases.verify_and_forward(
            db, clock=clock, report=primary, actor=Actor.staff(verifier), agency_code="pupr",
            now=day1,
        )  # fmt: skip
        staff_cases.answer(
            db, clock=clock, report=primary, actor=Actor.staff(officer), text=ANSWER, now=day4
        )
        answers = db.scalars(
            select(OutboxMessage).where(
                OutboxMessage.template.in_(["agency_answer", "group_answer"])
            )
        ).all()
        assert len({m.citizen_id for m in answers}) == 3
    drain(runtime, now=day4)
    for citizen in (first, second, third):
        assert _delivered_to(channels, citizen, ANSWER), citizen.address

    # A fourth citizen joins from the tracking page's ready-made message ("saya juga").
    fourth = TelegramChat(channels, 5550999)
    fourth.now = day4 + timedelta(hours=1)
    fourth.say(f"saya juga {primary_code}")

    # The first citizen is satisfied: the group finishes and every citizen rates in their chat.
    first.now = day4 + timedelta(hours=2)
    first.say("puas")
    with runtime.sessions() as db:
        for code in codes:
            assert lookups.get_report(db, code).status is Status.FINISHED
    drain(runtime, now=first.now)
    for citizen, code in zip((first, second, third, fourth), [*codes, primary_code], strict=True):
        citizen.now = first.now + timedelta(minutes=5)
        _rate(citizen, code)
    drain(runtime, now=first.now + timedelta(hours=1))
    with runtime.sessions() as db:
        rated = set(
            db.scalars(
                select(Report.tracking_code)
                .join(SatisfactionRating, SatisfactionRating.report_id == Report.id)
                .distinct()
            )
        )
        assert rated == set(codes)
        # The one who joined rated the primary as themselves, beside its reporter.
        raters = db.scalars(
            select(SatisfactionRating.citizen_id)
            .join(Report, SatisfactionRating.report_id == Report.id)
            .where(Report.tracking_code == primary_code)
            .distinct()
        ).all()
        assert len(raters) == 2
        unsent = db.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status != OutboxStatus.SENT,
                OutboxMessage.recipient_kind == RecipientKind.CITIZEN,
            )
        ).all()
        assert not unsent, [(r.template, r.status, r.last_error) for r in unsent]
