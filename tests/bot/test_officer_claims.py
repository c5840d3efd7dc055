"""Which messages the officer flow takes before the citizen conversation (``bot.flows.officer``):
a linked chat's, and a link command with a code-shaped token; never a citizen's ordinary text."""

from __future__ import annotations

import pytest

from bot.flows import officer
from bot.inbound import InboundKind, InboundMessage
from reports.enums import Channel


def _text(text: str) -> InboundMessage:
    return InboundMessage(Channel.WHATSAPP, "+628123", "m1", InboundKind.TEXT, text=text)


@pytest.mark.parametrize(
    "text",
    ["/start ABCD2345EF", "LINK abcd2345ef", "link ABCD-2345-EF", "  /start ABCD2345EF  "],
)
def test_link_commands_are_the_officers(text: str) -> None:
    assert officer.claims("idle", _text(text))


@pytest.mark.parametrize(
    "text",
    [
        "/start",
        "link jalan rusak",  # ten letters, but three words
        "Link jalan di depan rumah rusak",
        "/start SW-7KQ4",  # too short to be a code
        "Jalan rusak parah di Jl. Melati",
    ],
)
def test_a_citizens_text_is_not(text: str) -> None:
    assert not officer.claims("idle", _text(text))
    assert not officer.claims("pending_info", _text(text))


def test_a_linked_chat_is_the_officers_whatever_it_sends() -> None:
    assert officer.claims("officer", _text("halo"))
    assert officer.claims("officer:confirm", _text("ya"))
    photo = InboundMessage(Channel.TELEGRAM, "1", "m2", InboundKind.PHOTO)
    assert officer.claims("officer", photo) and not officer.claims("idle", photo)
