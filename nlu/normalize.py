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

__all__ = ["MASK_TOKENS", "SLANG", "normalize", "tokens"]

MASK_TOKENS: tuple[str, ...] = ("_url_", "_email_", "_phone_", "_nik_", "_num_", "_id_")

# Abbreviations, slang and regional words seen in citizen messages, mapped to standard Indonesian.
# Keys are single lower-case tokens after punctuation removal; values may be several words.
SLANG: dict[str, str] = {
    # negation
    "gak": "tidak",
    "ga": "tidak",
    "gk": "tidak",
    "nggak": "tidak",
    "ngga": "tidak",
    "ngak": "tidak",
    "enggak": "tidak",
    "engga": "tidak",
    "tdk": "tidak",
    "tak": "tidak",
    "kagak": "tidak",
    "kaga": "tidak",
    "ndak": "tidak",
    "nda": "tidak",
    "ndk": "tidak",
    "gx": "tidak",
    "ora": "tidak",
    "mboten": "tidak",
    "henteu": "tidak",
    "teu": "tidak",
    "tdak": "tidak",
    "blm": "belum",
    "blum": "belum",
    "belom": "belum",
    "blom": "belum",
    "durung": "belum",
    "acan": "belum",
    # eastern and other regional forms (Papua, Maluku, NTT, Banjar, Makassar, Minang)
    "tra": "tidak",
    "trada": "tidak ada",
    "tida": "tidak",
    "kada": "tidak",
    "indak": "tidak",
    "sa": "saya",
    "beta": "saya",
    "ulun": "saya",
    "su": "sudah",
    "pigi": "pergi",
    "bikin": "buat",
    # time and aspect
    "sdh": "sudah",
    "udh": "sudah",
    "udah": "sudah",
    "dah": "sudah",
    "sudh": "sudah",
    "sdah": "sudah",
    "udeh": "sudah",
    "wis": "sudah",
    "wes": "sudah",
    "geus": "sudah",
    "skrg": "sekarang",
    "skrang": "sekarang",
    "skg": "sekarang",
    "saiki": "sekarang",
    "kmrn": "kemarin",
    "kmarin": "kemarin",
    "kemaren": "kemarin",
    "sblm": "sebelum",
    "sblmnya": "sebelumnya",
    "stlh": "setelah",
    "sdg": "sedang",
    "lg": "lagi",
    "lgi": "lagi",
    "msh": "masih",
    "masi": "masih",
    "msih": "masih",
    "tgl": "tanggal",
    "thn": "tahun",
    "th": "tahun",
    "bln": "bulan",
    "hr": "hari",
    "mgg": "minggu",
    "mg": "minggu",
    "jam2": "jam",
    # function words
    "yg": "yang",
    "yng": "yang",
    "dgn": "dengan",
    "dg": "dengan",
    "dngn": "dengan",
    "dengen": "dengan",
    "utk": "untuk",
    "untk": "untuk",
    "tuk": "untuk",
    "bwt": "buat",
    "krn": "karena",
    "krna": "karena",
    "karna": "karena",
    "soale": "karena",
    "tp": "tapi",
    "tpi": "tapi",
    "tapi": "tapi",
    "tetapi": "tapi",
    "dr": "dari",
    "dri": "dari",
    "pd": "pada",
    "kpd": "kepada",
    "thd": "terhadap",
    "dlm": "dalam",
    "dl": "dulu",
    "dlu": "dulu",
    "jg": "juga",
    "jga": "juga",
    "sj": "saja",
    "aja": "saja",
    "aj": "saja",
    "aje": "saja",
    "wae": "saja",
    "sm": "sama",
    "ama": "sama",
    "atw": "atau",
    "ato": "atau",
    "atu": "atau",
    "kalo": "kalau",
    "klo": "kalau",
    "kl": "kalau",
    "klau": "kalau",
    "lamun": "kalau",
    "tsb": "tersebut",
    "dll": "dan lain lain",
    "dsb": "dan sebagainya",
    "dst": "dan seterusnya",
    "sbg": "sebagai",
    "spt": "seperti",
    "kyk": "kayak",
    "sperti": "seperti",
    "trs": "terus",
    "trus": "terus",
    "hrs": "harus",
    "hrus": "harus",
    "bs": "bisa",
    "bsa": "bisa",
    "dpt": "dapat",
    "dapet": "dapat",
    "bnyk": "banyak",
    "byk": "banyak",
    "bgt": "banget",
    "bngt": "banget",
    "bener": "benar",
    "bnr": "benar",
    "emang": "memang",
    "emg": "memang",
    "mmg": "memang",
    "sampe": "sampai",
    "ampe": "sampai",
    "nyampe": "sampai",
    "sdikit": "sedikit",
    "dikit": "sedikit",
    "gitu": "begitu",
    "gini": "begini",
    "pake": "pakai",
    "pakek": "pakai",
    "mau": "mau",
    "mo": "mau",
    "pengen": "ingin",
    "pgn": "ingin",
    "pingin": "ingin",
    "pengin": "ingin",
    "ingin": "ingin",
    # questions
    "gmn": "bagaimana",
    "gmna": "bagaimana",
    "gimana": "bagaimana",
    "bgmn": "bagaimana",
    "bagaimna": "bagaimana",
    "piye": "bagaimana",
    "kumaha": "bagaimana",
    "gimane": "bagaimana",
    "knp": "kenapa",
    "knapa": "kenapa",
    "ngapa": "kenapa",
    "napa": "kenapa",
    "kenopo": "kenapa",
    "brp": "berapa",
    "brapa": "berapa",
    "pira": "berapa",
    "sabaraha": "berapa",
    "apkh": "apakah",
    "apa2": "apa apa",
    "ape": "apa",
    "opo": "apa",
    "kpn": "kapan",
    "kapn": "kapan",
    "dmn": "dimana",
    "dmna": "dimana",
    "endi": "mana",
    "nanya": "bertanya",
    "tanya2": "tanya",
    "nnya": "tanya",
    # people and addressing
    "sy": "saya",
    "sya": "saya",
    "sayah": "saya",
    "gue": "saya",
    "gw": "saya",
    "gua": "saya",
    "aq": "aku",
    "kami2": "kami",
    "bpk": "bapak",
    "bp": "bapak",
    "pak": "bapak",
    "bpak": "bapak",
    "ibu2": "ibu",
    "bu": "ibu",
    "ib": "ibu",
    "sdr": "saudara",
    "org": "orang",
    "orng": "orang",
    "warga2": "warga",
    "pemkot": "pemerintah kota",
    "pemkab": "pemerintah kabupaten",
    "pemprov": "pemerintah provinsi",
    "pemda": "pemerintah daerah",
    "yth": "yth",
    "ytk": "yth",
    "kang": "kang",
    # politeness and closings
    "tlg": "tolong",
    "tolg": "tolong",
    "tulung": "tolong",
    "mhn": "mohon",
    "mohn": "mohon",
    "makasih": "terima kasih",
    "makasi": "terima kasih",
    "mksh": "terima kasih",
    "trmksh": "terima kasih",
    "trimakasih": "terima kasih",
    "terimakasih": "terima kasih",
    "trims": "terima kasih",
    "tks": "terima kasih",
    "thx": "terima kasih",
    "thanks": "terima kasih",
    "tq": "terima kasih",
    "ty": "terima kasih",
    "matur": "terima",
    "nuhun": "terima kasih",
    "hatur": "terima",
    "suwun": "terima kasih",
    "ass": "assalamualaikum",
    "aslm": "assalamualaikum",
    "aslkm": "assalamualaikum",
    "assalamualaikum": "assalamualaikum",
    "pls": "please",
    "plis": "please",
    "plz": "please",
    "mksd": "maksud",
    "info": "info",
    "infonya": "informasinya",
    "inpo": "info",
    # places and public-service words
    "jln": "jalan",
    "jl": "jalan",
    "jalan2": "jalan",
    "rmh": "rumah",
    "kel": "kelurahan",
    "kec": "kecamatan",
    "kab": "kabupaten",
    "prov": "provinsi",
    "ds": "desa",
    "dsn": "dusun",
    "sklh": "sekolah",
    "skolah": "sekolah",
    "puskes": "puskesmas",
    "pkm": "puskesmas",
    "ktp2": "ktp",
    "ektp": "e ktp",
    "ktpel": "ktp el",
    "akte": "akta",
    "dispenduk": "dukcapil",
    "disdukcapil": "dukcapil",
    "kk": "kk",
    "sertipikat": "sertifikat",
    "smpah": "sampah",
    "sampa": "sampah",
    "got": "got",
    "pju": "pju",
}

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
