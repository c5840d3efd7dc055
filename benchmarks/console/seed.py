"""The console benchmark's data: N reports over two years, the staff who read them, and tokens.

Bulk-loaded with ``INSERT ... SELECT FROM generate_series`` (the ORM would take hours at 1M):
ids in time order (~1,370 a day), a skewed spread over the agencies (the biggest gets ~14%),
statuses that depend on age (recent reports open, old ones finished or archived, a few stuck and
overdue), 75/20/5% public/anonymous/confidential, deadlines, answer and close times (about 12%
answered late), events for every 5th report, breach escalations for late answers and overdue
ones, SKM ratings for every 8th finished report. The people are made by the application's own
code (agencies, a manager, an officer of the biggest agency, a verifier, their API tokens).
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from benchmarks.postgres import vacuum_analyze
from benchmarks.recording import say
from config.domain_files import load_agencies
from config.settings import CONFIG_DIR
from console.tokens import create_token
from reports.db import make_engine, session_factory
from reports.enums import Role, Status
from reports.migrate import upgrade
from reports.models import Agency, Report
from reports.staff import create_staff, sync_agencies

#: Agencies in order of size: the first gets the most reports (weight ~ rank^-1).
BIG_FIRST = ("pupr", "kependudukan", "lingkungan", "perhubungan", "kesehatan", "pendidikan")

LOAD_SQL = """
INSERT INTO citizens (id, display_name, language, created_at)
SELECT g, NULL, 'id', now() - interval '800 days' FROM generate_series(1, :citizens) g;

INSERT INTO reports (
    id, tracking_code, type, title, body, location_text, agency_id, category, privacy, channel,
    citizen_id, status, verify_due_at, response_due_at, feedback_due_at, stage_started_at,
    stage_cycle, escalation_level, extension_days, next_sla_at, paused_stage, paused_at,
    paused_days_left, created_at, updated_at, verified_at, answered_at, closed_at, close_reason)
SELECT
    id,
    'SW-' || substr(h, 1, 4) || '-' || substr(h, 5, 4),
    CASE WHEN rt < 0.70 THEN 'complaint' WHEN rt < 0.85 THEN 'aspiration'
         ELSE 'information_request' END,
    'Laporan warga #' || id,
    'Isi laporan ' || id || ': jalan rusak di depan sekolah, mohon segera ditindaklanjuti.',
    'Kelurahan ' || (id % 97),
    CASE WHEN status IN ('submitted', 'info_requested')
           OR (status = 'archived' AND verified IS NULL) THEN NULL ELSE agency END,
    NULL,
    CASE WHEN rp < 0.75 THEN 'public' WHEN rp < 0.95 THEN 'anonymous' ELSE 'confidential' END,
    CASE WHEN rc < 0.5 THEN 'whatsapp' WHEN rc < 0.85 THEN 'telegram' ELSE 'web' END,
    1 + id % :citizens,
    status,
    created + interval '4 days',
    CASE WHEN verified IS NOT NULL THEN verified + interval '7 days' END,
    CASE WHEN answered IS NOT NULL THEN answered + interval '14 days' END,
    coalesce(answered, verified, created),
    1,
    CASE WHEN status = 'forwarded' AND verified + interval '7 days' < now() THEN 1 + (rc < 0.3)::int
         WHEN status = 'submitted' AND created + interval '4 days' < now() THEN 1
         ELSE 0 END,
    0,
    CASE status WHEN 'submitted' THEN created + interval '4 days'
                WHEN 'forwarded' THEN verified + interval '7 days'
                WHEN 'answered' THEN answered + interval '14 days' END,
    CASE WHEN status = 'info_requested' THEN 'verify' END,
    CASE WHEN status = 'info_requested' THEN created + interval '1 day' END,
    CASE WHEN status = 'info_requested' THEN 2 END,
    created,
    greatest(created, verified, answered, closed),
    verified,
    answered,
    closed,
    CASE status WHEN 'finished' THEN 'citizen window ended' WHEN 'archived' THEN 'spam' END
FROM (
    SELECT *,
        CASE WHEN status IN ('forwarded', 'answered', 'finished')
               OR (status = 'archived' AND ra < 0.3)
             THEN created + rv * interval '3 days' END AS verified
    FROM (
        SELECT *,
            CASE
              WHEN age_days < 3 THEN
                CASE WHEN rs < 0.55 THEN 'submitted' WHEN rs < 0.60 THEN 'info_requested'
                     ELSE 'forwarded' END
              WHEN age_days < 20 THEN
                CASE WHEN rs < 0.03 THEN 'submitted' WHEN rs < 0.05 THEN 'info_requested'
                     WHEN rs < 0.45 THEN 'forwarded' WHEN rs < 0.80 THEN 'answered'
                     WHEN rs < 0.95 THEN 'finished' ELSE 'archived' END
              ELSE
                CASE WHEN rs < 0.005 THEN 'forwarded' WHEN rs < 0.90 THEN 'finished'
                     ELSE 'archived' END
            END AS status
        FROM (
            SELECT g AS id,
                upper(lpad(to_hex(g), 8, '0')) AS h,
                now() - (730.0 * (1 - g::float / :n)) * interval '1 day'
                    - random() * interval '1 hour' AS created,
                730.0 * (1 - g::float / :n) AS age_days,
                (CAST(:agencies AS integer[]))[1 + floor(power(random(), 2.2) * :agency_count)::int]
                    AS agency,
                random() AS rs, random() AS rt, random() AS rp, random() AS rc,
                random() AS rv, random() AS ra
            FROM generate_series(1, :n) g
        ) base
    ) staged
) timed
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN status IN ('answered', 'finished')
             THEN verified + random() * interval '8 days' END AS answered
) a
CROSS JOIN LATERAL (
    SELECT CASE WHEN status = 'finished' THEN answered + interval '14 days'
                WHEN status = 'archived' THEN created + interval '2 days' END AS closed
) c;

