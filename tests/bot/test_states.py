"""The conversation states: one enum, each state in one flow, each flow dispatched by the engine.

The stored strings are spelled out here on purpose: ``conversations.state`` holds them, so a
renamed value would strand every conversation in progress at the next deploy.
"""

from __future__ import annotations

from sqlalchemy import select

from bot import engine
from bot.states import FLOW_OF, Flow, State, flow_of
from reports.models import Conversation
from tests.bot.conftest import Chat, sqlite_only, templates

STORY = "Jalan di Jl. Melati No. 5 rusak parah dan berlubang sejak sebulan, sudah ada motor jatuh."


def test_the_stored_values_do_not_change() -> None:
    assert {state.value for state in State} == {
        "idle",
        "report_describe",
        "report_type",
        "report_location",
        "report_attachment",
        "report_privacy",
        "report_confirm",
        "report_edit",
        "pending_choose",
        "pending_respond",
        "pending_reopen",
        "rating",
        "officer",
        "officer:answer",
        "officer:info",
        "officer:return",
        "officer:confirm",
    }


def test_every_state_has_a_flow_and_every_flow_its_handlers() -> None:
    assert set(FLOW_OF) == set(State)
    # idle has no questions; the officer flow is taken by the pipeline before the engine runs
    assert set(engine.FLOWS) == set(Flow) - {Flow.IDLE, Flow.OFFICER}
    assert flow_of("report_type") is Flow.REPORT  # a plain stored string, not only the member
    assert flow_of("pending_respond") is Flow.PENDING
    assert flow_of("rating") is Flow.RATING
    assert flow_of("idle") is Flow.IDLE
    assert flow_of("officer:confirm") is Flow.OFFICER
    assert flow_of("survey_step") is None


def _store_state(chat: Chat, state: str) -> None:
    with chat.runtime.sessions() as db, db.begin():
        conversation = db.scalar(select(Conversation))
        assert conversation is not None
        conversation.state = state


@sqlite_only
def test_a_state_stored_as_a_plain_string_continues_its_flow(chat: Chat) -> None:
    """The row holds a string (as written before the enum): the report flow still owns it."""
    chat.send("halo")
    _store_state(chat, "report_describe")
    # In the report flow a short text is too short a description; in idle it is not understood.
    assert templates(chat.send("xyz abc")) == ["bot:too_short"]


@sqlite_only
def test_a_state_this_version_does_not_know_treats_text_as_in_idle(chat: Chat) -> None:
    """E.g. written by a newer version: no question to repeat, a description starts a report."""
    chat.send("halo")
    _store_state(chat, "survey_step")
    assert templates(chat.send(STORY)) == ["bot:ask_attachment"]
