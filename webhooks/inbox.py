"""The webhook side of the durable inbox: store the update (group-committed), then maybe process.

When a processor runs (``suarawarga serve``'s worker process for its web workers, the worker
thread of a single-process ``serve``, ``suarawarga worker``), a webhook costs its checks and one
INSERT shared with the concurrent requests' (``group_commit``); the conversation pipeline runs in
the processor (``bot.inbox.processor``). When none is configured (an app built with
``run_worker_in_process`` off and no ``inbox_processing``: the in-process tests), the web
process processes the chat's pending updates right after storing, through the same processor
code, and answers afterwards, so a test that posts an update sees its replies as before the
inbox, with no fixture to remember and no second code path.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError

from bot.inbox.processor import InboxProcessor
from bot.inbox.service import Incoming, Stored
from config.settings import Settings
from reports.runtime import Runtime
from webhooks.group_commit import inbox_for_app

log = logging.getLogger(__name__)


def processes_inline(settings: Settings) -> bool:
    """True when no processor is known to run: none in this process and none configured."""
    if settings.inbox_processing is not None:
        return settings.inbox_processing == "inline"
    return not settings.run_worker_in_process


def processor_for_app(app: FastAPI) -> InboxProcessor:
    """The app's inline processor (its Telegram files fetched with the webhook's ``Bot``)."""
    runtime: Runtime = app.state.runtime
    current: InboxProcessor | None = getattr(app.state, "inbox_processor", None)
    if current is None or current.runtime is not runtime:
        from webhooks.telegram import app_bot

        current = InboxProcessor(runtime, bot=lambda: app_bot(app))
        app.state.inbox_processor = current
    return current


async def accept(app: FastAPI, incoming: Incoming) -> Stored:
    """Store the update (committed when this returns), and process it inline if so configured.

    Inline processing that fails leaves the row pending (retried by the next update of the chat
    or by a worker): the update is stored, so the provider still gets its 200.
    """
    stored: Stored = await inbox_for_app(app).submit(incoming)
    runtime: Runtime = app.state.runtime
    if processes_inline(runtime.settings):
        try:
            await processor_for_app(app).drain_chat(incoming.channel, incoming.chat_id)
        except SQLAlchemyError as exc:
            log.warning("inbox: inline processing failed (%s); the update stays pending",
                        type(exc).__name__)  # fmt: skip
    return stored
