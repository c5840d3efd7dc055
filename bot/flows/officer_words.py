"""The officer chat's reading of what an officer sends: a link command, a slash command, a
button's data, the typed yes and no.

Pure text, no conversation state and no query: ``bot.flows.officer`` decides what to do; this
module only says what was typed. Link commands in particular are recognised by their shape alone,
so the pipeline can tell an officer's message from a citizen's without touching the database.
"""

from __future__ import annotations

import re

from bot.inbound import InboundKind, InboundMessage
from reports import officer_chat, tracking

__all__ = [
    "NO",
    "WAITING",
    "YES",
    "choice",
    "command",
    "link_code",
    "report_and_text",
]

#: Button verbs that wait for the text of a draft, and the action each drafts.
WAITING = {"ans": "answer", "info": "info", "ret": "return"}
#: One token, as issued (dashes allowed): "link jalan rusak" is a citizen's text, not a code.
_LINK = re.compile(r"^\s*(?:/start|link)\s+([A-Za-z0-9-]{10,20})\s*$", re.IGNORECASE)
_COMMAND = re.compile(r"^\s*/([a-z_]+)(?:@\w+)?\s*(.*)$", re.IGNORECASE | re.DOTALL)
YES = frozenset({"ya", "y", "yes", "ok", "oke", "kirim", "send", "iya"})
NO = frozenset({"batal", "cancel", "tidak", "no", "/batal", "/cancel"})


def link_code(message: InboundMessage) -> str | None:
    """The code of a link command, or None (a pure text check: no query for citizens)."""
    if message.kind is not InboundKind.TEXT:
        return None
    match = _LINK.match(message.text or "")
    code = officer_chat.normalize_code(match.group(1)) if match else ""
    if match is None or len(code) != officer_chat.CODE_LENGTH:
        return None
    return match.group(1)


def command(text: str) -> tuple[str, str] | None:
    """``/name rest`` (a Telegram ``/name@bot`` too) as (lower-cased name, stripped rest)."""
    match = _COMMAND.match(text)
    if match is None:
        return None
    return match.group(1).lower(), match.group(2).strip()


def choice(data: str) -> tuple[str, str] | None:
    """A button's ``of:verb[:report code]`` as (verb, code; empty without one), or None."""
    parts = data.split(":", 2)
    if parts[:1] != ["of"] or len(parts) < 2:
        return None
    return parts[1], parts[2] if len(parts) > 2 else ""


def report_and_text(rest: str) -> tuple[str, str] | None:
    """``CODE text`` after ``/jawab`` or ``/info``: (canonical tracking code, text), or None when
    the code is not a tracking code or the text is missing."""
    code, _, body = rest.partition(" ")
    canonical = tracking.normalize(code) if code else None
    if canonical is None or not body.strip():
        return None
    return canonical, body.strip()
