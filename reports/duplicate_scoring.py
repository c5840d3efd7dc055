"""What makes two reports the same problem at the same place: their words, their place and a
score (issue 15). Pure text and arithmetic, so the benchmarks and tests can score written sets
without a database; ``reports.duplicates`` finds the candidates and stores the result.

The text rules live here rather than in ``nlu.normalize`` because ``reports`` sits below ``nlu``
in the layers (architecture.md): a short slang and synonym table (``reports.duplicate_words``,
with the other word tables the rules read) that brings "PJU padam" and "lampu jalan mati" to the
same words, and character trigrams for the spelling variants the table misses. Different
problems at the same place ("lampu mati" and "jalan berlubang" on Jl. Melati) share the place
but not the problem words, and are not suggested.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from reports.duplicate_words import (
    CANON,
    NAME_SUFFIXES,
    NOT_NAMES,
    OBJECTS,
    PLACE_WORDS,
    PROBLEM_WORDS,
    STOP,
    TITLES,
)

WINDOW = timedelta(days=30)
RADIUS_M = 200.0
TOP = 3
#: Map cell size in degrees: about 222 m at the equator (Indonesia spans 6°N-11°S), so a circle
#: of :data:`RADIUS_M` around any point lies within the 3 x 3 cells around its own.
CELL_DEG = 0.002
#: A candidate is suggested when the problem words agree at least this much (0-1) ...
MIN_TEXT = 0.30
#: ... and the combined score reaches this.
MIN_SCORE = 0.40
#: Added to the text similarity when both reports name the same object (``OBJECTS``).
OBJECT_BONUS = 0.25

# -- normalising ---------------------------------------------------------------------------------

_NON_WORD = re.compile(r"[^a-z0-9]+")
_REPEAT = re.compile(r"([a-z])\1{2,}")
_REDUP = re.compile(r"\b([a-z]{3,})(?:2|-\1)\b")


def normalize(text: str) -> list[str]:
    """Lower-case ASCII words, chat spellings and synonyms mapped to one word each."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = _REDUP.sub(r"\1", text)
    text = _REPEAT.sub(r"\1", text)
    words = [CANON.get(w, w) for w in map(_strip_suffix, _NON_WORD.sub(" ", text).split())]
    # "air mati" / "air tidak mengalir" is the water supply; "air" alone is any water (a drain's).
    for i, word in enumerate(words):
        if word == "air" and "mati" in words[i + 1 : i + 3]:
            words[i] = "pdam"
    return words


def _strip_suffix(word: str) -> str:
    """ "aspalnya" -> "aspal", "lampunya" -> "lampu": the possessive says nothing of the problem."""
    return word[:-3] if len(word) > 5 and word.endswith("nya") else word


# -- the place ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlaceKeys:
    street: str | None  # the street's key word: "melati" for "Jl. Melati Raya No. 5"
    area: str | None  # the kelurahan or desa: "sukamaju"
    names: frozenset[str] = frozenset()  # every word of the names found (not problem words)
    #: The street name's words after its key ("jln mawar tebet barat" -> {"tebet"}): often the
    #: kelurahan written without "kel.", compared with the other report's area.
    street_rest: frozenset[str] = frozenset()
    area_words: frozenset[str] = frozenset()  # every word of the area's name

    @property
    def key(self) -> str | None:
        """The indexed key: the street, else the area (the finer of the two the text names)."""
        if self.street:
            return f"st:{self.street}"[:80]
        return f"kel:{self.area}"[:80] if self.area else None


#: Dots that abbreviate ("Jl. Melati", "Kel. Sukamaju", "Jend. Sudirman") rather than end a
#: sentence: removed before the text is cut into clauses, so a name never runs across a comma.
_ABBREVIATION_DOT = re.compile(
    r"\b(jl|jln|gg|kel|ds|kec|jend|jen|no|h|hj|kh|dr|ir|prof|[a-z])\.", re.IGNORECASE
)
_CLAUSE = re.compile(r"[,.;:()\n!?/]+")


