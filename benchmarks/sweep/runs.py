"""The order of a sweep benchmark run: every size loaded, then selection, then the sweeps.

Kept apart from the measurements themselves because the order is part of the method: the
fixed-size sweeps alternate between sizes so that the machine's other load hits all sizes alike.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.postgres import database_mb, scalar, throwaway_database, vacuum_analyze
from benchmarks.processes import peak_rss_mb
from benchmarks.recording import say
from benchmarks.sweep.measure import SELECT_LIMIT, SizeResult, measure_selection, measure_sweep
from benchmarks.sweep.probes import StatementCounter
from benchmarks.sweep.scenario import Deadlines
from benchmarks.sweep.seed import bulk_load, seed_people, set_due
from escalation.deadlines import SlaClock
from reports.db import make_engine, session_factory
from reports.migrate import upgrade


@dataclass
class Bench:
    """One size: its throwaway database, engine and results."""

    n: int
    engine: Engine
    factory: sessionmaker[Session]
    counter: StatementCounter
    result: SizeResult
    due_set: tuple[int, int] | None = None

    def make_due(self, dl: Deadlines, due: int) -> None:
        self.due_set = set_due(self.engine, dl, n=self.n, previous=self.due_set, due=due)


def load(bench: Bench, dl: Deadlines) -> None:
    """Seed the people, bulk-load N reports, VACUUM ANALYZE; record times and sizes."""
    n, engine, result = bench.n, bench.engine, bench.result
    citizen_id = seed_people(bench.factory)
    started = time.perf_counter()
    bulk_load(engine, dl, n, citizen_id)
    result.load_s = round(time.perf_counter() - started, 2)
    result.vacuum_s = round(vacuum_analyze(engine, "reports", "outbox"), 2)
    result.db_size_mb_loaded = database_mb(engine)
    result.reports_table_mb = round(scalar(engine, "SELECT pg_table_size('reports')") / 2**20, 1)
    result.next_sla_index_mb = round(
        scalar(engine, "SELECT pg_relation_size('ix_reports_next_sla_at')") / 2**20, 1
    )
    say(
        f"N={n:,}: loaded in {result.load_s}s (VACUUM ANALYZE {result.vacuum_s}s), "
        f"database {result.db_size_mb_loaded} MB"
    )


def run_selection(bench: Bench, dl: Deadlines, repeats: int) -> None:
    """Make 1% of N due and measure ``select_due`` on it."""
    one_pct = max(1, bench.n // 100)
    bench.make_due(dl, one_pct)
    sel, bench.result.explain = measure_selection(bench.factory, bench.counter, dl, repeats)
    sel["due"] = one_pct
    bench.result.selection = sel
    say(
        f"N={bench.n:,}: select_due limit {SELECT_LIMIT}, {one_pct:,} due: p50 {sel['p50_ms']} ms, "
        f"p95 {sel['p95_ms']} ms, max {sel['max_ms']} ms (first call {sel['first_call_ms']} ms; "
        f"driver only p50 {sel['driver_only_p50_ms']} ms; EXPLAIN {sel['explain_execution_ms']} "
        f"ms; index used: {sel['index_used']})"
    )


def run_one_sweep(
    bench: Bench, clock: SlaClock, dl: Deadlines, due: int, label: str
) -> dict[str, Any]:
    """Make ``due`` reports due and measure one sweep over them."""
    bench.make_due(dl, due)
    sweep = measure_sweep(bench.engine, bench.factory, bench.counter, clock, dl, due)
    say(
        f"N={bench.n:,}: sweep {label}, {due:,} due: {sweep['wall_s']}s, {sweep['actions']} "
        f"actions ({sweep['actions_per_s']}/s, {sweep['reports_per_s']} reports/s, "
        f"{sweep['sql_per_report']} SQL/report, CPU {sweep['cpu_ms_per_report']} ms/report, "
        f"load {sweep['loadavg_1m_before_after']})"
    )
    return sweep


def run_all(
    sizes: list[int],
    admin_url: str,
    clock: SlaClock,
    dl: Deadlines,
    cfg: dict[str, int],
) -> list[SizeResult]:
    """Load every size, measure selection, then the sweeps.

    The fixed-size sweeps alternate between sizes (100k, 1M, 100k, 1M, ...) so that a change in
    the machine's load (other processes) hits both sizes alike rather than biasing the ratio.
    """
    with ExitStack() as stack:
        benches: list[Bench] = []
        for n in sizes:
            url = stack.enter_context(throwaway_database("sw_bench", admin=admin_url))
            upgrade(url)
            engine = make_engine(url)
            stack.callback(engine.dispose)
            bench = Bench(
                n, engine, session_factory(engine), StatementCounter(engine), SizeResult(n)
            )
            load(bench, dl)
            benches.append(bench)
        for bench in benches:
            run_selection(bench, dl, cfg["select_repeats"])
        for run in range(cfg["sweep_repeats"]):
            for bench in benches if run % 2 == 0 else reversed(benches):
                sweep = run_one_sweep(bench, clock, dl, cfg["due"], f"fixed #{run + 1}")
                sweep["run"] = run + 1
                bench.result.sweeps_fixed.append(sweep)
        for bench in benches:
            one_pct = max(1, bench.n // 100)
            bench.result.sweep_1pct = run_one_sweep(bench, clock, dl, one_pct, "1% of N")
            bench.result.db_size_mb_end = database_mb(bench.engine)
            bench.result.peak_rss_mb = peak_rss_mb()
        return [b.result for b in benches]
