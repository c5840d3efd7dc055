"""Indexes compared by what they mean: the bulk load's check that it left them as it found them.

The bulk load (:mod:`benchmarks.sweep.seed`) drops the secondary indexes of ``reports`` and
``outbox``, loads, and rebuilds them from their own definitions. Comparing ``pg_indexes.indexdef``
as text failed on the partial index of migration 0005, which PostgreSQL prints differently once
recreated from its own printout (issue 17); :class:`IndexSignature` compares meaning instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

#: The tables the bulk load fills with their secondary indexes dropped.
BULK_TABLES = ("reports", "outbox")


#: ``pg_get_indexdef`` output: ``CREATE [UNIQUE] INDEX name ON [ONLY] schema.table USING ...``.
_INDEXDEF = re.compile(r"^(CREATE (?:UNIQUE )?INDEX )(\S+)( ON (?:ONLY )?)(\S+)( USING .*)$", re.S)


@dataclass(frozen=True, order=True)
class IndexSignature:
    """What the bulk load must leave as it found: an index as PostgreSQL itself would print it.

    ``definition`` is ``pg_get_indexdef`` of the index recreated once from its own definition on
    an empty copy of its table (name and table put back). Why the round trip: PostgreSQL prints
    an expression the way it stored it, and a definition parsed from its own printout is stored
    differently the first time (``status IN ('a', 'b')`` on a varchar column comes back as
    ``ANY ((ARRAY['a'::varchar, ...])::text[])`` from the migration but as
    ``ANY (ARRAY[('a'::varchar)::text, ...])`` once recreated), then the same ever after. So two
    indexes compare equal when their columns, order, uniqueness, method, INCLUDE list and
    predicate mean the same, and differ as soon as any of them changes.
    """

    table: str
    name: str
    constraint: str  # 'p' primary key, 'u' unique constraint, '' a plain index
    definition: str


def index_signatures(conn: Any, tables: Sequence[str]) -> list[IndexSignature]:
    """The indexes of ``tables`` (see :class:`IndexSignature`), sorted.

    The round trips run inside a savepoint on empty temporary copies of the tables (``LIKE``:
    same columns, types and collations), rolled back at the end: cheap at any table size, and
    nothing of it stays in the database.
    """
    rows = conn.execute(
        text(
            "SELECT t.relname, i.relname, coalesce(c.contype::text, ''), "
            "pg_get_indexdef(x.indexrelid) "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid "
            "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid "
            "AND c.contype IN ('p', 'u', 'x') "
            "WHERE t.oid = ANY (CAST(:tables AS regclass[]))"
        ),
        {"tables": list(tables)},
    ).all()
    out: list[IndexSignature] = []
    savepoint = conn.begin_nested()
    try:
        for number, (table, name, contype, definition) in enumerate(rows):
            scratch = f"sw_bench_scratch_{table}"
            conn.exec_driver_sql(f'CREATE TEMP TABLE IF NOT EXISTS "{scratch}" (LIKE "{table}")')
            match = _INDEXDEF.match(definition)
            if match is None:
                raise SystemExit(f"unexpected index definition: {definition}")
            temp_name = f"sw_bench_scratch_ix_{number}"
            conn.exec_driver_sql(f"{match[1]}{temp_name}{match[3]}pg_temp.{scratch}{match[5]}")
            again = conn.execute(
                text("SELECT pg_get_indexdef(CAST(:ix AS regclass))"),
                {"ix": f"pg_temp.{temp_name}"},
            ).scalar_one()
            back = _INDEXDEF.match(again)
            if back is None:
                raise SystemExit(f"unexpected index definition: {again}")
            normal = f"{back[1]}{match[2]}{back[3]}{match[4]}{back[5]}"
            out.append(IndexSignature(table, name, contype, normal))
    finally:
        savepoint.rollback()
    return sorted(out)


def describe_difference(before: list[IndexSignature], after: list[IndexSignature]) -> str:
    """The indexes that went missing, changed or appeared, one per line (for the error)."""
    gone = sorted(set(before) - set(after))
    new = sorted(set(after) - set(before))
    return "\n".join([f"  before only: {s}" for s in gone] + [f"  after only:  {s}" for s in new])
