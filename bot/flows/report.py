"""The report flow: from a free-text description to ``reports.citizen_cases.submit_report``.

The citizen may write everything in one message; we then ask only for what is still missing, in
this order: type (only when the classifier is unsure), location, an optional attachment, privacy,
and finally a summary to confirm, edit or cancel. The draft lives in the conversation row, so the
flow continues on another app process or after a restart.

What citizens really send (issue 11): a complaint in two words ("jalan rusak") starts a report
and the place is asked next; a place named in any message (``bot.places``) fills the location, so
"where?" is asked only when none was found; an information request needs no place, photo or
privacy, so it is submitted as soon as its type is known (``report_submit.submit_question``).

The modules beside this one: ``report_draft`` (the draft and what the classifier made of it),
``report_prompts`` (the question of each state), ``report_submit`` (the draft to the domain),
``report_words`` (the typed words that answer the questions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot import intents, limits, places, states
from bot.flows import report_draft, report_prompts, report_submit, report_words
from bot.flows.report_draft import PRIVACIES, TYPES, draft
from bot.flows.report_draft import expired as expired
from bot.flows.report_prompts import reprompt as reprompt
from bot.inbound import refused_file_message
from bot.intents import Intent
from bot.states import Flow, State
from bot.turn import Turn
from reports import citizen_reads
from reports.enums import ReportType

MIN_LOCATION_CHARS = 4


def in_flow(state: str) -> bool:
    """True while a report is being composed: the state is one of the ``REPORT_*`` states."""
    return states.in_flow(state, Flow.REPORT)


# -- the description ----------------------------------------------------------------------------


def _more_of_the_story(turn: Turn, text: str) -> bool:
    """A text that answers none of the questions but continues the story or names the place
    (``report_draft.absorb``): taken, then the first thing still missing is asked, after a word
    that the text was taken. False when it is neither (the caller asks its question again)."""
    ack = report_draft.absorb(turn, text)
    if ack is None:
        return False
    next_step(turn)
    turn.lead_with(ack[0], **ack[1])
    return True


def _set_body(turn: Turn, text: str) -> bool:
    """The description; a short one only when it names a problem (see ``start_short``)."""
    problem = report_words.is_short(text) and intents.short_problem(text)
    if report_words.is_short(text) and not problem:
        turn.state = State.REPORT_DESCRIBE
        turn.say("too_short")
        return False
    d = draft(turn)
    d["body"] = text
    report_draft.classify(turn, text)
    if problem:
        d["type"] = ReportType.COMPLAINT.value
    return True


# -- entry points --------------------------------------------------------------------------------


def start(turn: Turn, text: str) -> None:
    """A new report from a free-text description (the usual first message)."""
    if not limits.may_report(turn):
        turn.reset()
        return
    turn.data.pop("draft", None)
    if _set_body(turn, text):
        next_step(turn)


def start_short(turn: Turn, text: str) -> None:
    """A complaint in a few words ("jalan rusak", "lampu mati"): a report is started with them
    as its description, and the bot asks for what is missing (the place first, unless named).

    The words that make it a complaint (``intents.PROBLEM_WORDS``) decide the type: a two-word
    text is too little for the classifier to be trusted, and "rusak" leaves no doubt.
    """
    if not limits.may_report(turn):
        turn.reset()
        return
    turn.data.pop("draft", None)
    _set_body(turn, text)
    next_step(turn)
    turn.lead_with("short_started", problem=text)


def ask_new(turn: Turn) -> None:
    """The citizen asked to report ("lapor", the menu button): ask for the description."""
    if not limits.may_report(turn):
        turn.reset()
        return
    turn.reset()
    draft(turn)
    turn.state = State.REPORT_DESCRIBE
    turn.say("ask_report")


def on_media(turn: Turn) -> None:
    """Photos and documents: attached to the draft (a new one if none is in progress)."""
    files = [(m.attachment_id, m.filename or m.kind) for m in turn.message.media]
    add_files(turn, files, turn.text)


def add_files(turn: Turn, files: Sequence[tuple[int | None, str]], caption: str) -> None:
    """Files (attachment id, or None when it could not be stored; a name to mention) and their
    caption, for the draft: also used when the citizen picked "new report" for files that could
    have answered an information request."""
    composing = in_flow(turn.state)
    if not _open_draft(turn):
        return
    d = draft(turn)
    added = _attach(turn, d, files)
    if not added and not d.get("body"):
        if not composing:
            turn.reset()
        return
    if caption and not d.get("body"):  # a caption is the description
        if _set_body(turn, caption):
            next_step(turn)
        return
    if not d.get("body"):
        turn.state = State.REPORT_DESCRIBE
        turn.say("ask_description_for_media")
        return
    if turn.state == State.REPORT_ATTACHMENT or not composing:
        turn.state = State.REPORT_ATTACHMENT
        turn.say(
            "attachment_received",
            count=len(d["attachments"]),
            buttons=[turn.button("btn_done", "done")],
        )
        return
    reprompt(turn)


def _open_draft(turn: Turn) -> bool:
    """Files or a location sent outside the flow start a new draft (forgetting any other
    question), within the daily limit; False (the citizen told why) when over it."""
    if in_flow(turn.state):
        return True
    allowed = limits.may_report(turn)
    turn.reset()
    return allowed


def _attach(turn: Turn, d: dict[str, Any], files: Sequence[tuple[int | None, str]]) -> int:
    """The citizen's own stored files onto the draft; how many were new. A file that could not
    be stored, or an id that is not theirs, gets a refusal naming it."""
    added = 0
    ids = [attachment_id for attachment_id, _ in files if attachment_id is not None]
    owned = citizen_reads.owned_attachments(turn.reads, turn.citizen_id, ids)
    for attachment_id, name in files:
        if attachment_id not in owned:
            turn.say(refused_file_message(turn.message.media, name), filename=name)
            continue
        if attachment_id not in d["attachments"]:
            d["attachments"].append(attachment_id)
            added += 1
    return added


def on_location(turn: Turn) -> None:
    """A shared location: the draft's place (a new draft outside the flow)."""
    if not _open_draft(turn):
        return
    d = draft(turn)
    d["lat"], d["lon"] = turn.message.latitude, turn.message.longitude
    if turn.text:
        d["location"] = turn.text[:500]
    d.pop("location_skipped", None)
    if not d.get("body"):
        turn.state = State.REPORT_DESCRIBE
        turn.say("location_received")
        return
    next_step(turn)


