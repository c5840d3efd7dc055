"""Migration 0005 (the dashboard's per-agency indexes) goes up, down and up on both databases.

Runs on a database of its own (a fresh SQLite file; a throwaway PostgreSQL database), so going
down does not disturb the session's shared test database.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from reports.migrate import downgrade, upgrade
from tests.conftest import PG_ADMIN_URL, _pg_available

NEW = {"ix_reports_agency_verified", "ix_reports_agency_answered", "ix_reports_escalated_list"}
OLD = {"ix_reports_verified_cover", "ix_reports_answered_cover"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    if not _pg_available():
        pytest.skip("PostgreSQL not reachable")
    name = f"sw_mig_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _indexes(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {str(ix["name"]) for ix in inspect(engine).get_indexes(table)}
    finally:
        engine.dispose()


def test_0005_up_down_up(fresh_url: str) -> None:
    upgrade(fresh_url)
    assert _indexes(fresh_url, "reports") >= NEW
    assert not OLD & _indexes(fresh_url, "reports")
    assert "ix_satisfaction_ratings_agency_created" in _indexes(fresh_url, "satisfaction_ratings")
    downgrade(fresh_url, "0004")
    assert _indexes(fresh_url, "reports") >= OLD
    assert not NEW & _indexes(fresh_url, "reports")
    upgrade(fresh_url)
    assert _indexes(fresh_url, "reports") >= NEW
