"""Shared fixtures: real SQLite and real PostgreSQL databases, migrated with Alembic.

Each test session creates its own PostgreSQL database (``sw_test_<random>``) on the local server,
so parallel runs never collide, and drops it at the end. Tests that use ``db_url`` run on both
backends. A test that uses only the ``db`` session runs inside a transaction rolled back at the
end; tests that use the engine (several sessions, processes) have their tables emptied after.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from config.domain_files import AgencySpec, load_agencies
from config.settings import CONFIG_DIR, Settings
from escalation.calendar import WorkingCalendar
from escalation.deadlines import SlaClock
from escalation.policy import SlaPolicy
from nlu.fallback import Guarded, guarded_nlu
from reports.classifier import Classifier
from reports.db import make_engine, session_factory
from reports.migrate import upgrade
from reports.models import Base
from reports.staff import sync_agencies

PG_ADMIN_URL = os.environ.get(
    "SUARAWARGA_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

_NLUS: dict[tuple[object, ...], Guarded] = {}

# A module whose every test is slow says so in one line; `-m "not slow ..."` (make test-fast)
# would import it only to deselect everything in it, which for these modules means importing
# schemathesis and hypothesis or building an app at collection: seconds in every xdist worker.
_WHOLLY_SLOW = re.compile(r"^pytestmark = pytest\.mark\.slow$", re.MULTILINE)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip importing a module marked slow as a whole when the marker expression leaves slow
    tests out; ``None`` (pytest decides as usual) everywhere else."""
    markexpr = str(config.getoption("markexpr", "") or "")
    if "not slow" not in markexpr or collection_path.suffix != ".py":
        return None
    if not collection_path.name.startswith("test_"):
        return None
    if _WHOLLY_SLOW.search(collection_path.read_text(encoding="utf-8")):
        return True
    return None


def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    """Refuse an xdist run (``make test``, ``make test-fast``) in which two tests share a node id.

    xdist schedules by node id, so of tests sharing one only one runs and the others vanish
    without a word. schemathesis 4 under pytest 9 gives all of a schema's operations one node id,
    which is why ``make test`` runs its module in a run of its own.
    """
    shared = sorted(nodeid for nodeid, n in Counter(ids).items() if n > 1)
    if shared:
        pytest.exit(
            f"{len(shared)} node id(s) shared by several tests, e.g. {shared[0]}: xdist would run "
            "only one test of each. Give them distinct ids, or run their module without -n.",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


#: The data dir of the NLU shared by tests whose own data dir holds no trained models: a path
#: that never exists, so the shared NLU serves the shipped models and watches no test's folder.
_NO_MODELS = Path(tempfile.gettempdir()) / f"sw-tests-no-models-{os.getpid()}"


def nlu_for(settings: Settings) -> Classifier:
    """The NLU a test's runtime carries (``Runtime.classifier``), shared by the tests that ask for
    the same NLU settings: a process builds one NLU, and loading the models for every test cost
    more than a second of CPU each (joblib unpickles in pure Python).

    A test whose data dir holds no models yet (nearly all: each has its own ``tmp_path``) gets
    the one NLU serving the shipped models; a test that trained models into its data dir before
    building its runtime gets an NLU of its own that serves them. Tests that change thresholds
    or the backend get their own.
    """
    models = settings.models_dir
    own_models = models.is_dir() and any(models.iterdir())
    key = (
        str(Path(settings.data_dir).resolve()) if own_models else "shipped models",
        str(settings.agencies_file),
        settings.nlu_backend,
        settings.rasa_url,
        settings.rasa_agency_url,
        settings.rasa_timeout_seconds,
        settings.rasa_cooldown_seconds,
        settings.nlu_type_threshold,
        settings.nlu_agency_threshold,
    )
    nlu = _NLUS.get(key)
    if nlu is None:
        shared = settings if own_models else settings.model_copy(update={"data_dir": _NO_MODELS})
        nlu = _NLUS[key] = guarded_nlu(shared)
    return nlu


@cache
def shipped_agencies() -> tuple[AgencySpec, ...]:
    """``config/agencies.yml`` read once per test session: every test database starts with these
    agencies, and parsing the YAML (pure-Python PyYAML) for each of a thousand tests cost more
    CPU than most of the tests themselves."""
    return tuple(load_agencies(CONFIG_DIR / "agencies.yml"))


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # any failure means "not available"
        return False


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required on CI but {PG_ADMIN_URL} is not reachable")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    name = f"sw_test_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sqlite") / "suarawarga.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    return url


def _truncate(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE report_events DISABLE TRIGGER USER"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            conn.execute(text("ALTER TABLE report_events ENABLE TRIGGER USER"))
        else:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS report_events_no_delete")
            for table in tables:
                conn.exec_driver_sql(f"DELETE FROM {table}")
            conn.exec_driver_sql(
                "CREATE TRIGGER report_events_no_delete BEFORE DELETE ON report_events "
                "BEGIN SELECT RAISE(ABORT, 'report_events is append-only'); END"
            )


_ENGINES: dict[str, Engine] = {}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The test database's engine, one per database for the whole session: disposing of an engine
    closes the database's last connection, and SQLite then checkpoints and deletes its WAL, which
    cost more than the fixture's other work. Tables are emptied after each test; a test that
    disposes of the engine (to simulate a restart) leaves a fresh pool behind."""
    engine = _ENGINES.get(db_url)
    if engine is None:
        engine = _ENGINES[db_url] = make_engine(db_url)
    with session_factory(engine)() as db, db.begin():
        sync_agencies(db, list(shipped_agencies()))
    yield engine
    _truncate(engine)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


_SHARED_ENGINES: dict[str, Engine] = {}


@pytest.fixture
def db(request: pytest.FixtureRequest, db_url: str) -> Iterator[Session]:
    """A session inside a transaction the test may commit.

    By default (a test that uses only this session) the session joins an outer transaction on one
    connection with ``join_transaction_mode="create_savepoint"``: the test's commits release
    savepoints, and everything is rolled back at the end, with no table truncation. A test that
    also asks for ``engine`` (directly or through ``sessions``, a runtime, an app...) works with
    several sessions or processes, which cannot see an uncommitted transaction: it gets a plain
    session on that engine and the tables are emptied afterwards, as before.
    """
    if "engine" in request.fixturenames:
        sessions: sessionmaker[Session] = request.getfixturevalue("sessions")
        with sessions() as session, session.begin():
            yield session
        return
    engine = _SHARED_ENGINES.get(db_url)
    if engine is None:
        engine = _SHARED_ENGINES[db_url] = make_engine(db_url)
    with engine.connect() as connection:
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            with session.begin():
                sync_agencies(session, list(shipped_agencies()))
            with session.begin():
                yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture(scope="session")
def clock() -> SlaClock:
    return SlaClock(WorkingCalendar("Asia/Jakarta"), SlaPolicy.from_yaml(CONFIG_DIR / "sla.yml"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(environment="test", data_dir=tmp_path / "var")


def wib(*args: int) -> datetime:
    """An instant given in Jakarta local time (tests read like the calendar on the wall)."""
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)  # type: ignore[misc, arg-type]
