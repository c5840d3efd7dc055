"""The sweep benchmark's verdict and results: targets, the JSON document and its markdown.

Written from the measured :class:`~benchmarks.sweep.measure.SizeResult` of every size; the
file names and layout are those of the recorded runs in ``benchmarks/results/``.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from benchmarks.sweep.measure import SELECT_LIMIT, SizeResult

TARGET_SELECT_MS = 50.0
TARGET_SWEEP_RATIO = 1.5


def evaluate(results: list[SizeResult], fixed_due: int) -> list[dict[str, Any]]:
    """The targets, measured and passed or not (the largest and smallest sizes when 1M or 100k
    were not run, so a trial run still says something)."""
    by_n = {r.n: r for r in results}
    targets: list[dict[str, Any]] = []
    big = by_n.get(1_000_000) or max(results, key=lambda r: r.n)
    p95 = big.selection["p95_ms"]
    targets.append(
        {
            "target": f"select_due (limit {SELECT_LIMIT}) p95 under {TARGET_SELECT_MS:g} ms "
            f"at N={big.n:,}",
            "measured": f"p95 {p95} ms (p50 {big.selection['p50_ms']}, max "
            f"{big.selection['max_ms']})",
            "pass": p95 < TARGET_SELECT_MS and big.selection["index_used"],
        }
    )
    small = by_n.get(100_000) or min(results, key=lambda r: r.n)
    if small is not big:
        ratio = big.fixed_sweep_median_s / small.fixed_sweep_median_s
        targets.append(
            {
                "target": f"sweep of {fixed_due:,} due at N={big.n:,} within "
                f"{TARGET_SWEEP_RATIO:g}x of N={small.n:,}",
                "measured": f"median {big.fixed_sweep_median_s:.3f}s vs "
                f"{small.fixed_sweep_median_s:.3f}s = {ratio:.2f}x",
                "pass": ratio <= TARGET_SWEEP_RATIO,
            }
        )
        cpu_big = round(statistics.median(x["cpu_ms_per_report"] for x in big.sweeps_fixed), 3)
        cpu_small = round(statistics.median(x["cpu_ms_per_report"] for x in small.sweeps_fixed), 3)
        targets.append(
            {
                "target": "(information, not a target) CPU per report of the same sweeps, "
                "client + PostgreSQL backends, less sensitive to other load on the machine",
                "measured": f"median {cpu_big} vs {cpu_small} ms/report = "
                f"{cpu_big / cpu_small:.2f}x",
                "pass": None,
            }
        )
    return targets


def verdict(passed: bool | None) -> str:
    """How a target reads in the results: INFO for a figure that is not a target."""
    return "INFO" if passed is None else "PASS" if passed else "FAIL"


def _sweeps(r: SizeResult) -> list[tuple[str, dict[str, Any]]]:
    """The sweeps of one size in the order they ran, with their labels in the tables."""
    runs = [(f"fixed #{i + 1}", s) for i, s in enumerate(r.sweeps_fixed)]
    return [*runs, ("1% of N", r.sweep_1pct)]


def write_markdown(path: Path, doc: dict[str, Any], results: list[SizeResult]) -> None:
    """The human-readable results: machine, targets, then one table per measurement."""
    m = doc["machine"]
    dirty = doc["git"]["uncommitted_changes_in_code_under_test"]
    lines = [
        f"# Sweep benchmark, {doc['date']}",
        "",
        f"Command: `{doc['command']}` (script `benchmarks/sweep_bench.py`; sizes "
        f"{', '.join(f'{n:,}' for n in doc['config']['sizes'])}).",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu_model']}, nproc {m['nproc']}; RAM {m['ram_gb']} GB; {m['os']}",
        f"- {m['postgresql']}",
        "- PostgreSQL settings: "
        + ", ".join(f"{k}={v}" for k, v in m["postgresql_settings"].items()),
        f"- Python {m['python']}, SQLAlchemy {m['sqlalchemy']}, psycopg 3; PostgreSQL on the same "
        "machine (127.0.0.1)",
        f"- Git commit `{doc['git']['commit']}`"
        + (
            "; uncommitted changes in code under test: "
            + ", ".join(f"`{x.strip()}`" for x in dirty)
            if dirty
            else "; no uncommitted changes in escalation/, reports/, config/"
        ),
        f"- Started {doc['started_at']}, took {doc['duration_s']}s; peak RSS of the benchmark "
        f"process {doc['peak_rss_mb']} MB",
        "",
        "## Targets",
        "",
    ]
    for t in doc["targets"]:
        lines.append(f"- **{verdict(t['pass'])}**: {t['target']}: {t['measured']}")
    lines += [
        "",
        "## Load",
        "",
        "| N | load (INSERT ... generate_series) | VACUUM ANALYZE | DB size after load | "
        "reports table | ix_reports_next_sla_at | DB size at end |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.n:,} | {r.load_s} s | {r.vacuum_s} s | {r.db_size_mb_loaded} MB | "
            f"{r.reports_table_mb} MB | {r.next_sla_index_mb} MB | {r.db_size_mb_end} MB |"
        )
    lines += [
        "",
        f"## Selection: `select_due(db, now, limit={SELECT_LIMIT}, exclude=set())`, 1% of N due",
        "",
        "Each call in its own transaction (`FOR UPDATE SKIP LOCKED` takes row locks), timed "
        "around the call (SQL + fetching the 500 locked ids; each report is loaded by primary "
        "key when the sweep reaches it, a cost included in the sweep figures below). The first "
        "call (statement compilation) "
        "is reported apart and not in the percentiles. *Driver only* runs the very same SQL and "
        "parameters through the bare psycopg cursor (fetching the rows, no ORM); *EXPLAIN* is the "
        "server's execution time from `EXPLAIN (ANALYZE, BUFFERS)`.",
        "",
        "| N | due | calls | p50 | p95 | max | mean | first call | driver only p50 / p95 "
        "| EXPLAIN | index used | load avg |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|",
    ]
    for r in results:
        s = r.selection
        lines.append(
            f"| {r.n:,} | {s['due']:,} | {s['repeats']} | {s['p50_ms']} ms | {s['p95_ms']} ms | "
            f"{s['max_ms']} ms | {s['mean_ms']} ms | {s['first_call_ms']} ms | "
            f"{s['driver_only_p50_ms']} / {s['driver_only_p95_ms']} ms | "
            f"{s['explain_execution_ms']} ms | {'yes' if s['index_used'] else 'NO'} | "
            f"{s['loadavg_1m']} |"
        )
    lines += [
        "",
        "## Sweep: `run_sweep(factory, clock=clock, now=now)` (batch 500)",
        "",
        "Half of the due reports get the verify reminder (verifier notified), half the level-1 "
        "escalation (event, verifiers and managers notified): one action per report. *SQL time* "
        "is the client-side time spent in `cursor.execute` (round trips included); the rest of "
        "the wall time is Python (SQLAlchemy ORM and the sweep's own code).",
        "",
        "| N | due | run | wall | actions | actions/s | reports/s | ms/report | SQL/report | "
        "SQL time | CPU client + PG | CPU ms/report | outbox rows | events | still due after "
        "| failed | load avg before/after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for label, s in _sweeps(r):
            load = s["loadavg_1m_before_after"]
            lines.append(
                f"| {r.n:,} | {s['due']:,} | {label} | {s['wall_s']} s | {s['actions']:,} | "
                f"{s['actions_per_s']} | {s['reports_per_s']} | {s['ms_per_report']} | "
                f"{s['sql_per_report']} | {s['sql_time_ms'] / 1000:.2f} s | "
                f"{s['cpu_client_s']} + {s['cpu_postgres_s']} s | {s['cpu_ms_per_report']} | "
                f"{s['outbox_rows']:,} | {s['events']:,} | {s['still_due_after']} | "
                f"{s['failed_reports']} | {load[0]} / {load[1]} |"
            )
    lines += [
        "",
        "### Table scans during the sweeps (pg_stat_user_tables deltas)",
        "",
        "| N | run | table | seq scans | rows read by seq scans | index scans |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for r in results:
        for label, s in _sweeps(r):
            for table, d in sorted(s["table_scans"].items()):
                lines.append(
                    f"| {r.n:,} | {label} | {table} | {d['seq_scan']:,} | "
                    f"{d['seq_tup_read']:,} | {d['idx_scan']:,} |"
                )
    for r in results:
        sweep = r.sweep_1pct
        lines += [
            "",
            f"### Statements of the 1% sweep at N={r.n:,} ({sweep['due']:,} reports)",
            "",
            "| statement (first words) | count | per report | total | each |",
            "|---|---:|---:|---:|---:|",
        ]
        for row in sweep["statements_by_kind"]:
            per = row["count"] / sweep["reports_acted_on"] if sweep["reports_acted_on"] else 0
            lines.append(
                f"| `{row['statement']}` | {row['count']:,} | {per:.2f} | "
                f"{row['total_ms']:,} ms | {row['ms_each']} ms |"
            )
    lines += ["", "## EXPLAIN (ANALYZE, BUFFERS) of the selection", ""]
    for r in results:
        lines += [f"### N={r.n:,}", "", "```", r.explain, "```", ""]
    lines += ["## Scenario check (real clock vs. the SQL of the load)", ""]
    lines += [f"- {k}: {v}" for k, v in doc["scenario"].items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def size_document(r: SizeResult) -> dict[str, Any]:
    """One size's entry in the JSON results (key names as in the recorded runs)."""
    return {
        "n": r.n,
        "load_s": r.load_s,
        "vacuum_analyze_s": r.vacuum_s,
        "db_size_mb_after_load": r.db_size_mb_loaded,
        "db_size_mb_at_end": r.db_size_mb_end,
        "reports_table_mb": r.reports_table_mb,
        "ix_reports_next_sla_at_mb": r.next_sla_index_mb,
        "selection": r.selection,
        "explain_analyze": r.explain,
        "sweep_fixed_due": r.sweeps_fixed,
        "sweep_fixed_due_median_s": round(r.fixed_sweep_median_s, 3),
        "sweep_one_percent_due": r.sweep_1pct,
        "peak_rss_mb_after": r.peak_rss_mb,
    }


def write_results(out_dir: Path, doc: dict[str, Any], results: list[SizeResult]) -> Path:
    """``sweep-<date>.json`` and ``.md`` in ``out_dir``; returns their common stem."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"sweep-{doc['date']}"
    stem.with_suffix(".json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    write_markdown(stem.with_suffix(".md"), doc, results)
    return stem