def _on_describe(turn: Turn, text: str, d: dict[str, Any]) -> None:
    if _set_body(turn, text):
        next_step(turn)


#: What free text means in one step: the answer to the question that step asked.
TextStep = Callable[[Turn, str, dict[str, Any]], None]


def _words_for(head: str, table: dict[str, set[str]]) -> TextStep:
    """A question with buttons (type, privacy) answered in words: the matching word presses its
    button (``head:value``); any other text may continue the story, else the question is asked
    again."""

    def answer(turn: Turn, text: str, d: dict[str, Any]) -> None:
        chosen = report_words.match(text, table)
        if chosen:
            on_choice(turn, f"{head}:{chosen}")
        elif not _more_of_the_story(turn, text):
            reprompt(turn)

    return answer


def _on_location(turn: Turn, text: str, d: dict[str, Any]) -> None:
    if intents.is_(text, Intent.SKIP):
        d["location_skipped"] = True
    elif len(text) < MIN_LOCATION_CHARS:
        reprompt(turn)
        return
    elif not places.answers_where(text) and _more_of_the_story(turn, text):
        return  # the story went on; the location is asked again (unless it was in there)
    else:
        d["location"] = text[:500]
        found = places.find(text)
        if found is not None and found.latitude is not None:
            d["lat"], d["lon"] = found.latitude, found.longitude
    next_step(turn)


def _on_attachment(turn: Turn, text: str, d: dict[str, Any]) -> None:
    if intents.is_(text, Intent.SKIP) or intents.is_(text, Intent.DONE):
        d["asked_attachment"] = True
        next_step(turn)
    elif not _more_of_the_story(turn, text):
        reprompt(turn)


def _on_confirm(turn: Turn, text: str, d: dict[str, Any]) -> None:
    if intents.is_(text, Intent.YES):
        on_choice(turn, "confirm:send")
    elif intents.normalize(text) in report_words.CHANGE_WORDS:
        on_choice(turn, "confirm:edit")
    elif not _more_of_the_story(turn, text):
        turn.say("confirm_hint", buttons=report_prompts.confirm_buttons(turn))


