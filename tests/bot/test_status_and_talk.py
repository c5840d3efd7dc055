"""Status checks (own reports only), help, menu, language, greetings, and both catalogues."""

from __future__ import annotations

import string

from bot.messages import en, id
from tests.bot.conftest import Chat, complete, sqlite_only, templates

STORY = "Jalan di Jl. Melati No. 5 rusak parah dan berlubang sejak sebulan, sudah ada motor jatuh."


def test_status_shows_own_reports_and_reveals_nothing_about_others(chat: Chat) -> None:
    assert templates(chat.send("status")) == ["bot:status_none"]
    complete(chat, chat.send(STORY))
    [mine] = chat.reports()
    listing = chat.send("status")
    assert templates(listing) == ["bot:status_header"]
    assert mine.tracking_code in listing[0].body
    assert "Menunggu verifikasi, paling lambat Kamis, 26 November 2026." in listing[0].body
    # A quoted code, in the sloppy ways people type it.
    sloppy = mine.tracking_code.lower().replace("-", " ")
    detail = chat.send(f"cek {sloppy}")
    assert mine.tracking_code in detail[0].body and "Kamis, 26 November 2026" in detail[0].body

    other = Chat(chat.runtime, user="someone-else")
    theirs = other.send(f"cek {mine.tracking_code}")
    unknown = other.send("cek SW-2222-2222")
    assert templates(theirs) == templates(unknown) == ["bot:status_unknown"]
    # Identical answers apart from the code itself: nothing to learn by guessing codes.
    assert theirs[0].body.replace(mine.tracking_code, "X") == unknown[0].body.replace(
        "SW-2222-2222", "X"
    )
    assert mine.title not in theirs[0].body


@sqlite_only
def test_status_in_the_middle_of_a_report_keeps_the_draft(chat: Chat) -> None:
    chat.send(STORY)
    out = chat.send("status")
    assert templates(out) == ["bot:status_none", "bot:ask_attachment"]
    assert chat.press("m:status")[0].template == "bot:status_none"


@sqlite_only
def test_menu_help_greeting_thanks_and_language(chat: Chat) -> None:
    welcome = chat.send("Selamat pagi!", display_name="Siti")
    assert templates(welcome) == ["bot:welcome"] and "Halo Siti!" in welcome[0].body
    assert welcome[0].data == ["m:report", "m:status", "m:help", "lang:en"]
    assert chat.send("menu")[0].template == "bot:help"
    assert chat.send("/start")[0].template == "bot:welcome"
    assert chat.send("makasih min")[0].template == "bot:thanks_reply"
    assert chat.press("lang:en")[0].body == "OK, we will continue in English."
    help_en = chat.send("help")
    assert "What I can do" in help_en[0].body
    assert help_en[0].data[-1] == "lang:id"
    assert chat.press("m:report")[0].body.startswith("Please describe")
    assert chat.send("bahasa indonesia")[0].body.startswith("Baik, kita lanjut")
    assert chat.citizen().language == "id"
    # Numbers answer the menu of the last message ("1" = first button).
    chat.send("menu")
    assert chat.send("2")[0].template == "bot:status_none"


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    assert set(id.MESSAGES) == set(en.MESSAGES)
    fields = string.Formatter()
    for key, text in id.MESSAGES.items():
        ours = {f for _, f, _, _ in fields.parse(text) if f}
        theirs = {f for _, f, _, _ in fields.parse(en.MESSAGES[key]) if f}
        assert ours == theirs, key


@sqlite_only
def test_a_quoted_code_is_a_status_question_not_a_report(chat: Chat) -> None:
    complete(chat, chat.send(STORY))
    [mine] = chat.reports()
    for text in (
        f"tolong cek {mine.tracking_code} ya min",
        f"laporan {mine.tracking_code} sudah sampai mana?",
        mine.tracking_code.lower(),
    ):
        out = chat.send(text)
        assert templates(out) == ["bot:status_header"], text
        assert mine.tracking_code in out[0].body
    assert len(chat.reports()) == 1
