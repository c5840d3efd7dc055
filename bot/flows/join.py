""" "Saya juga mengalami ini": a citizen joins someone else's public report (issue 15, point 7).

The tracking page and the public map link here with a ready-made message ("saya juga
SW-7KQ4-M2XD", or Telegram's ``/start join_SW7KQ4M2XD``). Only published reports (verified, not
confidential) that are still open can be joined; any other code, existing or not, gets the same
reply, so guessing codes tells nothing about other people's reports. Joining a report merged into
another joins the primary. The joiner hears the group's news from then on (``reports.groups``).
"""

from __future__ import annotations

import re

from bot.turn import Turn
from reports import merging, tracking
from reports.lifecycle import DomainError
from reports.public_status import report_by_code

#: "saya juga (mengalami ini) CODE", "aku juga CODE", "me too CODE", "/start join_CODE".
_JOIN = re.compile(
    r"^\s*(?:/start\s+join[_-]?|(?:saya|aku|sy|gw|gue)\s+(?:juga|jg)(?:\s+mengalami(?:\s+ini)?)?"
    r"|me\s+too|i\s+have\s+this\s+too)\s*[:,.-]?\s*(?P<code>\S.{0,30})$",
    re.IGNORECASE,
)


def on_text(turn: Turn) -> bool:
    """Handle a join message; False when the text is not one (it goes through the usual flow)."""
    match = _JOIN.match(turn.text)
    code = tracking.normalize(match.group("code")) if match else None
    if code is None:
        return False
    report = report_by_code(turn.reads, code)
    if report is None or report.citizen_id == turn.citizen_id:
        turn.say("join_unknown", code=code)
        return True
    try:
        joined, added = merging.join(
            turn.db,
            clock=turn.runtime.clock,
            report=report,
            citizen=turn.citizen,
            channel=turn.message.channel,
            now=turn.now,
        )
    except DomainError:
        turn.say("join_unknown", code=code)
        return True
    if not added:
        turn.say("join_already", code=joined.tracking_code)
    # When added, the domain queued its own confirmation with the tracking link (report_joined).
    return True
