"""Training data readers and the training entry points (files, verified reports)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pytest

from config.settings import CONFIG_DIR
from nlu.artifact import load_artifact
from nlu.dataset import Example, read_csv, read_rasa_yaml
from nlu.train import model_filename, shipped_model_path, train_and_save, train_model
from nlu.training_examples import agency_codes, base_examples, examples_from_verified
from tests.nlu.helpers import FIXTURES


def test_read_rasa_yaml_strips_entity_annotations_and_filters_intents() -> None:
    examples = read_rasa_yaml(FIXTURES / "routing_small.yml")
    assert Example("akta kelahiran anak belum selesai", "kependudukan") in examples
    only = read_rasa_yaml(FIXTURES / "routing_small.yml", intents=["pupr"])
    assert {e.label for e in only} == {"pupr"} and len(only) == 6


def test_read_rasa_yaml_rejects_malformed_blocks(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text('version: "3.1"\nnlu:\n- intent: x\n  examples: |\n    jalan rusak\n')
    with pytest.raises(ValueError, match="must start with"):
        read_rasa_yaml(bad)


def test_read_csv_checks_columns(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text('teks,agency\n"jalan rusak, parah",pupr\n,pupr\n', encoding="utf-8")
    assert read_csv(path, "teks", "agency") == [Example("jalan rusak, parah", "pupr")]
    with pytest.raises(ValueError, match="no column 'text'"):
        read_csv(path)


def test_examples_from_verified_splits_by_task_and_skips_unusable_labels() -> None:
    rows = [
        ("Jalan rusak. Sudah 3 bulan", "complaint", "pupr"),
        ("Usul taman", "aspiration", "lainnya"),
        ("Cara bikin KTP?", "information_request", "kependudukan"),
        ("   ", "complaint", "pupr"),
        ("Tidak jelas", "spam", "unknown_agency"),
    ]
    out = examples_from_verified(rows, known_agencies=["pupr", "kependudukan"])
    assert [e.label for e in out["report_type"]] == [
        "complaint",
        "aspiration",
        "information_request",
    ]
    assert [e.label for e in out["routing"]] == ["pupr", "kependudukan"]


def test_later_label_for_the_same_text_wins() -> None:
    examples = [
        Example("jalan rusak parah", "a"),
        Example("lampu mati", "b"),
        Example("Jalan  rusak parah", "b"),
        Example("air mati", "a"),
    ]
    model = train_model("routing", examples)
    assert model.meta["label_counts"] == {"a": 1, "b": 2}


@pytest.mark.slow  # measured over 10 s on the 2-core machine (make test-fast skips it)
def test_train_and_save_writes_a_new_timestamped_model(tmp_path: Path) -> None:
    shipped = shipped_model_path("routing")
    shipped_before = shipped.stat().st_mtime_ns
    now = datetime(2026, 11, 23, 3, 4, 5, 6, tzinfo=UTC)
    extra = [Example("pipa air pdam pecah di gang", "air_minum")]
    path = train_and_save(
        "routing", tmp_path, extra=extra, labels=agency_codes(CONFIG_DIR / "agencies.yml"), now=now
    )
    assert path.name == model_filename("routing", now) == "routing-20261123T030405000006Z.joblib"
    model = load_artifact(path, task="routing")
    assert "lainnya" not in model.labels
    assert shipped.stat().st_mtime_ns == shipped_before


def test_routable_agency_codes_exclude_lainnya() -> None:
    codes = agency_codes(CONFIG_DIR / "agencies.yml")
    assert "lainnya" not in codes and "pupr" in codes


def test_rasa_export_of_the_shipped_data_is_valid_yaml() -> None:
    """Real messages carry control characters (one has U+0005) that Rasa's YAML reader
    refuses; the export of every shipped example must load, and keep every example."""
    import yaml

    from nlu.rasa_export import RasaProject

    project = RasaProject()
    tasks: tuple[tuple[Literal["report_type", "routing"], str], ...] = (
        ("report_type", "type__"),
        ("routing", "agency__"),
    )
    for task, prefix in tasks:
        by_label: dict[str, list[str]] = {}
        for example in base_examples(task):
            by_label.setdefault(example.label, []).append(example.text)
        project.add(prefix, by_label)
    document = yaml.safe_load(project.nlu_yaml())
    lines = [line for block in document["nlu"] for line in block["examples"].splitlines() if line]
    assert len(lines) == sum(len(v) for v in project.intents.values())
    assert not any(ch < " " for line in lines for ch in line)


@pytest.mark.slow  # several fits on real messages (make test-fast skips it)
def test_a_large_recent_slice_calibrates_the_installed_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slice that judged the candidate calibrates the installed model (no out-of-fold fits):
    the stored calibration is the one fitted on the candidate's scores of the slice, and a
    label the candidate never saw (it occurs only in the slice) gets a column, not a crash."""
    import numpy as np

    from nlu import train as train_module
    from nlu.calibration import fit_calibration
    from nlu.recent_slice import compare_on_recent_slice

    monkeypatch.setattr(train_module, "MIN_SLICE_CALIBRATION", 20)
    codes = agency_codes(CONFIG_DIR / "agencies.yml")
    real = [e for e in base_examples("routing") if e.source == "lapor"][:150]
    history = [Example(e.text, e.label, "history") for e in real]
    # One agency only in the most recent messages: the candidate cannot know it.
    newest = {e.label for e in history[-30:]} - {e.label for e in history[:-30]}
    written = read_rasa_yaml(FIXTURES / "routing_small.yml")
    comparison = compare_on_recent_slice("routing", written, history, serving=None, labels=codes)
    assert comparison is not None and comparison.slice_scores is not None
    sliced = comparison.slice_scores
    assert len(sliced.gold) == 30 and sliced.scores.shape == (30, len(sliced.labels))
    path = train_and_save(
        "routing", tmp_path, extra=history, labels=codes, slice_scores=sliced, filename="m.joblib"
    )
    model = load_artifact(path, task="routing")
    assert model.meta["calibrated_on"] == "deployment (the 30 most recent examples)"
    assert set(sliced.labels) | newest <= set(model.labels)
    floor = sliced.scores.min() - 10.0
    columns = [sliced.labels.index(lab) if lab in sliced.labels else -1 for lab in model.labels]
    scores = np.array([[row[c] if c >= 0 else floor for c in columns] for row in sliced.scores])
    y = np.array([model.labels.index(label) for label in sliced.gold])
    expected = fit_calibration(scores, y, model.labels)
    assert model.calibration.temperature == pytest.approx(expected.temperature)
    assert model.calibration.strength == expected.strength
    assert model.calibration.temperature != 1.0  # calibrated, not the identity


@pytest.mark.slow  # several fits on real messages (make test-fast skips it)
def test_a_small_recent_slice_leaves_calibration_to_the_out_of_fold_scores(tmp_path: Path) -> None:
    """Below MIN_SLICE_CALIBRATION the model calibrates itself as before (30 < 400)."""
    from nlu.recent_slice import compare_on_recent_slice

    codes = agency_codes(CONFIG_DIR / "agencies.yml")
    real = [e for e in base_examples("routing") if e.source == "lapor"][:150]
    history = [Example(e.text, e.label, "history") for e in real]
    written = read_rasa_yaml(FIXTURES / "routing_small.yml")
    comparison = compare_on_recent_slice("routing", written, history, serving=None, labels=codes)
    assert comparison is not None
    path = train_and_save(
        "routing",
        tmp_path,
        extra=history,
        labels=codes,
        slice_scores=comparison.slice_scores,
        filename="m.joblib",
    )
    model = load_artifact(path, task="routing")
    assert model.meta["calibrated_on"] == "deployment"
