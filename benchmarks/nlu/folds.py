"""Which real messages are held out together: folds by label, by region, and by history.

Why it matters: a number is only as honest as its folds. The dev file (one channel) scored 0.87
where three other regions scored 0.63, so the benches hold out whole regions too; and a city
whose messages leaked into the training folds would turn "a city we do not have" into a city we
do have (``tests/benchmarks/test_routing_regions.py``). Every bench and screen takes its folds
from here, with the one seed, so their numbers are taken on the same partitions.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import StratifiedKFold

from benchmarks.nlu.data import ROUTING_CSV
from nlu.dataset import Example

SEED = 13

Split = tuple[np.ndarray, np.ndarray]  # (train indices, held-out indices)

# Where a real LAPOR! message came from, read off the markers its text carries (the city's
# channel hashtag or its mayor's name, the provincial addressee line); "other" is everything
# else: national ministries and many regions with a handful of messages each.
REGION_MARKERS: tuple[tuple[str, str], ...] = (
    ("semarang", r"hendi|hendy|semarang|\bsmg\b"),
    ("jakarta", r"\bdki\b|jakarta"),
    ("bandung", r"bandung|ridwan|kang emil|probolinggo"),
)

# Leave-region-out for routing: the named cities held out one at a time, the other cities' local
# offices (mostly BPJS branches) in two folds of whole cities, national and unnamed addressees in
# two random folds. "City messages" are every message not sent to a national or unnamed body.
ROUTING_NAMED_REGIONS: tuple[str, ...] = ("semarang", "bandung", "jakarta")
NATIONAL = "national"


def stratified_splits(labels: Sequence[str], folds: int) -> list[Split]:
    """Seeded stratified K-fold over ``labels``: each class in every fold in proportion."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    return [(train, test) for train, test in splitter.split(np.zeros(len(labels)), labels)]


def stratified_folds(real: Sequence[Example], folds: int) -> list[np.ndarray]:
    """The held-out index arrays of :func:`stratified_splits` over the messages' labels."""
    return [test for _, test in stratified_splits([e.label for e in real], folds)]


def history_splits(history: Sequence[Example], folds: int) -> list[Split]:
    """K-fold over a deployment's history, stratified by agency; agencies with fewer messages
    than folds are pooled as one class (``StratifiedKFold`` refuses a class smaller than K)."""
    counts: dict[str, int] = {}
    for e in history:
        counts[e.label] = counts.get(e.label, 0) + 1
    return stratified_splits(
        [e.label if counts[e.label] >= folds else "_rare" for e in history], folds
    )


def region_of(text: str) -> str:
    """``semarang``, ``jakarta``, ``bandung`` (with the few Probolinggo messages) or ``other``."""
    lowered = text.lower()
    for name, pattern in REGION_MARKERS:
        if re.search(pattern, lowered):
            return name
    return "other"


def region_folds(real: Sequence[Example]) -> dict[str, np.ndarray]:
    """One fold per named region; "other" (two thirds of the messages) split in two at random."""
    rng = random.Random(SEED)
    groups: dict[str, list[int]] = {}
    for i, e in enumerate(real):
        region = region_of(e.text)
        if region == "other":
            region = "other_a" if rng.random() < 0.5 else "other_b"
        groups.setdefault(region, []).append(i)
    return {name: np.array(idx) for name, idx in sorted(groups.items())}


def routing_regions(real: Sequence[Example]) -> list[str]:
    """The region of each real routing message (the ``region`` column of ``routing_lapor.csv``,
    read off LAPOR!'s addressee: a city or regency name, or ``national``), in ``real``'s order."""
    with ROUTING_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_text = {row["text"].strip(): row.get("region") or NATIONAL for row in rows}
    return [by_text.get(e.text, NATIONAL) for e in real]


def routing_region_folds(regions: Sequence[str]) -> dict[str, np.ndarray]:
    """Held-out index arrays: one per named city, two of whole other cities (alternating by
    size), two random halves of the national and unnamed addressees."""
    rng = random.Random(SEED)
    sizes: dict[str, int] = {}
    for region in regions:
        sizes[region] = sizes.get(region, 0) + 1
    others = sorted(
        (r for r in sizes if r not in ROUTING_NAMED_REGIONS and r != NATIONAL),
        key=lambda r: (-sizes[r], r),
    )
    side = {city: "other_cities_" + "ab"[i % 2] for i, city in enumerate(others)}
    groups: dict[str, list[int]] = {}
    for i, region in enumerate(regions):
        if region in ROUTING_NAMED_REGIONS:
            name = region
        elif region == NATIONAL:
            name = "national_" + ("a" if rng.random() < 0.5 else "b")
        else:
            name = side[region]
        groups.setdefault(name, []).append(i)
    return {name: np.array(idx) for name, idx in sorted(groups.items())}


def train_indices(n: int, held_out: np.ndarray) -> np.ndarray:
    """Every index below ``n`` not held out, ascending (the training side of a fold)."""
    return np.setdiff1d(np.arange(n), held_out)
