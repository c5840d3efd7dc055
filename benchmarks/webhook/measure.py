"""One target of the webhook benchmark measured: primed, warmed up, loaded, and for SuaraWarga
its inbox drained; with the CPU of every process of the target's tree.

"req/s" counts acknowledged updates: SuaraWarga stores each in its durable inbox before the 200
and processes it afterwards, so the inbox drain says how fast they were really processed.
"""

from __future__ import annotations

import os
import time
from typing import Any

from benchmarks.processes import (
    busy_share,
    machine_cpu_ticks,
    process_command,
    process_tree_cpu_s,
)
from benchmarks.recording import say
from benchmarks.servers import Server
from benchmarks.webhook.database import inbox_counts
from benchmarks.webhook.load import LoadPlan, load, prime

#: Role of a process of a server's tree, by a part of its command line (else a web worker).
_ROLES = (
    ("webhooks.cli scheduler", "scheduler"),
    ("webhooks.cli worker", "worker (inbox + sender)"),
    ("resource_tracker", "resource tracker"),
)


def _role(pid: int, root: int) -> str:
    """What a process of a server's tree is, from its command line."""
    if pid == root:
        return "main"
    cmdline = process_command(pid)
    if cmdline is None:
        return "?"
    return next((role for part, role in _ROLES if part in cmdline), "web worker")


def process_cpu(root: int) -> dict[int, tuple[str, float]]:
    """Role and CPU seconds so far of ``root`` and every process below it (uvicorn's or Sanic's
    workers; ``suarawarga serve``'s web workers, scheduler and outbox sender)."""
    return {pid: (_role(pid, root), cpu) for pid, cpu in process_tree_cpu_s(root).items()}


def _cpu_since(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> dict[int, tuple[str, float]]:
    """Role and CPU seconds of each process between two :func:`process_cpu` readings (a process
    started in between counts from zero)."""
    return {
        pid: (role, cpu - before[pid][1] if pid in before else cpu)
        for pid, (role, cpu) in after.items()
    }


def drain_inbox(
    db_url: str, *, root: int, began: float, before: dict[str, int],
    tree_before: dict[int, tuple[str, float]], timeout: float,
) -> dict[str, Any]:  # fmt: skip
    """After the measured load: wait until the inbox is empty (the worker processed every update
    acknowledged so far) and say how long that took, how many updates were processed from the
    start of the measured load until then, and the server's CPU over that whole span."""
    at_end = inbox_counts(db_url)
    ended = time.perf_counter()
    counts = at_end
    while counts["pending"] and time.perf_counter() - ended < timeout:
        time.sleep(0.5)
        counts = inbox_counts(db_url)
    drained = time.perf_counter()
    processed = counts["done"] + counts["dead"] - before["done"] - before["dead"]
    during_load = at_end["done"] + at_end["dead"] - before["done"] - before["dead"]
    cpu = sum(c for _, c in _cpu_since(tree_before, process_cpu(root)).values())
    span = drained - began
    return {
        "backlog_at_end": at_end["pending"],
        "processed_during_load": during_load,
        "processed_during_load_per_s": round(during_load / (ended - began), 1),
        "drain_seconds": round(drained - ended, 1),
        "drained": counts["pending"] == 0,
        "still_pending": counts["pending"],
        "processed": processed,
        "processed_per_s": round(processed / span, 1) if span else 0.0,
        "dead": counts["dead"] - before["dead"],
        "cpu_ms_per_processed": round(1000 * cpu / processed, 2) if processed else None,
    }


def measure(
    target: Server,
    path: str,
    *,
    kind: str,
    secret: str,
    plan: LoadPlan,
    label: str,
    inbox_db: str | None = None,
) -> dict[str, Any]:
    """Prime, warm up, then the measured load; ``inbox_db``: also wait for the inbox to drain."""
    url, root = target.url, target.pid
    # As many concurrent requests as the most worker processes either side runs (serve: one per
    # core), so every worker has loaded its lazy parts before the warm-up.
    workers = max(plan.workers, os.cpu_count() or 1)
    primed, primed_requests = prime(url, path, kind=kind, secret=secret, workers=workers)
    say(f"[{label}] primed in {primed:.0f}s; warm-up {plan.warmup}s ...")

    def run(seconds: int) -> dict[str, Any]:
        return load(
            url, path, kind=kind, secret=secret, seconds=seconds,
            connections=plan.connections, tool=plan.generator,
        )  # fmt: skip

    warm = run(plan.warmup) if plan.warmup > 0 else {"requests": 0}
    say(f"[{label}] measuring {plan.seconds}s with {plan.connections} connections ...")
    inbox_before = inbox_counts(inbox_db) if inbox_db else None
    before, tree_before = machine_cpu_ticks(), process_cpu(root)
    began = time.perf_counter()
    result = run(plan.seconds)
    elapsed = time.perf_counter() - began
    result["machine_busy"] = busy_share(before, machine_cpu_ticks())
    # Cores each process of the server's tree kept busy (its CPU seconds over the measured
    # seconds): shows when one worker got most of the connections (uvicorn's workers share one
    # listening socket; the kernel hands each connection to one), and what the scheduler and the
    # sender took beside the web workers.
    used = _cpu_since(tree_before, process_cpu(root))
    result["process_cores"] = sorted(
        (
            {"process": role, "cores": round(cpu / elapsed, 2)}
            for role, cpu in used.values()
            if cpu > 0
        ),
        key=lambda p: -p["cores"],
    )
    total = sum(cpu for _, cpu in used.values())
    result["tree_cores"] = round(total / elapsed, 2)
    result["tree_cpu_ms_per_request"] = (
        round(1000 * total / result["requests"], 2) if result["requests"] else None
    )
    say(f"[{label}] {result}")
    if inbox_db and inbox_before is not None:
        say(f"[{label}] waiting for the worker to drain the inbox ...")
        result["inbox"] = drain_inbox(
            inbox_db, root=root, began=began, before=inbox_before, tree_before=tree_before,
            timeout=plan.drain_timeout,
        )  # fmt: skip
        say(f"[{label}] inbox: {result['inbox']}")
    result["sent_including_warmup"] = result["requests"] + warm["requests"] + primed_requests
    return result
