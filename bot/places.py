"""Finding the place a citizen named in free text: streets, RT/RW, villages, landmarks, housing
blocks, coordinates and map links.

Citizens name the place in passing ("jalan di depan SDN 3 Sukamaju rusak", "di Perum Griya Asri
Blok C2", "-6.2, 106.8"), so the report flow looks for it in every message and asks "where?" only
when nothing was found. Pure functions over the text, no database, no NLU: the word tables are
data at the top of this module, so a region's own words (``banjar``, ``jorong``, ``nagari``) are a
one-line change, and each pattern is tested on its own (``tests/bot/test_places.py``).

The rule of thumb: a fragment counts as a place only when it names something a field officer
could find. "di jalan" or "depan rumah" are not places; "Jl. Melati", "RT 03/RW 02", "depan SDN 3",
"dekat masjid" (one per neighbourhood, the officer asks locals) are. Names in lower case are
accepted after a street or area word ("jl melati", "desa sukamaju"): chat is mostly lower case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 500  # the draft's location text
#: Only the start of a text is searched: one message is at most ``bot_max_text_chars`` (4,000)
#: anyway, and a story told in several messages is searched message by message as it arrives.
SCAN_CHARS = 5000


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words that may follow a name in lower case and still belong to it ("jalan melati raya").
NAME_SUFFIXES = _words(
    "raya indah baru utara selatan timur barat tengah permai asri jaya makmur sari mulya mulia "
    "hilir hulu ilir ulu"
)
#: Words that end a name (or show that the word after "jalan" is not a name: "jalan rusak").
STOP_WORDS = _words(
    """
    di ke dari yang dan atau itu ini tersebut sudah sejak selama sekitar sangat banyak tidak
    tdk gak ga nggak enggak belum ada adalah akan bisa dapat sering selalu masih juga lagi
    pada untuk dengan karena krn tapi namun jadi sehingga agar supaya mohon tolong minta harap
    kami saya kita aku gue gw warga kak pak bu min admin mas mbak bang rumah rmh kecil sempit
    rusak rusk rsk ancur jebol berlubang bolong lubang mati padam putus rubuh roboh ambruk retak
    amblas ambles longsor banjir tergenang genangan macet mampet tersumbat bocor kotor bau
    numpuk menumpuk
    licin gelap berdebu becek hancur parah sekali banget bgt dong deh sih kok ya yah
    motor mobil truk orang anak
    the a an is are was were has have been not and or of to for from with since very please
    broken damaged dark flooded blocked
    """
)
#: Words that start a street name.
STREET_WORDS = frozenset({"jl", "jln", "jalan", "gang", "gg", "lorong", "lr"})
#: The ones that are also ordinary words ("jalan rusak" is a road, "gang sempit" an alley).
_COMMON_STREET_WORDS = frozenset({"jalan", "gang", "lorong"})
#: Administrative areas and housing: the word, then a name (or a number/letter: "Blok C2").
AREA_WORDS = _words(
    """
    kelurahan kel desa ds kecamatan kec dusun dsn kampung kp kabupaten kab kota kotamadya
    perumahan perum komplek kompleks komp cluster klaster blok residence residen apartemen
    rusun rusunawa asrama nagari jorong banjar lingkungan
    """
)
#: Area words that are also common words: a lower-case name after them is not trusted.
_COMMON_AREA_WORDS = frozenset({"kota", "kampung", "lingkungan", "banjar", "asrama"})
#: Things an officer can find: after a position word ("depan", "dekat") or with a name/number.
LANDMARKS = _words(
    """
    sd sdn smp smpn sma sman smk smkn mts mtsn sekolah madrasah pesantren ponpes
    kampus universitas tk paud
    masjid mesjid musala musholla mushola musalla langgar surau gereja pura vihara klenteng
    pasar puskesmas pustu posyandu polindes rsud rs klinik apotek kantor balai
    terminal stasiun halte bandara pelabuhan dermaga alun-alun lapangan taman jembatan
    pertigaan perempatan bundaran simpang tugu gapura spbu pom indomaret alfamart minimarket
    bank atm makam tpu pemakaman polsek polres koramil kodim pabrik mall mal hotel gor stadion
    bendungan waduk irigasi kecamatan kelurahan
    school mosque church market hospital station bridge park office junction intersection
    temple roundabout
    """
)
#: Two-word landmarks (checked before the one-word table).
LANDMARK_PAIRS = frozenset(
    {("rumah", "sakit"), ("lampu", "merah"), ("balai", "desa"), ("kantor", "desa"),
     ("kantor", "camat"), ("kantor", "lurah"), ("pom", "bensin"), ("traffic", "light"),
     ("traffic", "lights"), ("bus", "stop"), ("police", "station")}
)  # fmt: skip
#: Words placing something relative to a landmark ("depan SDN 3", "dekat masjid").
POSITION_WORDS = _words(
    "depan dekat sebelah samping belakang seberang sekitar pinggir ujung arah dpn dkt sblh "
    "near opposite behind beside outside"
)
#: Two-word English positions ("in front of the school", "next to the market").
_POSITION_PHRASES = (("in", "front", "of"), ("next", "to"), ("across", "from"))
_ARTICLES = frozenset({"the", "a", "an"})
#: English street types, written after the name ("Melati Street").
STREET_TYPES = frozenset({"street", "st", "road", "rd", "avenue", "ave", "lane"})
_NUMBER_WORDS = frozenset({"no", "nomor", "nmr", "km", "number"})
MAX_NAME_WORDS = 4
#: Words written with a full stop that does not end a sentence ("Jl.", "No.", "Kel.").
_ABBREVIATED = STREET_WORDS | AREA_WORDS | _NUMBER_WORDS

_TOKEN = re.compile(r"[^\W_][\w'-]*\.?|[^\w\s]", re.UNICODE)
_RT_RW = re.compile(
    r"\b(?:rt|r\.t\.?)\s*\.?\s*:?\s*0*\d{1,3}\s*(?:/|,|\s)\s*(?:rw|r\.w\.?)?\s*\.?\s*:?\s*0*\d{1,3}\b"
    r"|\b(?:rt|rw)\s*\.?\s*:?\s*0*\d{1,3}\b",
    re.IGNORECASE,
)
_MAP_LINK = re.compile(
    r"https?://\S*(?:google\.[a-z.]+/maps|maps\.google\.|goo\.gl/maps|maps\.app\.goo\.gl"
    r"|openstreetmap\.org|osm\.org|waze\.com|share\.here\.com)\S*",
    re.IGNORECASE,
)
_LAT_LON = re.compile(r"(?<![\w.])(-?\d{1,2}\.\d{1,8})\s*[,;/ ]\s*(-?\d{1,3}\.\d{1,8})(?![\w.])")
_LINK_COORDS = (
    re.compile(r"@(-?\d{1,2}\.\d+),(-?\d{1,3}\.\d+)"),
    re.compile(
        r"[?&](?:q|ll|query|center|destination)=(-?\d{1,2}\.\d+)(?:,|%2C)(-?\d{1,3}\.\d+)",
        re.IGNORECASE,
    ),
    re.compile(r"mlat=(-?\d{1,2}\.\d+)&mlon=(-?\d{1,3}\.\d+)"),
    re.compile(r"#map=\d+/(-?\d{1,2}\.\d+)/(-?\d{1,3}\.\d+)"),
)


#: Words that make an answer to "where?" a place even without a street or RT ("di depan SDN 3
#: dekat pertigaan lampu merah arah ke pasar", "depan rumah saya").
ANSWER_OPENERS = _words(
    "di depan dekat sebelah samping belakang seberang sekitar pinggir ujung in at on near "
    "opposite behind next outside"
)
#: Words saying that an answer is about the place ("alamatnya gang buntu setelah warung").
ANSWER_WORDS = _words("lokasi lokasinya alamat alamatnya tempatnya location address")


@dataclass(frozen=True)
class Place:
    """What a text says about where: a description, coordinates, or both."""

    text: str | None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class _Token:
    raw: str
    word: str  # lower case, trailing dot removed
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    return [
        _Token(m.group(0), m.group(0).lower().rstrip("."), m.start(), m.end())
        for m in _TOKEN.finditer(text)
    ]


def _is_number(word: str) -> bool:
    """ "3", "03", "5a", "c2", "iii": the numbers and block codes of addresses."""
    return bool(re.fullmatch(r"\d+[a-z]?|[a-z]\d+[a-z]?|[a-z]|[ivx]{1,4}", word))


def _capitalised(token: _Token, shouting: bool) -> bool:
    """A name written as one (not in an all-caps message, where every word looks like one)."""
    return not shouting and token.raw[:1].isupper()


def _name_end(tokens: list[_Token], i: int, *, shouting: bool, trust_lower: bool) -> int:
    """The index after the name starting at ``tokens[i]`` (== ``i`` when there is none).

    A name is capitalised words and numbers ("Griya Asri Blok C2", "SDN 3 Sukamaju"); in lower
    case (or an all-caps message) it is one word not in ``STOP_WORDS`` when ``trust_lower``,
    then numbers, "no 5" and the usual suffixes ("melati raya").
    """
    j = i
    taken = 0
    while j < len(tokens) and taken < MAX_NAME_WORDS:
        token = tokens[j]
        word = token.word
        if not word[:1].isalnum() or word in STOP_WORDS:
            break
        before = tokens[j - 1]
        if j > i and before.raw.endswith(".") and before.word not in _ABBREVIATED:
            break  # a full stop ended the sentence
        if word in _NUMBER_WORDS and j + 1 < len(tokens) and _is_number(tokens[j + 1].word):
            j += 2
            taken += 1
            continue
        if _is_number(word) and (j > i or trust_lower or word[:1].isdigit()):
            j += 1
            taken += 1
            continue
        if _capitalised(token, shouting) and word not in STREET_WORDS:
            j += 1
            taken += 1
            continue
        if j == i and trust_lower:
            j += 1
            taken += 1
            continue
        if j > i and word in NAME_SUFFIXES:
            j += 1
            taken += 1
            continue
        break
    return j


def _fragment(text: str, tokens: list[_Token], start: int, end: int) -> str:
    return text[tokens[start].start : tokens[end - 1].end].strip(" .,;:")


def _street(tokens: list[_Token], i: int, shouting: bool) -> int:
    """End of a street name starting with the street word ``tokens[i]``, or ``i``."""
    word = tokens[i].word
    if word not in STREET_WORDS or i + 1 >= len(tokens):
        return i
    nxt = tokens[i + 1]
    if word in _COMMON_STREET_WORDS:
        # a name only before a capitalised word, a number, "raya", or after "di"/"ke"
        after_preposition = i > 0 and tokens[i - 1].word in {"di", "ke"}
        if nxt.word in STOP_WORDS:
            return i
        if not (
            _capitalised(nxt, shouting)
            or _is_number(nxt.word)
            or nxt.word == "raya"
            or after_preposition
            or (i + 2 < len(tokens) and tokens[i + 2].word in _NUMBER_WORDS)
        ):
            return i
    end = _name_end(tokens, i + 1, shouting=shouting, trust_lower=True)
    return end if end > i + 1 else i


def _area(tokens: list[_Token], i: int, shouting: bool) -> int:
    word = tokens[i].word
    if word not in AREA_WORDS:
        return i
    trust = word not in _COMMON_AREA_WORDS
    end = _name_end(tokens, i + 1, shouting=shouting, trust_lower=trust)
    return end if end > i + 1 else i


def _landmark(tokens: list[_Token], i: int, shouting: bool) -> tuple[int, int]:
    """A landmark starting at ``tokens[i]``: (end of its word(s), end of its name/number); both
    ``i`` when there is none."""
    words = tuple(t.word for t in tokens[i : i + 2])
    if words in LANDMARK_PAIRS:
        first_end = i + 2
    elif words and words[0] in LANDMARKS:
        first_end = i + 1
    else:
        return i, i
    return first_end, _name_end(tokens, first_end, shouting=shouting, trust_lower=False)


def _position(tokens: list[_Token], i: int) -> int:
    """Index after a position word or phrase at ``i`` (and an article), or ``i``."""
    j = i
    if tokens[i].word in POSITION_WORDS:
        j = i + 1
    else:
        for phrase in _POSITION_PHRASES:
            if tuple(t.word for t in tokens[i : i + len(phrase)]) == phrase:
                j = i + len(phrase)
                break
    if j > i and j < len(tokens) and tokens[j].word in _ARTICLES:
        j += 1
    return j


def _english_street(tokens: list[_Token], i: int) -> int:
    """ "Melati Street", "Sudirman Rd": capitalised words, then a street type."""
    j = i
    while j < len(tokens) and tokens[j].raw[:1].isupper() and tokens[j].word not in STREET_TYPES:
        j += 1
    if j > i and j < len(tokens) and tokens[j].word in STREET_TYPES and tokens[j].raw[:1].isupper():
        return j + 1
    return i


#: Every word that can start a place (capitalised words too: "Pasar", "Melati Street").
_TRIGGERS = (
    STREET_WORDS
    | AREA_WORDS
    | LANDMARKS
    | POSITION_WORDS
    | {pair[0] for pair in LANDMARK_PAIRS}
    | {phrase[0] for phrase in _POSITION_PHRASES}
)


def _fragments(text: str) -> list[str]:
    tokens = _tokens(text)
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 8 and sum(c.isupper() for c in letters) > 0.8 * len(letters)
    found: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i].word not in _TRIGGERS and not tokens[i].raw[:1].isupper():
            i += 1  # most words start nothing: skip them cheaply (a 4,000-character story)
            continue
        end = _street(tokens, i, shouting)
        if end == i:
            end = _area(tokens, i, shouting)
        if end == i:
            after = _position(tokens, i)
            if i < after < len(tokens):
                # "dekat masjid", "depan SDN 3", "near the market": a landmark after a position
                landmark_end = _landmark(tokens, after, shouting)[1]
                street_end = _street(tokens, after, shouting)
                end = max(landmark_end, street_end) if max(landmark_end, street_end) > after else i
        if end == i:
            # alone, a landmark needs its name or number: "SDN 3", "pasar Kebayoran"
            first_end, landmark_end = _landmark(tokens, i, shouting)
            if landmark_end > first_end:
                end = landmark_end
        if end == i and not shouting:
            end = _english_street(tokens, i)
        if end > i:
            found.append(_fragment(text, tokens, i, end))
            i = end
        else:
            i += 1
    return found


def _plausible(lat: str, lon: str) -> bool:
    """Typed coordinates, not prices ("5.000, 100.000" is two amounts in rupiah): in Indonesia's
    bounding box, or precise enough (4+ decimals) to be copied from a phone anywhere."""
    y, x = float(lat), float(lon)
    if not (-90 <= y <= 90 and -180 <= x <= 180) or (y, x) == (0.0, 0.0):
        return False
    decimals = min(len(lat.split(".")[1]), len(lon.split(".")[1]))
    thousands = not lat.startswith("-") and decimals == 3 and lat[-1] == lon[-1] == "0"
    in_indonesia = -11.5 <= y <= 6.5 and 94.5 <= x <= 141.5
    return not thousands and (in_indonesia or decimals >= 4)


def coordinates(text: str) -> tuple[float, float] | None:
    """Latitude and longitude inside a map link, or typed in the text when plausible."""
    for pattern in _LINK_COORDS:
        for match in pattern.finditer(text):
            lat, lon = float(match.group(1)), float(match.group(2))
            if -90 <= lat <= 90 and -180 <= lon <= 180:
                return lat, lon
    for match in _LAT_LON.finditer(text):
        if _plausible(match.group(1), match.group(2)):
            return float(match.group(1)), float(match.group(2))
    return None


def find(text: str) -> Place | None:
    """The place named in ``text``, or None when it names none.

    The description keeps every fragment found, in order and once ("Jl. Melati No. 5, RT 03/RW
    02"); a map link is kept whole, since it is what the officer opens.
    """
    if not text:
        return None
    text = text[:SCAN_CHARS]
    links = [m.group(0).rstrip(").,") for m in _MAP_LINK.finditer(text)]
    rest = _MAP_LINK.sub(" ", text)
    coords = coordinates(text)
    if coords is not None:
        rest = _LAT_LON.sub(" ", rest)
    parts = [*links]
    spans: list[tuple[int, str]] = [(m.start(), m.group(0).strip()) for m in _RT_RW.finditer(rest)]
    # RT/RW become a comma of the same length: it ends a name and keeps every offset
    parts_rest = _fragments(_RT_RW.sub(lambda m: "," + " " * (len(m.group(0)) - 1), rest))
    # keep the reading order of the text for the fragments and RT/RW
    ordered = sorted([*spans, *((rest.find(p), p) for p in parts_rest)], key=lambda item: item[0])
    parts += [p for _, p in ordered]
    unique = list(dict.fromkeys(p for p in parts if p))
    if not unique and coords is None:
        return None
    description = ", ".join(unique)[:MAX_CHARS] or None
    if coords is None:
        return Place(description)
    return Place(description, coords[0], coords[1])


def answers_where(text: str) -> bool:
    """Is ``text``, given as the answer to "where is it?", a place? A place :func:`find` sees,
    or an answer that starts like one or says it is the address: the citizen knows their own
    "depan rumah saya" better than any table of landmarks."""
    words = re.sub(r"[^\w\s-]", " ", text.lower()).split()
    return (
        find(text) is not None
        or (bool(words) and words[0] in ANSWER_OPENERS)
        or not ANSWER_WORDS.isdisjoint(words)
    )