def _on_edit(turn: Turn, text: str, d: dict[str, Any]) -> None:
    field = report_words.match(text, report_words.EDIT_WORDS)
    if field:
        on_choice(turn, f"edit:{field}")
    else:
        reprompt(turn)


#: What free text means in each step: the answer to the question that step asked.
ON_TEXT: dict[str, TextStep] = {
    State.REPORT_DESCRIBE: _on_describe,
    State.REPORT_TYPE: _words_for("type", report_words.TYPE_WORDS),
    State.REPORT_LOCATION: _on_location,
    State.REPORT_ATTACHMENT: _on_attachment,
    State.REPORT_PRIVACY: _words_for("priv", report_words.PRIVACY_WORDS),
    State.REPORT_CONFIRM: _on_confirm,
    State.REPORT_EDIT: _on_edit,
}


def on_text(turn: Turn) -> bool:
    """Free text while a report is being composed; the state says what we asked for. Always
    True: a text in this flow is never handed back (see ``bot.engine.FLOWS``)."""
    d = draft(turn)
    handler = ON_TEXT.get(turn.state)
    if handler is None:
        reprompt(turn)
    else:
        handler(turn, turn.text, d)
    return True


#: A button of this flow: True when it was handled, False when not valid now.
ChoiceStep = Callable[[Turn, dict[str, Any], str], bool]


def _choose(key: str, allowed: list[str]) -> ChoiceStep:
    """A button that sets one field of the draft (type, privacy), then the next question."""

    def choose(turn: Turn, d: dict[str, Any], value: str) -> bool:
        if value not in allowed:
            return False
        d[key] = value
        next_step(turn)
        return True

    return choose


def _skip(turn: Turn, d: dict[str, Any], value: str) -> bool:
    """ "Skip" or "done" answers the place and the photo questions only."""
    if turn.state == State.REPORT_LOCATION:
        d["location_skipped"] = True
    elif turn.state == State.REPORT_ATTACHMENT:
        d["asked_attachment"] = True
    else:
        return False
    next_step(turn)
    return True


def _confirm(turn: Turn, d: dict[str, Any], value: str) -> bool:
    """The summary's buttons; "send" only while the summary is the open question."""
    if value == "send" and turn.state == State.REPORT_CONFIRM:
        report_submit.submit(turn)
    elif value == "edit":
        turn.state = State.REPORT_EDIT
        reprompt(turn)
    elif value == "cancel":
        turn.reset()
        turn.say("cancelled")
    else:
        return False
    return True


def _choose_edit(turn: Turn, d: dict[str, Any], value: str) -> bool:
    if value not in report_words.EDIT_WORDS:
        return False
    _edit(turn, d, value)
    return True


#: This flow's button payloads (``head:value``) by head; each says False when not valid now.
CHOICES: dict[str, ChoiceStep] = {
    "type": _choose("type", TYPES),
    "priv": _choose("privacy", PRIVACIES),
    "skip": _skip,
    "done": _skip,
    "confirm": _confirm,
    "edit": _choose_edit,
}


def on_choice(turn: Turn, data: str) -> bool:
    """Button payloads of this flow; False when ``data`` is not ours or not valid now."""
    head, _, value = data.partition(":")
    choose = CHOICES.get(head)
    if choose is None or not in_flow(turn.state) or "draft" not in turn.data:
        return False
    return choose(turn, draft(turn), value)


def _edit(turn: Turn, d: dict[str, Any], field: str) -> None:
    if field == "body":
        d.pop("body", None)
        turn.state = State.REPORT_DESCRIBE
        turn.say("ask_new_body")
        return
    if field == "type":
        d.pop("type", None)
    elif field == "location":
        for key in ("location", "lat", "lon", "location_skipped"):
            d.pop(key, None)
    elif field == "privacy":
        d.pop("privacy", None)
    next_step(turn)


# -- asking --------------------------------------------------------------------------------------


def next_step(turn: Turn) -> None:
    """Ask for the first thing still missing, or show the summary."""
    state = report_draft.next_state(draft(turn))
    if state is None:
        # the short flow: no place, photo or privacy to ask about
        report_submit.submit_question(turn)
        return
    turn.state = state
    reprompt(turn)
