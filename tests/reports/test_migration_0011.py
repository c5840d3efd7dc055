"""Migration 0011 (the durable inbox) goes up, down and up on both databases, and the schema it
creates is the models' (same columns, the unique key, the partial indexes)."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from reports.migrate import downgrade, upgrade
from reports.models import InboxUpdate
from tests.console.test_dashboard_indexes import fresh_url  # noqa: F401  (fixture)


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0011_up_down_up(fresh_url: str) -> None:  # noqa: F811
    upgrade(fresh_url)
    engine = create_engine(fresh_url)
    try:
        found = inspect(engine)
        columns = {c["name"] for c in found.get_columns("inbox")}
        assert columns == {c.name for c in InboxUpdate.__table__.columns}
        indexes = {i["name"] for i in found.get_indexes("inbox")}
        assert {"ix_inbox_pending", "ix_inbox_pending_chat", "ix_inbox_dead"} <= indexes
        uniques = [u["column_names"] for u in found.get_unique_constraints("inbox")]
        assert ["channel", "external_message_id"] in uniques
    finally:
        engine.dispose()
    downgrade(fresh_url, "0010")
    assert "inbox" not in _tables(fresh_url)
    upgrade(fresh_url)
    assert "inbox" in _tables(fresh_url)
