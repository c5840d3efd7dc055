"""``reports.search`` on both backends: words, prefixes, codes; and on PostgreSQL the GIN index of
migration 0009 is the one the query can use (the expressions must stay identical)."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import search
from reports.models import Report
from tests import factories as f
from tests.conftest import wib

MON = wib(2026, 11, 23, 9, 0)


def _found(db: Session, q: str) -> set[int]:
    clause = search.search_filter(q, db.get_bind().dialect.name)
    assert clause is not None
    return set(db.scalars(select(Report.id).where(clause)))


def test_words_prefixes_and_codes(db: Session, clock: SlaClock) -> None:
    road = f.report(db, clock, MON, body="Jalannya berlubang di depan Pasar Baru.")
    trash = f.report(db, clock, MON, body="Sampah menumpuk di TPS Kelurahan Melati.")
    assert _found(db, "pasar") == {road.id}
    assert _found(db, "SAMPAH melati") == {trash.id}
    assert _found(db, "jalan") == {road.id, trash.id}  # the title, and a prefix of "jalannya"
    assert _found(db, "kelura") == {trash.id}  # a word prefix
    assert _found(db, "sampah pasar") == set()  # every word must match
    assert _found(db, trash.tracking_code) == {trash.id}
    assert _found(db, trash.tracking_code[3:].lower()) == {trash.id}
    assert _found(db, trash.tracking_code.replace("-", " ").lower()) == {trash.id}
    assert search.search_filter("  !!  ", "postgresql") is None


def test_postgresql_uses_the_gin_index(db: Session, clock: SlaClock) -> None:
    if db.get_bind().dialect.name != "postgresql":
        return
    f.report(db, clock, MON)
    clause = search.search_filter("berlubang", "postgresql")
    assert clause is not None
    db.execute(text("SET LOCAL enable_seqscan = off"))
    compiled = select(Report.id).where(clause).compile(db.get_bind())
    rows = db.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    plan = "\n".join(str(r[0]) for r in rows)
    assert "ix_reports_search" in plan, plan
