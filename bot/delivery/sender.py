"""The outbox sender: claims due rows, delivers them, records each outcome (see delivery.outbox).

One asyncio loop per worker. Rows are grouped by recipient: a recipient's messages go out in
order, one group after the other, while different recipients are served concurrently, all under
the provider's pace (Telegram ~30/s per bot and ~1/s per chat; Twilio per sender). When a send
fails, the recipient's later rows in the batch wait too, so a conversation never arrives shuffled.
Claiming is continuous: a new claim tops the held rows up as groups finish, so one slow provider
call holds back its own recipient only, never the whole batch.

**No row is sent by two workers.** A claim gives a row to one worker under a lease, renewed while
the worker lives and checked right before each provider call (self-fencing); why that design, and
how, is :mod:`bot.delivery.leases`.

The per-bot rate and the provider's pauses (429 ``retry_after``, refused credentials) are shared
by every worker through the database (:mod:`bot.delivery.ratelimit`), and the pause is checked
when the send slot is granted, after any wait, so nothing queued behind the limiter slips out
inside a pause.

Runs as ``suarawarga worker`` or, in the single-machine default, in a thread of ``serve``
(``bot.delivery.worker``, which builds the senders and starts the loops). Database calls run in
worker threads so sends keep flowing meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.channels import (
    ChannelSender,
    CredentialsError,
    FindsSent,
    PermanentError,
    Sent,
    TransientError,
)
from bot.delivery import outbox
from bot.delivery.leases import HeldLeases, LeaseUnconfirmed
from bot.delivery.ratelimit import KeySpacing, Paused, SharedLimit, limit_key, rate_per_second
from config.log import log_context
from reports.enums import Channel

if TYPE_CHECKING:
    from reports.runtime import Runtime

log = logging.getLogger(__name__)

#: A provider pause longer than this gives the row back instead of holding it (and its lease).
MAX_INLINE_WAIT = 2.0
#: How long a stopping worker lets its in-flight sends finish before it gives up on them.
STOP_GRACE_SECONDS = 15.0


def utcnow() -> datetime:
    return datetime.now(UTC)


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
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.settings = settings
        self.senders = senders
        self.now = now
        self.rng = rng or random.Random()
        self.monotonic = monotonic
        self.limits = {
            channel: SharedLimit(
                runtime.sessions, limit_key(channel, settings), rate_per_second(channel, settings)
            )
            for channel in senders
        }
        self.chat_spacing = KeySpacing(settings.telegram_chat_interval_seconds)
        #: Rows this worker holds (claimed, not yet recorded): their leases are renewed.
        self.leases = HeldLeases(
            runtime.sessions,
            lease_seconds=float(settings.outbox_lease_seconds),
            now=now,
            monotonic=monotonic,
        )
        self.stopping = False

    # -- database steps (run in threads) -------------------------------------------------------

    def _claim(self, limit: int) -> list[outbox.Claim]:
        confirmed = self.monotonic()  # before the transaction: the lease starts no later
        with self.runtime.sessions() as db, db.begin():
            claims = outbox.claim(
                db,
                now=self.now(),
                channels={c: s.max_length for c, s in self.senders.items()},
                limit=limit,
                lease_seconds=self.leases.lease,
                settings=self.settings,
            )
        for claim in claims:
            claim.confirmed_at = confirmed
        return claims

    def _commit(self, step: Callable[..., object], *args: object, **kwargs: object) -> object:
        with self.runtime.sessions() as db, db.begin():
            return step(db, *args, **kwargs)

    async def _db(self, step: Callable[..., object], *args: object, **kwargs: object) -> object:
        return await asyncio.to_thread(self._commit, step, *args, **kwargs)

    # -- delivery ------------------------------------------------------------------------------

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

    async def _credentials_refused(self, claim: outbox.Claim, exc: CredentialsError,
                                   stats: BatchStats) -> None:  # fmt: skip
        channel = claim.outgoing.channel
        probe = self.settings.outbox_credentials_retry_seconds
        await self.limits[channel].pause(probe, str(exc), credentials=True)
        log.error(
            "outbox: %s refused our credentials (%s); sending on %s is paused and every row is "
            "kept; fix the configuration (a probe is sent every %.0f s)",
            channel.value, exc, channel.value, probe,
        )  # fmt: skip
        await self._retry(claim, str(exc), probe, stats, charge=False)

    async def _deliver(self, claim: outbox.Claim, stats: BatchStats) -> bool:
        """Send what is left of one row; True when the recipient's next row may go too."""
        with log_context(channel=claim.outgoing.channel.value):
            return await self._deliver_row(claim, stats)

    async def _deliver_row(self, claim: outbox.Claim, stats: BatchStats) -> bool:
        message = claim.outgoing
        sender = self.senders[message.channel]
        if claim.refused:
            await self._db(outbox.record_failed, claim, error=claim.refused)
            stats.failed += 1
            return True
        try:
            while claim.parts_sent < len(claim.parts):
                last = claim.parts_sent == len(claim.parts) - 1
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
        except Paused as exc:
            await self._retry(claim, f"provider paused: {exc.reason}", exc.seconds, stats,
                              charge=False)  # fmt: skip
            return False
        except LeaseUnconfirmed as exc:
            # Not ours to send or to record: the lease runs out and the row is claimed afresh.
            log.warning("outbox %s not sent: %s", message.row_id, exc)
            return False
        except CredentialsError as exc:
            await self._credentials_refused(claim, exc, stats)
            return False
        except TransientError as exc:
            delay = outbox.backoff_seconds(
                claim.attempts,
                base=self.settings.outbox_backoff_base_seconds,
                cap=self.settings.outbox_backoff_max_seconds,
                rng=self.rng,
            )
            if exc.retry_after is not None:
                await self.limits[message.channel].pause(exc.retry_after, str(exc))
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
        # The pace last: chat spacing, then the shared slot, whose grant checks the provider's
        # pause after every wait; the fence right before the call.
        if message.channel == Channel.TELEGRAM:
            await self.chat_spacing.wait(message.address)
        limit = self.limits[message.channel]
        grant = await limit.acquire(max_wait=MAX_INLINE_WAIT)
        await self.leases.fence(claim)
        if message.channel == Channel.TELEGRAM:
            self.chat_spacing.mark(message.address)
        claim.uncertain_since = None  # looked up (or cannot be): this send decides
        started = self.now()
        try:
            sent = await sender.send(message, part, last=last)
        except TransientError as exc:
            if exc.ambiguous:  # it may have arrived: the next attempt looks before sending
                claim.uncertain_since = started
            raise
        if grant.probe:
            log.info("outbox: %s accepts our credentials again; sending resumes",
                     message.channel.value)  # fmt: skip
            await limit.credentials_ok()
        return sent

    async def _deliver_group(self, claims: list[outbox.Claim], stats: BatchStats) -> None:
        try:
            for i, claim in enumerate(claims):
                if self.stopping or not await self._deliver(claim, stats):
                    for later in claims[i if self.stopping else i + 1 :]:
                        # keep the recipient's order: wait behind it (or for the next worker)
                        await self._retry(later, "waiting for an earlier message", 0.0, stats,
                                          charge=False)  # fmt: skip
                    return
        except Exception:  # one recipient's failure (a database hiccup) must not end the worker
            # Rows stay ``sending``: released here, their leases run out and they are reclaimed.
            log.exception("outbox: delivering to one recipient failed; rows reclaimed later")
        finally:
            self.leases.release(claims)

    @staticmethod
    def _groups(claims: list[outbox.Claim]) -> list[list[outbox.Claim]]:
        groups: dict[tuple[Channel, str], list[outbox.Claim]] = {}
        for claim in claims:
            groups.setdefault((claim.outgoing.channel, claim.outgoing.address), []).append(claim)
        return list(groups.values())

    async def _claim_more(self, limit: int) -> list[outbox.Claim]:
        claims = await asyncio.to_thread(self._claim, limit)
        self.leases.hold(claims)
        return claims

    async def run_once(self) -> BatchStats:
        """Claim one batch and deliver it; returns what happened (for logs and tests)."""
        async with self.leases.kept():
            claims = await self._claim_more(self.settings.outbox_batch_size)
            stats = BatchStats(claimed=len(claims))
            await asyncio.gather(*(self._deliver_group(g, stats) for g in self._groups(claims)))
        return stats

    async def run(self, stop: threading.Event | None = None) -> None:
        """Deliver until ``stop`` is set; an idle worker looks for due rows every
        ``outbox_poll_seconds``. Up to ``outbox_batch_size`` rows are held at a time, topped up
        as recipients finish, so a slow recipient never holds back the others."""
        stop = stop or threading.Event()
        log.info("outbox worker: channels %s", ", ".join(c.value for c in self.senders) or "none")
        tasks: set[asyncio.Task[None]] = set()
        stats = BatchStats()
        batch, poll = self.settings.outbox_batch_size, self.settings.outbox_poll_seconds
        last_claim = -poll
        try:
            async with self.leases.kept():
                while not stop.is_set():
                    room = batch - len(self.leases)
                    claims: list[outbox.Claim] = []
                    # Top up when half the batch is free, or each poll period: not after every
                    # finished recipient (30 claim queries a second at Telegram's pace).
                    due = room >= max(1, batch // 2) or self.monotonic() - last_claim >= poll
                    if room > 0 and due:
                        last_claim = self.monotonic()
                        try:
                            claims = await self._claim_more(room)
                        except Exception:  # a database hiccup must not end the worker
                            log.exception("outbox claim failed; retrying shortly")
                        for group in self._groups(claims):
                            task = asyncio.create_task(self._deliver_group(group, stats))
                            tasks.add(task)
                            task.add_done_callback(tasks.discard)
                    if tasks:
                        await asyncio.wait(tasks, timeout=poll, return_when=asyncio.FIRST_COMPLETED)
                    else:
                        await asyncio.to_thread(stop.wait, poll)
                self.stopping = True  # groups give back what they have not started
                if tasks:
                    await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)
        finally:
            for task in tasks:
                task.cancel()
            await self.aclose()

    async def aclose(self) -> None:
        for sender in self.senders.values():
            try:
                await sender.aclose()
            except Exception:  # closing is best effort at shutdown
                log.debug("closing %s sender failed", sender.channel, exc_info=True)
