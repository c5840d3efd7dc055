"""Migration 0008 (a report's assignee) goes up, down and up on both databases."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from reports.migrate import downgrade, upgrade
from tests.console.test_dashboard_indexes import fresh_url  # noqa: F401  (fixture)


def _columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {str(c["name"]) for c in inspect(engine).get_columns("reports")}
    finally:
        engine.dispose()


def test_0008_up_down_up(fresh_url: str) -> None:  # noqa: F811
    upgrade(fresh_url)
    assert "assignee_id" in _columns(fresh_url)
    downgrade(fresh_url, "0007")
    assert "assignee_id" not in _columns(fresh_url)
    assert "nlu_model_version" in _columns(fresh_url)
    upgrade(fresh_url)
    assert "assignee_id" in _columns(fresh_url)
