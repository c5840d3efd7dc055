"""The report-type section of the understanding bench: every system on messages it did not see.

Why these measurements (see ``understanding.py``): the written data is never scored, it says
nothing about real traffic; the real LAPOR! messages are held out by stratified folds and, for
ours, by region, the closest we have to "a region we do not have"; trained on written data only
and tested on all real messages is what the old model was; the dev file and the held-out
messages written in other regions' styles are scored by the model trained on everything.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks.nlu.data import DEV_CSV, Examples, read_heldout, report_type_examples
from benchmarks.nlu.folds import region_folds, region_of, stratified_folds
from benchmarks.nlu.scoring import scores, spread, subset_scores
from benchmarks.nlu.systems import Trainer, evaluate, grouped_cv, type_systems
from benchmarks.recording import say
from nlu.dataset import Example, read_csv


def fold_spread(real: list[Example], pred: list[str], folds: int) -> dict[str, Any]:
    """The spread across the stratified folds of out-of-fold predictions ``pred``."""
    gold = [e.label for e in real]
    return spread([subset_scores(gold, pred, part) for part in stratified_folds(real, folds)])


def leave_region_out(
    trainer: Trainer, data: Examples
) -> tuple[list[str], np.ndarray | None, list[str], dict[str, np.ndarray]]:
    """Out-of-fold predictions with each region's real messages held out while the written and
    all other regions' messages train; also the folds, by region name."""
    by_region = region_folds(data.real)
    pred, probs, labels = grouped_cv(trainer, data.written, data.real, list(by_region.values()))
    return pred, probs, labels, by_region


def cross_validation_row(trainer: Trainer, data: Examples, folds: int) -> dict[str, Any]:
    """Grouped CV on the real messages: pooled, its spread across folds, sliced by region."""
    pred, probs, labels = grouped_cv(trainer, data.written, data.real, folds)
    gold = [e.label for e in data.real]
    regions = [region_of(e.text) for e in data.real]
    return {
        "grouped_cv_real": scores(gold, pred, probs, labels),
        "grouped_cv_folds": fold_spread(data.real, pred, folds),
        "grouped_cv_by_region": {
            region: subset_scores(gold, pred, [i for i, r in enumerate(regions) if r == region])
            for region in sorted(set(regions))
        },
    }


def leave_region_out_row(trainer: Trainer, data: Examples) -> dict[str, Any]:
    """Leave-region-out, pooled (with calibration) and per held-out region."""
    pred, probs, labels, by_region = leave_region_out(trainer, data)
    gold = [e.label for e in data.real]
    return {
        "leave_region_out": scores(gold, pred, probs, labels),
        "leave_region_out_by_region": {
            region: subset_scores(gold, pred, idx) for region, idx in by_region.items()
        },
    }


def trained_on_everything_row(
    trainer: Trainer, data: Examples, dev: list[Example]
) -> dict[str, Any]:
    """Trained on all the shipped data (timed): the dev file, and the held-out written
    messages, pooled and by the style they were written in."""
    heldout, sources = read_heldout("report_type_written.csv")
    started = time.perf_counter()
    full = trainer(list(data.base))
    row: dict[str, Any] = {"train_seconds_full": round(time.perf_counter() - started, 1)}
    if dev:
        row["dev"] = evaluate(full, dev)
    row["heldout_written"] = evaluate(full, heldout)
    pairs = list(zip(heldout, sources, strict=True))
    row["heldout_written_by_source"] = {
        source: evaluate(full, [e for e, s in pairs if s == source])
        for source in sorted(set(sources))
    }
    return row


def report_type_section(folds: int, quick: bool) -> dict[str, Any]:
    """Every report-type system (``systems.type_systems``), measured the ways above; the toy
    run (``quick``) leaves out leave-region-out."""
    data = report_type_examples()
    dev = read_csv(DEV_CSV) if DEV_CSV.exists() else []
    out: dict[str, Any] = {"n_written": len(data.written), "n_real": len(data.real), "systems": {}}
    for name, trainer in type_systems(quick).items():
        say(f"[report_type] {name}")
        row = cross_validation_row(trainer, data, folds)
        if name.startswith("ours") and not quick:
            say(f"[report_type] {name}: leave-region-out")
            row.update(leave_region_out_row(trainer, data))
        row["written_to_real"] = evaluate(trainer(list(data.written)), data.real)
        row.update(trained_on_everything_row(trainer, data, dev))
        out["systems"][name] = row
    return out
