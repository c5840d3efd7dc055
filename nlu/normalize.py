"""Text normalisation for informal Indonesian citizen messages.

Why: citizens write ``yg``, ``gak``, ``bangeeet``, ``anak2`` and paste phone numbers, NIK numbers
and links. A bag-of-n-grams model trained on a few hundred examples per class cannot learn that
``tdk``, ``gak`` and ``tidak`` mean the same thing, and every distinct phone number would be a
useless feature. Normalising first shrinks the vocabulary, so the same training data generalises
to more real messages. Masking personal numbers also keeps them out of any model feature space.

The output is lower-case, whitespace-collapsed text in which:

* URLs, e-mails, phone numbers, 16-digit NIK/ID numbers, other numbers and the placeholders used
  in exported reports (``[TELP]``, ``[EMAIL]``, ``[***]``) become the tokens ``_url_``, ``_email_``,
  ``_phone_``, ``_nik_``, ``_num_`` and ``_id_``;
* letters repeated three times or more are collapsed (``bangeeet`` -> ``banget``);
* Indonesian reduplication written with a 2 is expanded (``anak2`` -> ``anak anak``);
* common abbreviations, slang and a few regional (Javanese, Sundanese, Betawi) words are mapped to
  standard Indonesian (``yg`` -> ``yang``, ``gak`` -> ``tidak``, ``jln`` -> ``jalan``);
* question marks are kept as their own token ``?`` because asking is the signal of an
  information request; other punctuation becomes a space.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nlu.slang import SLANG

__all__ = ["MASK_TOKENS", "normalize", "tokens"]

MASK_TOKENS: tuple[str, ...] = ("_url_", "_email_", "_phone_", "_nik_", "_num_", "_id_")

_PLACEHOLDER_RE = re.compile(r"\[\s*(?:telp|tel|phone|hp|wa|no hp|telepon)\s*\]")
_EMAIL_PLACEHOLDER_RE = re.compile(r"\[\s*(?:e-?mail|surel)\s*\]")
_URL_PLACEHOLDER_RE = re.compile(r"\[\s*(?:url|link|tautan)\s*\]")
_NIK_PLACEHOLDER_RE = re.compile(r"\[\s*(?:nik|no ktp|ktp|kk|nomor kk)\s*\]")
# A masked number such as ``0001[*****]29``: the bracket anchors the match, digits around it go too.
_STAR_MASK_RE = re.compile(r"[\w-]*\[\s*[*x#]+\s*\][\w-]*")
_OTHER_PLACEHOLDER_RE = re.compile(r"\[\s*[a-z _-]{2,20}\s*\]")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+")
# Bare domains (``lapor.go.id/abc``); only tried when a known top-level domain occurs at all.
_DOMAIN_HINT_RE = re.compile(r"\.(?:com|net|org|id)\b")
_DOMAIN_RE = re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|id)\b(?:/\S*)?")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_RE = re.compile(r"(?:\+62|\b62|\b0)8[\d .-]{7,14}\d\b")
_NIK_RE = re.compile(r"\b\d{16}\b")
_NUMBER_RE = re.compile(r"\d+(?:[.,:/]\d+)*")
_REDUP_RE = re.compile(r"\b([a-z]{2,})2\b")
_REDUP_DASH_RE = re.compile(r"\b([a-z]{2,})-\1\b")
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
# The whole word around a tripled letter. Anchored at a word start (``\b``) and lazy: the
# unanchored greedy form retried every position of every word (0.3 ms on a 1,200-char text);
# both match exactly the maximal ``\w`` run that contains the triple.
_REPEAT_WORD_RE = re.compile(r"\b\w*?([a-z])\1{2,}\w*")
_QUESTION_RE = re.compile(r"\?+")
_NON_WORD_RE = re.compile(r"[^\w?]+")
_DIGIT_RE = re.compile(r"\d")
# Cheap necessary conditions, tried before the expensive patterns above. Each starts with a
# literal or a character class, so the regex engine skips ahead instead of testing \b at every
# position: 16 digits in a row for a NIK, the bracketed stars of a masked number,
# "<letter><letter>2" at a word end for ``anak2``.
_NIK_HINT_RE = re.compile(r"\d{16}")
_STAR_MASK_HINT_RE = re.compile(r"\[\s*[*x#]+\s*\]")
_REDUP_HINT_RE = re.compile(r"2(?<=[a-z][a-z]2)\b")
_TOKEN_RE = re.compile(r"[\w?]+")

# Words that legitimately contain a doubled letter; a tripled letter in them collapses to two.
_DOUBLE_LETTER_WORDS = frozenset(
    {
        "maaf",
        "saat",
        "taat",
        "keadaan",
        "kepemimpinan",
        "allah",
        "sunnah",
        "assalamualaikum",
        "wassalam",
        "wassalamualaikum",
        "tunggu",
        "good",
        "need",
        "sorry",
        "free",
        "call",
        "street",
        "still",
        "week",
        "soon",
        "book",
        "will",
        "all",
        "off",
        "staff",
        "school",
        "too",
        "pool",
        "booking",
        "online",
        "offline",
        "ditunggu",
        "menunggu",
        "tinggi",
        "tunggakan",
        "ditinggal",
        "pelaanan",
        "saaat",
        "kk",
        "rsud",
        "pppk",
    }
)


def _collapse(match: re.Match[str]) -> str:
    return match.group(1)


def _collapse_word(word: str) -> str:
    if not _REPEAT_RE.search(word):
        return word
    two = _REPEAT_RE.sub(lambda m: m.group(1) * 2, word)
    if two in _DOUBLE_LETTER_WORDS:
        return two
    return _REPEAT_RE.sub(_collapse, word)


def _mask(text: str) -> str:
    """Replace personal or unique numbers and links by type tokens (order matters).

    Each pattern runs only when a cheap hint (a bracket, ``@``, a digit) is present: these
    regexes dominated normalisation time on long chronologies.
    """
    if "[" in text:
        text = _PLACEHOLDER_RE.sub(" _phone_ ", text)
        text = _EMAIL_PLACEHOLDER_RE.sub(" _email_ ", text)
        text = _URL_PLACEHOLDER_RE.sub(" _url_ ", text)
        text = _NIK_PLACEHOLDER_RE.sub(" _nik_ ", text)
        if _STAR_MASK_HINT_RE.search(text):
            text = _STAR_MASK_RE.sub(" _id_ ", text)
        text = _OTHER_PLACEHOLDER_RE.sub(" _id_ ", text)
    if "@" in text:
        text = _EMAIL_RE.sub(" _email_ ", text)
    if "http" in text or "www." in text:
        text = _URL_RE.sub(" _url_ ", text)
    if _DOMAIN_HINT_RE.search(text):
        text = _DOMAIN_RE.sub(" _url_ ", text)
    if _DIGIT_RE.search(text):
        if "08" in text or "628" in text:  # every phone match contains one of them
            text = _PHONE_RE.sub(" _phone_ ", text)
        if _NIK_HINT_RE.search(text):
            text = _NIK_RE.sub(" _nik_ ", text)
    return text


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Return the canonical form of ``text`` used for every model feature.

    Cached because the bot classifies the same message for type and agency, and
    re-normalising a 1,000-character chronology is the most expensive part of a prediction.
    """
    text = _mask(text.lower())
    if "2" in text and _REDUP_HINT_RE.search(text):
        text = _REDUP_RE.sub(r"\1 \1", text)
    if "-" in text:
        text = _REDUP_DASH_RE.sub(r"\1 \1", text)
    if _DIGIT_RE.search(text):
        text = _NUMBER_RE.sub(" _num_ ", text)
    if "?" in text:
        text = _QUESTION_RE.sub(" ? ", text)
    if _REPEAT_RE.search(text):
        text = _REPEAT_WORD_RE.sub(lambda m: _collapse_word(m.group(0)), text)
    # Tokens are the runs of word characters and "?" (everything else separates them).
    words = _TOKEN_RE.findall(text)
    slang = SLANG
    if "_" not in text:  # the common case: no mask token, no stray underscores
        return " ".join([slang.get(word, word) for word in words])
    out: list[str] = []
    for word in words:
        if word[0] == "_" or word[-1] == "_":
            if word in MASK_TOKENS:
                out.append(word)
                continue
            word = word.strip("_")
            if not word:
                continue
        out.append(slang.get(word, word))
    return " ".join(out)


def tokens(text: str) -> list[str]:
    """Normalised word tokens of ``text`` (the ``?`` token included)."""
    return normalize(text).split()
