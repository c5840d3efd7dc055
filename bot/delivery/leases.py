"""The leases an outbox worker holds on the rows it claimed: renewed while it lives, and checked
before every send (self-fencing).

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

Kept apart from the send loop (``bot.delivery.sender``): the loop asks :meth:`HeldLeases.fence`
before each provider call and otherwise only adds and drops rows; how a lease is kept is here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import outbox

__all__ = ["HeldLeases", "LeaseUnconfirmed"]

log = logging.getLogger(__name__)


class LeaseUnconfirmed(Exception):
    """The worker cannot show the row is still its own: it must not send it (self-fencing)."""


class HeldLeases:
    """The rows one worker holds (claimed, not yet recorded), by id, and their leases."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        lease_seconds: float,
        now: Callable[[], datetime],
        monotonic: Callable[[], float],
    ) -> None:
        self.sessions = sessions
        self.lease = lease_seconds
        self.renew_every = lease_seconds / 4
        self.send_window = lease_seconds / 2  # no send starts on a lease confirmed longer ago
        self.now = now
        self.monotonic = monotonic
        self.held: dict[int, outbox.Claim] = {}

    def __len__(self) -> int:
        return len(self.held)

    def hold(self, claims: Iterable[outbox.Claim]) -> None:
        for claim in claims:
            self.held[claim.outgoing.row_id] = claim

    def release(self, claims: Iterable[outbox.Claim]) -> None:
        for claim in claims:
            self.held.pop(claim.outgoing.row_id, None)

    def _renew(self, tokens: list[tuple[int, int]], until: datetime) -> set[int]:
        with self.sessions() as db, db.begin():
            return outbox.renew(db, tokens, until=until)

    async def renew_once(self) -> None:
        """Extend every held lease in one statement; a row no longer ours is marked lost."""
        held = list(self.held.values())
        if not held:
            return
        started = self.monotonic()
        until = self.now() + timedelta(seconds=self.lease)
        tokens = [(c.outgoing.row_id, c.attempts) for c in held]
        try:
            ours = await asyncio.to_thread(self._renew, tokens, until)
        except SQLAlchemyError as exc:  # sends stop on their own once the leases are too old
            log.warning("outbox: could not renew %d leases: %s", len(held), type(exc).__name__)
            return
        for claim in held:
            if claim.outgoing.row_id in ours:
                claim.confirmed_at = max(claim.confirmed_at, started)
            else:  # recorded meanwhile (harmless), or taken over: either way, never send it
                claim.lost = True

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self.renew_every)
            await self.renew_once()

    @asynccontextmanager
    async def kept(self) -> AsyncIterator[None]:
        """Renew the held leases every ``lease/4`` seconds for as long as the block runs."""
        renewer = asyncio.create_task(self._keep())
        try:
            yield
        finally:
            renewer.cancel()
            with suppress(asyncio.CancelledError):
                await renewer

    async def fence(self, claim: outbox.Claim) -> None:
        """Raise unless the row's lease was confirmed recently enough to start a send; a stale
        confirmation (renewals delayed) is renewed once on the spot before giving up."""
        if not claim.lost and self.monotonic() - claim.confirmed_at > self.send_window:
            await self.renew_once()
        if claim.lost:
            raise LeaseUnconfirmed("another worker holds the row now")
        if self.monotonic() - claim.confirmed_at > self.send_window:
            raise LeaseUnconfirmed("lease not confirmed lately (database unreachable?)")
