"""The ``suarawarga`` command line.

Every command reads the same ``SUARAWARGA_*`` settings as the server, so ``suarawarga sweep`` or
``suarawarga report show`` act on exactly the database the running service uses.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup

from config.log import config as logging_config
from config.log import setup_logging
from reports.enums import Channel, Privacy, ReportType, Role, Status

if TYPE_CHECKING:
    from config.settings import Settings

# -- lazy commands ---------------------------------------------------------------------------------
# Every command used to import everything (scikit-learn through ``nlu``, the whole bot and web
# stack through ``chat`` and ``worker``): 2.4-2.9 s for ``--help``. Commands whose modules are heavy
# are listed here with their one-line help and imported only when that command runs.


@dataclass(frozen=True, slots=True)
class Lazy:
    module: str
    attribute: str
    help: str
    group: bool = False  # a Typer app of sub-commands rather than one command function


LAZY: dict[str, Lazy] = {
    "chat": Lazy("bot.terminal", "chat", "Talk to the bot from a terminal (channel web)."),
    "worker": Lazy(
        "bot.delivery.cli", "worker", "Process the inbox and deliver queued outbox messages."
    ),
    "telegram": Lazy(
        "bot.delivery.cli", "telegram_app", "Telegram bot: webhook registration, long polling.",
        group=True,
    ),
    "nlu": Lazy(
        "nlu.cli", "app", "Classifier: train, evaluate, export to Rasa.", group=True
    ),
    "import": Lazy(
        "webhooks.import_cli", "app", "Bring in data from another system (a city's reports).",
        group=True,
    ),
}  # fmt: skip


class _Placeholder(TyperCommand):
    """Stands in for a lazy command in the help listing, without importing it."""


def _load(name: str, spec: Lazy) -> Any:
    module = importlib.import_module(spec.module)
    target = getattr(module, spec.attribute)
    command: Any
    if spec.group:
        command = typer.main.get_group(target)
        command.help = command.help or spec.help
    else:
        single = typer.Typer(add_completion=False)
        single.command(name=name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """The root command group: lazy commands are placeholders until one is invoked."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, spec in LAZY.items():
            self.commands.setdefault(name, _Placeholder(name=name, help=spec.help, callback=None))

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else None
        if name in LAZY and isinstance(self.commands.get(name), _Placeholder):
            try:
                self.commands[name] = _load(name, LAZY[name])
            except ImportError as exc:  # an optional part (e.g. the NLU extras) not installed
                ctx.fail(f"'{name}' is not available in this installation: {exc}")
        return super().resolve_command(ctx, args)


