"""The public tracking page's part of issue 15: how many citizens reported the problem, the report
a merged one now follows, and the "saya juga mengalami ini" (me too) invitation.

Joining happens in the citizen's chat, not on the page (``bot.flows.join``): the page knows
nobody, and a form here would let anyone sign anyone up. So the page shows the message to send
and links that start a chat with it ready: the web chat, and WhatsApp when a number is set.
Only a joinable report (published and open, ``reports.merging.joinable``) invites.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy.orm import Session

from config.settings import Settings
from reports import groups, merging, officer_chat
from reports.models import Report

View = TypeVar("View")


def with_group(
    db: Session, view: View, report: Report, texts: Mapping[str, str], settings: Settings
) -> View:
    """``view`` with the group's count, the primary's code and the join invitation."""
    if report.duplicate_of_id is not None:
        primary = db.get(Report, report.duplicate_of_id)
        return replace(view, merged_into=primary.tracking_code if primary else None)  # type: ignore[type-var]
    changes: dict[str, Any] = {"reporters": groups.reporter_count(db, report)}
    if merging.joinable(report):
        message = texts["join_message"].format(code=report.tracking_code)
        links = [(texts["join_chat"], "/chat")]
        number = (settings.twilio_whatsapp_from or "").lstrip("+").replace(" ", "")
        if number.isdigit():
            links.append((texts["join_whatsapp"], f"https://wa.me/{number}?text={quote(message)}"))
        telegram = officer_chat.telegram_link(
            settings.telegram_bot_username, f"join_{report.tracking_code}"
        )
        if telegram is not None:  # the bot's "/start join_CODE" (``bot.flows.join``)
            links.append((texts["join_telegram"], telegram))
        changes["join_text"] = message
        changes["join_links"] = links
    return replace(view, **changes)  # type: ignore[type-var]
