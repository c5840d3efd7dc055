"""Filling a sweep database: the people, N open reports in one bulk load, and the due set.

The people are made through the application's own code (agencies, a citizen, a verifier and a
manager with addresses, so sweep actions write outbox rows); the reports, at up to a million, by
``INSERT ... SELECT FROM generate_series`` (:mod:`benchmarks.sweep.scenario`), which the ORM
could not do in minutes.
"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.postgres import scalar, vacuum_analyze
from benchmarks.sweep.indexes import BULK_TABLES, describe_difference, index_signatures
from benchmarks.sweep.scenario import (
    DONE_REMINDERS_SQL,
    LOAD_SQL,
    MAKE_DUE_SQL,
    NOW,
    OUTBOX_HISTORY_SQL,
    RESET_SQL,
    Deadlines,
)
from config.domain_files import load_agencies
from config.settings import CONFIG_DIR
from reports.enums import Channel, Role
from reports.models import Citizen, CitizenIdentity
from reports.staff import create_staff, sync_agencies


def seed_people(factory: sessionmaker[Session]) -> int:
    """Agencies, one citizen (with a Telegram identity), a verifier and a manager."""
    with factory() as db, db.begin():
        sync_agencies(db, load_agencies(CONFIG_DIR / "agencies.yml"))
        citizen = Citizen(display_name="Warga Bench", language="id", created_at=NOW)
        db.add(citizen)
        db.flush()
        db.add(
            CitizenIdentity(
                citizen_id=citizen.id,
                channel=Channel.TELEGRAM,
                external_id="bench-citizen",
                created_at=NOW,
            )
        )
        for role, username in ((Role.VERIFIER, "bench.verifier"), (Role.MANAGER, "bench.manager")):
            create_staff(
                db,
                username=username,
                full_name=username.title(),
                password="bench password 1234",
                role=role,
                now=NOW,
                addresses=[(Channel.EMAIL, f"{username}@example.invalid")],
            )
        return citizen.id


def set_due(
    engine: Engine, dl: Deadlines, *, n: int, previous: tuple[int, int] | None, due: int
) -> tuple[int, int]:
    """Put the previous due set back to the baseline and make exactly ``due`` reports due."""
    step = n // due
    if step < 1:
        raise SystemExit(f"cannot make {due} of {n} reports due")
    params = dl.params()
    with engine.begin() as conn:
        if previous is not None:
            conn.execute(
                text(RESET_SQL), {**params, "step": previous[0], "last": previous[0] * previous[1]}
            )
        # Earlier sweeps' rows stay (history, like production); the due reports start a new
        # stage cycle (as after a resumed clock), so their action keys are new.
        due_params = {**params, "step": step, "last": step * due}
        conn.execute(text(MAKE_DUE_SQL), due_params)
        conn.execute(text(DONE_REMINDERS_SQL), due_params)
    vacuum_analyze(engine, "reports", "sla_actions", "outbox", "report_events")
    got = scalar(engine, "SELECT count(*) FROM reports WHERE next_sla_at <= :now", now=dl.now)
    if got != due:
        raise SystemExit(f"expected {due} reports due, found {got}")
    return step, due


def bulk_load(engine: Engine, dl: Deadlines, n: int, citizen_id: int) -> None:
    """The classic bulk load: INSERT ... SELECT with the secondary indexes built afterwards.

    On ``reports`` and ``outbox`` the unique constraints and indexes (all but the primary keys)
    are dropped, the rows inserted with per-row foreign-key triggers off
    (``session_replication_role = replica``: every row points at the one citizen created above
    and reports that exist, checked below), and the very same indexes rebuilt from their own
    definitions; the indexes are compared before and after as :func:`index_signatures` (what
    they mean, not how PostgreSQL happens to print them).
    """
    with engine.begin() as conn:
        before = index_signatures(conn, BULK_TABLES)
        uniques: list[tuple[str, str, str]] = []
        indexes: list[tuple[str, str]] = []
        for table in BULK_TABLES:
            uniques += [
                (table, name, definition)
                for name, definition in conn.execute(
                    text(
                        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conrelid = CAST(:t AS regclass) AND contype = 'u'"
                    ),
                    {"t": table},
                ).all()
            ]
            indexes += [
                (name, definition)
                for name, definition in conn.execute(
                    text(
                        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t "
                        "AND indexname NOT IN (SELECT conname FROM pg_constraint "
                        "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'u'))"
                    ),
                    {"t": table},
                ).all()
            ]
        for table, name, _ in uniques:
            conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        params = {**dl.params(), "n": n, "citizen_id": citizen_id}
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.execute(text(LOAD_SQL), params)
        conn.execute(text(OUTBOX_HISTORY_SQL), params)
        conn.exec_driver_sql("SET LOCAL session_replication_role = origin")
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        for table, name, definition in uniques:
            conn.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for _, definition in indexes:
            conn.exec_driver_sql(definition)
        conn.execute(text("SELECT setval(pg_get_serial_sequence('reports', 'id'), :n)"), {"n": n})
        orphans = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM reports r LEFT JOIN citizens c "
                "ON c.id = r.citizen_id WHERE c.id IS NULL) + (SELECT count(*) FROM outbox o "
                "LEFT JOIN reports r ON r.id = o.report_id WHERE r.id IS NULL)"
            )
        ).scalar_one()
        after = index_signatures(conn, BULK_TABLES)
    if after != before:
        raise SystemExit(
            "bulk load changed the indexes of "
            + ", ".join(BULK_TABLES)
            + ":\n"
            + describe_difference(before, after)
        )
    if orphans:
        raise SystemExit(
            f"bulk load broke {orphans} references (reports.citizen_id, outbox.report_id)"
        )
