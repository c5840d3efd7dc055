"""The cue block of the report-type model (nlu/cues.py): what it counts and how it is wired in."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nlu.artifact import load_artifact
from nlu.cues import CUE_GROUPS, cue_counts
from nlu.estimators import CUES_METHOD, DEFAULT_METHOD, build_featurizer
from nlu.features import Featurizer
from nlu.normalize import normalize
from nlu.train import TASK_METHODS, shipped_model_path


def counts(text: str) -> dict[str, float]:
    values = cue_counts(normalize(text))
    return {name: float(v) for (name, _), v in zip(CUE_GROUPS, values, strict=True)}


def test_proposals_and_problems_are_counted_apart() -> None:
    # approx: numpy's vectorised log1p may differ from math.log1p in the last bit on some CPUs.
    proposal = counts("Usul pak, alangkah baiknya dibuatkan taman bermain di lahan kosong RW 05")
    assert (
        proposal["proposal"] == pytest.approx(math.log1p(3), rel=1e-12)
        and proposal["problem"] == 0.0
    )
    problem = counts("Jalan berlubang dan lampu mati sudah lama dibiarkan, kecewa")
    assert problem["proposal"] == 0.0 and problem["problem"] == pytest.approx(
        math.log1p(5), rel=1e-12
    )
    english = counts("The streetlight is broken. I suggest the city should check them all")
    assert english["proposal"] == pytest.approx(math.log1p(2), rel=1e-12) and english[
        "problem"
    ] == pytest.approx(math.log1p(1), rel=1e-12)
    assert counts("Bagaimana cara mengurus akta kelahiran?") == {"proposal": 0.0, "problem": 0.0}


def test_cues_are_matched_on_the_normalised_text() -> None:
    """Chat spelling counts like the written one: normalisation expands it first."""
    assert counts("lampu jln MATI, udh lama") == counts("lampu jalan mati, sudah lama")


def test_the_cue_block_is_the_last_columns_weighted_and_unnormalised() -> None:
    texts = ["usul dibuatkan taman", "jalan rusak parah", "cara bikin ktp?", "taman kota"]
    plain = Featurizer()
    plain.fit(texts)
    with_cues = build_featurizer(CUES_METHOD)
    matrix = with_cues.fit_transform(texts).toarray()
    assert with_cues.n_features == plain.n_features + len(CUE_GROUPS)
    cue_columns = matrix[:, -len(CUE_GROUPS) :]
    expected = np.array([with_cues.cue_weight * cue_counts(normalize(t)) for t in texts])
    np.testing.assert_allclose(cue_columns, expected)
    np.testing.assert_allclose(matrix[:, : plain.n_features], plain.transform(texts).toarray())


def test_only_report_types_use_the_cues_and_older_models_still_load() -> None:
    """The shipped routing model was written before the cue block existed: it loads without
    one (the models a deployment trained earlier keep working), and routing still trains
    without cues; report types train and ship with them."""
    assert TASK_METHODS == {"report_type": CUES_METHOD, "routing": DEFAULT_METHOD}
    routing = load_artifact(shipped_model_path("routing"), task="routing")
    assert routing.featurizer.cue_weight == 0.0
    assert routing.featurizer.n_features == routing.estimator.coef_.shape[1]
    assert routing.rank("jalan rusak di depan pasar")[0][0] == "pupr"
    report_type = load_artifact(shipped_model_path("report_type"), task="report_type")
    assert report_type.meta["method"] == CUES_METHOD
    assert report_type.featurizer.cue_weight > 0


def test_the_fast_counter_counts_what_findall_counts() -> None:
    """The literal-guided counter (1.2 ms -> 0.1 ms per long message) is only a speed-up: on
    every training text of both tasks and on random word salads made of them, each group's
    count equals ``len(pattern.findall(text))``."""
    import random

    from nlu.cues import _COUNTERS
    from nlu.training_examples import base_examples

    texts = [normalize(e.text) for task in ("report_type", "routing") for e in base_examples(task)]
    words = " ".join(texts).split()
    rng = random.Random(7)
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 150))) for _ in range(500)]
    texts += ["", " ", "saran saran", "terlambat lambat", "usulan\nusul", "belum belum diperbaiki"]
    for text in texts:
        for (_, pattern), counter in zip(CUE_GROUPS, _COUNTERS, strict=True):
            assert counter.count(text) == len(pattern.findall(text)), text
