"""CLI commands of the channels (mounted on ``suarawarga`` by ``webhooks/cli.py``).

``suarawarga worker``, ``suarawarga telegram set-webhook URL``, ``suarawarga telegram poll``.
"""

from __future__ import annotations

import asyncio
import re
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, NoReturn
from urllib.parse import urlsplit

import typer

from config.log import setup_logging
from config.settings import get_settings

if TYPE_CHECKING:
    from reports.runtime import Runtime

telegram_app = typer.Typer(help="Telegram bot: webhook registration, long polling.",
                           no_args_is_help=True)  # fmt: skip


def runtime_from(ctx: typer.Context) -> Runtime:
    """The runtime of a command mounted on ``suarawarga``, built by what that CLI hands down.

    ``webhooks/cli.py`` is the composition root (it plugs the NLU into the runtime) and sits above
    the bot, so it passes its builder as the Click context object instead of the bot importing it.
    """
    build: Callable[[], Runtime] | None = ctx.obj
    if build is None:
        raise RuntimeError(
            "run this command through `suarawarga` (webhooks.cli), which builds the runtime"
        )
    return build()


def _stop_on_signals() -> threading.Event:
    """SIGTERM/SIGINT finish the current batch, then exit (docker stop, Ctrl-C)."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def worker(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option(help="Deliver what is due now, then exit.")] = False,
    status: Annotated[bool, typer.Option(help="Print outbox rows per status and exit.")] = False,
) -> None:
    """Run the worker: the inbox processor (the conversation on stored provider updates) and the
    outbox sender (Telegram, WhatsApp via Twilio, e-mail, with retries and pacing)."""
    from bot.delivery.outbox import counts_by_status
    from bot.delivery.sender import OutboxWorker
    from bot.delivery.worker import build_senders, run_worker

    setup_logging()
    rt = runtime_from(ctx)
    if status:
        from bot.delivery.ratelimit import credential_problems

        with rt.sessions() as db:
            for name, count in sorted(counts_by_status(db).items()):
                typer.echo(f"{name:<10} {count}")
            for key, problem in sorted(credential_problems(db).items()):
                typer.echo(f"paused     {key}: {problem['error']} (since {problem['since']})")
        return
    senders = build_senders(rt)
    if not senders:
        typer.echo("worker: no provider configured (Telegram token, Twilio, SMTP); rows wait")
    if once:
        from bot.inbox.processor import InboxProcessor

        runner = OutboxWorker(rt, senders)
        processor = InboxProcessor(rt)

        async def _drain() -> None:
            try:
                while await processor.run_once():  # the inbox first: its replies go out too
                    pass
                while (await runner.run_once()).claimed:
                    pass
            finally:
                await processor.aclose()
                await runner.aclose()

        asyncio.run(_drain())
        return
    typer.echo(
        "worker: processing the inbox; delivering via "
        f"{', '.join(c.value for c in senders) or 'nothing'}"
    )
    asyncio.run(run_worker(rt, _stop_on_signals()))


#: The ports Telegram delivers webhooks to.
WEBHOOK_PORTS = (443, 80, 88, 8443)
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def webhook_url_problem(url: str) -> str | None:
    """What Telegram would refuse in a webhook URL, said before asking it (None when fine)."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return f"the webhook URL must start with https:// (Telegram only calls HTTPS): {url!r}"
    if not parts.hostname:
        return f"the webhook URL has no host name: {url!r}"
    try:
        port = parts.port
    except ValueError:
        return f"the webhook URL has an invalid port: {url!r}"
    if port is not None and port not in WEBHOOK_PORTS:
        ports = ", ".join(map(str, WEBHOOK_PORTS))
        return f"Telegram only calls webhooks on ports {ports}, not {port}"
    if parts.fragment:
        return "the webhook URL must not contain a #fragment"
    return None


def webhook_secret_problem(secret: str) -> str | None:
    """Telegram's rule for ``secret_token``: 1-256 characters, letters, digits, ``_`` and ``-``."""
    if _SECRET.fullmatch(secret):
        return None
    return (
        "SUARAWARGA_TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - "
        "(Telegram refuses others), e.g. the output of: "
        "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    )


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", err=True, fg="red")
    raise typer.Exit(1)


@telegram_app.command("set-webhook")
def set_webhook(
    url: Annotated[
        str, typer.Argument(help="Public HTTPS URL, e.g. https://x.example/webhooks/telegram")
    ],
) -> None:
    """Register the webhook with Telegram, with the secret token Telegram will send back."""
    from telegram.error import InvalidToken, NetworkError, TelegramError

    from bot.channels.telegram import build_bot

    settings = get_settings()
    if settings.telegram_bot_token is None:
        _fail("set SUARAWARGA_TELEGRAM_BOT_TOKEN first")
    if settings.telegram_webhook_secret is None:
        _fail("set SUARAWARGA_TELEGRAM_WEBHOOK_SECRET first")
    secret = settings.telegram_webhook_secret.get_secret_value()
    problem = webhook_url_problem(url) or webhook_secret_problem(secret)
    if problem:
        _fail(problem)

    async def _set() -> bool:
        async with build_bot(settings) as bot:
            return bool(await bot.set_webhook(url, secret_token=secret, allowed_updates=[
                "message", "edited_message", "callback_query"]))  # fmt: skip

    try:
        ok = asyncio.run(_set())
    except InvalidToken:
        _fail("Telegram refused the bot token: check SUARAWARGA_TELEGRAM_BOT_TOKEN")
    except NetworkError as exc:
        _fail(f"could not reach Telegram at {settings.telegram_api_base_url}: {exc.message}")
    except TelegramError as exc:
        _fail(f"Telegram refused the webhook: {exc.message}")
    typer.echo(f"webhook {'set' if ok else 'NOT set'}: {url}")


@telegram_app.command("poll")
def poll_command(
    ctx: typer.Context,
    rounds: Annotated[int | None, typer.Option(help="Stop after N getUpdates calls.")] = None,
    long_poll: Annotated[int, typer.Option(help="Seconds each getUpdates may wait.")] = 30,
) -> None:
    """Long polling for a laptop with no public URL (removes a set webhook; same pipeline)."""
    from bot.channels.polling import PollingStopped, poll

    setup_logging()
    rt = runtime_from(ctx)
    typer.echo("telegram: long polling; Ctrl-C stops (run `suarawarga worker` to send replies)")
    try:
        count = asyncio.run(poll(rt, stop=_stop_on_signals(), long_poll_seconds=long_poll,
                                 max_rounds=rounds))  # fmt: skip
    except PollingStopped as exc:
        _fail(f"telegram polling stopped: {exc}")
    typer.echo(f"telegram: {count} updates processed")
