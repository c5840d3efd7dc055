"""The outbox sender: claims due rows, delivers them, records each outcome (see delivery.outbox).

One asyncio loop per worker. Rows are grouped by recipient: a recipient's messages go out in
order, one group after the other, while different recipients are served concurrently, all under
the provider's pace (Telegram ~30/s per bot and ~1/s per chat; Twilio per sender). When a send
fails, the recipient's later rows in the batch wait too, so a conversation never arrives shuffled.
Claiming is continuous: a new claim tops the held rows up as groups finish, so one slow provider
call holds back its own recipient only, never the whole batch.

**No row is sent by two workers.** A claim gives a row to one worker under a lease; another
worker may take it over only once that lease has run out. Three ways to keep that promise were on
the table; we chose lease *renewal* with *self-fencing*:

- Claim per send (a short lease taken just before each call) still fails when one call outlasts
  the lease (a provider answering after 6 s against a 3 s lease), and costs a round trip per send.
- A claim token checked at send time fences the *records*, which ``record_*`` already does, but it
  cannot fence the provider call itself: neither Telegram nor Twilio accepts an idempotency key,
  so the token check and the send are never one atomic step.
- Renewal ties the lease to the worker being alive: every ``lease/4`` seconds one ``UPDATE``
  extends all rows the worker holds (``delivery.outbox.renew``), whatever the batch size, the
  pacing queue ahead or the provider's latency. A live worker never loses a row; a dead one loses
  them one lease after its last renewal. The remaining danger is a live worker that cannot reach
  the database: it fences itself, starting no send on a row whose lease it has not confirmed
  within ``lease/2`` (half a lease of margin for clock skew between machines and for the call to
  be under way before anyone may reclaim). What it cannot do is recall a call already on the wire:
  a worker cut off from the database for longer than the rest of its lease while a call is in
  flight is, to the others, a crashed worker, and its row is retried as after a crash (looked up
  first where the provider can tell, Twilio). Cancelling such a call locally would not un-send it,
  so it is left to finish and its record is refused by the claim token.

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
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from bot.channels import (
    ChannelSender,
    CredentialsError,
    FindsSent,
    PermanentError,
    Sent,
    TransientError,
)
from bot.delivery import outbox
from bot.delivery.ratelimit import KeySpacing, Paused, SharedLimit
from config.log import log_context
from config.settings import Settings
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


def limit_key(channel: Channel, settings: Settings) -> str:
    """The provider account a limit belongs to: Telegram's is per bot (the token's numeric id,
    not secret), Twilio's per sender number, SMTP's per server."""
    if channel == Channel.TELEGRAM and settings.telegram_bot_token is not None:
        return "telegram:" + settings.telegram_bot_token.get_secret_value().split(":", 1)[0]
    if channel == Channel.WHATSAPP:
        return "whatsapp:" + (settings.twilio_whatsapp_from or "")
    if channel == Channel.EMAIL:
        return "email:" + (settings.smtp_host or "")
    return channel.value


def _rate(channel: Channel, settings: Settings) -> float:
    if channel == Channel.TELEGRAM:
        return settings.telegram_rate_per_second
    if channel == Channel.WHATSAPP:
        return settings.twilio_rate_per_second
    return 10.0


@dataclass
class BatchStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


class LeaseUnconfirmed(Exception):
    """The worker cannot show the row is still its own: it must not send it (self-fencing)."""


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
                runtime.sessions, limit_key(channel, settings), _rate(channel, settings)
            )
            for channel in senders
        }
        self.chat_spacing = KeySpacing(settings.telegram_chat_interval_seconds)
        lease = float(settings.outbox_lease_seconds)
        self.lease = lease
        self.renew_every = lease / 4
        self.send_window = lease / 2  # no send starts on a lease confirmed longer ago
        #: Rows this worker holds (claimed, not yet recorded), by id: their leases are renewed.
        self.held: dict[int, outbox.Claim] = {}
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
                lease_seconds=self.lease,
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

    # -- leases --------------------------------------------------------------------------------

    async def _renew_once(self) -> None:
        held = list(self.held.values())
        if not held:
            return
        started = self.monotonic()
        until = self.now() + timedelta(seconds=self.lease)
        tokens = [(c.outgoing.row_id, c.attempts) for c in held]
        try:
            ours = await self._db(outbox.renew, tokens, until=until)
        except SQLAlchemyError as exc:  # sends stop on their own once the leases are too old
            log.warning("outbox: could not renew %d leases: %s", len(held), type(exc).__name__)
            return
        assert isinstance(ours, set)
        for claim in held:
            if claim.outgoing.row_id in ours:
                claim.confirmed_at = max(claim.confirmed_at, started)
            else:  # recorded meanwhile (harmless), or taken over: either way, never send it
                claim.lost = True

    async def _keep_leases(self) -> None:
        while True:
            await asyncio.sleep(self.renew_every)
            await self._renew_once()

    @asynccontextmanager
    async def _leases_kept(self) -> AsyncIterator[None]:
        renewer = asyncio.create_task(self._keep_leases())
        try:
            yield
        finally:
            renewer.cancel()
            with suppress(asyncio.CancelledError):
                await renewer

    async def _fence(self, claim: outbox.Claim) -> None:
        """Raise unless the row's lease was confirmed recently enough to start a send; a stale
        confirmation (renewals delayed) is renewed once on the spot before giving up."""
        if not claim.lost and self.monotonic() - claim.confirmed_at > self.send_window:
            await self._renew_once()
        if claim.lost:
            raise LeaseUnconfirmed("another worker holds the row now")
        if self.monotonic() - claim.confirmed_at > self.send_window:
            raise LeaseUnconfirmed("lease not confirmed lately (database unreachable?)")

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
        await self._fence(claim)
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
            for claim in claims:
                self.held.pop(claim.outgoing.row_id, None)

    @staticmethod
    def _groups(claims: list[outbox.Claim]) -> list[list[outbox.Claim]]:
        groups: dict[tuple[Channel, str], list[outbox.Claim]] = {}
        for claim in claims:
            groups.setdefault((claim.outgoing.channel, claim.outgoing.address), []).append(claim)
        return list(groups.values())

    async def _claim_more(self, limit: int) -> list[outbox.Claim]:
        claims = await asyncio.to_thread(self._claim, limit)
        for claim in claims:
            self.held[claim.outgoing.row_id] = claim
        return claims

    async def run_once(self) -> BatchStats:
        """Claim one batch and deliver it; returns what happened (for logs and tests)."""
        async with self._leases_kept():
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
            async with self._leases_kept():
                while not stop.is_set():
                    room = batch - len(self.held)
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
