"""Conversation texts, one catalogue per language (Indonesian is the default).

Logic code refers to texts by key only; a missing key in English falls back to Indonesian so a
citizen always gets an answer (``config.catalogue``, the one mechanism every package uses; its
test holds both languages to the same keys and placeholders).
"""

from __future__ import annotations

from bot.messages import en, id
from config.catalogue import Catalogue

CONVERSATION = Catalogue("bot.conversation", {"id": id.MESSAGES, "en": en.MESSAGES})
#: The web chat page's own labels (buttons, placeholders), handed to its script as they are.
WEB_PAGE = Catalogue("bot.web_page", {"id": id.WEB_PAGE, "en": en.WEB_PAGE})
LANGUAGES = tuple(CONVERSATION.languages)


def t(key: str, language: str, **values: object) -> str:
    """The text ``key`` in ``language`` with ``values`` filled in."""
    return CONVERSATION.text(key, language, **values)
