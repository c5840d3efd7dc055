"""The report flow's reading of free text: the typed words that answer its questions, when a
description is too short, where a place named in a message goes, and the title made from a story.

Pure text heuristics, no conversation state: ``bot.flows.report`` asks the questions and keeps the
draft; this module only reads what the citizen typed. The word tables are Indonesian and English
(the catalogues' languages), matched after ``intents.normalize``.
"""

from __future__ import annotations

import re
from typing import Any

from bot import intents, places

MIN_WORDS = 3
MIN_CHARS = 15
#: A text this long that answers none of the questions continues the citizen's story: on WhatsApp
#: a chronology often arrives in several messages, and the second one is not an address.
STORY_WORDS = 8
TITLE_CHARS = 80

#: Typed answers accepted in the type / privacy / edit questions (besides buttons and numbers).
TYPE_WORDS = {
    "complaint": {"pengaduan", "aduan", "keluhan", "complaint", "masalah"},
    "aspiration": {"aspirasi", "usulan", "saran", "usul", "suggestion", "aspiration", "idea"},
    "information_request": {
        "informasi", "permintaan informasi", "pertanyaan", "tanya", "information",
        "information request", "question", "konfirmasi",
    },
}  # fmt: skip
PRIVACY_WORDS = {
    "public": {"biasa", "publik", "normal", "public", "umum"},
    "anonymous": {"anonim", "anonymous", "anon", "sembunyikan nama"},
    "confidential": {"rahasia", "confidential", "private", "privat"},
}
#: At the summary, a wish to change something (besides the edit button).
CHANGE_WORDS = frozenset({"ubah", "edit", "ganti", "koreksi", "change"})
EDIT_WORDS = {
    "body": {"isi", "isi laporan", "teks", "text", "body", "cerita"},
    "type": {"jenis", "tipe", "type"},
    "location": {"lokasi", "alamat", "location", "address", "tempat"},
    "privacy": {"privasi", "kerahasiaan", "privacy"},
}


def match(text: str, table: dict[str, set[str]]) -> str | None:
    """The key of ``table`` whose words include ``text`` (normalised), or None."""
    norm = intents.normalize(text)
    for key, words in table.items():
        if norm in words:
            return key
    return None


def take_place(d: dict[str, Any], text: str) -> bool:
    """Fill the draft's location from a place named in ``text`` unless one is known; True if
    it did. Coordinates typed or in a map link become the report's coordinates."""
    if d.get("location") is not None or d.get("lat") is not None:
        return False
    found = places.find(text)
    if found is None:
        return False
    if found.text:
        d["location"] = found.text
    if found.latitude is not None:
        d["lat"], d["lon"] = found.latitude, found.longitude
    d.pop("location_skipped", None)
    return True


_ABBREVIATIONS = frozenset(
    {"jl", "jln", "no", "kel", "kec", "gg", "dr", "dll", "dsb", "st", "rt", "rw"}
)


def make_title(body: str) -> str:
    """The first sentence (not cut at "Jl." or "No."), at most TITLE_CHARS, capitalised."""
    text = " ".join(body.split())
    end = len(text)
    for match in re.finditer(r"[.!?](?=\s|$)", text):
        word = re.findall(r"(\w+)$", text[: match.start()])
        if word and word[0].lower() in _ABBREVIATIONS:
            continue
        end = match.start()
        break
    first = text[:end].strip() or text
    if len(first) > TITLE_CHARS:
        first = (first[:TITLE_CHARS].rsplit(" ", 1)[0] or first[:TITLE_CHARS]) + "…"
    return first[:1].upper() + first[1:]


def is_short(text: str) -> bool:
    """Too few words or characters to be a description on its own."""
    return intents.word_count(text) < MIN_WORDS or len(text) < MIN_CHARS
