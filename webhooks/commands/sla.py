"""``suarawarga sla``: deadline arithmetic in working days."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from webhooks.commands.common import get_settings, parse_instant, runtime

app = typer.Typer(help="Deadline arithmetic in working days.", no_args_is_help=True)


@app.command("due-date")
def sla_due_date(
    from_: Annotated[str, typer.Option("--from", help="Start instant, ISO 8601.")],
    working_days: Annotated[int, typer.Option(help="Number of working days.", min=0)],
) -> None:
    """Print the deadline N working days after an instant (local 23:59:59, ISO 8601)."""
    from escalation.calendar import calendar_from_settings

    settings = get_settings()
    calendar = calendar_from_settings(settings)
    due = calendar.due(parse_instant(from_), working_days)
    typer.echo(due.astimezone(settings.tz).isoformat())


@app.command("recompute")
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

    rt = runtime()
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
