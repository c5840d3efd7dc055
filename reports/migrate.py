"""Schema migrations (Alembic), driven from code so the CLI and tests share one path."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from reports.db import MIGRATIONS_DIR


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
