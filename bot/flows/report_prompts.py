"""What the report flow asks in each of its states, and the summary it shows before sending.

One prompt per :class:`~bot.states.State` of the report flow (``PROMPTS``): asked when the flow
moves to that state, and again after a control turn ("help", "status") or a stale button.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.channels import Button
from bot.flows import report_draft, report_words
from bot.flows.report_draft import PRIVACIES, TYPES
from bot.states import State
from bot.turn import Turn
from reports import citizen_reads

SUMMARY_CHARS = 300


def confirm_buttons(turn: Turn) -> list[Button]:
    return [
        turn.button("btn_submit", "confirm:send"),
        turn.button("btn_edit", "confirm:edit"),
        turn.button("btn_cancel", "confirm:cancel"),
    ]


def _ask_type(turn: Turn, d: dict[str, Any]) -> None:
    turn.say("ask_type", buttons=[turn.button(f"btn_type_{t}", f"type:{t}") for t in TYPES])


def _ask_privacy(turn: Turn, d: dict[str, Any]) -> None:
    turn.say(
        "ask_privacy", buttons=[turn.button(f"btn_privacy_{p}", f"priv:{p}") for p in PRIVACIES]
    )


def _ask_confirm(turn: Turn, d: dict[str, Any]) -> None:
    turn.say("summary", buttons=confirm_buttons(turn), **summary_values(turn, d))


def _ask_edit(turn: Turn, d: dict[str, Any]) -> None:
    turn.say(
        "ask_edit_what",
        buttons=[turn.button(f"btn_edit_{f}", f"edit:{f}") for f in report_words.EDIT_WORDS],
    )


def _skippable(key: str) -> Callable[[Turn, dict[str, Any]], None]:
    """A question the citizen may skip (the place, a photo)."""

    def ask(turn: Turn, d: dict[str, Any]) -> None:
        turn.say(key, buttons=[turn.button("btn_skip", "skip")])

    return ask


#: The question of each state of the report flow.
PROMPTS: dict[str, Callable[[Turn, dict[str, Any]], None]] = {
    State.REPORT_DESCRIBE: lambda turn, d: turn.say("ask_report"),
    State.REPORT_TYPE: _ask_type,
    State.REPORT_LOCATION: _skippable("ask_location"),
    State.REPORT_ATTACHMENT: _skippable("ask_attachment"),
    State.REPORT_PRIVACY: _ask_privacy,
    State.REPORT_CONFIRM: _ask_confirm,
    State.REPORT_EDIT: _ask_edit,
}


def reprompt(turn: Turn) -> None:
    """(Re-)ask the question of the current report state (a draft is started if none is kept)."""
    d = report_draft.draft(turn)
    prompt = PROMPTS.get(turn.state)
    if prompt is not None:
        prompt(turn, d)


def summary_values(turn: Turn, d: dict[str, Any]) -> dict[str, Any]:
    report_draft.refresh(turn, d)
    body = d["body"]
    if len(body) > SUMMARY_CHARS:
        body = body[:SUMMARY_CHARS].rstrip() + "…"
    location = d.get("location")
    if d.get("lat") is not None:
        coords = f"{d['lat']:.5f}, {d['lon']:.5f}"
        location = f"{location} ({coords})" if location else coords
    agency_line = ""
    code = report_draft.confident_agency(turn, d)
    if code:
        agency = citizen_reads.agency_with_code(turn.reads, code)
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
