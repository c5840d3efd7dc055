"""The public NLU API: predictions, confidence gating, routing, language, hot reload, factory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from config.settings import CONFIG_DIR
from nlu.artifact import save_artifact
from nlu.dataset import REPORT_TYPE_LABELS, data_hash
from nlu.language import detect_language
from nlu.rasa_backend import RasaNLU
from nlu.service import EmbeddedNLU, ModelSlot, build_nlu
from nlu.train import model_filename, training_set
from nlu.training_examples import TASKS, Task, agency_codes, base_examples
from nlu.types import Prediction
from tests.nlu.helpers import settings_for, shipped_model, small_routing_model


class FakeClock:
    """A monotonic clock the test moves by hand (time travel instead of sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _write(model_dir: Path, task: str, model: object, name: str, mtime: float) -> Path:
    path = save_artifact(model, model_dir / name, task=task)  # type: ignore[arg-type]
    os.utime(path, (mtime, mtime))
    return path


def test_classify_type_returns_calibrated_prediction(tmp_path: Path) -> None:
    nlu = EmbeddedNLU(settings_for(tmp_path))
    pred = nlu.classify_type("Bagaimana cara mengurus KTP yang hilang? Apa syaratnya?")
    assert isinstance(pred, Prediction)
    assert pred.label == "information_request"
    assert pred.ranking[0] == (pred.label, pred.confidence)
    assert sum(p for _, p in pred.ranking) == pytest.approx(1.0)
    assert {label for label, _ in pred.ranking} == {
        "complaint",
        "aspiration",
        "information_request",
    }


@pytest.mark.parametrize(("threshold", "confident"), [(0.0, True), (1.01, False)])
def test_confident_flag_follows_the_configured_threshold(
    tmp_path: Path, threshold: float, confident: bool
) -> None:
    nlu = EmbeddedNLU(
        settings_for(tmp_path, nlu_type_threshold=threshold, nlu_agency_threshold=threshold)
    )
    text = "Jalan di depan sekolah rusak parah dan berlubang, mohon diperbaiki"
    assert nlu.classify_type(text).confident is confident
    assert nlu.route_agency(text).confident is confident


def test_confident_flag_is_exactly_confidence_ge_threshold(tmp_path: Path) -> None:
    text = "saya mau tanya, kalau mau usul bikin taman gimana caranya, soalnya jalan rusak"
    probe = EmbeddedNLU(settings_for(tmp_path)).classify_type(text)
    at = EmbeddedNLU(settings_for(tmp_path, nlu_type_threshold=probe.confidence))
    above = EmbeddedNLU(settings_for(tmp_path, nlu_type_threshold=probe.confidence + 1e-6))
    assert at.classify_type(text).confident is True
    assert above.classify_type(text).confident is False


def test_empty_text_is_never_confident(tmp_path: Path) -> None:
    nlu = EmbeddedNLU(settings_for(tmp_path, nlu_type_threshold=0.0))
    assert nlu.classify_type("   ").confident is False
    assert nlu.route_agency("").confident is False


def test_route_agency_with_shipped_model_and_keywords(tmp_path: Path) -> None:
    nlu = EmbeddedNLU(settings_for(tmp_path))
    assert nlu.route_agency("air PDAM mati sudah 3 hari di perumahan kami").label == "air_minum"
    assert nlu.route_agency("KTP-el saya belum jadi, blangko kosong terus").label == (
        "kependudukan"
    )
    pred = nlu.route_agency("jalan berlubang besar di depan pasar, banyak motor jatuh")
    assert pred.label == "pupr"
    assert sum(p for _, p in pred.ranking) <= 1.0 + 1e-9
    assert all(label != "lainnya" for label, _ in pred.ranking)


def test_routing_model_from_fixture_drives_route_agency(tmp_path: Path) -> None:
    models = tmp_path / "models"
    _write(models, "routing", small_routing_model(), "routing-20260101T000000000000Z.joblib", 1e9)
    nlu = EmbeddedNLU(settings_for(tmp_path))
    assert nlu.routing_slot.get() is not None
    assert nlu.routing_slot.source is not None and nlu.routing_slot.source.parent == models
    pred = nlu.route_agency("sambungan air pdam bocor dan meteran rusak")
    assert pred.label == "air_minum"
    assert {label for label, _ in pred.ranking} <= {"pupr", "air_minum", "kependudukan"}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The street light in front of my house has been broken for two weeks", "en"),
        ("Lampu jalan di depan rumah saya mati sudah dua minggu", "id"),
        ("tolong pak jalan rusak", "id"),
        ("hello, how do I check the status of my report?", "en"),
        ("", "id"),
        ("12345", "id"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_hot_reload_picks_up_a_newer_model_after_the_check_interval(tmp_path: Path) -> None:
    models = tmp_path / "models"
    clock = FakeClock()
    slot = ModelSlot("routing", models, check_seconds=5.0, clock=clock)
    shipped = slot.get()
    assert shipped is not None and slot.source == slot.shipped  # nothing trained yet

    newer = _write(models, "routing", small_routing_model(), "routing-a.joblib", 2e9)
    assert slot.source == slot.shipped  # not re-checked before the interval ends
    slot.get()
    assert slot.source == slot.shipped
    clock.now += 5.0
    reloaded = slot.get()
    assert slot.source == newer
    assert reloaded is not None and set(reloaded.labels) == {"pupr", "air_minum", "kependudukan"}

    # A corrupt newer file is skipped and the current model keeps serving.
    broken = models / "routing-b.joblib"
    broken.write_bytes(b"garbage")
    os.utime(broken, (3e9, 3e9))
    clock.now += 5.0
    assert slot.get() is reloaded
    assert slot.source == newer


def test_embedded_nlu_reloads_a_model_written_by_training(tmp_path: Path) -> None:
    clock = FakeClock()
    nlu = EmbeddedNLU(settings_for(tmp_path), check_seconds=3.0, clock=clock)
    text = "air pdam keruh"
    before = nlu.route_agency(text)
    from datetime import UTC, datetime

    name = model_filename("routing", datetime(2030, 1, 1, tzinfo=UTC))
    _write(tmp_path / "models", "routing", small_routing_model(), name, 4e9)
    clock.now += 3.0
    after = nlu.route_agency(text)
    assert nlu.routing_slot.source == tmp_path / "models" / name
    assert after.label == "air_minum"
    assert len(after.ranking) <= 3 < len(before.ranking)  # fixture model knows three agencies


def test_build_nlu_is_the_embedded_model_by_default(tmp_path: Path) -> None:
    assert isinstance(build_nlu(settings_for(tmp_path)), EmbeddedNLU)


def test_build_nlu_rasa_backend_wraps_the_embedded_model(tmp_path: Path) -> None:
    nlu = build_nlu(settings_for(tmp_path, nlu_backend="rasa", rasa_url="http://127.0.0.1:9"))
    assert isinstance(nlu, RasaNLU)
    assert nlu.detect_language("where is my report status") == "en"


def test_model_info_names_the_serving_files(tmp_path: Path) -> None:
    info = EmbeddedNLU(settings_for(tmp_path)).model_info()
    assert info["report_type"]["path"].endswith("report_type.joblib")
    assert len(info["report_type"]["data_sha256"]) == 64


@pytest.mark.parametrize("task", TASKS)
def test_shipped_models_were_trained_on_the_shipped_data(task: Task) -> None:
    """Each artifact in ``nlu/models`` records the hash of what it learned: after editing
    ``nlu/data``, ``python -m nlu.train`` must rebuild them (no model is trained here)."""
    labels = (
        REPORT_TYPE_LABELS if task == "report_type" else agency_codes(CONFIG_DIR / "agencies.yml")
    )
    expected = data_hash(training_set(base_examples(task), labels))
    assert shipped_model(task).meta["data_sha256"] == expected
