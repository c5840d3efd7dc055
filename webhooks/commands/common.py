"""What every command group needs: the settings, the runtime, instants and errors, all
imported on use.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from config.settings import Settings


def get_settings() -> Settings:
    """The process settings (imported on use: pydantic-settings alone costs ~0.15 s)."""
    from config.settings import get_settings as settings

    return settings()


def domain_error() -> type[Exception]:
    from reports.lifecycle import DomainError

    return DomainError


def runtime() -> Any:
    from webhooks.runtime import build_runtime

    return build_runtime(get_settings())


def parse_instant(value: str | None) -> datetime:
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


def fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def ensure_agencies(rt: Any) -> None:
    from config.domain_files import load_agencies
    from reports.staff import sync_agencies

    with rt.sessions() as db, db.begin():
        sync_agencies(db, load_agencies(rt.settings.agencies_file))
