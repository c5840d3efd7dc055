"""The report draft the conversation keeps: what is known so far, what the classifier made of
it, and which question is still open.

The draft is a plain dict in the conversation's ``data`` (so it survives a restart and moves
between processes); this module is all that reads and fills it from the citizen's words and the
classifier, without asking anything: ``bot.flows.report`` decides what to say and when,
``bot.flows.report_prompts`` says it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot import intents
from bot.flows import report_words
from bot.states import State
from bot.turn import Turn
from reports import case_steps
from reports.classifier import Prediction, suggestion_version
from reports.enums import Privacy, ReportType

TYPES = [t.value for t in ReportType]
PRIVACIES = [p.value for p in Privacy]


def draft(turn: Turn) -> dict[str, Any]:
    """The draft in progress, started now when there is none (``expired`` measures from then)."""
    current = turn.data.get("draft")
    if current is None:
        current = {"started_at": turn.now.isoformat(), "attachments": []}
        turn.data["draft"] = current
    return current


def expired(turn: Turn) -> bool:
    """A draft left longer than ``bot_draft_ttl_hours``: the citizen has moved on, so an answer
    now is not taken for a question asked long ago."""
    current = turn.data.get("draft")
    if not current:
        return False
    started = datetime.fromisoformat(current["started_at"])
    return turn.now - started > timedelta(hours=turn.runtime.settings.bot_draft_ttl_hours)


def classify(turn: Turn, body: str) -> None:
    """What the classifier makes of the description, kept in the draft: the verifier sees it as
    a suggestion and retraining learns from it. The type is taken only when it is confident."""
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


def refresh(turn: Turn, d: dict[str, Any]) -> None:
    """Classify the description again if it grew since: once, when the result is shown or used,
    rather than on every added message."""
    if d.pop("stale", False):
        classify(turn, d["body"])


def confident_agency(turn: Turn, d: dict[str, Any]) -> str | None:
    """The suggested agency when the classifier is sure; otherwise the verifier decides."""
    code = d.get("nlu_agency")
    conf = d.get("nlu_agency_conf") or 0.0
    if not code or code == "lainnya" or conf < turn.runtime.settings.nlu_agency_threshold:
        return None
    return str(code)


def coords(d: dict[str, Any]) -> str:
    return f"{d['lat']:.5f}, {d['lon']:.5f}" if d.get("lat") is not None else ""


def absorb(turn: Turn, text: str) -> tuple[str, dict[str, object]] | None:
    """A text that answers none of the questions: a long one is added to the description (an
    address in it becomes the location if none is known yet), a short address fills a missing
    location. The acknowledgement to lead the next question with; None when the text is neither
    (the caller asks its question again)."""
    d = draft(turn)
    no_location = d.get("location") is None and d.get("lat") is None
    if intents.word_count(text) >= report_words.STORY_WORDS:
        d["body"] = f"{d['body']}\n{text}"[: case_steps.BODY_MAX]
        report_words.take_place(d, text)  # this part of the story, wherever it falls in the whole
        if d.get("type") is None:
            classify(turn, d["body"])  # the type question may no longer be needed
        else:
            d["stale"] = True  # classified again when the summary needs it (see refresh)
        return ("story_added", {})
    if no_location and report_words.take_place(d, text):
        if d.get("location") is not None:
            d["location"] = text[:500]  # a short answer: the citizen's own words are the place
        return ("location_added", {"location": d.get("location") or coords(d)})
    return None


def next_state(d: dict[str, Any]) -> State | None:
    """The question for the first thing still missing, or the summary; None for an information
    request with its type known (submitted at once: no place, photo or privacy to ask about)."""
    if not d.get("body"):
        return State.REPORT_DESCRIBE
    if d.get("type") is None:
        return State.REPORT_TYPE
    if d["type"] == ReportType.INFORMATION_REQUEST.value:
        return None
    if d.get("location") is None and d.get("lat") is None and not d.get("location_skipped"):
        return State.REPORT_LOCATION
    if not d["attachments"] and not d.get("asked_attachment"):
        return State.REPORT_ATTACHMENT
    if d.get("privacy") is None:
        return State.REPORT_PRIVACY
    return State.REPORT_CONFIRM
