"""A worker process's wiring: the provider senders from settings, and the loops it runs.

``suarawarga worker`` runs :func:`run_worker`; ``serve`` in the single-machine default runs the
same in a thread of its own (:func:`serve_channels`). The delivery algorithm itself is
``bot.delivery.sender.OutboxWorker``; the inbox side is ``bot.inbox.processor``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from bot.channels import ChannelSender
from bot.delivery.sender import OutboxWorker
from reports.enums import Channel

if TYPE_CHECKING:
    from reports.runtime import Runtime

log = logging.getLogger(__name__)


def build_senders(runtime: Runtime) -> dict[Channel, ChannelSender]:
    """A sender per configured provider; an unconfigured channel's rows simply wait, visible."""
    settings = runtime.settings
    senders: dict[Channel, ChannelSender] = {}
    if settings.telegram_bot_token is not None:
        from bot.channels.telegram import TelegramSender, build_bot

        senders[Channel.TELEGRAM] = TelegramSender(build_bot(settings))
    if settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_whatsapp_from:
        from bot.channels.whatsapp import WhatsAppSender

        senders[Channel.WHATSAPP] = WhatsAppSender(settings)
    if settings.smtp_host:
        from bot.channels.email import EmailSender

        senders[Channel.EMAIL] = EmailSender(settings)
    return senders


async def run_worker(runtime: Runtime, stop: threading.Event) -> None:
    """What a worker runs until ``stop``: the inbox processor (the conversation pipeline on
    stored provider updates, ``bot.inbox``) and the outbox sender, side by side in one loop."""
    from bot.inbox.processor import InboxProcessor

    jobs = [InboxProcessor(runtime).run(stop)]
    try:
        senders = build_senders(runtime)
    except (RuntimeError, ValueError):  # a misconfigured provider must not stop the inbox
        log.exception("outbox sender not started: provider configuration is incomplete")
    else:
        jobs.append(OutboxWorker(runtime, senders).run(stop))
    await asyncio.gather(*jobs)


def start_in_thread(runtime: Runtime) -> tuple[threading.Thread, threading.Event]:
    """The in-process worker under ``serve``: own thread and event loop, stopped by the event."""
    stop = threading.Event()

    def _main() -> None:
        asyncio.run(run_worker(runtime, stop))

    thread = threading.Thread(target=_main, name="outbox-worker", daemon=True)
    thread.start()
    return thread, stop


@asynccontextmanager
async def serve_channels(app: Any, runtime: Runtime) -> AsyncIterator[None]:
    """Provider resources of one ``serve`` process: the in-process sender and the webhook's bot.

    The webhook's PTB ``Bot`` (file downloads, callback answers) is built lazily on first use in the
    server's event loop and shut down here; the sender has its own thread, loop and clients.
    """
    app.state.telegram_bot = None
    worker: tuple[threading.Thread, threading.Event] | None = None
    if runtime.settings.run_worker_in_process:
        worker = start_in_thread(runtime)
    try:
        yield
    finally:
        if worker is not None:
            thread, stop = worker
            stop.set()
            await asyncio.to_thread(thread.join, 15.0)
        bot = getattr(app.state, "telegram_bot", None)
        if bot is not None:
            await bot.shutdown()
