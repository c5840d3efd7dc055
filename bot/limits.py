"""Per-contact limits: message flood (per minute) and reports per day.

The flood window lives in the conversation row (locked per contact by the pipeline), so it holds
across processes. Reports per day are counted from the reports table itself: the truth, not a
counter that could drift.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.turn import Turn
from reports import citizen_reads

WINDOW = timedelta(minutes=1)


def flooded(turn: Turn) -> bool:
    """Record this message; True (after one polite warning per window) when over the limit."""
    limit = turn.runtime.settings.bot_max_messages_per_minute
    since = turn.now - WINDOW
    recent = [
        stamp for stamp in turn.data.get("recent", []) if datetime.fromisoformat(stamp) > since
    ]
    recent.append(turn.now.isoformat())
    turn.data["recent"] = recent[-(limit + 1) :]
    if len(recent) <= limit:
        return False
    warned = turn.data.get("flood_warned_at")
    if warned is None or datetime.fromisoformat(warned) <= since:
        turn.data["flood_warned_at"] = turn.now.isoformat()
        turn.say("flood")
    return True


def reports_last_day(turn: Turn) -> int:
    if not turn.has_reports():
        return 0
    return citizen_reads.reports_since(turn.reads, turn.citizen_id, turn.now - timedelta(days=1))


def may_report(turn: Turn) -> bool:
    """False (after explaining) when the contact reached the daily report limit."""
    limit = turn.runtime.settings.bot_max_reports_per_day
    if reports_last_day(turn) >= limit:
        turn.say("daily_limit", limit=limit)
        return False
    return True
