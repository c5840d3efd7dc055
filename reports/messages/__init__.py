"""Notification texts the domain queues (to citizens and staff), one catalogue per language.

Conversation texts live in ``bot/messages``; these are the messages a transition or a sweep implies,
rendered once when queued so the outbox holds exactly what will be sent.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from config.catalogue import Catalogue
from reports.messages import en, id

NOTIFICATIONS = Catalogue("reports.notifications", {"id": id.MESSAGES, "en": en.MESSAGES})
#: The refusals' texts, by error code (``reports.lifecycle.DomainError.code``).
ERRORS = Catalogue("reports.errors", {"id": id.ERRORS, "en": en.ERRORS})
#: A report type as a citizen reads it ("information or confirmation request").
TYPE_NAMES = Catalogue("reports.type_names", {"id": id.TYPE_NAMES, "en": en.TYPE_NAMES})
DAYS = {"id": id.DAYS, "en": en.DAYS}
MONTHS = {"id": id.MONTHS, "en": en.MONTHS}


def render(template: str, language: str, **values: object) -> str:
    return NOTIFICATIONS.text(template, language, **values)


def format_date(instant: datetime, language: str, tz: ZoneInfo) -> str:
    """ "Rabu, 25 November 2026" in the deployment's zone, without relying on OS locales."""
    local = instant.astimezone(tz)
    lang = language if language in DAYS else "id"
    return (
        f"{DAYS[lang][local.weekday()]}, {local.day} {MONTHS[lang][local.month - 1]} {local.year}"
    )
