"""Logging, set up in one place for every process (serve, scheduler, worker, polling).

One line per event: time, level, logger, then the context of the work in hand, then the message:

    2026-12-07 09:00:01,234 INFO escalation.sweep [report=SW-7KQ4-M2XD] sweep: ...
    2026-12-07 09:00:02,001 WARNING bot.delivery.sender [report=SW-7KQ4-M2XD channel=telegram] ...

The context (which report, which channel) lives in context variables, so it follows the work
through function calls, threads started with a copied context and asyncio tasks, and is stamped on
every record by a filter on the handler, whatever logger wrote it. Code that works on one report
or one channel wraps that work in :func:`log_context`; it never repeats the code in each message.
Tracking codes and channel names are not personal data; names, numbers and texts never go here.
"""

from __future__ import annotations

import logging
import logging.config
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Final

FORMAT: Final = "%(asctime)s %(levelname)s %(name)s%(context)s %(message)s"
FIELDS: Final = ("report", "channel")

_VARS: Final[dict[str, ContextVar[str | None]]] = {
    name: ContextVar(f"log_{name}", default=None) for name in FIELDS
}


@contextmanager
def log_context(**values: object) -> Iterator[None]:
    """Within the block, every log line carries these values (``report=code``, ``channel=...``).

    Values given as ``None`` leave the outer value in place; the outer values return on exit.
    """
    tokens = [
        (_VARS[name], _VARS[name].set(str(value)))
        for name, value in values.items()
        if value is not None
    ]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def bind(**values: object) -> None:
    """Add to the current :func:`log_context` once a value is known (a report's code after loading
    it); the enclosing block's exit clears it again."""
    for name, value in values.items():
        if value is not None:
            _VARS[name].set(str(value))


def current() -> dict[str, str]:
    """The context now in force (for tests and for handing to another thread)."""
    return {name: value for name, var in _VARS.items() if (value := var.get()) is not None}


class ContextFilter(logging.Filter):
    """Stamps the context on each record: ``record.report``, ``record.channel`` and the
    formatted ``record.context`` (`` [report=... channel=...]``, empty when there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current()
        for name in FIELDS:
            setattr(record, name, context.get(name))
        shown = " ".join(f"{k}={v}" for k, v in context.items())
        record.context = f" [{shown}]" if shown else ""
        return True


def config(*, level: str = "INFO", access_log: bool = False) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` document; uvicorn takes it as ``log_config`` too (its
    access log, a line per request written by every worker, only when asked for)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": ContextFilter}},
        "formatters": {"plain": {"format": FORMAT}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "filters": ["context"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"level": level},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"level": level if access_log else "WARNING", "propagate": True},
        },
    }


def setup_logging(*, level: str = "INFO", access_log: bool = False) -> None:
    """Configure logging for this process at its entry point (the CLI commands).

    A process whose logging is set up already (a test runner, an embedding application) keeps its
    handlers, as ``logging.basicConfig`` would; they only gain the context filter.
    """
    root = logging.getLogger()
    if not root.handlers:
        logging.config.dictConfig(config(level=level, access_log=access_log))
        return
    for handler in root.handlers:
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())
