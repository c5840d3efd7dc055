"""The ``suarawarga`` command line.

Every command reads the same ``SUARAWARGA_*`` settings as the server, so ``suarawarga sweep`` or
``suarawarga report show`` act on exactly the database the running service uses.
"""

from __future__ import annotations

import typer

from webhooks.commands import db, demo, processes, report, sla, user
from webhooks.commands.common import runtime
from webhooks.commands.lazy import LazyGroup

app = typer.Typer(
    help="SuaraWarga: citizen complaints and aspirations with LAPOR!-style deadlines.\n\n"
    "Quick start: `suarawarga db upgrade`, `suarawarga demo seed`, `suarawarga serve`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
    # The bot's commands (``chat``, ``worker``, ``telegram poll``) are below the composition root:
    # they build their runtime with what is handed down here (``webhooks.runtime.build_runtime``).
    context_settings={"obj": lambda: runtime()},
)

app.add_typer(db.app, name="db")
app.add_typer(sla.app, name="sla")
app.add_typer(report.app, name="report")
app.add_typer(user.app, name="user")
app.add_typer(demo.app, name="demo")
app.command()(processes.serve)
app.command()(processes.scheduler)
app.command()(processes.sweep)


__all__ = ["app"]

if __name__ == "__main__":
    app()
