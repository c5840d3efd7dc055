"""The agency section of the understanding bench: out of the box, and from a city's history.

Why these measurements (see ``understanding.py``): a new city starts with the shipped model,
so it is scored on real routing messages it never trained on, the closest to a city we do not
have being leave-region-out, as served (mixed with the ``agencies.yml`` keywords, as
``route_agency`` does) and by the model alone; a city then trains on its own history
(``nlu train --routing-csv``), measured as 5-fold on the real messages against the plain
baseline trained on the same history.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks.nlu.city_training import city_sized_training
from benchmarks.nlu.data import AGENCIES_YML, read_heldout, routing_examples
from benchmarks.nlu.folds import (
    NATIONAL,
    ROUTING_NAMED_REGIONS,
    history_splits,
    routing_region_folds,
    routing_regions,
    train_indices,
)
from benchmarks.nlu.scoring import confusions, paired_bootstrap, scores, subset_scores
from benchmarks.nlu.systems import Baseline, Trainer, evaluate
from benchmarks.recording import say
from nlu.dataset import Example
from nlu.train import train_model
from nlu.training_examples import agency_codes


def served_agency(model: Any, texts: Sequence[str], keywords: Any) -> list[str]:
    """The agency the service would answer: the model's probabilities mixed with the
    ``agencies.yml`` keyword evidence exactly as :meth:`nlu.service.EmbeddedNLU.route_agency`."""
    from nlu.service import KEYWORD_WEIGHT

    out = []
    for text, row in zip(texts, model.predict_proba_many(texts), strict=True):
        kw = keywords.scores(text)
        weight = KEYWORD_WEIGHT if kw else 0.0
        mixed = {
            code: (1.0 - weight) * float(p) + weight * kw.get(code, 0.0)
            for code, p in zip(model.labels, row, strict=True)
        }
        out.append(min(mixed, key=lambda code: (-mixed[code], code)))
    return out


def agency_keywords() -> Any:
    """The keyword evidence ``route_agency`` mixes in, read from the shipped ``agencies.yml``."""
    from nlu.service import _Keywords

    return _Keywords(AGENCIES_YML)


def routing_leave_region_out(
    trainer: Trainer, written: list[Example], real: list[Example], regions: Sequence[str]
) -> dict[str, Any]:
    """A city we do not have, out of the box: each region's real messages held out while the
    written examples and every other region's real messages train (what the shipped model is
    for a new city). Scored as served (with the keywords) and by the model alone, pooled over
    the city messages, over everything, and per named city."""
    keywords = agency_keywords()
    served: list[str] = [""] * len(real)
    alone: list[str] = [""] * len(real)
    folds = routing_region_folds(regions)
    for test_idx in folds.values():
        model = trainer([*written, *(real[i] for i in train_indices(len(real), test_idx))])
        texts = [real[i].text for i in test_idx]
        plain = model.predict(texts)
        as_served = (
            served_agency(model, texts, keywords) if hasattr(model, "predict_proba_many") else plain
        )
        for i, a, b in zip(test_idx, as_served, plain, strict=True):
            served[i], alone[i] = a, b
    gold = [e.label for e in real]

    def part(keep: Callable[[str], bool], pred: list[str]) -> dict[str, Any]:
        return subset_scores(gold, pred, [i for i, r in enumerate(regions) if keep(r)])

    out: dict[str, Any] = {"folds": {name: len(idx) for name, idx in folds.items()}}
    for name, pred in (("served", served), ("model_only", alone)):
        out[name] = {
            "city_messages": part(lambda r: r != NATIONAL, pred),
            "all": part(lambda r: True, pred),
            **{city: part(city.__eq__, pred) for city in ROUTING_NAMED_REGIONS},
        }
    out["confusions_city_served"] = confusions(
        [g for g, r in zip(gold, regions, strict=True) if r != NATIONAL],
        [p for p, r in zip(served, regions, strict=True) if r != NATIONAL],
    )
    return out


# (system, baseline) pairs whose difference on the same held-out messages the history bench
# reports: ours as a deployment trains it against the baseline a city would build from its own
# history; the same against a baseline also given our written examples (the stricter test);
# and the model alone, both trained on the history only.
HISTORY_COMPARISONS: tuple[tuple[str, str], ...] = (
    ("ours", "baseline_history_only"),
    ("ours", "baseline_history_plus_shipped_written"),
    ("ours_history_only", "baseline_history_only"),
)


def history_cv(
    ours: Trainer, written: list[Example], real: list[Example], folds: int
) -> dict[str, Any]:
    """The real routing messages as a deployment's history, K-fold: ours (written + the history's
    training folds, as ``nlu train --routing-csv`` trains) against the baseline on the history
    alone (what a city would build itself, the issue's baseline) and on the history plus our
    written examples; ours on the history alone separates the model from the data it ships.
    Scores, mean training time and (key ``margins``) paired bootstrap intervals of each
    comparison in :data:`HISTORY_COMPARISONS`: "beats the baseline clearly" is a claim the
    interval has to carry, not the point estimate."""
    history = [Example(e.text, e.label, "history") for e in real]
    systems: dict[str, Trainer] = {
        "ours": lambda train: ours([*written, *train]),
        "ours_history_only": ours,
        "baseline_history_only": Baseline,
        "baseline_history_plus_shipped_written": lambda train: Baseline([*written, *train]),
    }
    preds: dict[str, list[str]] = {name: [""] * len(history) for name in systems}
    seconds: dict[str, list[float]] = {name: [] for name in systems}
    for train_idx, test_idx in history_splits(history, folds):
        train = [history[i] for i in train_idx]
        texts = [history[i].text for i in test_idx]
        for name, trainer in systems.items():
            started = time.perf_counter()
            model = trainer(train)
            seconds[name].append(time.perf_counter() - started)
            for i, label in zip(test_idx, model.predict(texts), strict=True):
                preds[name][i] = label
    gold = [e.label for e in history]
    result: dict[str, Any] = {
        name: {
            **scores(gold, pred, None, []),
            "train_seconds_mean": round(statistics.fmean(seconds[name]), 1),
        }
        for name, pred in preds.items()
    }
    result["margins"] = [
        {
            "system": system,
            "baseline": baseline,
            **paired_bootstrap(gold, preds[baseline], preds[system], labels=sorted(set(gold))),
        }
        for system, baseline in HISTORY_COMPARISONS
    ]
    return result


def routing_section(folds: int, city_size: int | None, quick: bool = False) -> dict[str, Any]:
    """Every agency measurement; the toy run (``quick``) leaves out leave-region-out (seven
    calibrated fits: minutes) and, with ``city_size`` None, the city-sized training."""
    codes = agency_codes(AGENCIES_YML)
    data = routing_examples()
    written, real = data.written, data.real
    heldout, _ = read_heldout("routing_written.csv")
    out: dict[str, Any] = {"n_written": len(written), "n_real": len(real)}

    def ours(train: list[Example]) -> Any:
        return train_model("routing", train, labels=codes)

    say("[routing] out of the box")
    written_only = ours(list(written))
    gold = [e.label for e in real]
    served = served_agency(written_only, [e.text for e in real], agency_keywords())
    out["out_of_box_written_to_real"] = {
        "ours": evaluate(written_only, real),
        "ours_served": scores(gold, served, None, []),
        "baseline": evaluate(Baseline(written), real),
    }
    if not quick:
        say("[routing] leave-region-out")
        regions = routing_regions(real)
        out["leave_region_out"] = {
            "ours": routing_leave_region_out(ours, written, real, regions),
            "baseline": routing_leave_region_out(Baseline, written, real, regions),
        }
    out["shipped_on_heldout_written"] = evaluate(ours(list(data.base)), heldout)
    say("[routing] history")
    out["history_cv"] = history_cv(ours, written, real, folds)
    if city_size:
        out["city_sized_training"] = city_sized_training(codes, written, city_size)
    return out