app = typer.Typer(
    help="SuaraWarga: citizen complaints and aspirations with LAPOR!-style deadlines.\n\n"
    "Quick start: `suarawarga db upgrade`, `suarawarga demo seed`, `suarawarga serve`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
    # The bot's commands (``chat``, ``worker``, ``telegram poll``) are below the composition root:
    # they build their runtime with what is handed down here (``webhooks.runtime.build_runtime``).
    context_settings={"obj": lambda: _runtime()},
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
sla_app = typer.Typer(help="Deadline arithmetic in working days.", no_args_is_help=True)
report_app = typer.Typer(help="Create and inspect reports.", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data for trying the system out.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(sla_app, name="sla")
app.add_typer(report_app, name="report")
app.add_typer(user_app, name="user")
app.add_typer(demo_app, name="demo")


def get_settings() -> Settings:
    """The process settings (imported on use: pydantic-settings alone costs ~0.15 s)."""
    from config.settings import get_settings as settings

    return settings()


def _domain_error() -> type[Exception]:
    from reports.lifecycle import DomainError

    return DomainError


def _runtime() -> Any:
    from webhooks.runtime import build_runtime

    return build_runtime(get_settings())


def _parse_instant(value: str | None) -> datetime:
    """ISO 8601; a value without offset is read in the deployment's zone, not UTC."""
    if value is None:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not ISO 8601, e.g. 2026-11-23T09:30+07:00"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=get_settings().tz)
    return parsed.astimezone(UTC)


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def _ensure_agencies(rt: Any) -> None:
    from config.domain_files import load_agencies
    from reports.staff import sync_agencies

    with rt.sessions() as db, db.begin():
        sync_agencies(db, load_agencies(rt.settings.agencies_file))


# -- db ------------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest version, and load agencies from config."""
    from reports.migrate import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.sqlalchemy_url)
    _ensure_agencies(_runtime())
    typer.echo(f"database ready: {settings.sqlalchemy_url.split('@')[-1]}")


# -- processes -----------------------------------------------------------------------------------


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


@app.command()
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

    settings = get_settings()
    setup_logging(access_log=access_log)
    host, port = host or settings.host, port or settings.port
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


@app.command()
def scheduler() -> None:
    """Run only the deadline sweeps and the daily digest (for multi-process deployments)."""
    from escalation.scheduler import build_scheduler

    setup_logging()
    rt = _runtime()
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


@app.command()
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

    at = _parse_instant(now)
    ahead = (at - datetime.now(UTC)).total_seconds()
    if ahead > SWEEP_FUTURE_TOLERANCE_SECONDS and not dry_run:
        raise typer.BadParameter(
            f"{now} is {ahead / 86400:.1f} days ahead of the clock; a sweep then would act for "
            "real (escalations, reminders, auto-closes, staff notifications). Add --dry-run to "
            "see what it would do without changing anything.",
            param_hint="--now",
        )
    rt = _runtime()
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


# -- sla -----------------------------------------------------------------------------------------


@sla_app.command("due-date")
def sla_due_date(
    from_: Annotated[str, typer.Option("--from", help="Start instant, ISO 8601.")],
    working_days: Annotated[int, typer.Option(help="Number of working days.", min=0)],
) -> None:
    """Print the deadline N working days after an instant (local 23:59:59, ISO 8601)."""
    from escalation.calendar import calendar_from_settings

    settings = get_settings()
    calendar = calendar_from_settings(settings)
    due = calendar.due(_parse_instant(from_), working_days)
    typer.echo(due.astimezone(settings.tz).isoformat())


@sla_app.command("recompute")
def sla_recompute(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would change and change nothing.")
    ] = False,
) -> None:
    """Re-derive open reports' deadlines after a calendar change (e.g. a new cuti bersama in
    config/holidays.yml). Prints one JSON line per changed report; safe to run twice.

    Each changed report gets an 'sla_recompute' event saying from and to. Reports whose log
    does not say how their clock started are listed as "skipped" and left alone.
    """
    from reports.recompute import recompute_open_deadlines

    rt = _runtime()
    tz = rt.settings.tz

    def local(value: str | None) -> str | None:
        return datetime.fromisoformat(value).astimezone(tz).isoformat() if value else None

    changed = skipped = 0
    with rt.sessions() as db:
        # One transaction: all reports change, or (dry run, or any error) none does.
        for change in recompute_open_deadlines(db, clock=rt.clock, now=datetime.now(UTC)):
            line = change.as_dict()
            line["old_due"], line["new_due"] = local(change.old_due), local(change.new_due)
            typer.echo(json.dumps(line))
            changed += change.outcome == "changed"
            skipped += change.outcome == "skipped"
        if dry_run:
            db.rollback()
        else:
            db.commit()
    verb = "would change" if dry_run else "changed"
    typer.secho(
        f"{verb} {changed} report(s); {skipped} skipped"
        + (" (dry run: nothing changed)" if dry_run else ""),
        err=True,
    )


# -- reports -------------------------------------------------------------------------------------


def _report_dict(db: Any, report: Any, calendar: Any, now: datetime) -> dict[str, Any]:
    from escalation.history import sla_history
    from reports.suggestion import stored_suggestion

    tz = calendar.tz

    def iso(value: datetime | None) -> str | None:
        return value.astimezone(tz).isoformat() if value else None

    return {
        "tracking_code": report.tracking_code,
        "status": report.status.value,
        "stage": report.stage.value if report.stage else None,
        "type": report.type.value,
        "title": report.title,
        "body": report.body,
        "privacy": report.privacy.value,
        "channel": report.channel.value,
        "agency": report.agency.code if report.agency else None,
        "category": report.category,
        "assignee": (
            {"id": report.assignee.id, "name": report.assignee.full_name}
            if report.assignee
            else None
        ),
        "location": report.location_text,
        "suggestion": stored_suggestion(report).as_dict(),
        "deadlines": {
            "verify_due_at": iso(report.verify_due_at),
            "response_due_at": iso(report.response_due_at),
            "feedback_due_at": iso(report.feedback_due_at),
            "next_sla_at": iso(report.next_sla_at),
            "paused_stage": report.paused_stage.value if report.paused_stage else None,
            "paused_days_left": report.paused_days_left,
        },
        "escalation_level": report.escalation_level,
        "sla_history": [b.as_dict(tz) for b in sla_history(report.events, calendar, now)],
        "created_at": iso(report.created_at),
        "closed_at": iso(report.closed_at),
        "events": [
            {
                "at": iso(e.created_at),
                "action": e.action,
                "actor": e.actor_kind.value + (f":{e.actor_id}" if e.actor_id else ""),
                "from": e.from_status.value if e.from_status else None,
                "to": e.to_status.value if e.to_status else None,
                "reason": e.reason,
                "data": e.data,
            }
            for e in report.events
        ],
        "messages": [
            {
                "at": iso(m.created_at),
                "direction": m.direction.value,
                "kind": m.kind.value,
                "body": m.body,
            }
            for m in sorted(report.messages, key=lambda m: (m.created_at, m.id))
        ],
        "agencies_held": [
            {
                "agency": a.agency.code,
                "from": iso(a.assigned_at),
                "to": iso(a.released_at),
                "working_days": a.working_days_held,
            }
            for a in report.assignments
        ],
    }


