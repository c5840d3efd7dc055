"""The satisfaction rating (SKM) after a report is finished.

The domain's ``rating_request`` asks how the report was handled: the first 1-4 reply answers the
element "complaint handling"; we then ask the other elements of
``reports.satisfaction.ASKED_AFTER_REPORT`` one by one. Anything other than a score ends the
rating politely and is treated as a normal message, so nobody is trapped in a survey.
"""

from __future__ import annotations

from datetime import timedelta

from bot import intents
from bot.channels import Button
from bot.intents import Intent
from bot.states import State
from bot.turn import Turn
from reports import citizen_reads, satisfaction, tracking
from reports.lifecycle import DomainError
from reports.models import Report

FIRST = "complaint_handling"
RATE_WITHIN = timedelta(days=30)


def unrated(turn: Turn) -> Report | None:
    """The most recently finished report the citizen may rate and has not rated, if finished
    recently: their own, or the primary of a group they joined ("saya juga")."""
    if not turn.has_reports():
        return None
    return citizen_reads.latest_unrated(turn.reads, turn.citizen_id, turn.now - RATE_WITHIN)


def _record(turn: Turn, report: Report, element: str, score: int) -> bool:
    try:
        satisfaction.record_rating(
            turn.db,
            report=report,
            citizen_id=turn.citizen_id,
            element=element,
            score=score,
            now=turn.now,
        )
    except DomainError:
        return False
    return True


def start(turn: Turn, report: Report, score: int) -> None:
    """The first score (answer to the domain's rating request), then the remaining questions."""
    turn.reset()
    if not _record(turn, report, FIRST, score):
        turn.say("action_failed", code=report.tracking_code)
        return
    remaining = [e for e in satisfaction.ASKED_AFTER_REPORT if e != FIRST]
    turn.state = State.RATING
    turn.data["rating"] = {"code": report.tracking_code, "remaining": remaining}
    reprompt(turn)


def reprompt(turn: Turn) -> None:
    rating = turn.data.get("rating") or {}
    remaining = rating.get("remaining") or []
    if not remaining:
        turn.reset()
        return
    code = rating["code"]
    buttons = [Button(str(n), f"rate:{code}:{n}") for n in range(1, 5)]
    buttons.append(turn.button("btn_rate_skip", "rate:skip"))
    turn.say(f"rating_question_{remaining[0]}", code=code, buttons=buttons)


def _current(turn: Turn) -> tuple[Report | None, list[str]]:
    rating = turn.data.get("rating") or {}
    code = rating.get("code", "")
    canonical = tracking.normalize(code)
    report = (
        citizen_reads.rateable_report(turn.reads, turn.citizen_id, canonical) if canonical else None
    )
    return report, list(rating.get("remaining") or [])


def score(turn: Turn, value: int) -> None:
    report, remaining = _current(turn)
    if report is None or not remaining:
        turn.reset()
        return
    _record(turn, report, remaining[0], value)
    remaining = remaining[1:]
    if not remaining:
        turn.reset()
        turn.say("rating_thanks", code=report.tracking_code)
        return
    turn.data["rating"] = {"code": report.tracking_code, "remaining": remaining}
    reprompt(turn)


def on_text(turn: Turn) -> bool:
    """A score or "lewati"; anything else ends the rating and is handled afresh (False)."""
    value = intents.digit(turn.text, 4)
    if value is not None:
        score(turn, value)
        return True
    if intents.is_(turn.text, Intent.SKIP):
        report, _ = _current(turn)
        turn.reset()
        if report is not None:
            turn.say("rating_thanks", code=report.tracking_code)
        return True
    turn.reset()
    return False


def on_choice(turn: Turn, data: str) -> bool:
    """``rate:<code>:<n>`` and ``rate:skip`` buttons (also on the domain's rating request)."""
    parts = data.split(":")
    if parts[0] != "rate":
        return False
    if parts[1:] == ["skip"]:
        report, _ = _current(turn)
        turn.reset()
        if report is not None:
            turn.say("rating_thanks", code=report.tracking_code)
        return True
    if len(parts) != 3 or intents.digit(parts[2], 4) is None:
        return False
    value = int(parts[2])
    if turn.state == State.RATING:
        report, _ = _current(turn)
        if report is not None and report.tracking_code == tracking.normalize(parts[1]):
            score(turn, value)
            return True
    target = unrated(turn)
    if target is not None and target.tracking_code == tracking.normalize(parts[1]):
        start(turn, target, value)
        return True
    return False