SELECT setval(pg_get_serial_sequence('citizens', 'id'), (SELECT max(id) FROM citizens));
SELECT setval(pg_get_serial_sequence('reports', 'id'), (SELECT max(id) FROM reports));

INSERT INTO report_events (report_id, action, actor_kind, actor_id, from_status, to_status,
                           reason, data, created_at)
SELECT id, 'submit', 'citizen', citizen_id, NULL, 'submitted', NULL, CAST('{}' AS json), created_at
FROM reports WHERE id % 5 = 0
UNION ALL
SELECT id, 'verify_forward', 'staff', NULL, 'submitted', 'forwarded', NULL, CAST('{}' AS json),
       verified_at
FROM reports WHERE id % 5 = 0 AND verified_at IS NOT NULL;

INSERT INTO sla_actions (report_id, stage, cycle, kind, level, scheduled_at, performed_at, outcome)
SELECT id, 'respond', 1, 'escalation', 1, response_due_at, response_due_at + interval '1 minute',
       'done'
FROM reports
WHERE response_due_at IS NOT NULL
  AND (answered_at > response_due_at OR (status = 'forwarded' AND response_due_at < now()));

INSERT INTO satisfaction_ratings (report_id, agency_id, element, score, created_at)
SELECT r.id, r.agency_id, e.element, 1 + floor(random() * 4)::int, r.closed_at
FROM reports r
CROSS JOIN (VALUES ('completion_time'), ('staff_behaviour'), ('complaint_handling'), ('product'))
    AS e(element)
WHERE r.status = 'finished' AND r.id % 8 = 0;
"""


def agency_order(engine: Engine) -> list[int]:
    """Agency ids, biggest first (``BIG_FIRST``, then the rest); 'lainnya' (other) gets none."""
    with engine.connect() as conn:
        rows: dict[str, int] = dict(
            conn.execute(
                text("SELECT code, id FROM agencies WHERE active AND code <> 'lainnya' ORDER BY id")
            ).all()
        )
    first = [rows[c] for c in BIG_FIRST if c in rows]
    return first + [i for c, i in rows.items() if c not in BIG_FIRST]


def bulk_load(engine: Engine, n: int, order: list[int]) -> None:
    """``n`` reports with their citizens, events, SLA actions and ratings (``LOAD_SQL``)."""
    params = {"n": n, "citizens": max(n // 5, 1), "agencies": order, "agency_count": len(order)}
    with engine.begin() as conn:
        # report_events is append-only by trigger; inserts are allowed, nothing to switch off.
        for statement in LOAD_SQL.split(";\n"):
            if statement.strip():
                conn.execute(text(statement), params)


def staff_tokens(db: Session, agency: Agency, now: datetime) -> dict[str, str]:
    """A manager, an officer of ``agency`` and a verifier; the API token of each by username
    (the console accepts ``Authorization: Bearer`` like the session cookie)."""
    tokens: dict[str, str] = {}
    for username, role, agency_code in (
        ("bench.manager", Role.MANAGER, None),
        ("bench.officer", Role.OFFICER, agency.code),
        ("bench.verifier", Role.VERIFIER, None),
    ):
        user = create_staff(
            db,
            username=username,
            full_name=username,
            password=secrets.token_urlsafe(16),
            role=role,
            agency_code=agency_code,
            now=now,
        )
        tokens[username] = create_token(db, staff=user, name="bench", now=now)[1]
    return tokens


def counts(engine: Engine, officer_agency: int) -> dict[str, Any]:
    """Reports per status and the sizes of the tables the pages read (recorded with results)."""
    with engine.connect() as conn:
        found: dict[str, Any] = dict(
            conn.execute(text("SELECT status, count(*) FROM reports GROUP BY status")).all()
        )
        for table in ("report_events", "sla_actions", "satisfaction_ratings"):
            found[table] = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
        found["officer_agency_open"] = conn.execute(
            text(
                "SELECT count(*) FROM reports WHERE agency_id = :a "
                "AND status IN ('forwarded', 'answered', 'info_requested')"
            ),
            {"a": officer_agency},
        ).scalar()
    return found


def seed(url: str, n: int) -> dict[str, Any]:
    """Migrate, seed agencies and staff, bulk-load ``n`` reports; returns tokens and counts."""
    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    with sessions() as db, db.begin():
        sync_agencies(db, load_agencies(CONFIG_DIR / "agencies.yml"))
    order = agency_order(engine)
    say(f"loading {n:,} reports ...")
    bulk_load(engine, n, order)
    # Measured without it: 164k heap fetches for one four-month dashboard query.
    say("VACUUM ANALYZE ...")
    vacuum_analyze(engine)
    with sessions() as db, db.begin():
        biggest = db.get(Agency, order[0])
        assert biggest is not None
        tokens = staff_tokens(db, biggest, now)
        code = db.scalar(
            select(Report.tracking_code).where(Report.status == Status.FORWARDED).limit(1)
        )
    found = counts(engine, order[0])
    engine.dispose()
    return {
        "tokens": tokens,
        "tracking_code": code,
        "counts": found,
        "agency": biggest.code,
        "load_seconds": round(time.perf_counter() - started, 1),
    }
