"""What finding possible duplicates adds to a submission, at 1M reports on PostgreSQL (issue 15).

Target: under 50 ms p95.

1. Creates a throwaway database, migrates it (Alembic: the real partial indexes on
   (dup_place_key, created_at) and (dup_cell, created_at)) and loads N reports (default 1,000,000)
   with one ``INSERT ... SELECT FROM generate_series``: two years of reports, one every ~63 s;
   the recent ones open, older ones finished. Their texts are the written set's bodies
   (``reports.jsonl``) with their signatures as ``submit_report`` stores them (``dup_sig``), so
   scoring does the work it does live. Place keys: one report in ten is on one of the written
   set's 29 street keys (hot streets: ~140 open reports each within 30 days, the worst case for
   scoring), the rest spread over 40,000 other streets; half have a position in a Jakarta-sized
   box (~28 x 31 km).
2. Times ``duplicates.find_for`` (set the keys, the indexed candidate query, scoring, storing the
   list) for each of the written set's reports as a new submission, on a fresh transaction rolled
   back after each (the table stays as loaded), and the whole ``submit_report`` for reference.
3. Prints and writes ``pg.json`` beside this file (or ``SW_BENCH_OUT``), with the plan of the
   candidate query (EXPLAIN ANALYZE) to show the index ranges.

Environment (optional): ``SW_BENCH_REPORTS`` (default 1000000), ``SW_BENCH_ADMIN_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``), ``SW_BENCH_OUT`` (results directory).
Run it with ``nice -n 10`` on a shared machine (``make bench-duplicates`` does).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from benchmarks.duplicates.quality import load as load_set
from benchmarks.environment import env_int, output_dir
from benchmarks.postgres import admin_url, server_facts, throwaway_database
from benchmarks.recording import machine, percentile, say
from config.domain_files import load_agencies
from config.settings import CONFIG_DIR
from escalation.calendar import WorkingCalendar
from escalation.deadlines import SlaClock
from escalation.policy import SlaPolicy
from reports import citizen_cases, duplicate_scoring, duplicates
from reports.db import make_engine, session_factory
from reports.enums import Channel, Privacy, ReportType
from reports.migrate import upgrade
from reports.models import Citizen, Report
from reports.staff import sync_agencies

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def load(url: str, n: int, bodies: list[str], streets: list[str]) -> float:
    """Migrate and fill ``url`` with ``n`` reports; returns the seconds it took."""
    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as db, db.begin():
        sync_agencies(db, load_agencies(CONFIG_DIR / "agencies.yml"))
        db.add(Citizen(language="id", created_at=NOW))
    hot = "ARRAY[" + ",".join(f"'st:{s}'" for s in streets) + "]"
    texts = "ARRAY[" + ",".join("'" + b.replace("'", "''") + "'" for b in bodies) + "]"
    # Each body's signature, as ``submit_report`` stores it (``duplicate_scoring.signature``).
    sigs = [duplicate_scoring.signature(duplicate_scoring.Facts(b)) or "" for b in bodies]
    signatures = "ARRAY[" + ",".join("'" + g.replace("'", "''") + "'" for g in sigs) + "]"
    # Two pseudo-random numbers per row from the row number (deterministic, no random()).
    insert = f"""
    INSERT INTO reports (tracking_code, type, title, body, privacy, channel, citizen_id, status,
        stage_cycle, escalation_level, extension_days, created_at, updated_at,
        latitude, longitude, dup_place_key, dup_cell, dup_sig)
    SELECT 'B' || lpad(g::text, 11, '0'), 'complaint', left(t.body, 80), t.body, 'public', 'web',
        1, CASE WHEN g * 63 < 45 * 86400 THEN 'submitted' ELSE 'finished' END,
        0, 0, 0, c.created, c.created, p.lat, p.lon,
        CASE WHEN g % 10 = 0 THEN ({hot})[1 + (g / 10) % {len(streets)}]
             ELSE 'st:x' || ((g * 7919) % 40000) END,
        CASE WHEN p.lat IS NULL THEN NULL ELSE
            (floor(p.lat / {duplicate_scoring.CELL_DEG})::bigint + 50000) * 1000000
            + (floor(p.lon / {duplicate_scoring.CELL_DEG})::bigint + 200000) END,
        t.sig
    FROM generate_series(1::bigint, :n) AS g
    CROSS JOIN LATERAL (SELECT ({texts})[1 + (g * 31) % {len(bodies)}] AS body,
                               ({signatures})[1 + (g * 31) % {len(bodies)}] AS sig) AS t
    CROSS JOIN LATERAL (SELECT :now - g * interval '63 seconds' AS created) AS c
    CROSS JOIN LATERAL (SELECT
        CASE WHEN g % 2 = 0 THEN -6.35 + ((g * 2654435761) % 100000) / 100000.0 * 0.25 END AS lat,
        CASE WHEN g % 2 = 0 THEN 106.70 + ((g * 40503) % 100000) / 100000.0 * 0.28 END AS lon
    ) AS p
    """
    with engine.begin() as conn:
        conn.execute(text(insert), {"n": n, "now": NOW})
        conn.execute(text("ANALYZE reports"))
    engine.dispose()
    return time.perf_counter() - started


def measure(url: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    clock = SlaClock(WorkingCalendar("Asia/Jakarta"), SlaPolicy.from_yaml(CONFIG_DIR / "sla.yml"))
    engine = make_engine(url)
    sessions = session_factory(engine)
    find_ms: list[float] = []
    submit_ms: list[float] = []
    candidates: list[int] = []
    found: list[int] = []
    plan: list[str] = []
    for round_ in ("warm-up", "timed"):
        for row in rows:
            with sessions() as db:
                db.begin()
                citizen = db.get(Citizen, 1)
                assert citizen is not None
                report = Report(
                    title=row["title"],
                    body=row["body"],
                    location_text=row["location_text"],
                    latitude=row["latitude"],
                    longitude=row["longitude"],
                )
                started = time.perf_counter()
                stored = duplicates.find_for(db, report, NOW)
                elapsed = time.perf_counter() - started
                if round_ == "timed":
                    find_ms.append(1000 * elapsed)
                    found.append(len(stored))
                    keys = duplicate_scoring.place_keys(
                        report.location_text, duplicates.facts_of(report).text
                    )
                    candidates.append(len(duplicates.candidates(db, report, keys, NOW)))
                    if not plan and report.latitude is not None and keys.key:
                        plan = _explain(db, report, keys)
                db.rollback()
            if round_ == "timed":
                with sessions() as db:
                    db.begin()
                    citizen = db.get(Citizen, 1)
                    assert citizen is not None
                    started = time.perf_counter()
                    citizen_cases.submit_report(
                        db, clock=clock, citizen=citizen, channel=Channel.WEB,
                        report_type=ReportType.COMPLAINT, title=row["title"], body=row["body"],
                        now=NOW, privacy=Privacy.PUBLIC, location_text=row["location_text"],
                        latitude=row["latitude"], longitude=row["longitude"],
                    )  # fmt: skip
                    submit_ms.append(1000 * (time.perf_counter() - started))
                    db.rollback()
    engine.dispose()
    return {
        "submissions": len(find_ms),
        "find_duplicates_ms": {
            "p50": round(statistics.median(find_ms), 2),
            "p95": round(percentile(find_ms, 95), 2),
            "p99": round(percentile(find_ms, 99), 2),
            "max": round(max(find_ms), 2),
        },
        "whole_submit_ms": {
            "p50": round(statistics.median(submit_ms), 2),
            "p95": round(percentile(submit_ms, 95), 2),
        },
        "candidates_scored": {
            "p50": statistics.median(candidates),
            "p95": percentile([float(c) for c in candidates], 95),
            "max": max(candidates),
        },
        "reports_with_suggestions": sum(1 for f in found if f),
        "candidate_query_plan": plan,
    }


def _explain(db: Any, report: Report, keys: duplicate_scoring.PlaceKeys) -> list[str]:
    """EXPLAIN ANALYZE of the very candidate query, compiled with its values."""
    from sqlalchemy import or_, select

    from reports.enums import OPEN_STATUSES

    assert report.latitude is not None and report.longitude is not None
    query = (
        select(Report.id)
        .where(
            or_(
                Report.dup_place_key.in_([keys.key]),
                Report.dup_cell.in_(
                    duplicate_scoring.neighbour_cells(report.latitude, report.longitude)
                ),
            ),
            Report.created_at >= NOW - duplicate_scoring.WINDOW,
            Report.status.in_(OPEN_STATUSES),
            Report.duplicate_of_id.is_(None),
        )
        .order_by(Report.created_at.desc())
        .limit(duplicates.MAX_CANDIDATES)
    )
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return [r[0] for r in db.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + sql))]


def main() -> int:
    n = env_int("SW_BENCH_REPORTS", 1_000_000)
    out_dir = output_dir(HERE)
    rows = load_set()
    streets = sorted(
        {duplicate_scoring.place_keys(r["location_text"], r["body"]).street or "" for r in rows}
        - {""}
    )
    bodies = sorted({r["body"] for r in rows})
    admin = admin_url()
    postgres, _ = server_facts(admin)
    result: dict[str, Any] = {"machine": machine(), "postgres": postgres, "reports": n}
    with throwaway_database("sw_bench_dups", admin=admin) as url:
        say(f"loading {n} reports into {url.rsplit('/', 1)[1]}")
        result["load_seconds"] = round(load(url, n, bodies, streets), 1)
        say(f"loaded in {result['load_seconds']} s; measuring {len(rows)} submissions")
        result.update(measure(url, rows))
    result["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "pg.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "candidate_query_plan"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