def _name_after(words: Sequence[str], i: int) -> list[str]:
    """The name following the place word at ``i``, up to the end of its clause: "Jl. Jend.
    Sudirman" and "jalan sudirman", "Jl. A. Yani" and "jalan ahmad yani" give the same first
    significant word, which is the key."""
    name: list[str] = []
    for k, word in enumerate(words[i + 1 : i + 4]):
        if word == "raya" and k == 0:  # "Jl. Raya Bogor": the name follows
            name.append(word)
            continue
        if (len(word) > 1 and word in NOT_NAMES) or word in PLACE_WORDS:
            break
        if word in PROBLEM_WORDS or word.isdigit():
            break
        name.append(word)
    return name


def _significant(name: list[str]) -> list[str]:
    return [w for w in name if w not in TITLES and len(w) > 1 and w not in NAME_SUFFIXES]


def _key(name: list[str]) -> str | None:
    significant = _significant(name)
    return significant[0] if significant else None


def place_keys(*texts: str | None) -> PlaceKeys:
    """The street and area named first in ``texts`` (location text, then the report's body)."""
    street = area = None
    names: set[str] = set()
    rest: frozenset[str] = frozenset()
    area_words: frozenset[str] = frozenset()
    for text in texts:
        if not text:
            continue
        for clause in _CLAUSE.split(_ABBREVIATION_DOT.sub(r"\1 ", text)):
            words = normalize(clause)
            for i, word in enumerate(words):
                if word in ("jalan", "gang", "lorong"):
                    name = _name_after(words, i)
                    names.update(name)
                    if street is None and (street := _key(name)):
                        rest = frozenset(_significant(name)[1:])
                elif word in ("kelurahan", "desa"):
                    name = _name_after(words, i)
                    names.update(name)
                    if area is None and (area := _key(name)):
                        area_words = frozenset(_significant(name))
    return PlaceKeys(street, area, frozenset(names), rest, area_words)


def cell_of(latitude: float | None, longitude: float | None) -> int | None:
    if latitude is None or longitude is None:
        return None
    return _cell(math.floor(latitude / CELL_DEG), math.floor(longitude / CELL_DEG))


def _cell(row: int, column: int) -> int:
    return (row + 50_000) * 1_000_000 + (column + 200_000)


