"""``suarawarga demo``: demo data for trying the system out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from webhooks.commands.common import ensure_agencies, runtime

app = typer.Typer(help="Demo data for trying the system out.", no_args_is_help=True)


@app.command("seed")
def demo_seed(
    password: Annotated[
        str, typer.Option(envvar="SUARAWARGA_DEMO_PASSWORD", help="Password of every demo account.")
    ] = "demo-password-123",
) -> None:
    """Fill the database with agencies, staff of every role and reports in every stage."""
    from reports.demo import seed

    rt = runtime()
    ensure_agencies(rt)
    with rt.sessions() as db, db.begin():
        summary = seed(db, clock=rt.clock, now=datetime.now(UTC), password=password)
    for line in summary:
        typer.echo(line)
