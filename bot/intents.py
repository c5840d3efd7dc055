"""Recognising the short control turns of a conversation ("menu", "batal", "status", "1").

These are checked before anything is treated as a report, and only when the whole message is such
a turn: "halo" is a greeting, but "halo, jalan di depan rumah saya rusak" is a report that starts
politely. Word lists cover Indonesian, common chat spellings and English.
"""

from __future__ import annotations

import re
from enum import StrEnum

from reports import tracking


class Intent(StrEnum):
    GREET = "greet"
    HELP = "help"
    CANCEL = "cancel"
    THANKS = "thanks"
    STATUS = "status"
    NEW_REPORT = "new_report"
    REOPEN = "reopen"
    LANG_EN = "lang_en"
    LANG_ID = "lang_id"
    SKIP = "skip"
    DONE = "done"
    ACCEPT = "accept"
    YES = "yes"
    NO = "no"


_WORDS = re.compile(r"[^\w\s-]", re.UNICODE)


def _words(text: str) -> list[str]:
    return text.split()


_PHRASES: dict[Intent, frozenset[str]] = {
    Intent.GREET: frozenset(
        [
            *_words(
                "halo hallo helo hai hi hello hey pagi siang sore malam permisi punten "
                "assalamualaikum start mulai"
            ),
            "selamat pagi",
            "selamat siang",
            "selamat sore",
            "selamat malam",
            "halo min",
            "hai min",
            "pagi min",
            "halo kak",
            "good morning",
            "good afternoon",
            "good evening",
            "salam sejahtera",
            "halo admin",
            "hallo min",
            "met pagi",
        ]
    ),
    Intent.HELP: frozenset(
        [
            "menu",
            "bantuan",
            "help",
            "tolong",
            "info",
            "panduan",
            "cara lapor",
            "cara melapor",
            "bantu",
            "apa yang bisa dilakukan",
            "what can you do",
        ]
    ),
    Intent.CANCEL: frozenset(
        [
            "batal",
            "batalkan",
            "cancel",
            "stop",
            "berhenti",
            "gak jadi",
            "nggak jadi",
            "tidak jadi",
            "ga jadi",
            "enggak jadi",
            "abort",
            "never mind",
            "nevermind",
        ]
    ),
    Intent.THANKS: frozenset(
        [
            "terima kasih",
            "terimakasih",
            "makasih",
            "makasi",
            "trims",
            "thanks",
            "thank you",
            "thx",
            "tq",
            "nuhun",
            "matur nuwun",
            "terima kasih banyak",
            "makasih min",
            "terima kasih min",
            "thank you very much",
            "ok terima kasih",
            "oke terima kasih",
        ]
    ),
    Intent.STATUS: frozenset(
        [
            "status",
            "cek status",
            "cek",
            "check",
            "check status",
            "status laporan",
            "lacak",
            "lacak laporan",
            "cek laporan",
            "laporan saya",
            "my reports",
            "track",
            "status laporan saya",
            "cek status laporan",
        ]
    ),
    Intent.NEW_REPORT: frozenset(
        [
            "lapor",
            "laporan baru",
            "buat laporan",
            "mau lapor",
            "saya mau lapor",
            "report",
            "new report",
            "pengaduan",
            "adukan",
            "aspirasi",
            "halo saya mau lapor",
            "i want to report",
            "make a report",
        ]
    ),
    Intent.REOPEN: frozenset(["buka kembali", "buka lagi", "reopen", "buka ulang"]),
    Intent.LANG_EN: frozenset(
        ["english", "inggris", "bahasa inggris", "in english", "english please", "en"]
    ),
    Intent.LANG_ID: frozenset(
        ["indonesia", "bahasa indonesia", "bahasa", "indonesian", "id", "pakai bahasa indonesia"]
    ),
    Intent.SKIP: frozenset(
        [
            "lewati",
            "lewat",
            "skip",
            "tidak ada",
            "nggak ada",
            "gak ada",
            "ga ada",
            "tidak",
            "no",
            "none",
            "nothing",
            "tidak ada foto",
            "tanpa foto",
            "enggak ada",
            "-",
        ]
    ),
    Intent.DONE: frozenset(["selesai", "sudah", "cukup", "done", "lanjut", "next", "finish"]),
    Intent.ACCEPT: frozenset(
        [
            "puas",
            "saya puas",
            "sudah puas",
            "ya puas",
            "setuju",
            "terima",
            "accept",
            "satisfied",
            "i am satisfied",
            "oke puas",
            "ok puas",
            "sangat puas",
            "puas sekali",
            "ya saya puas",
            "saya sudah puas",
            "yes satisfied",
            "yes i am satisfied",
            "yes i m satisfied",  # "I'm" without its apostrophe (see ``normalize``)
            "i m satisfied",
            "im satisfied",
            "very satisfied",
        ]
    ),
    Intent.YES: frozenset(
        [
            "ya",
            "iya",
            "y",
            "yes",
            "ok",
            "oke",
            "okay",
            "betul",
            "benar",
            "kirim",
            "send",
            "lanjut",
            "sip",
            "siap",
            "yup",
            "yep",
        ]
    ),
    Intent.NO: frozenset(["tidak", "nggak", "gak", "ga", "no", "nope", "jangan", "bukan"]),
}

