"""Quality gate: the shipped report-type model on 150 real LAPOR! messages it never saw.

The file lives outside the repository (``../shared/data``); see its README. The threshold is the
project target; the number is an honest estimate only as long as the file stays out of training.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.cli import evaluate
from nlu.dataset import read_csv
from nlu.service import EmbeddedNLU
from tests.nlu.helpers import DEV_CSV, settings_for

pytestmark = pytest.mark.skipif(
    not DEV_CSV.exists(), reason=f"dev set {DEV_CSV} not present (shared data not mounted)"
)


def test_report_type_macro_f1_on_dev_set(tmp_path: Path) -> None:
    nlu = EmbeddedNLU(settings_for(tmp_path))
    examples = read_csv(DEV_CSV)
    result = evaluate(nlu.classify_type, examples)
    assert result["n"] == 150
    # The file lost its form-added closings on 2026-12-07 (they gave the label away); on the
    # clean file the model trained on written plus real messages scores 0.854 (the model before
    # it: 0.804). The bar is what the clean file supports, every class included.
    assert result["macro_f1"] >= 0.84, result["per_class"]
    assert min(row["f1"] for row in result["per_class"].values()) >= 0.70, result["per_class"]


def test_dev_texts_are_not_in_the_training_data() -> None:
    """Neither the written nor the real training messages of either task contain a dev text.

    Also not as a prefix either way: the dev file's form closings were cut, so a dev message
    kept elsewhere with its closing would start with the dev text. (Same-form requests of
    different citizens, e.g. BPJS fine calculations with another name, share long prefixes
    legitimately; the whole dev text must be contained to count.)"""
    from nlu.training_examples import base_examples

    def key(text: str) -> str:
        return " ".join(text.lower().split())

    train = {key(e.text) for task in ("report_type", "routing") for e in base_examples(task)}
    dev = {key(e.text) for e in read_csv(DEV_CSV)}
    assert not train & dev
    for text in dev:
        assert not [t for t in train if t.startswith(text) or text.startswith(t)], text[:80]
