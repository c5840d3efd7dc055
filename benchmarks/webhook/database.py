"""The webhook benchmark's database: one fresh, migrated PostgreSQL database for every target.

All targets write into the same database (SuaraWarga its inbox and pipeline tables, the ceiling
its one table), so the counts after the run say what each really stored.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import create_engine, text

from benchmarks.postgres import throwaway_database
from benchmarks.webhook.apps import CEILING_TABLE
from config.domain_files import load_agencies
from config.settings import CONFIG_DIR
from reports.db import make_engine, session_factory
from reports.migrate import upgrade
from reports.staff import sync_agencies


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A throwaway database, migrated, with the agencies (the pipeline routes to them) and the
    ceiling app's table; dropped at the end."""
    with throwaway_database("sw_bench_webhook") as url:
        upgrade(url)
        engine = make_engine(url)
        with session_factory(engine)() as db, db.begin():
            sync_agencies(db, load_agencies(CONFIG_DIR / "agencies.yml"))
            db.execute(
                text(
                    f"CREATE TABLE {CEILING_TABLE} (id bigserial PRIMARY KEY, body text, "
                    "received_at timestamptz)"
                )
            )
        engine.dispose()
        yield url


def inbox_counts(db_url: str) -> dict[str, int]:
    """Inbox rows per status (``pending``, ``done``, ``dead``)."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, count(*) FROM inbox GROUP BY status"))
        counts = {str(status): int(n) for status, n in rows}
    engine.dispose()
    return {key: counts.get(key, 0) for key in ("pending", "done", "dead")}


def db_counts(url: str) -> dict[str, int]:
    """Rows of every table the targets write, and outbox rows per status."""
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {
            table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() or 0)
            for table in (
                "inbox",
                "inbound_receipts",
                "outbox",
                "conversations",
                "reports",
                CEILING_TABLE,
            )
        }
        for status, n in conn.execute(text("SELECT status, count(*) FROM outbox GROUP BY status")):
            counts[f"outbox_{status}"] = int(n)
    engine.dispose()
    return counts
