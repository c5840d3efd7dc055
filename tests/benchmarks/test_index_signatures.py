"""The sweep benchmark's index self-check: same meaning compares equal, any change does not.

``benchmarks.sweep.seed.bulk_load`` drops the secondary indexes of ``reports`` and ``outbox``,
loads, and rebuilds them from their own definitions; it then checks that it left the indexes as
it found them. Comparing ``pg_indexes.indexdef`` as text failed on the partial index of migration
0005, which PostgreSQL prints differently once recreated from its own printout (issue 17). These
tests run on the migrated session database, each inside a transaction that is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, create_engine, text

from benchmarks.sweep.indexes import BULK_TABLES, index_signatures

pytestmark = pytest.mark.postgres

PARTIAL = "ix_reports_escalated_list"


@pytest.fixture
def conn(pg_url: str) -> Iterator[Connection]:
    engine = create_engine(pg_url)
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()
    engine.dispose()


def _indexdef(conn: Connection, name: str) -> str:
    return str(
        conn.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": name}
        ).scalar_one()
    )


def test_an_index_recreated_from_its_definition_keeps_its_signature(conn: Connection) -> None:
    before = index_signatures(conn, BULK_TABLES)
    printed = _indexdef(conn, PARTIAL)
    conn.exec_driver_sql(f"DROP INDEX {PARTIAL}")
    conn.exec_driver_sql(printed)
    # Why the text cannot be compared: the same predicate, printed another way.
    assert _indexdef(conn, PARTIAL) != printed
    assert index_signatures(conn, BULK_TABLES) == before


def test_every_round_trip_gives_the_same_signature(conn: Connection) -> None:
    before = index_signatures(conn, BULK_TABLES)
    for _ in range(2):
        printed = _indexdef(conn, PARTIAL)
        conn.exec_driver_sql(f"DROP INDEX {PARTIAL}")
        conn.exec_driver_sql(printed)
    assert index_signatures(conn, BULK_TABLES) == before


@pytest.mark.parametrize(
    "change",
    [
        # another predicate
        f"DROP INDEX {PARTIAL}; CREATE INDEX {PARTIAL} ON reports (escalation_level DESC, id) "
        "WHERE escalation_level > 0 AND status IN ('submitted')",
        # no predicate
        f"DROP INDEX {PARTIAL}; CREATE INDEX {PARTIAL} ON reports (escalation_level DESC, id)",
        # another order
        f"DROP INDEX {PARTIAL}; CREATE INDEX {PARTIAL} ON reports (escalation_level, id) "
        "WHERE escalation_level > 0 AND status IN ('submitted', 'forwarded')",
        # unique
        f"DROP INDEX {PARTIAL}; CREATE UNIQUE INDEX {PARTIAL} ON reports "
        "(escalation_level DESC, id) "
        "WHERE escalation_level > 0 AND status IN ('submitted', 'forwarded')",
        # a unique constraint come back as a plain unique index
        "ALTER TABLE reports DROP CONSTRAINT uq_reports_tracking_code; "
        "CREATE UNIQUE INDEX uq_reports_tracking_code ON reports (tracking_code)",
        # an index missing
        "DROP INDEX ix_reports_next_sla_at",
        # a new one
        "CREATE INDEX ix_outbox_extra ON outbox (created_at)",
    ],
    ids=["predicate", "no-predicate", "order", "unique", "constraint", "missing", "extra"],
)
def test_a_changed_index_changes_the_signatures(conn: Connection, change: str) -> None:
    before = index_signatures(conn, BULK_TABLES)
    for statement in change.split("; "):
        conn.exec_driver_sql(statement)
    assert index_signatures(conn, BULK_TABLES) != before


def test_the_check_leaves_nothing_behind(conn: Connection) -> None:
    index_signatures(conn, BULK_TABLES)
    leftovers = conn.execute(
        text("SELECT count(*) FROM pg_class WHERE relname LIKE 'sw_bench_scratch%'")
    ).scalar_one()
    assert leftovers == 0
