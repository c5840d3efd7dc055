"""The channel-agnostic conversation engine: one inbound message in, replies and state out.

Dispatch order for a text, chosen so the citizen is never misunderstood in the costly direction:
1. a number answering the numbered choices of our last message (WhatsApp has no buttons);
2. global control turns ("batal", "menu", "status", "english", ...), valid in every state;
3. the current state's question (report draft, rating, choosing a report...);
4. in idle: whatever the database says we wait for (information, feedback on an answer, rating);
5. otherwise a new report: a description, or a complaint in a few words ("jalan rusak"); a short
   text that names no problem gets the menu.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from bot import intents, limits, states
from bot.channels import Button
from bot.flows import join, pending, rating, report, report_words, status
from bot.inbound import InboundKind
from bot.intents import Intent
from bot.states import Flow, State
from bot.turn import Turn

LANGUAGE_MIN_WORDS = 4


@dataclass(frozen=True)
class FlowHandlers:
    """What the engine asks of a flow (a module of ``bot.flows``)."""

    #: Ask the question of the current state again (after a control turn, a stale button...).
    reprompt: Callable[[Turn], None]
    #: Free text in one of the flow's states; False hands it back to be treated as in idle.
    on_text: Callable[[Turn], bool]
    #: A button payload; False when it is not the flow's (or not valid now).
    on_choice: Callable[[Turn, str], bool]


#: The flows by :class:`~bot.states.Flow`, in the order their buttons are tried.
FLOWS: dict[Flow, FlowHandlers] = {
    Flow.REPORT: FlowHandlers(report.reprompt, report.on_text, report.on_choice),
    Flow.PENDING: FlowHandlers(pending.reprompt, pending.on_text, pending.on_choice),
    Flow.RATING: FlowHandlers(rating.reprompt, rating.on_text, rating.on_choice),
}


def _flow(turn: Turn) -> FlowHandlers | None:
    """The handlers of the conversation's current flow; None in idle (or a state unknown to this
    version, which then gets no question repeated and its text treated as in idle)."""
    flow = states.flow_of(turn.state)
    return FLOWS.get(flow) if flow is not None else None


def handle(turn: Turn) -> None:
    """Run one turn; replies are appended to ``turn.replies``."""
    if limits.flooded(turn):
        return
    if report.in_flow(turn.state) and report.expired(turn):
        turn.reset()
        turn.say("draft_expired")
    _BY_KIND.get(turn.message.kind, _unsupported)(turn)
    _remember_choices(turn)


def _unsupported(turn: Turn) -> None:
    turn.say("unsupported")


def _media(turn: Turn) -> None:
    """Files answer the information a report waits for, unless a draft is being composed."""
    if report.in_flow(turn.state) or not pending.try_media(turn):
        report.on_media(turn)


def _location(turn: Turn) -> None:
    if turn.message.latitude is None:
        _unsupported(turn)
    else:
        report.on_location(turn)


#: What each kind of inbound message is, for the engine.
_BY_KIND: dict[InboundKind, Callable[[Turn], None]] = {
    InboundKind.STICKER: lambda turn: turn.say("sticker"),
    InboundKind.VOICE: lambda turn: turn.say("voice"),
    InboundKind.EDITED: lambda turn: turn.say("edited"),
    InboundKind.CALLBACK: lambda turn: _choice(turn, (turn.message.callback_data or "")[:64]),
    InboundKind.PHOTO: _media,
    InboundKind.DOCUMENT: _media,
    InboundKind.LOCATION: _location,
    InboundKind.TEXT: lambda turn: _text(turn),
}


# -- helpers -------------------------------------------------------------------------------------


def menu_buttons(turn: Turn) -> list[Button]:
    other = ("btn_indonesian", "lang:id") if turn.language == "en" else ("btn_english", "lang:en")
    return [
        turn.button("btn_report", "m:report"),
        turn.button("btn_status", "m:status"),
        turn.button("btn_help", "m:help"),
        turn.button(*other),
    ]


def _remember_choices(turn: Turn) -> None:
    """Keep the payloads of our last buttons so that "1", "2"... can answer them."""
    with_buttons = [r for r in turn.replies if r.buttons]
    if with_buttons:
        turn.data["choices"] = [b.data for b in with_buttons[-1].buttons]
    elif turn.replies or turn.state == State.IDLE:
        turn.data.pop("choices", None)


def _in_flow(turn: Turn) -> bool:
    return turn.state != State.IDLE


def reprompt(turn: Turn) -> None:
    handlers = _flow(turn)
    if handlers is not None:
        handlers.reprompt(turn)


def _set_language(turn: Turn, language: str) -> None:
    turn.language = language
    turn.say("language_set")


# -- choices -------------------------------------------------------------------------------------


def _choice(turn: Turn, data: str) -> None:
    head, _, value = data.partition(":")
    if head == "m":
        if value == "report":
            report.ask_new(turn)
        elif value == "status":
            status.show(turn, "")
        else:
            turn.say("help", buttons=menu_buttons(turn))
        return
    if head == "lang" and value in ("id", "en"):
        _set_language(turn, value)
        reprompt(turn)
        return
    for handlers in FLOWS.values():
        if handlers.on_choice(turn, data):
            return
    if _in_flow(turn):
        reprompt(turn)  # a stale button from an earlier question: ask the current one again
    else:
        turn.say("not_understood", buttons=menu_buttons(turn))


# -- text ----------------------------------------------------------------------------------------


def _text(turn: Turn) -> None:
    text = turn.text
    if not text:
        turn.say("not_understood", buttons=menu_buttons(turn))
        return
    choices = turn.data.get("choices") or []
    number = intents.digit(text, len(choices)) if choices else None
    if number is not None:
        last = turn.last_outbound()
        if last is None or last.template.startswith("bot:"):
            _choice(turn, choices[number - 1])
            return
    if join.on_text(turn):  # "saya juga <code>" from a tracking page (before the status intent)
        return
    command = intents.command(text)
    if command is not None:
        _command(turn, command)
        return
    if _in_flow(turn) and _answers_domain_prompt(turn):
        return
    handlers = _flow(turn)
    if handlers is not None and handlers.on_text(turn):
        return
    _idle_text(turn)


def _answers_domain_prompt(turn: Turn) -> bool:
    """Is this text the reply to an agency answer or information request we just delivered?

    When the last message to the citizen was such a request, their reply is for it even in the
    middle of another flow; a report draft in progress is kept and its question asked again.
    """
    if turn.expects() not in pending.DIRECT:
        return False
    saved_state, saved_data = turn.state, copy.deepcopy(turn.data)
    turn.reset()
    if not pending.try_answer(turn, turn.text, direct=True):
        turn.state, turn.data = saved_state, saved_data
        return False
    if turn.state == State.IDLE and report.in_flow(saved_state):
        turn.state = saved_state
        turn.data = {**saved_data, **{k: v for k, v in turn.data.items() if k != "draft"}}
        report.reprompt(turn)
    return True


def _cancel(turn: Turn) -> None:
    if _in_flow(turn):
        turn.reset()
        turn.say("cancelled")
    else:
        turn.say("nothing_to_cancel", buttons=menu_buttons(turn))


def _reopen(turn: Turn) -> None:
    turn.reset()
    pending.start_reopen(turn, turn.text)


def _greeting(turn: Turn) -> None:
    if _in_flow(turn):  # a greeting in the middle of a flow: repeat the question
        reprompt(turn)
    else:
        name = turn.citizen_name
        turn.say("welcome", name=f" {name}" if name else "", buttons=menu_buttons(turn))


#: The control turns; those that answer on the side (help, status, language, thanks) then ask
#: the current question again, so the flow in progress carries on.
_COMMANDS: dict[Intent, Callable[[Turn], None]] = {
    Intent.CANCEL: _cancel,
    Intent.HELP: lambda turn: turn.say("help", buttons=menu_buttons(turn)),
    Intent.STATUS: lambda turn: status.show(turn, turn.text),
    Intent.LANG_EN: lambda turn: _set_language(turn, "en"),
    Intent.LANG_ID: lambda turn: _set_language(turn, "id"),
    Intent.NEW_REPORT: report.ask_new,
    Intent.REOPEN: _reopen,
    Intent.THANKS: lambda turn: turn.say("thanks_reply"),
}
_THEN_REPROMPT = frozenset(
    {Intent.HELP, Intent.STATUS, Intent.LANG_EN, Intent.LANG_ID, Intent.THANKS}
)


def _command(turn: Turn, command: Intent) -> None:
    _COMMANDS.get(command, _greeting)(turn)
    if command in _THEN_REPROMPT:
        reprompt(turn)


def _idle_text(turn: Turn) -> None:
    text = turn.text
    if intents.word_count(text) >= LANGUAGE_MIN_WORDS:
        detected = turn.runtime.classifier.detect_language(text)
        if detected in ("id", "en"):
            turn.language = detected
    number = intents.digit(text, 4)
    # What our last message asked for is looked up only when the answer depends on it.
    if number is not None and turn.expects() == "rating":
        target = rating.unrated(turn)
        if target is not None:
            rating.start(turn, target, number)
            return
    if pending.try_answer(turn, text):
        return
    if number is not None:
        target = rating.unrated(turn)
        if target is not None:
            rating.start(turn, target, number)
            return
    if report_words.is_short(text):
        if intents.short_problem(text):
            report.start_short(turn, text)  # "jalan rusak": a report, the place asked next
        else:
            turn.say("not_understood", buttons=menu_buttons(turn))
        return
    report.start(turn, text)
