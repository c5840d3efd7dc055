"""Understanding real citizens: report type and agency, measured the ways that predict a new region.

Why this benchmark exists: the dev file is 150 messages from one channel; a model tuned on it
scored 0.87 there and 0.63 on three other regions. So every number here is taken on messages
the model did not train on, grouped by where they came from:

* report type, cross-validation grouped by source: the real LAPOR! messages are cut into folds,
  each fold is held out in turn while the written examples always train (the written data is
  never scored: it says nothing about real traffic), with the spread across folds and the
  out-of-fold scores sliced by the region a message came from; leave-region-out (ours only:
  each region's real messages held out while the written and all other regions' messages
  train, the closest we have to "a region we do not have"); leave-source-out (trained on
  written data only, tested on all real messages: what the old model was), the dev file, and
  the held-out messages written in other regions' styles (``heldout/``);
* agency out of the box: trained without any real routing message, tested on the real LAPOR!
  routing messages; leave-region-out (each region's real routing messages held out while the
  written and all other regions' messages train: the shipped model as a city we do not have
  gets it), scored as served (with the ``agencies.yml`` keywords) and by the model alone; the
  shipped model on the written city messages;
* agency from a deployment's history: the real routing messages as that history, 5-fold; ours
  (``nlu train --routing-csv``) against the plain TF-IDF + linear SVM baseline trained on the
  same history; and the training time for a city-sized history;
* calibration: expected calibration error (ECE) of the probabilities on the held-out rows;
* latency per message (caches cleared) and bad input.

Run: ``make bench-understanding`` (``--quick`` for a toy run: 2 folds, no city-sized timing, no
leave-region-out).
Writes ``understanding.md`` and ``understanding.json`` next to this file (or under --output).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from benchmarks.nlu.bench_nlu import machine
from nlu.artifact import load_artifact
from nlu.calibration import expected_calibration_error
from nlu.dataset import REPORT_TYPE_LABELS, Example, read_csv
from nlu.features import clear_text_caches
from nlu.train import (
    agency_codes,
    base_examples,
    compare_on_recent_slice,
    train_and_save,
    train_model,
)

REPO = Path(__file__).resolve().parents[2]
OUT_DIR = Path(__file__).resolve().parent
HELDOUT = OUT_DIR / "heldout"
DEV_CSV = REPO.parent / "shared" / "data" / "report_type_dev.csv"
SEED = 13


class Predictor(Protocol):
    def predict(self, texts: Sequence[str]) -> list[str]: ...


class Baseline:
    """scikit-learn's TfidfVectorizer + LinearSVC with their defaults (no probabilities)."""

    def __init__(self, train: Sequence[Example]) -> None:
        self.pipeline = make_pipeline(TfidfVectorizer(), LinearSVC())
        self.pipeline.fit([e.text for e in train], [e.label for e in train])

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(list(texts))]


def scores(
    gold: Sequence[str], pred: Sequence[str], probs: np.ndarray | None, labels: Sequence[str]
) -> dict[str, Any]:
    present = sorted(set(gold))
    per_class = f1_score(gold, pred, labels=present, average=None, zero_division=0)
    out: dict[str, Any] = {
        "n": len(gold),
        "macro_f1": round(float(f1_score(gold, pred, labels=present, average="macro")), 3),
        "accuracy": round(float(accuracy_score(gold, pred)), 3),
        "per_class_f1": {c: round(float(f), 3) for c, f in zip(present, per_class, strict=True)},
    }
    if probs is not None:
        y = np.array([list(labels).index(g) for g in gold])
        out["ece"] = round(expected_calibration_error(probs, y), 3)
        wrong = probs.argmax(axis=1) != y
        out["max_confidence_when_wrong"] = round(float(probs.max(axis=1)[wrong].max()), 3)
    return out


