"""``suarawarga nlu``: train, eval, classify through typer's CliRunner."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from config.settings import get_settings
from nlu.cli import app
from nlu.dataset import Example
from tests.nlu.helpers import REPO

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the CLI's settings (read from the environment) at a temporary data dir."""
    monkeypatch.setenv("SUARAWARGA_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def test_eval_json_reports_metrics_and_latency(data_dir: Path) -> None:
    csv = _csv(
        data_dir / "mini.csv",
        [
            ("Jalan rusak parah di depan sekolah, sudah 3 bulan tidak diperbaiki", "complaint"),
            ("Bagaimana cara mengurus akta kelahiran? Apa syaratnya?", "information_request"),
            ("Mohon dibangun taman bermain anak di kelurahan kami", "aspiration"),
        ],
    )
    result = runner.invoke(app, ["eval", "--task", "report_type", "--csv", str(csv), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["n"] == 3
    assert payload["accuracy"] == pytest.approx(1.0)
    assert payload["macro_f1"] == pytest.approx(1.0)
    assert set(payload["per_class"]) == {"complaint", "aspiration", "information_request"}
    assert payload["latency_ms_p50"] > 0 and payload["latency_ms_p99"] >= payload["latency_ms_p50"]
    assert payload["confusion_matrix"] == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_eval_text_output_and_routing_task(data_dir: Path) -> None:
    csv = _csv(data_dir / "r.csv", [("air pdam mati tiga hari", "air_minum")])
    result = runner.invoke(app, ["eval", "--task", "routing", "--csv", str(csv)])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout and "confusion matrix" in result.stdout
    assert "p99=" in result.stdout


def test_eval_rejects_missing_columns(data_dir: Path) -> None:
    csv = data_dir / "bad.csv"
    csv.write_text("kalimat,kelas\njalan rusak,complaint\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "--csv", str(csv)])
    assert result.exit_code == 1
    assert "no column 'text'" in result.output


def test_classify_prints_type_agency_and_language(data_dir: Path) -> None:
    result = runner.invoke(app, ["classify", "Lampu PJU di gang kami mati sebulan", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["type"]["label"] == "complaint"
    assert payload["language"] == "id"
    text = runner.invoke(app, ["classify", "How do I renew my KTP?"])
    assert text.exit_code == 0 and "information_request" in text.stdout and "en" in text.stdout


@pytest.mark.slow  # measured over 10 s on the 2-core machine (make test-fast skips it)
def test_train_writes_models_under_models_dir_and_they_serve(data_dir: Path) -> None:
    extra = _csv(data_dir / "extra.csv", [("genangan di underpass tiap hujan", "pupr")])
    result = runner.invoke(app, ["train", "--routing-csv", str(extra)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name.split("-")[0] for p in (data_dir / "models").glob("*.joblib"))
    assert written == ["routing"]  # only the task the deployment's data adds to
    info = runner.invoke(app, ["info"])
    assert info.exit_code == 0
    assert str(data_dir / "models") in info.stdout


def test_train_rejects_unknown_agency_codes(data_dir: Path) -> None:
    extra = _csv(data_dir / "extra.csv", [("jalan rusak", "dinas_ngawur")])
    result = runner.invoke(app, ["train", "--routing-csv", str(extra)])
    assert result.exit_code == 1
    assert "dinas_ngawur" in result.output


@pytest.mark.slow  # measured over 10 s on the 2-core machine (make test-fast skips it)
def test_train_never_installs_a_model_worse_on_the_most_recent_history(data_dir: Path) -> None:
    """The serving model knows this city's routing; a history whose older four fifths were
    mislabelled (everything sent to one agency) yields a model that is worse on the most recent
    fifth, so it is refused (exit 3, no new file) unless --force.

    The history: real messages that are not in the shipped routing data, labelled by the shipped
    model (a consistent "city"), so only the history teaches their labels."""
    from nlu.artifact import load_artifact
    from nlu.dataset import read_csv as read
    from nlu.train import shipped_model_path

    data = REPO / "nlu" / "data"
    shipped = {e.text for e in read(data / "routing_lapor.csv")}
    texts = [e.text for e in read(data / "report_type_lapor.csv") if e.text not in shipped][:150]
    city = load_artifact(shipped_model_path("routing")).predict(texts)
    real = [Example(t, label) for t, label in zip(texts, city, strict=True)]
    good = _csv(data_dir / "good.csv", [(e.text, e.label) for e in real])
    first = runner.invoke(app, ["train", "--routing-csv", str(good), "--force"])
    assert first.exit_code == 0, first.output
    models = data_dir / "models"
    before = sorted(models.glob("routing-*.joblib"))
    assert len(before) == 1
    cut = len(real) - len(real) // 5
    bad_rows = [(e.text, "kominfo") for e in real[:cut]] + [(e.text, e.label) for e in real[cut:]]
    bad = _csv(data_dir / "bad.csv", bad_rows)
    refused = runner.invoke(app, ["train", "--routing-csv", str(bad)])
    assert refused.exit_code == 3, refused.output
    assert "not installed" in refused.output
    assert sorted(models.glob("routing-*.joblib")) == before
    forced = runner.invoke(app, ["train", "--routing-csv", str(bad), "--force"])
    assert forced.exit_code == 0, forced.output
    assert len(sorted(models.glob("routing-*.joblib"))) == 2
