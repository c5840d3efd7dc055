"""Migration 0012 (the import key of imported reports) goes up, down and up on both databases."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from reports.migrate import downgrade, upgrade
from tests.console.test_dashboard_indexes import fresh_url  # noqa: F401  (fixture)


def _shape(url: str) -> tuple[set[str], set[str]]:
    engine = create_engine(url)
    try:
        found = inspect(engine)
        columns = {str(c["name"]) for c in found.get_columns("reports")}
        uniques = {str(u["name"]) for u in found.get_unique_constraints("reports")}
        return columns, uniques
    finally:
        engine.dispose()


def test_0012_up_down_up(fresh_url: str) -> None:  # noqa: F811
    upgrade(fresh_url)
    columns, uniques = _shape(fresh_url)
    assert "import_key" in columns and "uq_reports_import_key" in uniques
    downgrade(fresh_url, "0011")
    columns, uniques = _shape(fresh_url)
    assert "import_key" not in columns and "uq_reports_import_key" not in uniques
    assert "assignee_id" in columns
    upgrade(fresh_url)
    assert "import_key" in _shape(fresh_url)[0]
