"""Leave-region-out for routing (``benchmarks/nlu/folds.py``) keeps each region whole.

Why: the measurement stands for "a city we do not have"; a city whose messages leaked into the
training folds would make it a measurement of a city we do have.
"""

from __future__ import annotations

import numpy as np

from benchmarks.nlu.folds import (
    NATIONAL,
    ROUTING_NAMED_REGIONS,
    routing_region_folds,
    routing_regions,
)
from nlu.training_examples import base_examples


def test_every_real_routing_message_has_a_region_and_each_city_is_in_one_fold() -> None:
    real = [e for e in base_examples("routing") if e.source == "lapor"]
    regions = routing_regions(real)
    assert len(regions) == len(real)
    assert set(ROUTING_NAMED_REGIONS) <= set(regions)
    assert 300 < regions.count(NATIONAL) < 500  # ministries, national programmes, no place

    folds = routing_region_folds(regions)
    held = np.concatenate(list(folds.values()))
    assert sorted(held.tolist()) == list(range(len(real)))  # each message held out once
    fold_of: dict[str, set[str]] = {}
    for name, idx in folds.items():
        for i in idx:
            fold_of.setdefault(regions[i], set()).add(name)
    for region, names in fold_of.items():
        if region != NATIONAL:
            assert len(names) == 1, region
    for city in ROUTING_NAMED_REGIONS:
        assert fold_of[city] == {city}
