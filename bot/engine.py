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

from bot import intents, limits
from bot.channels import Button
from bot.flows import join, pending, rating, report, report_words, status
from bot.inbound import InboundKind
from bot.intents import Intent
from bot.turn import Turn

LANGUAGE_MIN_WORDS = 4


def handle(turn: Turn) -> None:
    """Run one turn; replies are appended to ``turn.replies``."""
    if limits.flooded(turn):
        return
    if report.in_flow(turn.state) and report.expired(turn):
        turn.reset()
        turn.say("draft_expired")
    kind = turn.message.kind
    if kind is InboundKind.STICKER:
        turn.say("sticker")
    elif kind is InboundKind.VOICE:
        turn.say("voice")
    elif kind is InboundKind.EDITED:
        turn.say("edited")
    elif kind is InboundKind.CALLBACK:
        _choice(turn, (turn.message.callback_data or "")[:64])
    elif kind in (InboundKind.PHOTO, InboundKind.DOCUMENT):
        if report.in_flow(turn.state) or not pending.try_media(turn):
            report.on_media(turn)
    elif kind is InboundKind.LOCATION and turn.message.latitude is not None:
        report.on_location(turn)
    elif kind is InboundKind.TEXT:
        _text(turn)
    else:
        turn.say("unsupported")
    _remember_choices(turn)


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
    elif turn.replies or turn.state == "idle":
        turn.data.pop("choices", None)


def _in_flow(turn: Turn) -> bool:
    return turn.state != "idle"


def reprompt(turn: Turn) -> None:
    if report.in_flow(turn.state):
        report.reprompt(turn)
    elif turn.state.startswith("pending_"):
        pending.reprompt(turn)
    elif turn.state == "rating":
        rating.reprompt(turn)


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
    for flow in (report, pending, rating):
        if flow.on_choice(turn, data):
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
    if report.in_flow(turn.state):
        report.on_text(turn)
        return
    if turn.state.startswith("pending_") and pending.on_text(turn):
        return
    if turn.state == "rating" and rating.on_text(turn):
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
    if turn.state == "idle" and report.in_flow(saved_state):
        turn.state = saved_state
        turn.data = {**saved_data, **{k: v for k, v in turn.data.items() if k != "draft"}}
        report.reprompt(turn)
    return True


def _command(turn: Turn, command: Intent) -> None:
    text = turn.text
    if command is Intent.CANCEL:
        if _in_flow(turn):
            turn.reset()
            turn.say("cancelled")
        else:
            turn.say("nothing_to_cancel", buttons=menu_buttons(turn))
    elif command is Intent.HELP:
        turn.say("help", buttons=menu_buttons(turn))
        reprompt(turn)
    elif command is Intent.STATUS:
        status.show(turn, text)
        reprompt(turn)
    elif command is Intent.LANG_EN:
        _set_language(turn, "en")
        reprompt(turn)
    elif command is Intent.LANG_ID:
        _set_language(turn, "id")
        reprompt(turn)
    elif command is Intent.NEW_REPORT:
        report.ask_new(turn)
    elif command is Intent.REOPEN:
        turn.reset()
        pending.start_reopen(turn, text)
    elif command is Intent.THANKS:
        turn.say("thanks_reply")
        reprompt(turn)
    elif _in_flow(turn):  # a greeting in the middle of a flow: repeat the question
        reprompt(turn)
    else:
        name = turn.citizen_name
        turn.say("welcome", name=f" {name}" if name else "", buttons=menu_buttons(turn))


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
