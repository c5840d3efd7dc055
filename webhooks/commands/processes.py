"""The long-running processes: ``serve`` (web workers with the scheduler and the worker beside
them), ``scheduler`` and one ``sweep``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from typing import Annotated

import typer

from config.log import config as logging_config
from config.log import setup_logging
from webhooks.commands.common import get_settings, parse_instant, runtime

#: How much lower (``nice``) serve runs its scheduler and worker processes than its web workers.
JOB_NICENESS = 10


class _Jobs:
    """The sweep scheduler and the outbox sender, each in a process of its own beside the web
    workers, restarted if they die: in-process, their CPU work (a sweep over thousands of reports,
    a batch of sends) competed with requests for the web process's one interpreter lock."""

    def __init__(self, commands: list[tuple[str, ...]]) -> None:
        self.commands = commands
        self.children: dict[tuple[str, ...], subprocess.Popen[bytes]] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, name="serve-jobs", daemon=True)

    def _spawn(self, command: tuple[str, ...]) -> None:
        argv = [sys.executable, "-m", "webhooks.cli", *command]
        child = subprocess.Popen(argv)
        # Below the web workers: under load the CPU goes to acknowledging webhooks (whose updates
        # are durable in the inbox once stored) and the jobs catch up when it eases. Set before
        # the child's interpreter has started any thread, so all its threads inherit it.
        with contextlib.suppress(OSError):  # relative to serve's own (which may be niced too)
            niceness = min(19, os.getpriority(os.PRIO_PROCESS, 0) + JOB_NICENESS)
            os.setpriority(os.PRIO_PROCESS, child.pid, niceness)
        self.children[command] = child

    def _watch(self) -> None:
        while not self.stopping.wait(5):
            for command, child in list(self.children.items()):
                if child.poll() is not None and not self.stopping.is_set():
                    logging.getLogger(__name__).error(
                        "serve: %s exited with %s; restarting it", command[0], child.returncode
                    )
                    self._spawn(command)

    def start(self) -> None:
        for command in self.commands:
            self._spawn(command)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for child in self.children.values():
            child.terminate()
        for child in self.children.values():
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Web worker processes (default: SUARAWARGA_WEB_WORKERS, else one per core). "
            "With 1, the scheduler and the sender run inside the web process (a laptop).",
        ),
    ] = None,
    access_log: Annotated[
        bool, typer.Option(help="Log a line per request (off by default: it costs throughput).")
    ] = False,
) -> None:
    """Run the web app (webhooks, console, API, web chat) with the scheduler and the sender.

    By default it uses the machine: one web worker process per core, plus the deadline scheduler
    and the worker (inbox processor and outbox sender) in processes of their own, at a lower CPU
    priority and restarted if they die. Webhooks store each provider update in the durable inbox
    and answer; the worker runs the conversation on it, in order per chat. Deployments that run
    ``suarawarga scheduler`` and ``suarawarga worker`` separately set
    ``SUARAWARGA_RUN_SCHEDULER_IN_PROCESS=false`` and ``SUARAWARGA_RUN_WORKER_IN_PROCESS=false``
    (and, for app replicas started otherwise, ``SUARAWARGA_INBOX_PROCESSING=worker``): serve then
    starts neither.
    """
    import uvicorn

    # Given here, the address is the settings' too: every process started below (web workers,
    # scheduler, worker) reads it from the environment, and unset, the links sent to citizens
    # and staff name it (``Settings.public_base_url``).
    for name, value in (("SUARAWARGA_HOST", host), ("SUARAWARGA_PORT", port)):
        if value is not None:
            os.environ[name] = str(value)
    from config.settings import get_settings as cached_settings

    cached_settings.cache_clear()
    settings = get_settings()
    setup_logging(access_log=access_log)
    host, port = settings.host, settings.port
    workers = workers or settings.web_workers or os.cpu_count() or 1
    typer.echo(
        f"SuaraWarga on http://{host}:{port}/  ({workers} worker process(es); "
        "health: /health, API docs: /docs)"
    )
    log_config = logging_config(access_log=access_log)
    if workers == 1:
        from webhooks.app import create_app

        uvicorn.run(
            create_app(settings), host=host, port=port, log_config=log_config,
            access_log=access_log,
        )  # fmt: skip
        return
    jobs = _Jobs(
        [
            command
            for command, wanted in (
                (("scheduler",), settings.run_scheduler_in_process),
                (("worker",), settings.run_worker_in_process),
            )
            if wanted
        ]
    )
    jobs.start()
    # The web workers (spawned by uvicorn, inheriting this environment) only serve requests:
    # webhooks store updates in the inbox and answer; the worker process processes them.
    os.environ["SUARAWARGA_RUN_SCHEDULER_IN_PROCESS"] = "false"
    os.environ["SUARAWARGA_RUN_WORKER_IN_PROCESS"] = "false"
    os.environ.setdefault("SUARAWARGA_INBOX_PROCESSING", "worker")
    try:
        uvicorn.run(
            "webhooks.app:create_app", factory=True, host=host, port=port, workers=workers,
            log_config=log_config, access_log=access_log,
        )  # fmt: skip
    finally:
        jobs.stop()


def scheduler() -> None:
    """Run only the deadline sweeps and the daily digest (for multi-process deployments)."""
    from escalation.scheduler import build_scheduler

    setup_logging()
    rt = runtime()
    sched = build_scheduler(
        rt.sessions,
        rt.clock,
        interval_seconds=rt.settings.sweep_interval_seconds,
        batch_size=rt.settings.sweep_batch_size,
        blocking=True,
    )
    typer.echo(f"scheduler: sweeping every {rt.settings.sweep_interval_seconds}s; Ctrl-C stops")
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        sched.start()


#: How far ahead of the clock ``sweep --now`` may act for real: a slow clock, not time travel.
SWEEP_FUTURE_TOLERANCE_SECONDS = 60


def sweep(
    now: Annotated[
        str | None,
        typer.Option(help="Act as if it were this instant (ISO 8601); default: the current time."),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Print what the sweep would do and change nothing (any --now)."
        ),
    ] = False,
) -> None:
    """Run one sweep: reminders, breaches, escalations, auto-closes. Prints one JSON line each.

    A --now more than a minute ahead of the clock is refused unless --dry-run: acting in the
    future would send real reminders and escalations dated months ahead.
    """
    from escalation.sweep import run_sweep

    at = parse_instant(now)
    ahead = (at - datetime.now(UTC)).total_seconds()
    if ahead > SWEEP_FUTURE_TOLERANCE_SECONDS and not dry_run:
        raise typer.BadParameter(
            f"{now} is {ahead / 86400:.1f} days ahead of the clock; a sweep then would act for "
            "real (escalations, reminders, auto-closes, staff notifications). Add --dry-run to "
            "see what it would do without changing anything.",
            param_hint="--now",
        )
    rt = runtime()
    actions = run_sweep(
        rt.sessions,
        clock=rt.clock,
        now=at,
        batch_size=rt.settings.sweep_batch_size,
        on_action=lambda action: typer.echo(json.dumps(action.as_dict())),
        dry_run=dry_run,
    )
    if dry_run:
        typer.secho(f"dry run: {len(actions)} action(s) shown, nothing changed", err=True)
