"""SLA sweep benchmark on PostgreSQL: selection latency and sweep cost at 100k and 1M reports.

Run with ``make bench`` (or ``.venv/bin/python -m benchmarks.sweep_bench``). For each size N it
creates a throwaway database, migrates it, bulk-loads N open reports with one ``INSERT ... SELECT
FROM generate_series`` and measures:

* selection: ``select_due(db, now, limit=500, exclude=set())`` with 1% of N due, repeated, each in
  its own transaction, plus ``EXPLAIN (ANALYZE, BUFFERS)`` of the exact SQL it sends;
* sweep: ``run_sweep`` once with the same number of reports due at every size (default 1,000,
  repeated), and once with 1% of N due.

Targets (printed as PASS/FAIL): selection p95 under 50 ms at 1M; sweep time for the same number due
at 1M within 1.5x of the time at 100k. Results go to ``benchmarks/results/sweep-<date>.md|json``.

Environment variables (all optional):

``SW_BENCH_SIZES``          report counts, default ``100000,1000000``
``SW_BENCH_DUE``            reports due in the fixed-size sweep, default ``1000``
``SW_BENCH_SELECT_REPEATS`` timed ``select_due`` calls per size, default ``30``
``SW_BENCH_SWEEP_REPEATS``  runs of the fixed-size sweep per size, default ``2``
``SW_BENCH_ADMIN_URL``      admin database URL, default
                            ``postgresql+psycopg://postgres@127.0.0.1:5432/test``
``SW_BENCH_OUT``            results directory, default ``benchmarks/results``
``SW_BENCH_KEEP_DB``        ``1`` keeps the databases for inspection (they are dropped otherwise)

The parts, each a module of ``benchmarks/sweep/``: the data model and its SQL (``scenario``),
filling a database (``seed``, checked by ``indexes``), what the database did (``probes``), the
measurements (``measure``), their order (``runs``) and the results (``report``).
"""

from __future__ import annotations

import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from benchmarks.environment import bench_settings, env_int, env_ints, output_dir
from benchmarks.postgres import admin_url, machine_info
from benchmarks.processes import peak_rss_mb
from benchmarks.recording import REPO, command_line, git_info, say
from benchmarks.sweep.measure import SELECT_LIMIT
from benchmarks.sweep.report import evaluate, size_document, verdict, write_results
from benchmarks.sweep.runs import run_all
from benchmarks.sweep.scenario import NOW, Deadlines, check_scenario
from config.settings import CONFIG_DIR
from escalation.calendar import WorkingCalendar
from escalation.deadlines import SlaClock
from escalation.policy import SlaPolicy


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    admin = admin_url()
    sizes = env_ints("SW_BENCH_SIZES", [100_000, 1_000_000])
    cfg = {
        "due": env_int("SW_BENCH_DUE", 1000),
        "select_repeats": env_int("SW_BENCH_SELECT_REPEATS", 30),
        "sweep_repeats": env_int("SW_BENCH_SWEEP_REPEATS", 2),
    }
    out_dir = output_dir(REPO / "benchmarks" / "results")
    started_at = datetime.now(UTC)
    began = time.perf_counter()

    clock = SlaClock(WorkingCalendar("Asia/Jakarta"), SlaPolicy.from_yaml(CONFIG_DIR / "sla.yml"))
    dl = Deadlines.build(clock, NOW)
    scenario = check_scenario(clock, dl)
    machine = machine_info(admin)
    git = git_info()  # now: other people may commit while the benchmark runs
    say(f"sizes {sizes}, {cfg}; {machine['cpu_model']} x{machine['nproc']}")

    results = run_all(sizes, admin, clock, dl, cfg)
    targets = evaluate(results, cfg["due"])
    doc: dict[str, Any] = {
        "date": started_at.date().isoformat(),
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - began, 1),
        "command": command_line("bench", "benchmarks.sweep_bench"),
        "config": {
            "sizes": sizes,
            **cfg,
            "select_limit": SELECT_LIMIT,
            "now": NOW.isoformat(),
            "env": bench_settings(),
        },
        "machine": machine,
        "git": git,
        "peak_rss_mb": peak_rss_mb(),
        "scenario": scenario,
        "targets": targets,
        "results": [size_document(r) for r in results],
    }
    stem = write_results(out_dir, doc, results)

    print()
    for t in targets:
        print(f"{verdict(t['pass'])}  {t['target']}: {t['measured']}")
    print(f"peak RSS {doc['peak_rss_mb']} MB; results in {stem}.md and {stem}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
