"""``make bench-webhook``: inbound Telegram webhook throughput and latency on PostgreSQL.

In one run, on one fresh database, with the same load generator (``wrk`` + ``telegram.lua``) on
loopback, 32 connections by default:

1. SuaraWarga as a user starts it: the installed ``suarawarga serve --host 127.0.0.1 --port P``
   with its defaults (one web worker per core, the scheduler and the worker, which processes the
   durable inbox and sends the outbox, in processes of their own at a lower CPU priority, no
   access log), given only what a deployment must set (production, database, session secret,
   Telegram token and webhook secret) and a Bot API address pointing at a small local fake
   (``fake_bot_api.py``), so the sender really sends the replies while it is measured. req/s
   counts acknowledged updates (stored in the inbox); after the load the run waits for the
   worker to empty the inbox and records how fast it processed them;
2. the ceiling: a bare FastAPI app doing one INSERT per request through an asyncpg pool
   (``apps.py``), uvicorn with one worker per core;
3. Rasa's REST channel with our trained model, when a Rasa env and a cached model exist: as it
   ships (one Sanic worker) and with as many workers as the ceiling (Redis lock store).

The target (issue 12): as shipped, at least half the ceiling's throughput with zero non-2xx
answers (and no socket errors). Writes ``results.json`` and ``results.md`` next to this file
(``--output`` elsewhere).

``--load-generator python`` (or ``auto`` without wrk installed) sends the same requests from a
small threaded httpx client instead of wrk. It shares the cores with the servers and costs far
more CPU per request than wrk, so its numbers are not comparable with wrk's: it exists so that
the toy run (``tests/benchmarks/``) exercises the whole benchmark where wrk is not installed.

This module is the entry point; the parts are ``database`` (the fresh database and its counts),
``targets`` (the servers loaded), ``load`` (the load generators), ``measure`` (one target
measured) and ``report`` (the verdict and the results files).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.recording import command_line, load_average, machine
from benchmarks.servers import Server
from benchmarks.webhook.database import db_counts, fresh_database
from benchmarks.webhook.load import LoadPlan
from benchmarks.webhook.measure import measure
from benchmarks.webhook.report import HERE, write_results
from benchmarks.webhook.targets import (
    REDIS,
    SCRIPT,
    bot_api_calls,
    ceiling,
    fake_bot_api,
    rasa_model,
    rasa_rest,
    redis_reachable,
    suarawarga_serve,
)

TELEGRAM_PATH = "/webhooks/telegram"
RASA_PATH = "/webhooks/rest/webhook"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.webhook.run")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="worker processes of the ceiling and of Rasa's like-for-like run (default: one per "
        "core, as `suarawarga serve` starts; SuaraWarga itself always runs with serve's defaults)",
    )
    parser.add_argument("--skip-rasa", action="store_true")
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=600,
        help="seconds to wait, after the measured load, for serve's worker to empty the inbox",
    )
    parser.add_argument(
        "--rasa-epochs",
        type=int,
        default=10,
        help="DIET epochs of the Rasa model (as in bench-nlu; parse cost does not depend on it)",
    )
    parser.add_argument(
        "--load-generator",
        choices=("wrk", "python", "auto"),
        default="wrk",
        help="wrk (the recorded runs), python (a small httpx client: trial runs without wrk), "
        "auto (wrk when installed)",
    )
    parser.add_argument(
        "--note",
        action="append",
        default=[],
        help="a note recorded with the results (e.g. what an earlier run of the hour measured)",
    )
    parser.add_argument("--render-only", action="store_true", help="rewrite results.md from json")
    parser.add_argument(
        "--output",
        type=Path,
        default=HERE,
        help="where results.json and results.md go (a trial run keeps the recorded ones)",
    )
    return parser.parse_args()


def load_generator(asked: str) -> str | None:
    """The generator to use (``auto``: wrk when installed), or None when wrk is asked for and
    missing (the recorded runs require it)."""
    if asked == "auto":
        if shutil.which("wrk"):
            return "wrk"
        print(
            "wrk not found: loading with the Python client (numbers not comparable with "
            "wrk's; apt-get install -y wrk for a real run)",
            file=sys.stderr,
        )
        return "python"
    if asked == "wrk" and shutil.which("wrk") is None:
        print(
            "wrk is required: apt-get install -y wrk (or --load-generator python for a trial "
            "run, with --output elsewhere: its numbers are not comparable with wrk's)",
            file=sys.stderr,
        )
        return None
    return asked


def deployment_env(db_url: str, secret: str, bot_api: Server) -> dict[str, str]:
    """What a deployment must set, nothing else (no SUARAWARGA_* of the caller's shell): serve's
    workers, scheduler, sender and log format are its defaults."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUARAWARGA_")}
    return env | {
        "SUARAWARGA_ENVIRONMENT": "production",
        "SUARAWARGA_SESSION_SECRET": secrets.token_urlsafe(32),
        "SUARAWARGA_DATABASE_URL": db_url,
        "SUARAWARGA_TELEGRAM_BOT_TOKEN": f"1:{secrets.token_urlsafe(20)}",
        "SUARAWARGA_TELEGRAM_WEBHOOK_SECRET": secret,
        "SUARAWARGA_TELEGRAM_API_BASE_URL": bot_api.url,
    }


