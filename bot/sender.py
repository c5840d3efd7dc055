"""The outbox sender: claims due rows, delivers them, records each outcome (see delivery.outbox).

One asyncio loop per worker. Rows are grouped by recipient: a recipient's messages go out in
order, one group after the other, while different recipients are served concurrently, all under
the provider's pace (Telegram ~30/s per bot and ~1/s per chat; Twilio per sender). When a send
fails, the recipient's later rows in the batch wait too, so a conversation never arrives shuffled.

Runs as ``suarawarga worker`` or, in the single-machine default, in a thread of ``serve``
(:func:`start_in_thread`). Database calls run in worker threads so sends keep flowing meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.channels import ChannelSender, FindsSent, PermanentError, Sent, TransientError
from bot.delivery import outbox
from bot.delivery.ratelimit import KeySpacing, Pause, TokenBucket
from reports.enums import Channel

if TYPE_CHECKING:
    from webhooks.runtime import Runtime

log = logging.getLogger(__name__)

#: A provider pause longer than this gives the row back instead of holding it (and its lease).
MAX_INLINE_WAIT = 2.0


def utcnow() -> datetime:
    return datetime.now(UTC)


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


@dataclass
class BatchStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


class OutboxWorker:
    def __init__(
        self,
        runtime: Runtime,
        senders: dict[Channel, ChannelSender],
        *,
        now: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.settings = settings
        self.senders = senders
        self.now = now
        self.rng = rng or random.Random()
        self.buckets = {
            Channel.TELEGRAM: TokenBucket(settings.telegram_rate_per_second),
            Channel.WHATSAPP: TokenBucket(settings.twilio_rate_per_second),
            Channel.EMAIL: TokenBucket(10.0),
        }
        self.chat_spacing = KeySpacing(settings.telegram_chat_interval_seconds)
        self.pauses = {channel: Pause() for channel in Channel}

    # -- database steps (run in threads) -------------------------------------------------------

    def _claim(self) -> list[outbox.Claim]:
        with self.runtime.sessions() as db, db.begin():
            return outbox.claim(
                db,
                now=self.now(),
                channels={c: s.max_length for c, s in self.senders.items()},
                limit=self.settings.outbox_batch_size,
                lease_seconds=self.settings.outbox_lease_seconds,
                settings=self.settings,
            )

    def _commit(self, step: Callable[..., object], *args: object, **kwargs: object) -> object:
        with self.runtime.sessions() as db, db.begin():
            return step(db, *args, **kwargs)

    async def _db(self, step: Callable[..., object], *args: object, **kwargs: object) -> object:
        return await asyncio.to_thread(self._commit, step, *args, **kwargs)

    # -- delivery ------------------------------------------------------------------------------

    async def _pace(self, channel: Channel, address: str) -> None:
        await self.buckets[channel].acquire()
        if channel == Channel.TELEGRAM:
            await self.chat_spacing.wait(address)

    async def _retry(
        self, claim: outbox.Claim, error: str, delay: float, stats: BatchStats, *, charge: bool
    ) -> None:
        status = await self._db(
            outbox.record_retry,
            claim,
            now=self.now(),
            error=error,
            delay=delay,
            budget_seconds=self.settings.outbox_retry_budget_seconds,
            charge=charge,
        )
        if status == "failed":
            stats.failed += 1
            log.warning("outbox %s failed after retries: %s", claim.outgoing.row_id, error)
        elif charge:
            stats.retried += 1

    async def _deliver(self, claim: outbox.Claim, stats: BatchStats) -> bool:
        """Send what is left of one row; True when the recipient's next row may go too."""
        message = claim.outgoing
        sender = self.senders[message.channel]
        if claim.refused:
            await self._db(outbox.record_failed, claim, error=claim.refused)
            stats.failed += 1
            return True
        pause = self.pauses[message.channel]
        try:
            while claim.parts_sent < len(claim.parts):
                wait = pause.remaining()
                if wait > MAX_INLINE_WAIT:
                    await self._retry(claim, "provider paused (retry_after)", wait, stats,
                                      charge=False)  # fmt: skip
                    return False
                if wait:
                    await asyncio.sleep(wait)
                index = claim.parts_sent
                last = index == len(claim.parts) - 1
                result = await self._send_part(sender, claim, last=last)
                if last:
                    if result.provider_message_id:
                        claim.provider_ids.append(result.provider_message_id)
                    claim.parts_sent += 1
                    owned = await self._db(outbox.record_sent, claim, now=self.now(),
                                           provider_status=result.provider_status)  # fmt: skip
                else:
                    owned = await self._db(outbox.record_part, claim, result.provider_message_id)
                if not owned:
                    # Our lease ran out and another worker took the row: it is theirs now.
                    log.warning("outbox %s: lease lost while sending", message.row_id)
                    return False
        except TransientError as exc:
            delay = outbox.backoff_seconds(
                claim.attempts,
                base=self.settings.outbox_backoff_base_seconds,
                cap=self.settings.outbox_backoff_max_seconds,
                rng=self.rng,
            )
            if exc.retry_after is not None:
                pause.extend(exc.retry_after)
                delay = max(delay, exc.retry_after)
            await self._retry(claim, str(exc), delay, stats, charge=True)
            return False
        except PermanentError as exc:
            await self._db(outbox.record_failed, claim, error=str(exc))
            stats.failed += 1
            log.warning("outbox %s failed: %s", message.row_id, exc)
            return True
        stats.sent += 1
        return True

    async def _send_part(self, sender: ChannelSender, claim: outbox.Claim, *, last: bool) -> Sent:
        """Send the claim's next part, unless an earlier attempt whose outcome is unknown turns
        out to have delivered it (asked of providers that can tell, see ``FindsSent``)."""
        message, part = claim.outgoing, claim.parts[claim.parts_sent]
        if claim.uncertain_since is not None and isinstance(sender, FindsSent):
            since = claim.uncertain_since
            taken = await self._db(outbox.sends_of_others, claim, since)
            assert isinstance(taken, set)
            found = await sender.find_sent(message, part, since, taken=taken)
            if found is not None:
                log.info("outbox %s: already delivered before (%s), not sent again",
                         message.row_id, found.provider_message_id)  # fmt: skip
                claim.uncertain_since = None
                return found
        claim.uncertain_since = None  # looked up (or cannot be): this send decides
        await self._pace(message.channel, message.address)
        started = self.now()
        try:
            return await sender.send(message, part, last=last)
        except TransientError as exc:
            if exc.ambiguous:  # it may have arrived: the next attempt looks before sending
                claim.uncertain_since = started
            raise

    async def _deliver_group(self, claims: list[outbox.Claim], stats: BatchStats) -> None:
        for i, claim in enumerate(claims):
            if not await self._deliver(claim, stats):
                for later in claims[i + 1 :]:  # keep the recipient's order: wait behind it
                    await self._retry(later, "waiting for an earlier message", 0.0, stats,
                                      charge=False)  # fmt: skip
                return

    async def run_once(self) -> BatchStats:
        """Claim one batch and deliver it; returns what happened (for logs and tests)."""
        claims = await asyncio.to_thread(self._claim)
        stats = BatchStats(claimed=len(claims))
        groups: dict[tuple[Channel, str], list[outbox.Claim]] = {}
        for claim in claims:
            groups.setdefault((claim.outgoing.channel, claim.outgoing.address), []).append(claim)
        await asyncio.gather(*(self._deliver_group(g, stats) for g in groups.values()))
        return stats

    async def run(self, stop: threading.Event | None = None) -> None:
        """Deliver until ``stop`` is set; an empty claim waits ``outbox_poll_seconds``."""
        stop = stop or threading.Event()
        log.info("outbox worker: channels %s", ", ".join(c.value for c in self.senders) or "none")
        try:
            while not stop.is_set():
                try:
                    stats = await self.run_once()
                except Exception:  # a database hiccup must not end the worker
                    log.exception("outbox batch failed; retrying shortly")
                    stats = BatchStats()
                if stats.claimed == 0:
                    await asyncio.to_thread(stop.wait, self.settings.outbox_poll_seconds)
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        for sender in self.senders.values():
            try:
                await sender.aclose()
            except Exception:  # closing is best effort at shutdown
                log.debug("closing %s sender failed", sender.channel, exc_info=True)


def start_in_thread(runtime: Runtime) -> tuple[threading.Thread, threading.Event]:
    """The in-process sender under ``serve``: own thread and event loop, stopped by the event."""
    stop = threading.Event()

    def _main() -> None:
        try:
            senders = build_senders(runtime)
        except (RuntimeError, ValueError):  # a misconfigured provider must not stop `serve`
            log.exception("outbox worker not started: provider configuration is incomplete")
            return
        asyncio.run(OutboxWorker(runtime, senders).run(stop))

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
