"""Conversation texts, one catalogue per language (Indonesian is the default).

Logic code refers to texts by key only; a missing key in English falls back to Indonesian so a
citizen always gets an answer, and a test checks both catalogues have the same keys.
"""

from __future__ import annotations

from bot.messages import en, id

CATALOGUES: dict[str, dict[str, str]] = {"id": id.MESSAGES, "en": en.MESSAGES}
LANGUAGES = tuple(CATALOGUES)


def t(key: str, language: str, **values: object) -> str:
    """The text ``key`` in ``language`` with ``values`` filled in."""
    catalogue = CATALOGUES.get(language, CATALOGUES["id"])
    template = catalogue.get(key, CATALOGUES["id"][key])
    return template.format(**values)
