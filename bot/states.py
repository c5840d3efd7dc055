"""Every conversation state, and the flow each belongs to.

The state is stored in ``conversations.state`` (a string column): the values below are the
strings stored before this enum existed, so conversations in progress carry on across a deploy.
A flow is what the engine dispatches on (``bot.engine.FLOWS``): one table instead of string
prefixes tested wherever a state matters.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """Where a conversation stands: the question our last message asked, if any."""

    IDLE = "idle"
    # the report flow (``bot.flows.report``): composing a draft
    REPORT_DESCRIBE = "report_describe"
    REPORT_TYPE = "report_type"
    REPORT_LOCATION = "report_location"
    REPORT_ATTACHMENT = "report_attachment"
    REPORT_PRIVACY = "report_privacy"
    REPORT_CONFIRM = "report_confirm"
    REPORT_EDIT = "report_edit"
    # what the citizen owes us (``bot.flows.pending``)
    PENDING_CHOOSE = "pending_choose"  # which report a text or files are for
    PENDING_RESPOND = "pending_respond"  # the response to an agency's answer
    PENDING_REOPEN = "pending_reopen"  # the reason to reopen a report
    # the satisfaction rating (``bot.flows.rating``)
    RATING = "rating"
    # a linked officer's chat (``bot.flows.officer``): the pipeline hands it over before the
    # citizen engine, so the engine never dispatches these
    OFFICER = "officer"
    OFFICER_ANSWER = "officer:answer"  # waiting for the text of an answer
    OFFICER_INFO = "officer:info"  # waiting for the question to the citizen
    OFFICER_RETURN = "officer:return"  # waiting for why the report is not ours
    OFFICER_CONFIRM = "officer:confirm"  # a drafted action waits for "ya"


class Flow(StrEnum):
    """A group of states handled by one module of ``bot.flows``."""

    IDLE = "idle"
    REPORT = "report"
    PENDING = "pending"
    RATING = "rating"
    OFFICER = "officer"


FLOW_OF: dict[State, Flow] = {
    State.IDLE: Flow.IDLE,
    State.REPORT_DESCRIBE: Flow.REPORT,
    State.REPORT_TYPE: Flow.REPORT,
    State.REPORT_LOCATION: Flow.REPORT,
    State.REPORT_ATTACHMENT: Flow.REPORT,
    State.REPORT_PRIVACY: Flow.REPORT,
    State.REPORT_CONFIRM: Flow.REPORT,
    State.REPORT_EDIT: Flow.REPORT,
    State.PENDING_CHOOSE: Flow.PENDING,
    State.PENDING_RESPOND: Flow.PENDING,
    State.PENDING_REOPEN: Flow.PENDING,
    State.RATING: Flow.RATING,
    State.OFFICER: Flow.OFFICER,
    State.OFFICER_ANSWER: Flow.OFFICER,
    State.OFFICER_INFO: Flow.OFFICER,
    State.OFFICER_RETURN: Flow.OFFICER,
    State.OFFICER_CONFIRM: Flow.OFFICER,
}
#: What an officer's chat waits for, by the action its button or command started.
OFFICER_WAITING: dict[str, State] = {
    "answer": State.OFFICER_ANSWER,
    "info": State.OFFICER_INFO,
    "return": State.OFFICER_RETURN,
}
_BY_VALUE: dict[str, Flow] = {state.value: flow for state, flow in FLOW_OF.items()}


def flow_of(state: str) -> Flow | None:
    """The flow of a stored state; None for a string no version of ours knows (the engine then
    treats the conversation as in a flow it cannot ask about, as it always did)."""
    return _BY_VALUE.get(state)


def in_flow(state: str, flow: Flow) -> bool:
    return flow_of(state) is flow
