"""``suarawarga chat``: talk to the bot from a terminal, no provider account needed.

Lines are read from stdin (a TTY or a pipe), each goes through the same inbound pipeline as the
web chat (channel ``web``, contact id from ``--as``), and the contact's outbox rows are printed,
so agency answers queued meanwhile by staff show up too. Buttons are printed numbered; typing the
number presses the button.
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime
from typing import Annotated, TextIO

import typer
from sqlalchemy import inspect

from bot import intents
from bot.delivery import outbox_view
from bot.delivery.cli import runtime_from
from bot.inbound import InboundKind, InboundMessage
from bot.pipeline import process_inbound
from reports.enums import Channel

QUIT = frozenset({"/quit", "/exit", "/keluar"})


def _print(messages: list[outbox_view.ChatMessage], out: TextIO) -> list[dict[str, str]]:
    """Print bot messages; returns the buttons of the last message that had any."""
    buttons: list[dict[str, str]] = []
    for message in messages:
        out.write("bot> " + message.text.replace("\n", "\n     ") + "\n")
        for index, button in enumerate(message.buttons, start=1):
            out.write(f"     [{index}] {button['label']}\n")
        if message.buttons:
            buttons = message.buttons
    out.flush()
    return buttons


def chat(
    ctx: typer.Context,
    as_: Annotated[
        str,
        typer.Option("--as", help="Contact id to talk as (the web-chat identity); any text."),
    ] = "terminal",
) -> None:
    """Chat with the bot in the terminal: one message per line; /quit (or end of input) stops."""
    contact = as_.strip()
    if not 1 <= len(contact) <= 120:
        raise typer.BadParameter("--as must be 1 to 120 characters")
    runtime = runtime_from(ctx)
    if not inspect(runtime.engine).has_table("conversations"):
        typer.secho(
            "error: the database has no schema yet; run `suarawarga db upgrade` first",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(code=1)
    out = sys.stdout
    interactive = sys.stdin.isatty()
    if interactive:
        out.write(f"SuaraWarga chat as {contact!r}. Type a message; /quit to stop.\n")

    def show() -> list[dict[str, str]]:
        with runtime.sessions() as db, db.begin():
            messages = outbox_view.fetch(
                db, channel=Channel.WEB, address=contact, now=datetime.now(UTC), unread_only=True
            )
        return _print(messages, out)

    buttons = show()
    try:
        while True:
            if interactive:
                out.write("you> ")
                out.flush()
            line = sys.stdin.readline()
            if not line:
                break
            text = line.rstrip("\n")
            if text.strip() in QUIT:
                break
            if not text.strip():
                continue
            number = intents.digit(text, len(buttons)) if buttons else None
            message = InboundMessage(
                channel=Channel.WEB,
                external_user_id=contact,
                external_message_id=f"cli:{uuid.uuid4().hex}",
                kind=InboundKind.CALLBACK if number else InboundKind.TEXT,
                text="" if number else text,
                callback_data=buttons[number - 1]["data"] if number else None,
            )
            with runtime.sessions() as db, db.begin():
                process_inbound(db, runtime=runtime, message=message, now=datetime.now(UTC))
            if not interactive:
                out.write(f"you> {text}\n")
            buttons = show()
    except KeyboardInterrupt:
        out.write("\n")
    finally:
        runtime.engine.dispose()