@report_app.command("create")
def report_create(
    text: Annotated[str, typer.Argument(help="The report text (chronology).")],
    title: Annotated[
        str | None, typer.Option(help="Short title; default: start of the text.")
    ] = None,
    report_type: Annotated[
        ReportType | None, typer.Option("--type", help="Report type; default: the NLU decides.")
    ] = None,
    privacy: Annotated[
        Privacy, typer.Option(help="public, anonymous or confidential.")
    ] = Privacy.PUBLIC,
    location: Annotated[str | None, typer.Option(help="Where it happened.")] = None,
    citizen: Annotated[str, typer.Option(help="Reporter id (web-chat identity).")] = "cli-user",
    now: Annotated[str | None, typer.Option(help="Submission instant (ISO 8601).")] = None,
) -> None:
    """Submit a report on behalf of a citizen (e.g. a walk-in or a phone call)."""
    from reports.citizen_cases import NluSuggestion, get_or_create_citizen, submit_report

    rt = _runtime()
    at = _parse_instant(now)
    suggestion = NluSuggestion()
    if report_type is None:
        report_type, suggestion = _classify(rt, text)
    with rt.sessions() as db, db.begin():
        person = get_or_create_citizen(db, channel=Channel.WEB, external_id=citizen, now=at)
        try:
            report = submit_report(
                db, clock=rt.clock, citizen=person, channel=Channel.WEB, report_type=report_type,
                title=title or text[:80], body=text, now=at, privacy=privacy,
                location_text=location, nlu=suggestion,
            )  # fmt: skip
        except _domain_error() as exc:
            _fail(str(exc))
        code = report.tracking_code
        due = report.verify_due_at
    assert due is not None  # submit_report always starts the verification clock
    typer.echo(f"{code}  verify by {due.astimezone(rt.settings.tz).isoformat()}")


def _classify(rt: Any, text: str) -> tuple[ReportType, Any]:
    """The NLU's type and agency for a report made on the command line."""
    from reports.citizen_cases import NluSuggestion
    from reports.classifier import suggestion_version

    nlu = rt.classifier
    kind, agency = nlu.classify_type(text), nlu.route_agency(text)
    return ReportType(kind.label), NluSuggestion(
        type=kind.label,
        type_confidence=kind.confidence,
        agency_code=agency.label,
        agency_confidence=agency.confidence,
        ranking={"type": kind.ranking, "agency": agency.ranking},
        model_version=suggestion_version(kind, agency),
    )


