"""The PostgreSQL server the benchmarks run against: throwaway databases and what to record of it.

Every PostgreSQL bench measures on a database of its own, created for the run on the local
server and dropped afterwards (unless ``SW_BENCH_KEEP_DB=1``), so runs never see each other's
rows and the recorded sizes are those of the bench's data alone.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, create_engine, text

from benchmarks.recording import machine, ram_gib, say

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def admin_url() -> str:
    """The admin database URL: ``SW_BENCH_ADMIN_URL``, else the names the webhook bench and the
    test suite read (so a toy run under the tests uses the tests' server), else the local one."""
    for name in ("SW_BENCH_ADMIN_URL", "SUARAWARGA_BENCH_PG_ADMIN_URL"):
        if os.environ.get(name):
            return os.environ[name]
    return os.environ.get("SUARAWARGA_TEST_PG_ADMIN_URL", DEFAULT_ADMIN_URL)


def keep_db() -> bool:
    """``SW_BENCH_KEEP_DB=1``: keep the throwaway databases for inspection."""
    return os.environ.get("SW_BENCH_KEEP_DB") == "1"


@contextmanager
def throwaway_database(prefix: str, *, admin: str | None = None) -> Iterator[str]:
    """A new empty database ``<prefix>_<random>`` on the admin URL's server; yields its URL and
    drops it at the end (its open connections ended first), unless ``SW_BENCH_KEEP_DB=1``."""
    admin = admin or admin_url()
    name = f"{prefix}_{secrets.token_hex(4)}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        if keep_db():
            say(f"kept database {name} (SW_BENCH_KEEP_DB=1): SW_BENCH_DB_URL={url}")
        else:
            with engine.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                    ),
                    {"n": name},
                )
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()


def server_facts(url: str, settings: Sequence[str] = ()) -> tuple[str, dict[str, str]]:
    """``SELECT version()`` and the given settings (``SHOW name``) of the server at ``url``."""
    engine = create_engine(url)
    with engine.connect() as conn:
        version = str(conn.execute(text("SELECT version()")).scalar_one())
        shown = {name: str(conn.execute(text(f"SHOW {name}")).scalar_one()) for name in settings}
    engine.dispose()
    return version, shown


#: The settings the sweep and importer records show beside the server's version.
RECORDED_SETTINGS = ("shared_buffers", "work_mem", "synchronous_commit", "fsync")


def machine_info(admin: str) -> dict[str, Any]:
    """The machine as the sweep and the importer record it: :func:`benchmarks.recording.machine`
    under the key names their recorded results already use, plus the server's version and the
    settings that bound write-heavy timings (their markdown reads these keys)."""
    version, settings = server_facts(admin, RECORDED_SETTINGS)
    base = machine()
    return {
        "nproc": base["cores"],
        "cpu_model": base["cpu"],
        "ram_gb": ram_gib(),
        "os": base["os"],
        "python": base["python"],
        "sqlalchemy": sqlalchemy.__version__,
        "postgresql": version,
        "postgresql_settings": settings,
    }


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    """One value of one query, on a connection of its own."""
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def vacuum_analyze(engine: Engine, *tables: str) -> float:
    """``VACUUM ANALYZE`` the tables (all of them when none is named); returns the seconds.

    VACUUM too, not only ANALYZE: a freshly bulk-loaded table has no visibility map, so every
    "index-only" scan still visits the heap for each row. A live database gets this from
    autovacuum within minutes of the inserts; measuring before it would measure the loader.
    """
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables or ("",):
            conn.exec_driver_sql(f"VACUUM ANALYZE {table}".strip())
    return time.perf_counter() - started


def database_mb(engine: Engine) -> float:
    """Size of the engine's database in MiB, one decimal."""
    size = float(scalar(engine, "SELECT pg_database_size(current_database())"))
    return round(size / 2**20, 1)
