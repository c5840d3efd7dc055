"""Migration 0009 (the full-text index, PostgreSQL only) goes up, down and up on both databases."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from reports.migrate import downgrade, upgrade
from tests.console.test_dashboard_indexes import fresh_url  # noqa: F401  (fixture)


def _indexes(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {str(i["name"]) for i in inspect(engine).get_indexes("reports")}
    finally:
        engine.dispose()


def test_0009_up_down_up(fresh_url: str) -> None:  # noqa: F811
    upgrade(fresh_url)
    on_pg = fresh_url.startswith("postgresql")
    assert ("ix_reports_search" in _indexes(fresh_url)) is on_pg
    downgrade(fresh_url, "0008")
    assert "ix_reports_search" not in _indexes(fresh_url)
    assert "ix_reports_assignee_id" in _indexes(fresh_url)
    upgrade(fresh_url)
    assert ("ix_reports_search" in _indexes(fresh_url)) is on_pg