def spread(fold_scores: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean and standard deviation across folds of macro-F1 and of each class's F1."""
    out: dict[str, Any] = {}
    keys = {"macro_f1": [f["macro_f1"] for f in fold_scores]}
    for label in REPORT_TYPE_LABELS:
        keys[label] = [f["per_class_f1"].get(label, 0.0) for f in fold_scores]
    for key, values in keys.items():
        out[key] = {
            "mean": round(statistics.fmean(values), 3),
            "sd": round(statistics.pstdev(values), 3),
            "folds": values,
        }
    return out


def evaluate(model: Any, test: Sequence[Example]) -> dict[str, Any]:
    texts = [e.text for e in test]
    gold = [e.label for e in test]
    if hasattr(model, "predict_proba_many"):
        probs = model.predict_proba_many(texts)
        pred = [model.labels[i] for i in probs.argmax(axis=1)]
        return scores(gold, pred, probs, model.labels)
    return scores(gold, model.predict(texts), None, [])


Trainer = Callable[[list[Example]], Any]


def type_systems(quick: bool) -> dict[str, Trainer]:
    systems: dict[str, Trainer] = {
        "ours: SVM + calibration (shipped)": lambda train: train_model(
            "report_type", train, labels=REPORT_TYPE_LABELS
        ),
        "previous method: LR C=1000, no calibration": lambda train: train_model(
            "report_type", train, labels=REPORT_TYPE_LABELS, method="tfidf_lr", calibrate=False
        ),
        "baseline: TF-IDF + LinearSVC": Baseline,
    }
    if quick:
        del systems["previous method: LR C=1000, no calibration"]
    return systems


# Where a real LAPOR! message came from, read off the markers its text carries (the city's
# channel hashtag or its mayor's name, the provincial addressee line); "other" is everything
# else: national ministries and many regions with a handful of messages each.
REGION_MARKERS: tuple[tuple[str, str], ...] = (
    ("semarang", r"hendi|hendy|semarang|\bsmg\b"),
    ("jakarta", r"\bdki\b|jakarta"),
    ("bandung", r"bandung|ridwan|kang emil|probolinggo"),
)


def region_of(text: str) -> str:
    """``semarang``, ``jakarta``, ``bandung`` (with the few Probolinggo messages) or ``other``."""
    import re

    lowered = text.lower()
    for name, pattern in REGION_MARKERS:
        if re.search(pattern, lowered):
            return name
    return "other"


def stratified_folds(real: Sequence[Example], folds: int) -> list[np.ndarray]:
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    gold = [e.label for e in real]
    return [test for _, test in splitter.split(np.zeros(len(real)), gold)]


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


def grouped_cv(
    trainer: Trainer,
    fixed: list[Example],
    real: list[Example],
    folds: int | Sequence[np.ndarray],
) -> tuple[list[str], np.ndarray | None, list[str]]:
    """Out-of-fold predictions for the real messages; ``fixed`` (written) always trains.
    ``folds``: a number of stratified folds, or the held-out index arrays themselves."""
    pred: list[str] = [""] * len(real)
    probs: np.ndarray | None = None
    labels: list[str] = []
    parts = stratified_folds(real, folds) if isinstance(folds, int) else list(folds)
    everyone = np.arange(len(real))
    for test_idx in parts:
        train_idx = np.setdiff1d(everyone, test_idx)
        model = trainer([*fixed, *(real[i] for i in train_idx)])
        texts = [real[i].text for i in test_idx]
        if hasattr(model, "predict_proba_many"):
            p = model.predict_proba_many(texts)
            labels = list(model.labels)
            if probs is None:
                probs = np.zeros((len(real), len(labels)))
            probs[test_idx] = p
            fold_pred = [labels[i] for i in p.argmax(axis=1)]
        else:
            fold_pred = model.predict(texts)
        for i, label in zip(test_idx, fold_pred, strict=True):
            pred[i] = label
    return pred, probs, labels


def read_heldout(name: str) -> tuple[list[Example], list[str]]:
    with (HELDOUT / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [Example(r["text"], r["label"]) for r in rows], [r["source"] for r in rows]


def report_type_section(folds: int, quick: bool) -> dict[str, Any]:
    base = base_examples("report_type")
    written = [e for e in base if e.source == "written"]
    real = [e for e in base if e.source == "lapor" and e.label in REPORT_TYPE_LABELS]
    heldout, sources = read_heldout("report_type_written.csv")
    dev = read_csv(DEV_CSV) if DEV_CSV.exists() else []
    out: dict[str, Any] = {"n_written": len(written), "n_real": len(real), "systems": {}}
    for name, trainer in type_systems(quick).items():
        print(f"[report_type] {name}", flush=True)
        row: dict[str, Any] = {}
        pred, probs, labels = grouped_cv(trainer, written, real, folds)
        gold = [e.label for e in real]
        row["grouped_cv_real"] = scores(gold, pred, probs, labels)
        row["grouped_cv_folds"] = spread(
            [
                scores([gold[i] for i in part], [pred[i] for i in part], None, [])
                for part in stratified_folds(real, folds)
            ]
        )
        regions = [region_of(e.text) for e in real]
        row["grouped_cv_by_region"] = {
            region: scores(
                [g for g, r in zip(gold, regions, strict=True) if r == region],
                [p for p, r in zip(pred, regions, strict=True) if r == region],
                None,
                [],
            )
            for region in sorted(set(regions))
        }
        if name.startswith("ours") and not quick:
            print(f"[report_type] {name}: leave-region-out", flush=True)
            by_region = region_folds(real)
            pred, probs, labels = grouped_cv(trainer, written, real, list(by_region.values()))
            row["leave_region_out"] = scores(gold, pred, probs, labels)
            row["leave_region_out_by_region"] = {
                region: scores([gold[i] for i in idx], [pred[i] for i in idx], None, [])
                for region, idx in by_region.items()
            }
        row["written_to_real"] = evaluate(trainer(list(written)), real)
        started = time.perf_counter()
        full = trainer(list(base))
        row["train_seconds_full"] = round(time.perf_counter() - started, 1)
        if dev:
            row["dev"] = evaluate(full, dev)
        row["heldout_written"] = evaluate(full, heldout)
        pairs = list(zip(heldout, sources, strict=True))
        row["heldout_written_by_source"] = {
            source: evaluate(full, [e for e, s in pairs if s == source])
            for source in sorted(set(sources))
        }
        out["systems"][name] = row
    return out


_GREETINGS = ("Assalamualaikum min, ", "selamat pagi pak, ", "punten admin, ", "halo kak, ", "")
_CLOSINGS = (" makasih min", " trims", " 🙏", " terimakasih", "")


def chat_style(text: str, rng: random.Random) -> str:
    """The same message as typed into WhatsApp: lower case, no punctuation, slang for half the
    words that have one, a dropped letter in 4% of long words, a greeting and a thanks (the
    same for every label, so they carry no label)."""
    import re

    from nlu.normalize import SLANG

    informal: dict[str, str] = {}
    for short, standard in SLANG.items():
        if " " not in standard:
            informal.setdefault(standard, short)
    words = []
    for word in re.sub(r"[.,;:!()\"']", " ", text.lower()).split():
        if word in informal and rng.random() < 0.5:
            word = informal[word]
        elif len(word) > 4 and rng.random() < 0.04:
            cut = rng.randrange(len(word))
            word = word[:cut] + word[cut + 1 :]
        words.append(word)
    return rng.choice(_GREETINGS) + " ".join(words) + rng.choice(_CLOSINGS)


def style_robustness(folds: int) -> dict[str, Any]:
    """Grouped CV as above, each held-out real message scored as written and in chat style."""
    base = base_examples("report_type")
    written = [e for e in base if e.source == "written"]
    real = [e for e in base if e.source == "lapor" and e.label in REPORT_TYPE_LABELS]
    gold = [e.label for e in real]
    rng = random.Random(SEED)
    styled = [chat_style(e.text, rng) for e in real]
    as_written: list[str] = [""] * len(real)
    as_chat: list[str] = [""] * len(real)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train_idx, test_idx in splitter.split(np.zeros(len(real)), gold):
        model = train_model(
            "report_type",
            [*written, *(real[i] for i in train_idx)],
            labels=REPORT_TYPE_LABELS,
            calibrate=False,
        )
        for i, a, b in zip(
            test_idx,
            model.predict([real[i].text for i in test_idx]),
            model.predict([styled[i] for i in test_idx]),
            strict=True,
        ):
            as_written[i], as_chat[i] = a, b
    return {
        "example": styled[3][:200],
        "as_written": scores(gold, as_written, None, []),
        "chat_style": scores(gold, as_chat, None, []),
    }


ROUTING_CSV = REPO / "nlu" / "data" / "routing_lapor.csv"
# Leave-region-out for routing: the named cities held out one at a time, the other cities' local
# offices (mostly BPJS branches) in two folds of whole cities, national and unnamed addressees in
# two random folds. "City messages" are every message not sent to a national or unnamed body.
ROUTING_NAMED_REGIONS: tuple[str, ...] = ("semarang", "bandung", "jakarta")
NATIONAL = "national"


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


def routing_leave_region_out(
    trainer: Trainer, written: list[Example], real: list[Example], regions: Sequence[str]
) -> dict[str, Any]:
    """A city we do not have, out of the box: each region's real messages held out while the
    written examples and every other region's real messages train (what the shipped model is
    for a new city). Scored as served (with the keywords) and by the model alone, pooled over
    the city messages, over everything, and per named city."""
    from nlu.service import _Keywords

    keywords = _Keywords(REPO / "config" / "agencies.yml")
    served: list[str] = [""] * len(real)
    alone: list[str] = [""] * len(real)
    folds = routing_region_folds(regions)
    everyone = np.arange(len(real))
    for test_idx in folds.values():
        train_idx = np.setdiff1d(everyone, test_idx)
        model = trainer([*written, *(real[i] for i in train_idx)])
        texts = [real[i].text for i in test_idx]
        plain = model.predict(texts)
        as_served = (
            served_agency(model, texts, keywords) if hasattr(model, "predict_proba_many") else plain
        )
        for i, a, b in zip(test_idx, as_served, plain, strict=True):
            served[i], alone[i] = a, b
    gold = [e.label for e in real]

    def part(keep: Callable[[str], bool], pred: list[str]) -> dict[str, Any]:
        idx = [i for i, r in enumerate(regions) if keep(r)]
        return scores([gold[i] for i in idx], [pred[i] for i in idx], None, [])

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


def confusions(gold: Sequence[str], pred: Sequence[str], top: int = 12) -> list[list[Any]]:
    """The most frequent (true, predicted, count) errors."""
    counts: dict[tuple[str, str], int] = {}
    for g, p in zip(gold, pred, strict=True):
        if g != p:
            counts[(g, p)] = counts.get((g, p), 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [[g, p, n] for (g, p), n in ranked]


def routing_section(folds: int, city_size: int | None, quick: bool = False) -> dict[str, Any]:
    codes = agency_codes(REPO / "config" / "agencies.yml")
    base = base_examples("routing")
    written = [e for e in base if e.source == "written"]
    real = [e for e in base if e.source == "lapor"]
    heldout, _ = read_heldout("routing_written.csv")
    out: dict[str, Any] = {"n_written": len(written), "n_real": len(real)}

    def ours(train: list[Example]) -> Any:
        return train_model("routing", train, labels=codes)

    print("[routing] out of the box", flush=True)
    from nlu.service import _Keywords

    keywords = _Keywords(REPO / "config" / "agencies.yml")
    written_only = ours(list(written))
    gold = [e.label for e in real]
    out["out_of_box_written_to_real"] = {
        "ours": evaluate(written_only, real),
        "ours_served": scores(
            gold, served_agency(written_only, [e.text for e in real], keywords), None, []
        ),
        "baseline": evaluate(Baseline(written), real),
    }
    if not quick:  # seven calibrated fits: minutes, too long for the toy run
        print("[routing] leave-region-out", flush=True)
        regions = routing_regions(real)
        out["leave_region_out"] = {
            "ours": routing_leave_region_out(ours, written, real, regions),
            "baseline": routing_leave_region_out(Baseline, written, real, regions),
        }
    shipped = ours(list(base))
    out["shipped_on_heldout_written"] = evaluate(shipped, heldout)

    print("[routing] history", flush=True)
    history = [Example(e.text, e.label, "history") for e in real]
    counts = {label: sum(e.label == label for e in history) for label in {e.label for e in history}}
    strat = [e.label if counts[e.label] >= folds else "_rare" for e in history]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    gold = [e.label for e in history]
    preds: dict[str, list[str]] = {
        "ours": [""] * len(history),
        "baseline_history_only": [""] * len(history),
        "baseline_history_plus_shipped_written": [""] * len(history),
    }
    seconds: dict[str, list[float]] = {name: [] for name in preds}
    for train_idx, test_idx in splitter.split(np.zeros(len(history)), strat):
        train = [history[i] for i in train_idx]
        texts = [history[i].text for i in test_idx]
        for name, make in (
            ("ours", lambda tr=train: ours([*written, *tr])),
            ("baseline_history_only", lambda tr=train: Baseline(tr)),
            ("baseline_history_plus_shipped_written", lambda tr=train: Baseline([*written, *tr])),
        ):
            started = time.perf_counter()
            model = make()
            seconds[name].append(time.perf_counter() - started)
            for i, label in zip(test_idx, model.predict(texts), strict=True):
                preds[name][i] = label
    out["history_cv"] = {
        name: {
            **scores(gold, pred, None, []),
            "train_seconds_mean": round(statistics.fmean(seconds[name]), 1),
        }
        for name, pred in preds.items()
    }
    if city_size:
        out["city_sized_training"] = city_sized_training(codes, written, city_size)
    return out


def city_sized_training(codes: list[str], written: list[Example], size: int) -> dict[str, Any]:
    """Training time of ``nlu train --routing-csv`` on a history the size of a city's year.

    Timing only: there is no real city history in the repository, so the texts are the real
    messages we have (both tasks' files, plus each with its sentences shuffled) labelled by the
    shipped routing model with 15% of labels flipped, like the disagreements in real routing.
    """
    rng = random.Random(SEED)
    texts = list(
        dict.fromkeys(e.text for task in ("report_type", "routing") for e in base_examples(task))
    )
    shuffled = []
    for text in texts:
        parts = text.split(". ")
        rng.shuffle(parts)
        shuffled.append(". ".join(parts))
    pool = (texts + shuffled)[:size]
    shipped = train_model("routing", base_examples("routing"), labels=codes, calibrate=False)
    labels = [
        label if rng.random() > 0.15 else rng.choice(codes) for label in shipped.predict(pool)
    ]
    history = [Example(t, label, "history") for t, label in zip(pool, labels, strict=True)]
    base = base_examples("routing")
    # What `nlu train --routing-csv` does: judge a candidate on the most recent fifth against the
    # serving model, then train on everything and write the model (calibrated on that slice).
    wall, cpu = time.perf_counter(), time.process_time()
    comparison = compare_on_recent_slice("routing", base, history, serving=shipped, labels=codes)
    with tempfile.TemporaryDirectory() as tmp:
        path = train_and_save(
            "routing",
            Path(tmp),
            extra=history,
            labels=codes,
            slice_scores=comparison.slice_scores if comparison is not None else None,
        )
        model = load_artifact(path, task="routing")
    ours_seconds, ours_cpu = time.perf_counter() - wall, time.process_time() - cpu
    # The same training calibrated on its own out-of-fold scores (the path before 2026-12-07
    # noon, and still the path of a small history), without the comparison.
    wall, cpu = time.perf_counter(), time.process_time()
    oof_model = train_model("routing", [*base, *history], labels=codes)
    oof_seconds, oof_cpu = time.perf_counter() - wall, time.process_time() - cpu
    started = time.perf_counter()
    Baseline(history)
    baseline_seconds = time.perf_counter() - started
    return {
        "n_history": len(history),
        "ours_train_seconds": round(ours_seconds, 1),
        "ours_train_cpu_seconds": round(ours_cpu, 1),
        "calibrated_on": model.meta.get("calibrated_on"),
        "oof_only_train_seconds": round(oof_seconds, 1),
        "oof_only_train_cpu_seconds": round(oof_cpu, 1),
        "oof_only_calibrated_on": oof_model.meta.get("calibrated_on"),
        "baseline_train_seconds": round(baseline_seconds, 1),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def latency_section() -> dict[str, Any]:
    """Per message through the service (type, then agency), caches cleared before each."""
    from config.settings import Settings
    from nlu.service import EmbeddedNLU

    nlu = EmbeddedNLU(Settings(environment="test", data_dir=REPO / "var" / "bench-understanding"))
    texts = [e.text for e in base_examples("report_type") if e.source == "lapor"]
    texts = [t[:1200] for t in texts][:600]
    nlu.classify_type(texts[0])
    nlu.route_agency(texts[0])
    wall: list[float] = []
    cpu: list[float] = []
    for text in texts:
        for call in (nlu.classify_type, nlu.route_agency):
            clear_text_caches()
            c0, t0 = time.thread_time(), time.perf_counter()
            call(text)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
    bad = {
        "empty": "",
        "emoji only": "😡😡😡🙏",
        "NUL bytes": "jalan\x00rusak\x00parah",
        "all caps": "JALAN DI DEPAN SDN 3 RUSAK PARAH TOLONG SEGERA DIPERBAIKI!!!",
        "mixed script": "Jalan rusak Москва 道路が壊れた لطفا",
        "20,000 characters": "Jalan berlubang di depan pasar. " * 625,
    }
    bad_out = {}
    for name, text in bad.items():
        clear_text_caches()
        t0 = time.perf_counter()
        kind, agency = nlu.classify_type(text), nlu.route_agency(text)
        bad_out[name] = {
            "ms_both": round((time.perf_counter() - t0) * 1000, 2),
            "type": f"{kind.label} {kind.confidence:.2f}{'' if kind.confident else ' (unsure)'}",
            "agency": f"{agency.label} {agency.confidence:.2f}"
            + ("" if agency.confident else " (unsure)"),
        }

    def pct(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "p50": round(statistics.median(ordered), 3),
            "p99": round(ordered[int(0.99 * (len(ordered) - 1))], 3),
        }

    return {"n_calls": len(wall), "wall_ms": pct(wall), "cpu_ms": pct(cpu), "bad_input": bad_out}


def render(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        "# Understanding real citizens: report type and agency",
        "",
        f"- Date: {result['date']}; command: `{result['command']}`",
        f"- Machine: {m['nproc']} cores ({m['cpu']}), load average at start "
        f"{m['load_average_1_5_15']} (other work shared the cores: times are pessimistic)",
        f"- Total wall time: {result['total_seconds']:.0f} s",
        "",
        "## Report type",
        "",
        f"Real LAPOR! messages {result['report_type']['n_real']}, written examples "
        f"{result['report_type']['n_written']}. Grouped CV: {result['folds']} folds of the real "
        "messages held out in turn, written examples always in training. Per-class F1 is "
        "complaint / aspiration / information_request.",
        "",
        "| system | grouped CV macro-F1 (per class) | ECE | written -> real | dev | dev ECE "
        "| held-out written | train s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]

    def cls(row: dict[str, Any]) -> str:
        f = row["per_class_f1"]
        return " / ".join(
            f"{f.get(c, float('nan')):.2f}"
            for c in ("complaint", "aspiration", "information_request")
        )

    for name, row in result["report_type"]["systems"].items():
        cv = row["grouped_cv_real"]
        dev = row.get("dev")
        lines.append(
            f"| {name} | {cv['macro_f1']:.3f} ({cls(cv)}) | {cv.get('ece', 'n/a')} "
            f"| {row['written_to_real']['macro_f1']:.3f} "
            f"| {dev['macro_f1'] if dev else 'n/a'} ({cls(dev) if dev else ''}) "
            f"| {dev.get('ece', 'n/a') if dev else 'n/a'} "
            f"| {row['heldout_written']['macro_f1']:.3f} | {row['train_seconds_full']} |"
        )
    ours_row = next(iter(result["report_type"]["systems"].values()))
    spread_row = ours_row.get("grouped_cv_folds")
    if spread_row:
        lines += [
            "",
            "Ours, spread across the grouped-CV folds (mean +- sd): "
            + ", ".join(
                f"{key} {spread_row[key]['mean']:.3f} +- {spread_row[key]['sd']:.3f}"
                for key in ("macro_f1", *REPORT_TYPE_LABELS)
            )
            + ".",
            "",
            "Ours by region (markers in the text; `other`: ministries and many small regions): "
            "grouped-CV out-of-fold predictions sliced by region, and leave-region-out (the "
            "region's messages held out, the written and all other regions' messages train).",
            "",
            "| region | n | grouped CV macro-F1 (per class) "
            "| leave-region-out macro-F1 (per class) |",
            "| --- | --- | --- | --- |",
        ]
        lro = ours_row.get("leave_region_out_by_region", {})
        for region, row in ours_row["grouped_cv_by_region"].items():
            held = [lro[k] for k in lro if k.startswith(region)]
            held_text = (
                "; ".join(f"{h['macro_f1']:.3f} ({cls(h)})" for h in held) if held else "n/a"
            )
            lines.append(
                f"| {region} | {row['n']} | {row['macro_f1']:.3f} ({cls(row)}) | {held_text} |"
            )
        if "leave_region_out" in ours_row:
            whole = ours_row["leave_region_out"]
            lines.append(
                f"| all, leave-region-out | {whole['n']} | | {whole['macro_f1']:.3f} "
                f"({cls(whole)}), ECE {whole.get('ece', 'n/a')} |"
            )
    robust = result["report_type"]["style_robustness"]
    lines += [
        "",
        "Style robustness (ours, same grouped CV): each held-out real message also scored as "
        "typed into WhatsApp (lower case, no punctuation, slang, dropped letters, greeting and "
        f'thanks; e.g. "{robust["example"][:120]}..."): macro-F1 '
        f"{robust['as_written']['macro_f1']:.3f} as written, "
        f"{robust['chat_style']['macro_f1']:.3f} in chat style "
        f"({cls(robust['as_written'])} -> {cls(robust['chat_style'])}).",
    ]
    ours = next(iter(result["report_type"]["systems"].values()))
    lines += ["", "Ours on the held-out written messages by style:", ""]
    for source, row in ours["heldout_written_by_source"].items():
        lines.append(
            f"- {source}: macro-F1 {row['macro_f1']:.3f} ({cls(row)}), n={row['n']}, "
            f"ECE {row.get('ece', 'n/a')}"
        )
    r = result["routing"]
    lines += [
        "",
        "## Agency",
        "",
        f"Real LAPOR! routing messages {r['n_real']} (national and regional addressees), written "
        f"examples {r['n_written']} (a city's agencies).",
        "",
        "| measurement | system | macro-F1 | accuracy | train s |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, row in r["out_of_box_written_to_real"].items():
        lines.append(
            f"| out of the box: written only -> real | {name} | {row['macro_f1']:.3f} "
            f"| {row['accuracy']:.3f} | |"
        )
    lro = r.get("leave_region_out", {})
    for name, system in lro.items():
        for mode in ("served", "model_only") if name == "ours" else ("model_only",):
            label = name if name != "ours" else f"ours ({mode.replace('_', ' ')})"
            for part in ("city_messages", "semarang", "bandung", "all"):
                row = system[mode][part]
                lines.append(
                    f"| out of the box, a region we do not have (leave-region-out): "
                    f"{part.replace('_', ' ')} (n={row['n']}) | {label} | {row['macro_f1']:.3f} "
                    f"| {row['accuracy']:.3f} | |"
                )
    row = r["shipped_on_heldout_written"]
    lines.append(
        f"| shipped model -> held-out written city messages | ours | {row['macro_f1']:.3f} "
        f"| {row['accuracy']:.3f} | |"
    )
    for name, row in r["history_cv"].items():
        lines.append(
            f"| history ({result['folds']}-fold on the real messages) | {name} "
            f"| {row['macro_f1']:.3f} | {row['accuracy']:.3f} | {row['train_seconds_mean']} |"
        )
    if "ours" in lro:
        ours_lro = lro["ours"]
        per_class = ours_lro["served"]["city_messages"]["per_class_f1"]
        lines += [
            "",
            "Leave-region-out: each region's real messages held out while the written examples and "
            "all other regions' messages train (folds: "
            + ", ".join(f"{k} {v}" for k, v in ours_lro["folds"].items())
            + "; regions from LAPOR!'s addressee, the `region` column of `routing_lapor.csv`). "
            "City messages: those sent to a city's or regency's own office (not national or "
            "unnamed). As served = the model mixed with the `agencies.yml` keywords, as "
            "`route_agency` does. Ours, as served, per-agency F1 on the city messages: "
            + ", ".join(f"{k} {v:.2f}" for k, v in per_class.items())
            + ". Most frequent confusions (true -> predicted, count): "
            + ", ".join(f"{g} -> {p} {n}" for g, p, n in ours_lro["confusions_city_served"])
            + ".",
        ]
    city = r.get("city_sized_training")
    if city:
        lines += [
            "",
            f"Training on a city-sized history ({city['n_history']} messages, timing only), "
            "as `nlu train --routing-csv` does it (compare with the serving model on the most "
            f"recent fifth, then train, calibrate and write): ours {city['ours_train_seconds']} s "
            f"wall, {city.get('ours_train_cpu_seconds', 'n/a')} s CPU (calibrated on: "
            f"{city['calibrated_on']}); the training alone calibrated on its own out-of-fold "
            f"scores instead: {city.get('oof_only_train_seconds', 'n/a')} s wall, "
            f"{city.get('oof_only_train_cpu_seconds', 'n/a')} s CPU; baseline "
            f"{city['baseline_train_seconds']} s; load average after "
            f"{city['load_average_after']}.",
        ]
    lat = result["latency"]
    lines += [
        "",
        "## Latency and bad input",
        "",
        f"{lat['n_calls']} calls through the service (type, then agency), real messages clipped "
        f"to 1,200 characters, per-text caches cleared before each: wall p50 "
        f"{lat['wall_ms']['p50']} ms, p99 {lat['wall_ms']['p99']} ms; CPU p50 "
        f"{lat['cpu_ms']['p50']} ms, p99 {lat['cpu_ms']['p99']} ms.",
        "",
        "| input | both calls ms | type | agency |",
        "| --- | --- | --- | --- |",
    ]
    for name, row in lat["bad_input"].items():
        lines.append(f"| {name} | {row['ms_both']} | {row['type']} | {row['agency']} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="toy run: 2 folds, no city timing")
    parser.add_argument("--city-size", type=int, default=8500)
    parser.add_argument("--output", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    folds = 2 if args.quick else 5
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "make bench-understanding  # python -m benchmarks.nlu.understanding "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "folds": folds,
    }
    result["report_type"] = report_type_section(folds, args.quick)
    result["report_type"]["style_robustness"] = style_robustness(folds)
    result["routing"] = routing_section(
        folds, None if args.quick else args.city_size, quick=args.quick
    )
    result["latency"] = latency_section()
    result["total_seconds"] = round(time.perf_counter() - began, 1)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "understanding.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    text = render(result)
    (args.output / "understanding.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