def neighbour_cells(latitude: float, longitude: float) -> list[int]:
    row, column = math.floor(latitude / CELL_DEG), math.floor(longitude / CELL_DEG)
    return [_cell(row + dr, column + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres (haversine; exact enough at a few hundred metres)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(min(1.0, h)))


# -- scoring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the scorer compares of one report (built from a row, or from a benchmark's item)."""

    text: str
    location_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    # Cached: a new report is compared with dozens of candidates, each parsed once.
    @functools.cached_property
    def place(self) -> PlaceKeys:
        return place_keys(self.location_text, self.text)

    @functools.cached_property
    def words(self) -> frozenset[str]:
        return frozenset(self.problem_words())

    @functools.cached_property
    def grams(self) -> frozenset[str]:
        return frozenset(_trigrams(self.words))

    def problem_words(self) -> set[str]:
        """The words about the problem: neither courtesy nor the place's own names."""
        names = self.place.names
        return {
            w
            for w in normalize(self.text)
            if w not in STOP
            and w not in names
            and w not in PLACE_WORDS
            and w not in NAME_SUFFIXES
            and len(w) > 2
            and not w.isdigit()
        }


def _trigrams(words: Iterable[str]) -> set[str]:
    grams: set[str] = set()
    for word in words:
        padded = f" {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def text_similarity(a: set[str], b: set[str]) -> float:
    """Word overlap (Dice) blended with character-trigram overlap (Dice), 0-1, raised when both
    name the same object and 0 when they name only different ones."""
    return _similarity(a, b, _trigrams(a), _trigrams(b))


def _similarity(a: Set[str], b: Set[str], ga: Set[str], gb: Set[str]) -> float:
    if not a or not b:
        return 0.0
    oa, ob = a & OBJECTS, b & OBJECTS
    if oa and ob and not oa & ob:
        return 0.0
    words = 2 * len(a & b) / (len(a) + len(b))
    grams = 2 * len(ga & gb) / (len(ga) + len(gb))
    shared_object = OBJECT_BONUS if oa & ob else 0.0
    return min(1.0, 0.5 * words + 0.5 * grams + shared_object)


def place_similarity(a: Facts, b: Facts) -> float:
    """1 for the same spot, less for the same street or area only, 0 for elsewhere.

    Coordinates within :data:`RADIUS_M` count as the same place; otherwise the same street counts
    unless both name a kelurahan and they differ (Jalan Melati exists in many kelurahan); the
    same kelurahan alone is weak evidence (a kelurahan has dozens of streets).
    """
    if None not in (a.latitude, a.longitude, b.latitude, b.longitude):
        metres = distance_m((a.latitude, a.longitude), (b.latitude, b.longitude))  # type: ignore[arg-type]
        if metres <= RADIUS_M:
            return 1.0 - 0.5 * metres / RADIUS_M
    pa, pb = a.place, b.place
    if pa.area and pb.area and pa.area != pb.area:
        return 0.0
    if pa.street and pa.street == pb.street:
        if pa.area and pa.area == pb.area:
            return 1.0
        # One names the kelurahan, the other may have written it after the street's name.
        named, other = (pa, pb) if pa.area else (pb, pa)
        extra = other.street_rest - named.street_rest  # "jln kelapa dua kebon jeruk" - {"dua"}
        if named.area and extra:
            return 1.0 if extra <= named.area_words else 0.0
        return 0.8
    if pa.area and pa.area == pb.area and not (pa.street and pb.street):
        return 0.5
    return 0.0


def score(a: Facts, b: Facts) -> float:
    """How likely ``b`` reports the same problem as ``a``: 0 when the place or text disagrees."""
    place = place_similarity(a, b)
    if place == 0.0:
        return 0.0
    text = _similarity(a.words, b.words, a.grams, b.grams)
    if text < MIN_TEXT:
        return 0.0
    combined = 0.65 * text + 0.35 * place
    return combined if combined >= MIN_SCORE else 0.0


def rank(
    new: Facts, candidates: Iterable[tuple[Any, Facts]], top: int = TOP
) -> list[tuple[Any, float]]:
    """The best ``top`` candidates (keys and scores), best first; ties by key (older first)."""
    scored = [(key, score(new, facts)) for key, facts in candidates]
    kept = [(key, s) for key, s in scored if s > 0.0]
    kept.sort(key=lambda pair: (-pair[1], pair[0]))
    return kept[:top]


# -- the stored signature ------------------------------------------------------------------------


_SIG_FIELDS = 5


def signature(facts: Facts) -> str | None:
    """What the scorer reads of a report, as one line: street, area, the street name's other
    words, the area's words, the problem words ("|" between fields, spaces within). None when it
    would not fit the column (the text is parsed again when compared)."""
    place = facts.place
    fields = [
        place.street or "",
        place.area or "",
        " ".join(sorted(place.street_rest)),
        " ".join(sorted(place.area_words)),
        " ".join(sorted(facts.words)),
    ]
    line = "|".join(fields)
    return line if len(line) <= 1000 else None


def from_signature(line: str, latitude: float | None, longitude: float | None) -> Facts | None:
    """The :class:`Facts` a signature stands for, already parsed (None for a malformed line)."""
    fields = line.split("|")
    if len(fields) != _SIG_FIELDS:
        return None
    street, area, rest, area_words, words = fields
    facts = Facts("", None, latitude, longitude)
    # Fill the cached properties: comparing never parses this report's text again.
    facts.__dict__["place"] = PlaceKeys(
        street or None, area or None, frozenset(), frozenset(rest.split()),
        frozenset(area_words.split()),
    )  # fmt: skip
    facts.__dict__["words"] = frozenset(words.split())
    return facts
