"""The console's message catalogues: Indonesian (default) and English.

Templates call ``_("key", **values)``; a key missing from English falls back to Indonesian, and a
key missing everywhere shows itself, so a forgotten entry is visible rather than an error page.
"""

from __future__ import annotations

from typing import Any, Final

from console.i18n import en, id

DEFAULT_LANGUAGE: Final = "id"
CATALOGUES: Final[dict[str, dict[str, str]]] = {"id": id.MESSAGES, "en": en.MESSAGES}
LANGUAGES: Final = tuple(CATALOGUES)


def normalise(language: str | None) -> str:
    return language if language in CATALOGUES else DEFAULT_LANGUAGE


def gettext(language: str, key: str, **values: Any) -> str:
    text = CATALOGUES[normalise(language)].get(key) or CATALOGUES[DEFAULT_LANGUAGE].get(key, key)
    return text.format(**values) if values else text