#: What is wrong, in the words of a short complaint ("jalan rusak", "lampu mati", "banjir lagi"):
#: a message of at most ``SHORT_PROBLEM_WORDS`` words with one of these starts a report. Chat
#: spellings and a few regional words included; typos of the common ones too ("rusk", "mampat").
PROBLEM_WORDS = frozenset(
    _words(
        """
    rusak rusk rsk berlubang bolong lubang jebol ambles amblas retak hancur longsor ambruk roboh
    rubuh tumbang putus mati padam byarpet mampet mampat tersumbat buntu meluap banjir
    kebanjiran genangan tergenang rob bocor macet numpuk menumpuk berserakan bau busuk kotor
    becek gelap kering pungli pungutan sogok calo liar bising berisik kebakaran terbakar asap
    polusi limbah keruh hilang rawan begal maling copet bahaya
    pothole potholes broken flood flooded flooding leak leaking blocked clogged garbage trash
    rubbish outage blackout dark smell smelly noise noisy bribe
    """
    )
)
#: Two-word problems whose words are harmless alone ("air mati" is caught by "mati" already).
PROBLEM_PHRASES = frozenset(
    {"tidak nyala", "gak nyala", "ga nyala", "nggak nyala", "tidak mengalir", "gak ngalir",
     "ga ngalir", "no water", "no electricity", "not working", "tidak berfungsi"}
)  # fmt: skip
SHORT_PROBLEM_WORDS = 4
#: Problems that need no subject ("banjir!"); any other one word ("rusak") says too little.
SELF_CONTAINED_PROBLEMS = frozenset(
    _words(
        "banjir kebanjiran longsor pungli kebakaran macet byarpet flood flooding pothole blackout"
    )
)


#: Leading slash commands (Telegram) map to intents whatever follows them.
_COMMANDS: dict[str, Intent] = {
    "/start": Intent.GREET,
    "/help": Intent.HELP,
    "/menu": Intent.HELP,
    "/cancel": Intent.CANCEL,
    "/batal": Intent.CANCEL,
    "/status": Intent.STATUS,
    "/lapor": Intent.NEW_REPORT,
    "/report": Intent.NEW_REPORT,
    "/english": Intent.LANG_EN,
    "/indonesia": Intent.LANG_ID,
}

#: A message quoting a tracking code is a status question if it is short or says so.
_STATUS_WORDS = re.compile(
    r"\b(cek|check|status|lacak|track|gimana|bagaimana|sampai mana|perkembangan|progress)\b",
    re.IGNORECASE,
)
STATUS_MAX_WORDS = 4


def normalize(text: str) -> str:
    """Lower case, punctuation removed, repeated letters of chat spelling squeezed ("haloooo")."""
    lowered = _WORDS.sub(" ", text.lower())
    squeezed = re.sub(r"(\w)\1{2,}", r"\1", lowered)
    return " ".join(squeezed.split())


def is_(text: str, intent: Intent) -> bool:
    """Is the whole message this control turn?"""
    norm = normalize(text)
    return norm in _PHRASES[intent] or (text.strip() == "-" and intent is Intent.SKIP)


def command(text: str) -> Intent | None:
    """The global control intent of a whole message (checked in every state), if any."""
    stripped = text.strip()
    if stripped.startswith("/"):
        head = stripped.split()[0].split("@")[0].lower()
        return _COMMANDS.get(head)
    norm = normalize(stripped)
    if _reopen(norm):
        return Intent.REOPEN
    if tracking.normalize(stripped) and (
        _STATUS_WORDS.search(stripped) or len(norm.split()) <= STATUS_MAX_WORDS
    ):
        return Intent.STATUS
    for intent in (
        Intent.CANCEL,
        Intent.HELP,
        Intent.STATUS,
        Intent.LANG_EN,
        Intent.LANG_ID,
        Intent.NEW_REPORT,
        Intent.THANKS,
        Intent.GREET,
    ):
        if norm in _PHRASES[intent]:
            return intent
    if _reopen(norm):
        return Intent.REOPEN
    return None


def _reopen(norm: str) -> bool:
    return any(norm.startswith(p) for p in _PHRASES[Intent.REOPEN])


def digit(text: str, upper: int) -> int | None:
    """``"2"``, ``"2."`` or ``" 2 "`` as a number from 1 to ``upper``; None otherwise."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*[.)]?\s*", text)
    if not match:
        return None
    value = int(match.group(1))
    return value if 1 <= value <= upper else None


def word_count(text: str) -> int:
    return len(normalize(text).split())


def short_problem(text: str) -> bool:
    """A complaint in a few words ("jalan rusak", "sampah numpuk"): a report to start, whose
    place and details the bot then asks for, rather than a message it did not understand."""
    words = normalize(text).split()
    if not words or len(words) > SHORT_PROBLEM_WORDS:
        return False
    if len(words) == 1:
        return words[0] in SELF_CONTAINED_PROBLEMS
    pairs = {" ".join(words[i : i + 2]) for i in range(len(words) - 1)}
    return not PROBLEM_WORDS.isdisjoint(words) or not PROBLEM_PHRASES.isdisjoint(pairs)
