"""The report flow: from a free-text description to ``reports.citizen_cases.submit_report``.

The citizen may write everything in one message; we then ask only for what is still missing, in
this order: type (only when the classifier is unsure), location, an optional attachment, privacy,
and finally a summary to confirm, edit or cancel. The draft lives in the conversation row, so the
flow continues on another app process or after a restart.

What citizens really send (issue 11): a complaint in two words ("jalan rusak") starts a report
and the place is asked next; a place named in any message (``bot.places``) fills the location, so
"where?" is asked only when none was found; an information request needs no place, photo or
privacy, so it is submitted as soon as its type is known (``submit_question``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot import intents, limits, places, states
from bot.channels import Button
from bot.flows import report_words
from bot.inbound import refused_file_message
from bot.intents import Intent
from bot.states import Flow, State
from bot.turn import Turn
from reports import case_steps, citizen_cases
from reports.classifier import Prediction, suggestion_version
from reports.enums import Privacy, ReportType
from reports.lifecycle import DomainError
from reports.models import Agency, Attachment

TYPES = [t.value for t in ReportType]
PRIVACIES = [p.value for p in Privacy]
MIN_LOCATION_CHARS = 4
SUMMARY_CHARS = 300


def in_flow(state: str) -> bool:
    """True while a report is being composed: the state is one of the ``REPORT_*`` states."""
    return states.in_flow(state, Flow.REPORT)


# -- draft bookkeeping ----------------------------------------------------------------------------


def draft(turn: Turn) -> dict[str, Any]:
    current = turn.data.get("draft")
    if current is None:
        current = {"started_at": turn.now.isoformat(), "attachments": []}
        turn.data["draft"] = current
    return current


def expired(turn: Turn) -> bool:
    current = turn.data.get("draft")
    if not current:
        return False
    started = datetime.fromisoformat(current["started_at"])
    return turn.now - started > timedelta(hours=turn.runtime.settings.bot_draft_ttl_hours)


def _classify(turn: Turn, body: str) -> None:
    nlu = turn.runtime.classifier
    kind = nlu.classify_type(body)
    agency = nlu.route_agency(body)
    d = draft(turn)
    d["nlu_type"] = kind.label
    d["nlu_type_conf"] = float(kind.confidence)
    d["nlu_agency"] = agency.label
    d["nlu_agency_conf"] = float(agency.confidence)
    d["nlu_model"] = suggestion_version(kind, agency)
    d["ranking"] = {
        "type": [[label, float(c)] for label, c in kind.ranking[:3]],
        "agency": [[label, float(c)] for label, c in agency.ranking[:3]],
    }
    if d.get("type") is None and kind.label in TYPES and _confident(kind):
        d["type"] = kind.label
    report_words.take_place(d, body)


def _confident(prediction: Prediction) -> bool:
    """The classifier's own verdict: its calibrated confidence against the configured threshold
    (``Settings.nlu_type_threshold``). Below it the citizen is asked, never guessed for."""
    return bool(prediction.confident)


def _more_of_the_story(turn: Turn, text: str) -> bool:
    """A text that answers none of the questions: a long one is added to the description (an
    address in it becomes the location if none is known yet), a short address fills a missing
    location. Then the first thing still missing is asked, after a word that the text was taken;
    False when the text is neither (the caller asks its question again)."""
    d = draft(turn)
    no_location = d.get("location") is None and d.get("lat") is None
    if intents.word_count(text) >= report_words.STORY_WORDS:
        d["body"] = f"{d['body']}\n{text}"[: case_steps.BODY_MAX]
        report_words.take_place(d, text)  # this part of the story, wherever it falls in the whole
        if d.get("type") is None:
            _classify(turn, d["body"])  # the type question may no longer be needed
        else:
            d["stale"] = True  # classified again when the summary needs it (see _refresh)
        ack: tuple[str, dict[str, object]] = ("story_added", {})
    elif no_location and report_words.take_place(d, text):
        if d.get("location") is not None:
            d["location"] = text[:500]  # a short answer: the citizen's own words are the place
        ack = ("location_added", {"location": d.get("location") or _coords(d)})
    else:
        return False
    next_step(turn)
    turn.lead_with(ack[0], **ack[1])
    return True


def _refresh(turn: Turn, d: dict[str, Any]) -> None:
    """Classify the description again if it grew since: once, when the result is shown or used,
    rather than on every added message."""
    if d.pop("stale", False):
        _classify(turn, d["body"])


def _set_body(turn: Turn, text: str) -> bool:
    """The description; a short one only when it names a problem (see ``start_short``)."""
    problem = report_words.is_short(text) and intents.short_problem(text)
    if report_words.is_short(text) and not problem:
        turn.state = State.REPORT_DESCRIBE
        turn.say("too_short")
        return False
    d = draft(turn)
    d["body"] = text
    _classify(turn, text)
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
    if not composing:
        if not limits.may_report(turn):
            turn.reset()
            return
        turn.reset()
    d = draft(turn)
    added = 0
    ids = [attachment_id for attachment_id, _ in files if attachment_id is not None]
    owned = set(
        turn.reads.scalars(
            select(Attachment.id).where(
                Attachment.id.in_(ids), Attachment.citizen_id == turn.citizen_id
            )
        )
    )
    for attachment_id, name in files:
        if attachment_id not in owned:
            turn.say(refused_file_message(turn.message.media, name), filename=name)
            continue
        if attachment_id not in d["attachments"]:
            d["attachments"].append(attachment_id)
            added += 1
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


def on_location(turn: Turn) -> None:
    composing = in_flow(turn.state)
    if not composing:
        if not limits.may_report(turn):
            turn.reset()
            return
        turn.reset()
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


def _on_type(turn: Turn, text: str, d: dict[str, Any]) -> None:
    chosen = report_words.match(text, report_words.TYPE_WORDS)
    if chosen:
        on_choice(turn, f"type:{chosen}")
    elif not _more_of_the_story(turn, text):
        reprompt(turn)


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


def _on_privacy(turn: Turn, text: str, d: dict[str, Any]) -> None:
    chosen = report_words.match(text, report_words.PRIVACY_WORDS)
    if chosen:
        on_choice(turn, f"priv:{chosen}")
    elif not _more_of_the_story(turn, text):
        reprompt(turn)


def _on_confirm(turn: Turn, text: str, d: dict[str, Any]) -> None:
    if intents.is_(text, Intent.YES):
        on_choice(turn, "confirm:send")
    elif intents.normalize(text) in report_words.CHANGE_WORDS:
        on_choice(turn, "confirm:edit")
    elif not _more_of_the_story(turn, text):
        turn.say("confirm_hint", buttons=_confirm_buttons(turn))


def _on_edit(turn: Turn, text: str, d: dict[str, Any]) -> None:
    field = report_words.match(text, report_words.EDIT_WORDS)
    if field:
        on_choice(turn, f"edit:{field}")
    else:
        reprompt(turn)


#: What free text means in each step: the answer to the question that step asked.
ON_TEXT: dict[str, Callable[[Turn, str, dict[str, Any]], None]] = {
    State.REPORT_DESCRIBE: _on_describe,
    State.REPORT_TYPE: _on_type,
    State.REPORT_LOCATION: _on_location,
    State.REPORT_ATTACHMENT: _on_attachment,
    State.REPORT_PRIVACY: _on_privacy,
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


def on_choice(turn: Turn, data: str) -> bool:
    """Button payloads of this flow; False when ``data`` is not ours or not valid now."""
    head, _, value = data.partition(":")
    if head not in {"type", "priv", "confirm", "edit", "skip", "done"}:
        return False
    if not in_flow(turn.state) or "draft" not in turn.data:
        return False
    d = draft(turn)
    if head == "type" and value in TYPES:
        d["type"] = value
    elif head == "priv" and value in PRIVACIES:
        d["privacy"] = value
    elif head in {"skip", "done"} and turn.state == State.REPORT_LOCATION:
        d["location_skipped"] = True
    elif head in {"skip", "done"} and turn.state == State.REPORT_ATTACHMENT:
        d["asked_attachment"] = True
    elif head == "confirm" and value == "send" and turn.state == State.REPORT_CONFIRM:
        submit(turn)
        return True
    elif head == "confirm" and value == "edit":
        turn.state = State.REPORT_EDIT
        reprompt(turn)
        return True
    elif head == "confirm" and value == "cancel":
        turn.reset()
        turn.say("cancelled")
        return True
    elif head == "edit" and value in report_words.EDIT_WORDS:
        _edit(turn, d, value)
        return True
    else:
        return False
    next_step(turn)
    return True


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
    d = draft(turn)
    if not d.get("body"):
        turn.state = State.REPORT_DESCRIBE
    elif d.get("type") is None:
        turn.state = State.REPORT_TYPE
    elif d["type"] == ReportType.INFORMATION_REQUEST.value:
        submit_question(turn)  # the short flow: no place, photo or privacy to ask about
        return
    elif d.get("location") is None and d.get("lat") is None and not d.get("location_skipped"):
        turn.state = State.REPORT_LOCATION
    elif not d["attachments"] and not d.get("asked_attachment"):
        turn.state = State.REPORT_ATTACHMENT
    elif d.get("privacy") is None:
        turn.state = State.REPORT_PRIVACY
    else:
        turn.state = State.REPORT_CONFIRM
    reprompt(turn)


def _confirm_buttons(turn: Turn) -> list[Button]:
    return [
        turn.button("btn_submit", "confirm:send"),
        turn.button("btn_edit", "confirm:edit"),
        turn.button("btn_cancel", "confirm:cancel"),
    ]


def reprompt(turn: Turn) -> None:
    """(Re-)ask the question of the current report state."""
    d = draft(turn)
    state = turn.state
    if state == State.REPORT_DESCRIBE:
        turn.say("ask_report")
    elif state == State.REPORT_TYPE:
        turn.say("ask_type", buttons=[turn.button(f"btn_type_{t}", f"type:{t}") for t in TYPES])
    elif state == State.REPORT_LOCATION:
        turn.say("ask_location", buttons=[turn.button("btn_skip", "skip")])
    elif state == State.REPORT_ATTACHMENT:
        turn.say("ask_attachment", buttons=[turn.button("btn_skip", "skip")])
    elif state == State.REPORT_PRIVACY:
        turn.say(
            "ask_privacy",
            buttons=[turn.button(f"btn_privacy_{p}", f"priv:{p}") for p in PRIVACIES],
        )
    elif state == State.REPORT_CONFIRM:
        turn.say("summary", buttons=_confirm_buttons(turn), **_summary_values(turn, d))
    elif state == State.REPORT_EDIT:
        turn.say(
            "ask_edit_what",
            buttons=[turn.button(f"btn_edit_{f}", f"edit:{f}") for f in report_words.EDIT_WORDS],
        )


def _summary_values(turn: Turn, d: dict[str, Any]) -> dict[str, Any]:
    _refresh(turn, d)
    body = d["body"]
    if len(body) > SUMMARY_CHARS:
        body = body[:SUMMARY_CHARS].rstrip() + "…"
    location = d.get("location")
    if d.get("lat") is not None:
        coords = f"{d['lat']:.5f}, {d['lon']:.5f}"
        location = f"{location} ({coords})" if location else coords
    agency_line = ""
    code = _confident_agency(turn, d)
    if code:
        agency = turn.reads.scalar(select(Agency).where(Agency.code == code))
        if agency is not None:
            agency_line = turn.tr("summary_agency", agency=agency.name)
    return {
        "type": turn.tr(f"type_{d['type']}"),
        "body": body,
        "location": location or turn.tr("no_location"),
        "attachments": len(d["attachments"]),
        "privacy": turn.tr(f"privacy_{d['privacy']}"),
        "agency_line": agency_line,
    }


def _confident_agency(turn: Turn, d: dict[str, Any]) -> str | None:
    """The suggested agency when the classifier is sure; otherwise the verifier decides."""
    code = d.get("nlu_agency")
    conf = d.get("nlu_agency_conf") or 0.0
    if not code or code == "lainnya" or conf < turn.runtime.settings.nlu_agency_threshold:
        return None
    return str(code)


# -- submit --------------------------------------------------------------------------------------


def _coords(d: dict[str, Any]) -> str:
    return f"{d['lat']:.5f}, {d['lon']:.5f}" if d.get("lat") is not None else ""


def submit_question(turn: Turn) -> None:
    """An information request, submitted as soon as its type is known.

    A question needs no place, photo or privacy choice: it goes in as ``information_request``,
    confidential (it may quote the citizen's own case, and nobody else needs to read it), with
    the agency that can answer it as the classifier's suggestion; the verifier confirms and
    forwards, as for every report. The domain's receipt gives the tracking code and due date.
    """
    d = draft(turn)
    _refresh(turn, d)
    code = _confident_agency(turn, d)
    agency = turn.reads.scalar(select(Agency).where(Agency.code == code)) if code else None
    d["privacy"] = Privacy.CONFIDENTIAL.value
    if submit(turn):
        if agency is not None:
            turn.say("question_received_agency", agency=agency.name)
        else:
            turn.say("question_received")


def submit(turn: Turn) -> bool:
    """Submit the draft; the domain queues the receipt (tracking code + verification due date).
    False when it could not be (the citizen was told why)."""
    if not limits.may_report(turn):
        turn.reset()
        return False
    d = draft(turn)
    _refresh(turn, d)
    # The agency is only suggested (nlu_agency_*): the verifier decides and forwards. Setting
    # it here would show an unverified report to that agency's officers before verification.
    suggestion = citizen_cases.NluSuggestion(
        type=d.get("nlu_type"),
        type_confidence=d.get("nlu_type_conf"),
        agency_code=d.get("nlu_agency"),
        agency_confidence=d.get("nlu_agency_conf"),
        ranking=d.get("ranking") or {},
        model_version=d.get("nlu_model"),
    )
    citizen = turn.citizen
    # The receipt is written in the citizen's stored language; this turn may have just changed
    # it (a first message in English), and the pipeline only saves it after the turn.
    citizen.language = turn.language
    try:
        citizen_cases.submit_report(
            turn.db,
            clock=turn.runtime.clock,
            citizen=citizen,
            channel=turn.message.channel,
            report_type=ReportType(d["type"]),
            title=report_words.make_title(d["body"]),
            body=d["body"],
            now=turn.now,
            privacy=Privacy(d["privacy"]),
            location_text=d.get("location"),
            latitude=d.get("lat"),
            longitude=d.get("lon"),
            nlu=suggestion,
            attachment_ids=list(d["attachments"]),
        )
    except DomainError:
        turn.reset()
        turn.say("too_short")
        return False
    turn.new_citizen = False  # they have a report now
    turn.reset()
    return True
