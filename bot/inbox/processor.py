"""Processing the inbox: decode a stored update, fetch its files, run the pipeline, mark it done.

A row's effects commit in the transaction that marks it done: the rows are locked and their
claims checked (``service.still_ours_many``), then the same transaction carries the
attachments, the conversation states, the domain changes, their events, the reply rows in the
outbox and the rows' "done". The rows of one claim (at most one per chat) share that transaction,
as the webhooks' group commit shared one before the inbox: a transaction per row measured several
times slower to drain (see ``benchmarks/webhook/results.md``). If the shared transaction fails,
every row is processed again in a transaction of its own, so a failure is one row's: rolled back
and retried later (``service.record_failure``), or set aside as dead after
``inbox_max_attempts``; a row that can never be read (a payload the adapter refuses) is set
aside at once. Nothing here sends a message: replies are outbox rows for the sender.

Runs in ``suarawarga worker`` (and so in ``serve``'s worker process, at a lower CPU priority than
the web workers, so acknowledgements are not starved) and, with ``inbox_processing`` "inline",
in the web process right after it stored an update (:meth:`InboxProcessor.drain_chat`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.channels.media import Download
from bot.inbound import InboundMessage
from bot.inbox import service
from reports.enums import Channel, InboxStatus

if TYPE_CHECKING:
    from telegram import Bot

    from reports.runtime import Runtime

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Unreadable(Exception):
    """A stored payload the channel adapter refuses: it will never succeed, so no retries."""


@dataclass(frozen=True)
class Decoded:
    """A stored update as the pipeline reads it, with the files still to fetch."""

    message: InboundMessage | None  # None: nothing to answer (the route stores none of these)
    files: tuple[Any, ...] = ()  # Telegram FileRef or Twilio MediaRef


def decode(claimed: service.Claimed, bot: Bot | None) -> Decoded:
    """The stored payload through the same adapter the route validated it with."""
    if claimed.channel == Channel.TELEGRAM:
        from bot.channels.telegram import decode_update, parse_or_none

        update = decode_update(claimed.payload.encode("utf-8"), bot)
        parsed = parse_or_none(update) if update is not None else None
        if parsed is None:
            raise Unreadable("not a readable Telegram update")
        return Decoded(parsed.message, parsed.files)
    if claimed.channel == Channel.WHATSAPP:
        from bot.channels.whatsapp import BadPayload, parse_form

        try:
            form = json.loads(claimed.payload)
            parsed_form = parse_form({str(k): str(v) for k, v in dict(form).items()})
        except (ValueError, TypeError, BadPayload) as exc:
            raise Unreadable(f"not a readable Twilio form: {type(exc).__name__}") from None
        return Decoded(parsed_form.message, tuple(parsed_form.media))
    raise Unreadable(f"no inbox adapter for channel {claimed.channel.value}")


@dataclass
class _Item:
    claimed: service.Claimed
    decoded: Decoded | None = None
    downloads: tuple[Download, ...] = ()
    error: Exception | None = None


class InboxProcessor:
    """Claims and processes inbox rows; one per process (or per web app for inline work)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        bot: Callable[[], Bot] | None = None,
        now: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.now = now
        self.monotonic = monotonic
        self._bot_source = bot
        self._own_bot: Bot | None = None
        self._last_burial = -float("inf")
        self.processed = 0  # rows done by this processor, for logs and tests

    # -- provider clients ----------------------------------------------------------------------

    def bot(self) -> Bot | None:
        """The PTB ``Bot`` for Telegram files: the web app's (inline) or one of our own."""
        if self.settings.telegram_bot_token is None:
            return None
        if self._bot_source is not None:
            return self._bot_source()
        if self._own_bot is None:
            from bot.channels.telegram import build_bot

            self._own_bot = build_bot(self.settings)
        return self._own_bot

    async def _fetch(self, item: _Item) -> None:
        """Download the update's files before its transaction (no network inside it)."""
        decoded = item.decoded
        if decoded is None or decoded.message is None or not decoded.files:
            return
        if item.claimed.channel == Channel.TELEGRAM:
            from bot.channels.telegram import download

            bot = self.bot()
            assert bot is not None
            item.downloads = tuple([await download(bot, ref) for ref in decoded.files])
        elif item.claimed.channel == Channel.WHATSAPP:
            import httpx

            from bot.channels.whatsapp import download as twilio_download

            async with httpx.AsyncClient(timeout=20.0) as client:
                item.downloads = tuple(
                    [await twilio_download(self.settings, client, ref) for ref in decoded.files]
                )

    # -- database steps (run in a thread) ------------------------------------------------------

    def _claim(self, limit: int, chat: tuple[Channel, str] | None = None) -> list[_Item]:
        now = self.now()
        settings = self.settings
        with self.runtime.sessions() as db, db.begin():
            if (
                chat is None
                and self.monotonic() - self._last_burial >= settings.inbox_lease_seconds
            ):
                self._last_burial = self.monotonic()
                for row_id in service.bury_abandoned(
                    db, now=now, max_attempts=settings.inbox_max_attempts
                ):
                    log.error("inbox %s set aside: claimed repeatedly, never finished", row_id)
            claimed = service.claim(
                db, now=now, limit=limit, lease_seconds=settings.inbox_lease_seconds, chat=chat
            )
        items = [_Item(c) for c in claimed]
        bot = self.bot() if any(c.channel == Channel.TELEGRAM for c in claimed) else None
        for item in items:
            try:
                item.decoded = decode(item.claimed, bot)
            except Unreadable as exc:
                item.error = exc
        return items

    def _process(self, items: Sequence[_Item]) -> int:
        """Rows of different chats (a claim holds at most one per chat) in one transaction: each
        row's effects commit with its "done", and the batch's statements and commit are shared,
        as the webhooks' group commit did. Returns how many were ours and are now done."""
        from bot.channels.ingest import with_stored_files
        from bot.pipeline import Inbound, process_batch

        with self.runtime.sessions() as db, db.begin():
            ours = service.still_ours_many(db, [item.claimed for item in items])
            mine = [item for item in items if item.claimed.id in ours]
            batch = []
            for item in mine:
                assert item.decoded is not None
                message = item.decoded.message
                if message is None:
                    continue
                if item.downloads:
                    message = with_stored_files(
                        db, self.runtime, message, item.downloads, now=item.claimed.received_at
                    )
                batch.append(Inbound(message, item.claimed.received_at))
            process_batch(db, runtime=self.runtime, batch=batch)
            service.mark_done(db, [item.claimed for item in mine], now=self.now())
        return len(mine)

    def _failed(self, item: _Item, exc: Exception) -> None:
        claimed = item.claimed
        settings = self.settings
        error = f"{type(exc).__name__}: {str(exc)[:500]}"
        try:
            with self.runtime.sessions() as db, db.begin():
                status = service.record_failure(
                    db,
                    claimed,
                    now=self.now(),
                    error=error,
                    max_attempts=settings.inbox_max_attempts,
                    backoff_base=settings.inbox_backoff_base_seconds,
                    permanent=isinstance(exc, Unreadable),
                )
        except Exception as record_exc:  # the lease runs out and the row is claimed again
            log.warning(
                "inbox %s failed (%s) and could not be rescheduled (%s)",
                claimed.id, type(exc).__name__, type(record_exc).__name__,
            )  # fmt: skip
            return
        if status == InboxStatus.DEAD:
            log.error(
                "inbox %s (%s) set aside as dead after %d attempt(s): %s",
                claimed.id, claimed.channel.value, claimed.attempts, type(exc).__name__,
            )  # fmt: skip
        elif status == InboxStatus.PENDING:
            log.warning(
                "inbox %s (%s) failed (attempt %d, %s); retrying later",
                claimed.id, claimed.channel.value, claimed.attempts, type(exc).__name__,
            )  # fmt: skip

    def _handle_all(self, items: Sequence[_Item]) -> int:
        """Process the claimed rows together; if that fails, each in a transaction of its own,
        so a row that breaks the batch fails (and is retried, or set aside) alone."""
        readable = []
        for item in items:
            if item.error is not None:
                self._failed(item, item.error)
            else:
                readable.append(item)
        done = 0
        if len(readable) > 1:
            try:
                done = self._process(readable)
                readable = []
            except Exception as exc:
                log.warning("inbox: a batch of %d failed (%s); processing one by one",
                            len(readable), type(exc).__name__)  # fmt: skip
        for item in readable:
            try:
                done += self._process([item])
            except Exception as exc:
                log.debug("inbox %s failed", item.claimed.id, exc_info=True)
                self._failed(item, exc)
        self.processed += done
        return done

    # -- loops ---------------------------------------------------------------------------------

    async def _run(self, limit: int, chat: tuple[Channel, str] | None = None) -> int:
        items = await asyncio.to_thread(self._claim, limit, chat)
        if not items:
            return 0
        for item in items:
            if item.decoded is not None and item.decoded.files:
                try:
                    await self._fetch(item)
                except Exception as exc:  # a download bug must cost a retry, not the loop
                    item.error = exc
        await asyncio.to_thread(self._handle_all, items)
        return len(items)

    async def run_once(self) -> int:
        """Claim one batch and process it; the number of rows claimed."""
        return await self._run(self.settings.inbox_batch_size)

    async def drain_chat(self, channel: Channel, chat_id: str) -> int:
        """Process whatever of one chat may be processed now, oldest first (inline mode: the
        update just stored, and any earlier one of the chat that waited)."""
        total = 0
        while await self._run(1, (channel, chat_id[: service.ID_MAX])):
            total += 1
        return total

    async def run(self, stop: threading.Event) -> None:
        """Process until ``stop`` is set; an empty claim waits ``inbox_poll_seconds``."""
        poll = self.settings.inbox_poll_seconds
        log.info("inbox processor: started")
        await asyncio.to_thread(self._warm)
        try:
            while not stop.is_set():
                try:
                    claimed = await self.run_once()
                except Exception:  # a database hiccup must not end the processor
                    log.exception("inbox claim failed; retrying shortly")
                    claimed = 0
                if not claimed:
                    await asyncio.to_thread(stop.wait, poll)
        finally:
            await self.aclose()

    def _warm(self) -> None:
        """Load the NLU (scikit-learn, the model files) before the first update needs it: seconds
        of CPU once per process, better spent at start than by the first citizen's message."""
        try:
            self.runtime.classifier.classify_type("jalan rusak")
        except Exception:  # the pipeline falls back on its own; this was only a warm-up
            log.warning("inbox processor: NLU warm-up failed", exc_info=True)

    async def aclose(self) -> None:
        if self._own_bot is not None:
            bot, self._own_bot = self._own_bot, None
            try:
                await bot.shutdown()
            except Exception:  # closing is best effort at shutdown
                log.debug("closing the inbox bot failed", exc_info=True)
