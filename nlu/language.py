"""Which language a citizen writes in: ``"id"`` or ``"en"``, from common words.

The one language guess of the project: the embedded NLU, the Rasa backend (Rasa has no language
identification) and the keyword fallback all answer :func:`detect_language` from here.
"""

from __future__ import annotations

import re

_ID_WORDS = frozenset(
    [
        "yang",
        "dan",
        "di",
        "ke",
        "dari",
        "tidak",
        "sudah",
        "belum",
        "ini",
        "itu",
        "dengan",
        "untuk",
        "karena",
        "saya",
        "kami",
        "mohon",
        "tolong",
        "jalan",
        "ada",
        "akan",
        "bisa",
        "apa",
        "bagaimana",
        "kapan",
        "sangat",
        "sekali",
        "juga",
        "atau",
        "pada",
        "oleh",
        "dalam",
        "tapi",
        "kenapa",
        "mengapa",
        "berapa",
        "dimana",
        "apakah",
        "terima",
        "kasih",
        "bapak",
        "ibu",
        "warga",
        "rumah",
        "kantor",
        "sampai",
        "lagi",
        "masih",
        "harus",
        "kalau",
        "sudah",
        "banget",
        "pak",
        "bu",
        "min",
        "halo",
        "selamat",
        "pagi",
        "siang",
        "sore",
        "malam",
        "minta",
        "kok",
        "dong",
        "ya",
        "nya",
        "aja",
        "saja",
        "mau",
        "ingin",
        "tanya",
    ]
)
_EN_WORDS = frozenset(
    [
        "the",
        "and",
        "is",
        "are",
        "was",
        "were",
        "to",
        "of",
        "in",
        "on",
        "for",
        "with",
        "my",
        "our",
        "your",
        "this",
        "that",
        "it",
        "not",
        "no",
        "have",
        "has",
        "been",
        "please",
        "thank",
        "thanks",
        "you",
        "we",
        "i",
        "he",
        "she",
        "they",
        "from",
        "at",
        "by",
        "what",
        "how",
        "when",
        "where",
        "why",
        "which",
        "who",
        "can",
        "could",
        "would",
        "should",
        "will",
        "do",
        "does",
        "did",
        "there",
        "their",
        "road",
        "water",
        "street",
        "garbage",
        "office",
        "hello",
        "hi",
        "good",
        "morning",
        "evening",
        "help",
        "report",
        "status",
        "cancel",
        "yes",
    ]
)
_WORD_RE = re.compile(r"[a-z]+")


def detect_language(text: str) -> str:
    """``"en"`` when English function words clearly dominate, else ``"id"`` (the default).

    Why so simple: the bot only needs to pick the reply language, citizens mix languages, and
    Indonesian is the safe default for an Indonesian service. Counting frequent function words is
    robust for messages of two words or more and costs microseconds.
    """
    words = _WORD_RE.findall(text.lower())
    if not words:
        return "id"
    en = sum(w in _EN_WORDS for w in words)
    idn = sum(w in _ID_WORDS for w in words)
    if en >= 1 and en > idn * 1.5:
        return "en"
    return "id"
