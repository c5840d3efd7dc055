"""Shared helpers for the NLU tests (plain functions, no mocks of our own code)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from config.settings import Settings
from nlu.artifact import load_artifact
from nlu.classifier import TextClassifier
from nlu.dataset import read_rasa_yaml
from nlu.train import shipped_model_path, train_model
from nlu.training_examples import Task

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
DEV_CSV = REPO.parent / "shared" / "data" / "report_type_dev.csv"


def settings_for(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(environment="test", data_dir=tmp_path, **overrides)  # type: ignore[arg-type]


@lru_cache(maxsize=2)
def shipped_model(task: Task) -> TextClassifier:
    """The shipped artifact of ``task``, loaded once for the read-only tests: joblib unpickles
    in pure Python, about a second of CPU per load."""
    return load_artifact(shipped_model_path(task), task=task)


def small_routing_model() -> TextClassifier:
    return train_model("routing", read_rasa_yaml(FIXTURES / "routing_small.yml"))