@report_app.command("show")
def report_show(
    code: Annotated[str, typer.Argument(help="Tracking code, e.g. SW-7KQ4-M2XD.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show one report with its deadlines and its full event log."""
    from reports.case_steps import get_report

    rt = _runtime()
    with rt.sessions() as db:
        try:
            report = get_report(db, code)
        except _domain_error() as exc:
            _fail(str(exc))
        data = _report_dict(db, report, rt.clock.calendar, datetime.now(UTC))
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    typer.echo(
        f"{data['tracking_code']}  {data['status']}  {data['type']}  agency={data['agency']}"
    )
    typer.echo(f"  {data['title']}")
    for name, value in data["deadlines"].items():
        if value is not None:
            typer.echo(f"  {name}: {value}")
    for e in data["events"]:
        typer.echo(
            f"  {e['at']}  {e['action']:<20} {e['from'] or '-':>14} -> {e['to']}  "
            f"{e['reason'] or ''}"
        )


@report_app.command("list")
def report_list(
    status: Annotated[Status | None, typer.Option(help="Only this status.")] = None,
    agency: Annotated[str | None, typer.Option(help="Only this agency code.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
) -> None:
    """List reports, newest first."""
    from sqlalchemy import select

    from reports.models import Agency, Report

    rt = _runtime()
    with rt.sessions() as db:
        query = select(Report).order_by(Report.id.desc()).limit(limit)
        if status:
            query = query.where(Report.status == status)
        if agency:
            query = query.join(Agency, Report.agency_id == Agency.id).where(Agency.code == agency)
        for r in db.scalars(query):
            due = r.current_due_at
            due_text = due.astimezone(rt.settings.tz).strftime("%Y-%m-%d") if due else "-"
            typer.echo(
                f"{r.tracking_code}  {r.status.value:<15} {r.type.value:<20} "
                f"{(r.agency.code if r.agency else '-'):<14} "
                f"{due_text:<10}  {r.title[:50]}"
            )


# -- users ---------------------------------------------------------------------------------------


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[Role, typer.Option(help="admin, verifier, officer, agency_head or manager.")],
    agency: Annotated[str | None, typer.Option(help="Agency code (officers and heads).")] = None,
    full_name: Annotated[str | None, typer.Option(help="Name shown in the console.")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            envvar="SUARAWARGA_NEW_USER_PASSWORD",
            help="Password (prompted if omitted; or SUARAWARGA_NEW_USER_PASSWORD).",
        ),
    ] = None,
    telegram: Annotated[
        str | None, typer.Option(help="Telegram chat id for notifications.")
    ] = None,
    whatsapp: Annotated[
        str | None, typer.Option(help="WhatsApp number (E.164) for notifications.")
    ] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address for notifications.")] = None,
) -> None:
    """Create a staff account (passwords are stored as argon2 hashes)."""
    from reports.staff import create_staff

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    rt = _runtime()
    _ensure_agencies(rt)
    addresses = [
        (c, a)
        for c, a in (
            (Channel.TELEGRAM, telegram),
            (Channel.WHATSAPP, whatsapp),
            (Channel.EMAIL, email),
        )
        if a
    ]
    with rt.sessions() as db, db.begin():
        try:
            user = create_staff(
                db, username=username, full_name=full_name or username, password=password,
                role=role, agency_code=agency, addresses=addresses, now=datetime.now(UTC),
            )  # fmt: skip
        except _domain_error() as exc:
            needs_agency = getattr(exc, "code", None) == "role_needs_agency"
            _fail(str(exc) + (" Give --agency CODE." if needs_agency else ""))
        typer.echo(f"created {user.username} ({user.role.value}{', ' + agency if agency else ''})")


token_app = typer.Typer(
    help="API tokens (bearer) for scripts and integrations.", no_args_is_help=True
)
user_app.add_typer(token_app, name="token")


def _staff_by_username(db: Any, username: str) -> Any:
    from sqlalchemy import select

    from reports.models import StaffUser

    user = db.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is None:
        _fail(f"no staff account {username!r}")
    return user


@token_app.command("create")
def user_token_create(
    username: Annotated[str, typer.Argument(help="The account the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'open311-portal'.")],
) -> None:
    """Create an API token; the secret is printed once and only its SHA-256 is stored."""
    from console import tokens

    rt = _runtime()
    with rt.sessions() as db, db.begin():
        user = _staff_by_username(db, username)
        try:
            _row, secret = tokens.create_token(db, staff=user, name=name, now=datetime.now(UTC))
        except _domain_error() as exc:
            _fail(str(exc))
    typer.echo(secret)
    typer.secho(
        "Store it now: it cannot be shown again. Use it as 'Authorization: Bearer <token>'.",
        err=True,
    )


@token_app.command("revoke")
def user_token_revoke(
    username: Annotated[str, typer.Argument(help="The account the token belongs to.")],
    name: Annotated[str, typer.Option(help="The token's name.")],
) -> None:
    """Revoke a token at once: the next request using it is refused."""
    from console import tokens

    rt = _runtime()
    with rt.sessions() as db, db.begin():
        user = _staff_by_username(db, username)
        try:
            count = tokens.revoke_token(db, staff=user, name=name, now=datetime.now(UTC))
        except _domain_error() as exc:
            _fail(str(exc))
    typer.echo(f"revoked {count} token(s) named {name!r} of {username}")


# -- demo ----------------------------------------------------------------------------------------


@demo_app.command("seed")
def demo_seed(
    password: Annotated[
        str, typer.Option(envvar="SUARAWARGA_DEMO_PASSWORD", help="Password of every demo account.")
    ] = "demo-password-123",
) -> None:
    """Fill the database with agencies, staff of every role and reports in every stage."""
    from reports.demo import seed

    rt = _runtime()
    _ensure_agencies(rt)
    with rt.sessions() as db, db.begin():
        summary = seed(db, clock=rt.clock, now=datetime.now(UTC), password=password)
    for line in summary:
        typer.echo(line)


__all__ = ["app"]

if __name__ == "__main__":
    app()
