"""Commands whose modules are heavy, mounted on the root group without importing them."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

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
        "webhooks.commands.import_reports", "app",
        "Bring in data from another system (a city's reports).", group=True,
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