def measure_rasa(
    results: dict[str, Any], args: argparse.Namespace, plan: LoadPlan, work: Path
) -> None:
    """Rasa as it ships (one Sanic worker), then with as many workers as ours had; or why not."""
    rasa, model, reason = (
        (None, None, "skipped with --skip-rasa") if args.skip_rasa else rasa_model(args.rasa_epochs)
    )
    if rasa is None or model is None:
        results["rasa_skipped"] = reason
        return
    results["rasa_model"] = model.name
    for workers in [1] if plan.workers == 1 else [1, plan.workers]:
        key = "rasa" if workers == 1 else "rasa_same_workers"
        if workers > 1 and not redis_reachable():
            results[f"{key}_skipped"] = f"no Redis at {REDIS} for Rasa's lock store"
            continue
        try:
            with rasa_rest(rasa, model, work, workers=workers) as target:
                results[key] = measure(
                    target, RASA_PATH, kind="rasa", secret="", plan=plan,
                    label=f"rasa, {workers} worker(s)",
                )  # fmt: skip
        except (RuntimeError, TimeoutError) as exc:
            results[f"{key}_skipped"] = f"Rasa server failed: {exc}"


def main() -> int:
    args = parse_args()
    if args.render_only:
        write_results(json.loads((HERE / "results.json").read_text()))
        return 0
    generator = load_generator(args.load_generator)
    if generator is None:
        return 2
    plan = LoadPlan(
        generator, args.seconds, args.warmup, args.connections, args.workers, args.drain_timeout
    )
    secret = secrets.token_urlsafe(24)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command_line("bench-webhook", "benchmarks.webhook.run"),
        "machine": machine(),
        "seconds": args.seconds,
        "warmup": args.warmup,
        "connections": args.connections,
        "workers": args.workers,
        "load_generator": generator,
        "notes": args.note,
    }
    with fresh_database() as url, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with fake_bot_api(work) as bot_api:
            env = deployment_env(url, secret, bot_api)
            results["serve_command"] = f"{SCRIPT.name} serve --host 127.0.0.1 --port P"
            with suarawarga_serve(env, work) as target:
                results["suarawarga"] = measure(
                    target, TELEGRAM_PATH, kind="telegram", secret=secret, plan=plan,
                    label="suarawarga serve", inbox_db=url,
                )  # fmt: skip
            # After serve stopped (its sender finishes the batch in hand): these calls and the
            # outbox rows marked sent are the same deliveries.
            results["bot_api_calls_during_suarawarga"] = bot_api_calls(bot_api.url)
            results["db_after_suarawarga"] = db_counts(url)
        with ceiling(env, work, args.workers) as target:
            results["ceiling"] = measure(
                target, TELEGRAM_PATH, kind="telegram", secret=secret, plan=plan, label="ceiling"
            )
        measure_rasa(results, args, plan, work)
    results["machine"]["load_average_at_end"] = load_average()
    write_results(results, args.output)
    print((args.output / "results.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
