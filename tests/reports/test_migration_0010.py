"""Migration 0010 (canned answers) goes up, down and up on both databases."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from reports.migrate import downgrade, upgrade
from tests.console.test_dashboard_indexes import fresh_url  # noqa: F401  (fixture)


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0010_up_down_up(fresh_url: str) -> None:  # noqa: F811
    upgrade(fresh_url)
    assert "canned_answers" in _tables(fresh_url)
    downgrade(fresh_url, "0009")
    assert "canned_answers" not in _tables(fresh_url)
    assert "reports" in _tables(fresh_url)
    upgrade(fresh_url)
    assert "canned_answers" in _tables(fresh_url)
