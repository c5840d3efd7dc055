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
    assert result["macro_f1"] >= 0.85, result["per_class"]


def test_dev_texts_are_not_in_the_training_data() -> None:
    from nlu.train import base_examples

    train = {" ".join(e.text.lower().split()) for e in base_examples("report_type")}
    dev = {" ".join(e.text.lower().split()) for e in read_csv(DEV_CSV)}
    assert not train & dev
