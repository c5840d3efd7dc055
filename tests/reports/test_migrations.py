"""Every migration from 0005 on goes up, down one step and up again on both databases.

One test over a table of migrations instead of a near-copy module per migration: each row says
what the migration adds (present after upgrading, gone after going down to its parent), what it
removes (the reverse) and what it must keep (still there after going down: only its own objects
went). On top of each row's facts, the whole schema after up/down/up must equal the schema after
the first up, so a downgrade that forgets an index or a reupgrade that differs is caught for every
migration, not only for the objects someone remembered to list.

Each case runs on a database of its own (a fresh SQLite file; a throwaway PostgreSQL database), so
going down does not disturb the session's shared test database.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
from sqlalchemy import create_engine, inspect, text

from reports.migrate import downgrade, upgrade
from reports.models import (
    InboxUpdate,
    ReportSupporter,
    SatisfactionRating,
    StaffChat,
    StaffLinkCode,
)
from tests.conftest import PG_ADMIN_URL, _pg_available

Kind = Literal["table", "column", "index", "unique"]
#: (kind, table, name): "reports.assignee_id" is ("column", "reports", "assignee_id").
Fact = tuple[Kind, str, str]


@dataclass(frozen=True)
class Migration:
    revision: str
    parent: str
    added: tuple[Fact, ...] = ()
    removed: tuple[Fact, ...] = ()
    kept: tuple[Fact, ...] = ()
    #: added on PostgreSQL only (SQLite has no equivalent); absent on SQLite at every step.
    added_pg_only: tuple[Fact, ...] = ()
    #: tables whose columns after upgrading must be exactly the models' columns.
    model_tables: dict[str, set[str]] = field(default_factory=dict)


MIGRATIONS = [
    Migration(
        "0005",
        "0004",
        added=(
            ("index", "reports", "ix_reports_agency_verified"),
            ("index", "reports", "ix_reports_agency_answered"),
            ("index", "reports", "ix_reports_escalated_list"),
            ("index", "satisfaction_ratings", "ix_satisfaction_ratings_agency_created"),
        ),
        removed=(
            ("index", "reports", "ix_reports_verified_cover"),
            ("index", "reports", "ix_reports_answered_cover"),
        ),
    ),
    Migration(
        "0007",
        "0006",
        added=(("column", "reports", "nlu_model_version"),),
        kept=(("column", "reports", "nlu_agency_confidence"),),
    ),
    Migration(
        "0008",
        "0007",
        added=(("column", "reports", "assignee_id"),),
        kept=(("column", "reports", "nlu_model_version"),),
    ),
    Migration(
        "0009",
        "0008",
        added_pg_only=(("index", "reports", "ix_reports_search"),),
        kept=(("index", "reports", "ix_reports_assignee_id"),),
    ),
    Migration(
        "0010",
        "0009",
        added=(("table", "canned_answers", ""),),
        kept=(("table", "reports", ""),),
    ),
    Migration(
        "0011",
        "0010",
        added=(
            ("table", "inbox", ""),
            ("index", "inbox", "ix_inbox_pending"),
            ("index", "inbox", "ix_inbox_pending_chat"),
            ("index", "inbox", "ix_inbox_dead"),
            ("unique", "inbox", "channel,external_message_id"),
        ),
        kept=(("table", "reports", ""),),
        model_tables={"inbox": {c.name for c in InboxUpdate.__table__.columns}},
    ),
    Migration(
        "0012",
        "0011",
        added=(
            ("column", "reports", "import_key"),
            ("unique", "reports", "uq_reports_import_key"),
        ),
        kept=(("column", "reports", "assignee_id"),),
    ),
    Migration(
        "0013",
        "0012",
        added=(
            ("table", "staff_chats", ""),
            ("table", "staff_link_codes", ""),
            ("unique", "staff_chats", "channel,address"),
            ("unique", "staff_chats", "staff_id,channel"),
            ("unique", "staff_link_codes", "code_hash"),
            ("index", "staff_link_codes", "ix_staff_link_codes_staff_id"),
        ),
        kept=(("column", "reports", "import_key"), ("table", "staff_users", "")),
        model_tables={
            "staff_chats": {c.name for c in StaffChat.__table__.columns},
            "staff_link_codes": {c.name for c in StaffLinkCode.__table__.columns},
        },
    ),
    Migration(
        "0014",
        "0013",
        added=(
            ("column", "reports", "duplicate_of_id"),
            ("column", "reports", "dup_place_key"),
            ("column", "reports", "dup_cell"),
            ("column", "reports", "dup_sig"),
            ("column", "reports", "possible_duplicates"),
            ("index", "reports", "ix_reports_duplicate_of_id"),
            ("index", "reports", "ix_reports_dup_place"),
            ("index", "reports", "ix_reports_dup_cell"),
            ("table", "report_supporters", ""),
            ("unique", "report_supporters", "report_id,citizen_id"),
        ),
        kept=(("column", "reports", "import_key"), ("table", "staff_chats", "")),
        model_tables={"report_supporters": {c.name for c in ReportSupporter.__table__.columns}},
    ),
    Migration(
        "0015",
        "0014",
        added=(
            ("column", "satisfaction_ratings", "citizen_id"),
            ("unique", "satisfaction_ratings", "report_id,citizen_id,element"),
        ),
        removed=(("unique", "satisfaction_ratings", "report_id,element"),),
        kept=(("table", "report_supporters", ""), ("column", "satisfaction_ratings", "score")),
        model_tables={
            "satisfaction_ratings": {c.name for c in SatisfactionRating.__table__.columns}
        },
    ),
]


@dataclass(frozen=True)
class Schema:
    """What the inspector sees: enough to compare two states of the same database."""

    tables: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]]

    def has(self, fact: Fact) -> bool:
        kind, table, name = fact
        if table not in self.tables:
            return False
        columns, indexes, uniques = self.tables[table]
        return {"table": True, "column": name in columns, "index": name in indexes}.get(
            kind, name in uniques
        )


def _schema(url: str) -> Schema:
    engine = create_engine(url)
    try:
        found = inspect(engine)
        tables = {}
        for table in found.get_table_names():
            if table == "alembic_version":
                continue
            uniques = set()
            for unique in found.get_unique_constraints(table):
                uniques.add(",".join(unique["column_names"]))
                if unique["name"]:
                    uniques.add(str(unique["name"]))
            tables[table] = (
                frozenset(str(c["name"]) for c in found.get_columns(table)),
                frozenset(str(i["name"]) for i in found.get_indexes(table)),
                frozenset(uniques),
            )
        return Schema(tables)
    finally:
        engine.dispose()


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


@pytest.mark.parametrize("migration", MIGRATIONS, ids=lambda m: m.revision)
def test_up_down_up(fresh_url: str, migration: Migration) -> None:
    on_pg = fresh_url.startswith("postgresql")
    added = migration.added + (migration.added_pg_only if on_pg else ())

    upgrade(fresh_url, migration.revision)
    up = _schema(fresh_url)
    for fact in added + migration.kept:
        assert up.has(fact), f"{fact} missing after upgrading to {migration.revision}"
    for fact in migration.removed + (() if on_pg else migration.added_pg_only):
        assert not up.has(fact), f"{fact} still there after upgrading to {migration.revision}"
    for table, columns in migration.model_tables.items():
        assert up.tables[table][0] == columns, f"{table} differs from its model"

    downgrade(fresh_url, migration.parent)
    down = _schema(fresh_url)
    for fact in added:
        assert not down.has(fact), f"{fact} still there after going down to {migration.parent}"
    for fact in migration.removed + migration.kept:
        assert down.has(fact), f"{fact} lost going down to {migration.parent}"

    upgrade(fresh_url, migration.revision)
    assert _schema(fresh_url) == up, "up/down/up does not give back the same schema"
