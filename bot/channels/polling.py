"""Telegram long polling (``suarawarga telegram poll``): a laptop with no public URL, same pipeline.

Offsets are committed in the same transaction as the update's effects (a ``heartbeats`` row
named ``telegram_poll``), and Telegram only forgets an update when we ask for the next offset. So a
crash before the commit redelivers the update (processed once: the pipeline's receipt), and a
crash after it resumes from the stored offset: nothing lost, nothing doubled.

Telegram gives one bot's updates to one consumer. A 409 Conflict on ``getUpdates`` means another
consumer appeared: a second poller with the same token (we back off, growing to a minute, say so
in the log, and keep polling: whichever stops first, the other carries on), or a webhook set
meanwhile (someone chose webhook delivery on purpose: we stop with :class:`PollingStopped`, whose
message says what happened and what to do, instead of dying with a traceback or fighting the
webhook by deleting it again).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session
from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.channels.ingest import already_received, ingest
from bot.channels.telegram import (
    TelegramSender,
    build_bot,
    download,
    parse_update,
    retry_after_seconds,
)
from reports.models import Heartbeat
from reports.runtime import Runtime

log = logging.getLogger(__name__)

OFFSET_ROW = "telegram_poll"
MAX_FAILURES_PER_UPDATE = 5
#: The longest back-off between two getUpdates calls while another poller holds the bot.
MAX_CONFLICT_BACKOFF = 60.0


class PollingStopped(RuntimeError):
    """Polling cannot go on until an operator acts; the message says why and what to do."""


def _webhook_conflict(exc: Conflict) -> bool:
    return "webhook" in exc.message.lower()


def load_offset(runtime: Runtime) -> int | None:
    with runtime.sessions() as db:
        row = db.get(Heartbeat, OFFSET_ROW)
        offset = row.details.get("offset") if row else None
        return int(offset) if offset else None


def _save_offset(offset: int, now: datetime) -> Callable[[Session], None]:
    def _save(db: Session) -> None:
        row = db.get(Heartbeat, OFFSET_ROW)
        if row is None:
            db.add(Heartbeat(name=OFFSET_ROW, beat_at=now, details={"offset": offset}))
        else:
            row.beat_at = now
            row.details = {"offset": offset}

    return _save


async def process_update(runtime: Runtime, bot: Bot, update: Update) -> None:
    """One update through the pipeline, its next offset committed with it."""
    now = datetime.now(UTC)
    save = _save_offset(update.update_id + 1, now)
    parsed = parse_update(update)
    message = parsed.message
    if message is None:
        await asyncio.to_thread(_commit_only, runtime, save)
        return
    downloads = []
    if parsed.files and not await asyncio.to_thread(
        already_received, runtime, message.channel, message.external_message_id
    ):
        downloads = [await download(bot, ref) for ref in parsed.files]
    await asyncio.to_thread(
        lambda: ingest(runtime, message, downloads=downloads, now=now, also=save)
    )
    if parsed.callback_query_id:
        await TelegramSender(bot).answer_callback(parsed.callback_query_id)


def _commit_only(runtime: Runtime, save: Callable[[Session], None]) -> None:
    with runtime.sessions() as db, db.begin():
        save(db)


async def poll(
    runtime: Runtime,
    *,
    stop: threading.Event | None = None,
    long_poll_seconds: int = 30,
    drop_webhook: bool = True,
    max_rounds: int | None = None,
    conflict_backoff: float = 5.0,
) -> int:
    """Process updates until ``stop`` (or ``max_rounds`` getUpdates calls); returns the count.

    Raises :class:`PollingStopped` when a webhook takes the bot over or the token is refused.
    """
    stop = stop or threading.Event()
    processed = 0
    conflicts = 0
    failures: dict[int, int] = {}
    bot = build_bot(runtime.settings)
    async with bot:
        if drop_webhook:
            await bot.delete_webhook(drop_pending_updates=False)
        offset = load_offset(runtime)
        rounds = 0
        while not stop.is_set() and (max_rounds is None or rounds < max_rounds):
            rounds += 1
            try:
                updates = await bot.get_updates(
                    offset=offset, timeout=long_poll_seconds, allowed_updates=Update.ALL_TYPES
                )
            except RetryAfter as exc:
                await asyncio.sleep(retry_after_seconds(exc))
                continue
            except Conflict as exc:
                if _webhook_conflict(exc):
                    raise PollingStopped(
                        "a webhook was set for this bot while polling (Telegram: "
                        f"{exc.message!r}); updates now go to the webhook, so polling stops. "
                        "To poll again, stop the deployment that set it and restart "
                        "`suarawarga telegram poll` (it removes the webhook)."
                    ) from None
                conflicts += 1
                delay = min(MAX_CONFLICT_BACKOFF, conflict_backoff * 2 ** (conflicts - 1))
                log.warning(
                    "getUpdates: 409 Conflict, another poller is using this bot token (%s); "
                    "only one may poll at a time: stop the other one. Trying again in %.1f s",
                    exc.message, delay,
                )  # fmt: skip
                await asyncio.to_thread(stop.wait, delay)
                continue
            except InvalidToken:
                raise PollingStopped(
                    "Telegram refused the bot token: check SUARAWARGA_TELEGRAM_BOT_TOKEN"
                ) from None
            except NetworkError as exc:
                log.warning("getUpdates failed: %s; retrying", type(exc).__name__)
                await asyncio.sleep(2)
                continue
            if conflicts:
                log.info("getUpdates: this poller has the bot again after %d conflicts", conflicts)
                conflicts = 0
            for update in updates:
                try:
                    await process_update(runtime, bot, update)
                except (TelegramError, OSError, RuntimeError, ValueError):
                    failures[update.update_id] = failures.get(update.update_id, 0) + 1
                    log.exception("update %s failed", update.update_id)
                    if failures[update.update_id] < MAX_FAILURES_PER_UPDATE:
                        break  # fetch again from the same offset
                    log.error("skipping update %s after repeated failures", update.update_id)
                    await asyncio.to_thread(
                        _commit_only, runtime, _save_offset(update.update_id + 1, datetime.now(UTC))
                    )
                offset = update.update_id + 1
                processed += 1
    return processed
