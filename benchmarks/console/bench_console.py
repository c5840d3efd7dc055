"""Console benchmark: the manager dashboard and the agency inbox over 1M reports in PostgreSQL.

Run with ``make bench-console`` (or ``.venv/bin/python -m benchmarks.console.bench_console``).

1. Creates a throwaway database, migrates it (Alembic, so the indexes are the real ones) and
   bulk-loads N reports (default 1,000,000) with ``INSERT ... SELECT FROM generate_series``:
   two years of reports, ids in time order (~1,370 a day), a skewed spread over the agencies
   (the biggest gets ~14%), statuses that depend on age (recent reports open, old ones finished
   or archived, a few stuck and overdue), 75/20/5% public/anonymous/confidential, deadlines,
   answer and close times (about 12% answered late), events for every 5th report, breach
   escalations for late answers and overdue ones, SKM ratings for every 8th finished report.
2. Serves the real app with uvicorn on 127.0.0.1 (scheduler off: the sweep must not rewrite
   the data while we measure) and authenticates with API tokens (``Authorization: Bearer``,
   which the console accepts like the session cookie): a manager and an officer of the biggest
   agency.
3. Times ``REQUESTS`` sequential requests per route after a warm-up and reports p50/p95/p99:
   the dashboard (default period, 30 days), its CSV export, the agency inbox, and for
   reference the REST API list and statistics, Open311 ``requests.json`` and the tracking page.

Target: dashboard and inbox p95 under 300 ms. Results: ``benchmarks/console/results.md|json``.

Environment variables (all optional):

``SW_BENCH_REPORTS``    reports to load, default ``1000000``
``SW_BENCH_REQUESTS``   timed requests per route, default ``100``
``SW_BENCH_ADMIN_URL``  admin database URL, default
                        ``postgresql+psycopg://postgres@127.0.0.1:5432/test``
``SW_BENCH_DB_URL``     reuse an already loaded database instead (nothing is created or dropped)
``SW_BENCH_KEEP_DB``    ``1`` keeps the throwaway database (prints its URL) for a re-run
``SW_BENCH_OUT``        results directory, default ``benchmarks/console`` (a trial run, such as
                        the toy size the tests run, writes elsewhere and keeps the recorded ones)
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, select, text

from config.domain_files import load_agencies
from config.settings import CONFIG_DIR
from console.tokens import create_token
from reports.db import make_engine, session_factory
from reports.enums import Role, Status
from reports.migrate import upgrade
from reports.models import Agency, Report
from reports.staff import create_staff, sync_agencies

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TARGET_MS = 300.0
ADMIN_URL = os.environ.get(
    "SW_BENCH_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
#: Agencies in order of size: the first gets the most reports (weight ~ rank^-1).
BIG_FIRST = ("pupr", "kependudukan", "lingkungan", "perhubungan", "kesehatan", "pendidikan")


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# -- data -----------------------------------------------------------------------------------------

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
    with engine.connect() as conn:
        rows: dict[str, int] = dict(
            conn.execute(
                text("SELECT code, id FROM agencies WHERE active AND code <> 'lainnya' ORDER BY id")
            ).all()
        )
    first = [rows[c] for c in BIG_FIRST if c in rows]
    return first + [i for c, i in rows.items() if c not in BIG_FIRST]


def load(url: str, n: int) -> dict[str, Any]:
    """Migrate, seed agencies and staff, bulk-load ``n`` reports; returns tokens and counts."""
    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    with sessions() as db, db.begin():
        sync_agencies(db, load_agencies(CONFIG_DIR / "agencies.yml"))
    order = agency_order(engine)
    log(f"loading {n:,} reports ...")
    with engine.begin() as conn:
        # report_events is append-only by trigger; inserts are allowed, nothing to switch off.
        for statement in LOAD_SQL.split(";\n"):
            if statement.strip():
                conn.execute(
                    text(statement),
                    {
                        "n": n,
                        "citizens": max(n // 5, 1),
                        "agencies": order,
                        "agency_count": len(order),
                    },
                )
    # VACUUM too, not only ANALYZE: a freshly bulk-loaded table has no visibility map, so every
    # "index-only" scan still visits the heap for each row (measured: 164k heap fetches for one
    # four-month dashboard query). A live database gets this from autovacuum within minutes of
    # the inserts; measuring before it would measure the loader, not the dashboard.
    log("VACUUM ANALYZE ...")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    tokens: dict[str, str] = {}
    with sessions() as db, db.begin():
        biggest = db.get(Agency, order[0])
        assert biggest is not None
        for username, role, agency in (
            ("bench.manager", Role.MANAGER, None),
            ("bench.officer", Role.OFFICER, biggest.code),
            ("bench.verifier", Role.VERIFIER, None),
        ):
            user = create_staff(
                db,
                username=username,
                full_name=username,
                password=secrets.token_urlsafe(16),
                role=role,
                agency_code=agency,
                now=now,
            )
            tokens[username] = create_token(db, staff=user, name="bench", now=now)[1]
        code = db.scalar(
            select(Report.tracking_code).where(Report.status == Status.FORWARDED).limit(1)
        )
    with engine.connect() as conn:
        counts = dict(
            conn.execute(text("SELECT status, count(*) FROM reports GROUP BY status")).all()
        )
        counts["report_events"] = conn.execute(text("SELECT count(*) FROM report_events")).scalar()
        counts["sla_actions"] = conn.execute(text("SELECT count(*) FROM sla_actions")).scalar()
        counts["satisfaction_ratings"] = conn.execute(
            text("SELECT count(*) FROM satisfaction_ratings")
        ).scalar()
        counts["officer_agency_open"] = conn.execute(
            text(
                "SELECT count(*) FROM reports WHERE agency_id = :a "
                "AND status IN ('forwarded', 'answered', 'info_requested')"
            ),
            {"a": order[0]},
        ).scalar()
    engine.dispose()
    return {
        "tokens": tokens,
        "tracking_code": code,
        "counts": counts,
        "agency": biggest.code,
        "load_seconds": round(time.perf_counter() - started, 1),
    }


# -- server and measurement -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(url: str, port: int, data_dir: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SUARAWARGA_DATABASE_URL": url,
        "SUARAWARGA_DATA_DIR": data_dir,
        "SUARAWARGA_RUN_SCHEDULER_IN_PROCESS": "false",
        "SUARAWARGA_RUN_WORKER_IN_PROCESS": "false",
    }
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "webhooks.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, cwd=REPO)


def wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError("uvicorn exited during start-up")
        try:
            httpx.get(base + "/health", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("uvicorn did not start")


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    user: str | None
    target: bool  # the 300 ms p95 applies
    #: a different period on every request (``{since}`` in the path): defeats the dashboard's
    #: short per-filter cache, i.e. what a manager changing filters waits for
    vary: bool = False

    def url(self, i: int) -> str:
        if not self.vary:
            return self.path
        since = datetime.now(UTC).date() - timedelta(days=31 + i)
        return self.path.format(since=since.isoformat())


def measure(client: httpx.Client, route: Route, tokens: dict[str, str], n: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {tokens[route.user]}"} if route.user else {}
    for i in range(5):  # warm-up: connection, template compilation, PostgreSQL caches
        client.get(route.url(n + i), headers=headers)
    timings: list[float] = []
    sizes: set[int] = set()
    for i in range(n):
        url = route.url(i)
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}: {response.text[:300]}")
        sizes.add(len(response.content))
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    result = {
        "route": route.name,
        "path": route.path,
        "as": route.user or "anonymous",
        "requests": n,
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
        "max_ms": round(max(timings), 1),
        "bytes": max(sizes),
        "target": route.target,
    }
    result["pass"] = round(cuts[94], 1) < TARGET_MS if route.target else None
    log(
        f"{route.name:<28} p50 {result['p50_ms']:>7} ms  p95 {result['p95_ms']:>7} ms  "
        f"p99 {result['p99_ms']:>7} ms"
    )
    return result


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    load = os.getloadavg()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in load],
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def write_results(result: dict[str, Any], out_dir: Path = HERE) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    m = result["machine"]
    lines = [
        f"# Console benchmark: dashboard and agency inbox over {result['reports']:,} reports",
        "",
        f"- date: {result['date']}",
        f"- command: `{result['command']}`",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM; {m['os']}; "
        f"Python {m['python']}; {result['postgres']}",
        f"- load average (1, 5, 15 min) before measuring: {m['load_average_before_measuring']}, "
        f"after: {m['load_average_after_measuring']} "
        "(the machine is shared with other work; see the note below)",
        f"- data: {result['reports']:,} reports, bulk-loaded in {result['load_seconds']} s "
        "(`INSERT ... SELECT generate_series`, see the module docstring for the spread)",
        f"- counts: {result['counts']}",
        f"- server: uvicorn, 1 process, 127.0.0.1; requests sequential, "
        f"{result['requests_per_route']} timed per route after 5 warm-up; bearer-token auth",
        f"- target: p95 < {TARGET_MS:.0f} ms for the dashboard and the agency inbox",
        "",
        "| route | path | as | p50 ms | p95 ms | p99 ms | max ms | body bytes | target |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in result["routes"]:
        verdict = "PASS" if r["pass"] else ("FAIL" if r["pass"] is False else "-")
        lines.append(
            f"| {r['route']} | `{r['path']}` | {r['as']} | {r['p50_ms']} | {r['p95_ms']} | "
            f"{r['p99_ms']} | {r['max_ms']} | {r['bytes']:,} | {verdict} |"
        )
    lines += ["", result.get("note", ""), ""]
    diagnosis = HERE / "diagnosis.md"  # hand-written analysis of the run, kept with the table
    if diagnosis.exists():
        lines += [diagnosis.read_text(encoding="utf-8").strip(), ""]
    (out_dir / "results.md").write_text("\n".join(lines))


def main() -> int:
    n = int(os.environ.get("SW_BENCH_REPORTS", "1000000"))
    requests = int(os.environ.get("SW_BENCH_REQUESTS", "100"))
    reuse = os.environ.get("SW_BENCH_DB_URL")
    keep = os.environ.get("SW_BENCH_KEEP_DB") == "1"
    out_dir = Path(os.environ.get("SW_BENCH_OUT") or HERE)
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"sw_bench_console_{secrets.token_hex(4)}"
    url = reuse or ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    info_file = out_dir / ".bench-db.json"
    if reuse:
        info = json.loads(info_file.read_text())
    else:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        log(f"database {name}")
    server = None
    try:
        if not reuse:
            info = load(url, n)
            out_dir.mkdir(parents=True, exist_ok=True)
            info_file.write_text(json.dumps(info, default=str))
            log(f"loaded in {info['load_seconds']} s: {info['counts']}")
        with admin.connect() as conn:
            postgres = conn.execute(text("SELECT version()")).scalar() or ""
        port = free_port()
        with tempfile.TemporaryDirectory() as data_dir:
            server = serve(url, port, data_dir)
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, server)
            code = info["tracking_code"]
            routes = [
                Route("dashboard", "/console/dashboard", "bench.manager", True),
                Route(
                    "dashboard, new period each",
                    "/console/dashboard?since={since}",
                    "bench.manager",
                    True,
                    vary=True,
                ),
                Route("agency inbox", "/console/inbox", "bench.officer", True),
                Route("dashboard CSV export", "/console/dashboard.csv", "bench.manager", False),
                Route("API list (officer)", "/api/v1/reports", "bench.officer", False),
                Route("API list by due", "/api/v1/reports?order=due", "bench.officer", False),
                Route("API statistics", "/api/v1/statistics", "bench.manager", False),
                Route(
                    "API statistics, new period",
                    "/api/v1/statistics?since={since}T00:00:00%2B07:00",
                    "bench.manager",
                    False,
                    vary=True,
                ),
                Route("API report", f"/api/v1/reports/{code}", "bench.verifier", False),
                Route("Open311 requests.json", "/open311/v2/requests.json", None, False),
                Route("tracking page", f"/t/{code}", None, False),
            ]  # fmt: skip
            load_before = load_average()
            with httpx.Client(base_url=base, timeout=60) as client:
                results = [measure(client, r, info["tokens"], requests) for r in routes]
            load_after = load_average()
        result = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join(
                [f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("SW_BENCH_")]
                + ["make bench-console"]
            ),
            "machine": {
                **machine(),
                "load_average_before_measuring": load_before,
                "load_average_after_measuring": load_after,
            },
            "postgres": postgres.split(" on ")[0],
            "reports": n,
            "load_seconds": info["load_seconds"],
            "counts": info["counts"],
            "requests_per_route": requests,
            "routes": results,
        }
        targets = [r for r in results if r["target"]]
        ok = all(r["pass"] for r in targets)
        result["note"] = (
            f"Verdict: {'PASS' if ok else 'FAIL'}: "
            + ", ".join(f"{r['route']} p95 {r['p95_ms']} ms" for r in targets)
            + f" (target < {TARGET_MS:.0f} ms)."
        )
        write_results(result, out_dir)
        log(result["note"])
        return 0 if ok else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not reuse and not keep:
            with admin.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                    ),
                    {"n": name},
                )
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            info_file.unlink(missing_ok=True)
        elif not reuse:
            log(f"kept: SW_BENCH_DB_URL={url}")
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
