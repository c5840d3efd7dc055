"""The console's message catalogue: Indonesian (default) and English.

Templates call ``_("key", **values)``; a key missing from English falls back to Indonesian, and a
key missing everywhere shows itself, so a forgotten entry is visible rather than an error page.
Keys ``error.<code>`` are the domain's refusals (``reports.messages.ERRORS``), shown by code.
"""

from __future__ import annotations

from typing import Any, Final

from config.catalogue import Catalogue
from console.i18n import en, id
from reports.messages import ERRORS

DEFAULT_LANGUAGE: Final = "id"
CONSOLE: Final = Catalogue("console", {"id": id.MESSAGES, "en": en.MESSAGES})
LANGUAGES: Final = tuple(CONSOLE.languages)
ERROR_PREFIX: Final = "error."


def normalise(language: str | None) -> str:
    return CONSOLE.language(language)


def gettext(language: str, key: str, **values: Any) -> str:
    if key.startswith(ERROR_PREFIX) and key.removeprefix(ERROR_PREFIX) in ERRORS:
        return ERRORS.text(key.removeprefix(ERROR_PREFIX), language, **values)
    if key not in CONSOLE:
        return key
    return CONSOLE.text(key, language, **values)
