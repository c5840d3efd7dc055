"""The one mechanism behind every text a citizen or an officer reads: a catalogue per language.

Each package keeps its texts as plain dicts, one module per language (``id.py``, ``en.py``), and
builds a :class:`Catalogue` from them; code refers to a text by key only. Lookups in a language
without the key fall back to the default language (Indonesian), so a person always reads
something; a key missing everywhere is a programming error. Every catalogue built registers
itself in :data:`REGISTRY`, so one test can hold all of them to the same rule: every language has
every key, with the same placeholders (``tests/test_catalogues.py``).

This module sits in ``config`` (the lowest layer) so every package can use it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from string import Formatter
from typing import Final

DEFAULT_LANGUAGE: Final = "id"
LANGUAGES: Final = ("id", "en")

#: Every catalogue built so far, by name (a package's catalogue is built when it is imported).
REGISTRY: dict[str, Catalogue] = {}


def placeholders(template: str) -> frozenset[str]:
    """The names a template fills in: ``"{code} is {status!s}"`` -> ``{"code", "status"}``."""
    return frozenset(
        field.split(".")[0].split("[")[0]
        for _, field, _, _ in Formatter().parse(template)
        if field is not None and field != ""
    )


class Catalogue:
    """Texts by key for each language, read with :meth:`text`."""

    def __init__(
        self,
        name: str,
        languages: Mapping[str, Mapping[str, str]],
        *,
        default: str = DEFAULT_LANGUAGE,
    ) -> None:
        if default not in languages:
            raise ValueError(f"catalogue {name}: no texts in the default language {default!r}")
        self.name = name
        self.default = default
        self.languages: dict[str, Mapping[str, str]] = dict(languages)
        REGISTRY[name] = self

    def language(self, language: str | None) -> str:
        """``language`` if this catalogue has it, else the default."""
        return language if language in self.languages else self.default

    def __contains__(self, key: object) -> bool:
        return key in self.languages[self.default]

    def __iter__(self) -> Iterator[str]:
        return iter(self.languages[self.default])

    def template(self, key: str, language: str | None) -> str:
        """The raw template (placeholders unfilled); ``KeyError`` for a key no language has."""
        found = self.languages.get(self.language(language), {}).get(key)
        return found if found is not None else self.languages[self.default][key]

    def text(self, key: str, language: str | None, /, **values: object) -> str:
        """The text ``key`` in ``language`` with ``values`` filled in (extra values are ignored)."""
        template = self.template(key, language)
        return template.format(**values) if values else template
