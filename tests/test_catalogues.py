"""Every catalogue: every language has every key, and each text the same placeholders.

All citizen- and officer-facing texts go through ``config.catalogue.Catalogue``; importing the
packages builds every catalogue, which registers itself. A key missing in English would fall back
to Indonesian (a citizen who chose English reads Indonesian); a placeholder missing in one
language drops a value (a tracking code) from that language's message; an extra one raises
``KeyError`` when the message is rendered, in front of the citizen.
"""

from __future__ import annotations

import importlib

import pytest

from config.catalogue import LANGUAGES, REGISTRY, Catalogue, placeholders

#: The modules that build the catalogues (importing one registers its catalogues).
MODULES = (
    "bot.messages",
    "bot.messages.officer",
    "bot.delivery.texts",
    "reports.messages",
    "console.i18n",
    "console.i18n.public",
)
#: The catalogues these modules must build: a catalogue left out of the mechanism fails here.
EXPECTED = {
    "bot.conversation",
    "bot.web_page",
    "bot.officer",
    "bot.delivery",
    "reports.notifications",
    "reports.errors",
    "reports.type_names",
    "console",
    "console.public",
}


def _catalogues() -> dict[str, Catalogue]:
    for module in MODULES:
        importlib.import_module(module)
    return dict(REGISTRY)


def test_every_catalogue_is_registered() -> None:
    assert set(_catalogues()) >= EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_language_has_every_key_with_the_same_placeholders(name: str) -> None:
    catalogue = _catalogues()[name]
    assert set(catalogue.languages) == set(LANGUAGES), name
    default = catalogue.languages[catalogue.default]
    problems = []
    for language, texts in catalogue.languages.items():
        if missing := sorted(set(default) - set(texts)):
            problems.append(f"{language} lacks {missing}")
        if extra := sorted(set(texts) - set(default)):
            problems.append(f"{language} has keys the default lacks: {extra}")
        for key in set(default) & set(texts):
            want, got = placeholders(default[key]), placeholders(texts[key])
            if want != got:
                problems.append(f"{language} {key!r}: {sorted(got)} != {sorted(want)}")
    assert not problems, f"{name}: " + "; ".join(problems)


def test_placeholders_reads_format_fields() -> None:
    assert placeholders("Laporan {code} ({title!s}) jatuh tempo {due:%d}") == {
        "code",
        "title",
        "due",
    }
    assert placeholders("no fields, {{literal}} braces") == frozenset()


def test_lookup_falls_back_to_the_default_language() -> None:
    catalogue = Catalogue(
        "test.fallback", {"id": {"a": "satu {n}", "b": "dua"}, "en": {"a": "one {n}"}}
    )
    try:
        assert catalogue.text("a", "en", n=1) == "one 1"
        assert catalogue.text("b", "en") == "dua"
        assert catalogue.text("a", "fr", n=2) == "satu 2"
        with pytest.raises(KeyError):
            catalogue.text("c", "id")
    finally:
        del REGISTRY["test.fallback"]
