"""``suarawarga db``: the database schema."""

from __future__ import annotations

import typer

from webhooks.commands.common import ensure_agencies, get_settings, runtime

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest version, and load agencies from config."""
    from reports.migrate import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.sqlalchemy_url)
    ensure_agencies(runtime())
    typer.echo(f"database ready: {settings.sqlalchemy_url.split('@')[-1]}")
