"""Pacing for provider limits, shared by every worker of a deployment through the database.

Telegram allows about 30 messages per second per bot and about 1 per second per chat; Twilio
meters per sender number. Exceeding them costs a 429 and a forced pause, so we stay under them.

The per-bot limit (:class:`SharedLimit`) is one row of ``heartbeats`` per provider account
(``send:telegram:<bot id>``, ``send:whatsapp:<number>``), the only store every deployment has:
SQLite serialises writers (``BEGIN IMMEDIATE``), PostgreSQL takes the row lock. The row holds

- ``tat``: the generic cell rate algorithm's "theoretical arrival time", the earliest instant the
  next send may go (epoch seconds). Each send moves it ``1/rate`` on, so N workers together stay at
  ``rate`` with a burst of one: a token bucket per process allowed ``rate`` at once in each of them.
- ``paused_until``: the provider's own ``retry_after`` (Telegram 429, Twilio ``Retry-After``), and
  the probe time after a credentials refusal. A grant is refused while it lies ahead, and the check
  is made in the same transaction that grants the slot, after any wait: a send that queued behind
  the limiter before the 429 arrived finds the pause when its turn comes, and does not go out.
- ``auth_error``: the provider refused our credentials (401/403). Rows wait, uncharged, and one
  probe send per ``outbox_credentials_retry_seconds`` finds out whether somebody fixed them;
  ``/health`` and the log say so meanwhile.

Wall-clock epoch seconds, because several machines share the row (NTP keeps them close enough
for a 33 ms slot; a skew shows as a slightly uneven pace, never as a burst, since ``tat`` only
moves forward). The per-chat spacing stays in each process (:class:`KeySpacing`): a chat's rows are
held by one worker at a time (``delivery.outbox.claim`` keeps a recipient's messages in order).

Which account a channel's limit belongs to, and its configured rate, are :func:`limit_key` and
:func:`rate_per_second`, the provider-specific part the sender asks for.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from reports.enums import Channel
from reports.models import Heartbeat

#: Prefix of the ``heartbeats`` rows that hold a provider account's pace and pauses.
LIMIT_PREFIX = "send:"


class Paused(Exception):
    """The provider asked us to wait (``retry_after``) or refused our credentials."""

    def __init__(self, seconds: float, reason: str, credentials: bool = False) -> None:
        super().__init__(reason)
        self.seconds = seconds
        self.reason = reason
        self.credentials = credentials


@dataclass(frozen=True)
class Grant:
    """A send may go now; ``probe`` when it is the one that tests refused credentials."""

    probe: bool = False


class SharedLimit:
    """``rate`` sends per second for one provider account, across every worker and process."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        key: str,
        rate: float,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sessions = sessions
        self.name = (LIMIT_PREFIX + key)[:60]
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock = clock
        self.lock = asyncio.Lock()  # one waiter per process asks the database at a time
        self.local_pause_until = 0.0  # this process heard the 429 first: no database round trip

    # -- database steps (run in a thread) -------------------------------------------------------

    def _row(self, db: Session) -> Heartbeat:
        query = select(Heartbeat).where(Heartbeat.name == self.name)
        if db.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = db.scalar(query)
        if row is None:
            row = Heartbeat(name=self.name, beat_at=datetime.now(UTC), details={})
            db.add(row)
            db.flush()
        return row

    def _take(self) -> tuple[float, Paused | None, bool]:
        """One attempt: (seconds to wait, the pause in force, probe). Granted when both are 0."""
        for _ in range(3):  # two processes creating the row at once: the loser reads it
            try:
                with self.sessions() as db, db.begin():
                    return self._take_in(db)
            except IntegrityError:
                continue
        raise RuntimeError(f"could not create the send limit row {self.name}")

    def _take_in(self, db: Session) -> tuple[float, Paused | None, bool]:
        row = self._row(db)
        details: dict[str, Any] = dict(row.details or {})
        now = self.clock()
        paused_until = float(details.get("paused_until") or 0.0)
        auth_error = details.get("auth_error")
        if paused_until > now:
            reason = str(auth_error or details.get("pause_reason") or "provider pause")
            return paused_until - now, Paused(paused_until - now, reason, bool(auth_error)), False
        tat = float(details.get("tat") or 0.0)
        if tat > now:
            return tat - now, None, False
        details["tat"] = max(tat, now) + self.interval
        probe = bool(auth_error)
        if probe:  # one probe per period: the next one waits for this one's outcome or period
            details["paused_until"] = now + float(details.get("probe_seconds") or 60.0)
        row.details = details
        row.beat_at = datetime.now(UTC)
        return 0.0, None, probe

    def _pause(self, seconds: float, reason: str, credentials: bool) -> None:
        with self.sessions() as db, db.begin():
            row = self._row(db)
            details = dict(row.details or {})
            now = self.clock()
            until = now + seconds
            details["paused_until"] = max(float(details.get("paused_until") or 0.0), until)
            details["tat"] = max(float(details.get("tat") or 0.0), until)
            details["pause_reason"] = reason
            if credentials:
                details["auth_error"] = reason
                details["probe_seconds"] = seconds
                details.setdefault("auth_since", datetime.now(UTC).isoformat())
            row.details = details
            row.beat_at = datetime.now(UTC)

    def _clear_credentials(self) -> None:
        with self.sessions() as db, db.begin():
            row = self._row(db)
            details = dict(row.details or {})
            if not details.get("auth_error"):
                return
            for key in ("auth_error", "auth_since", "probe_seconds", "pause_reason"):
                details.pop(key, None)
            details["paused_until"] = 0.0
            row.details = details
            row.beat_at = datetime.now(UTC)

    # -- the worker's side -------------------------------------------------------------------

    async def acquire(self, *, max_wait: float) -> Grant:
        """Wait for this account's next send slot; raises :class:`Paused` when the provider
        pause ahead is longer than ``max_wait`` (the caller gives the row back instead)."""
        async with self.lock:
            while True:
                local = self.local_pause_until - self.clock()
                if local > 0:
                    if local > max_wait:
                        raise Paused(local, "provider pause (retry_after)")
                    await asyncio.sleep(local)
                    continue
                wait, pause, probe = await asyncio.to_thread(self._take)
                if pause is not None and (pause.credentials or wait > max_wait):
                    raise pause
                if wait <= 0:
                    # The pause may have begun in this process while we asked: check it again.
                    if self.local_pause_until > self.clock():
                        continue
                    return Grant(probe=probe)
                await asyncio.sleep(wait)

    async def pause(self, seconds: float, reason: str, *, credentials: bool = False) -> None:
        """The provider said wait: nobody (here at once, elsewhere via the row) sends before."""
        self.local_pause_until = max(self.local_pause_until, self.clock() + seconds)
        await asyncio.to_thread(self._pause, seconds, reason, credentials)

    async def credentials_ok(self) -> None:
        """A probe went through: the credentials were fixed, sending resumes at full pace."""
        self.local_pause_until = 0.0
        await asyncio.to_thread(self._clear_credentials)


def credential_problems(db: Session) -> dict[str, dict[str, Any]]:
    """Provider accounts whose credentials were refused, for ``/health`` (key -> error, since)."""
    rows = db.scalars(select(Heartbeat).where(Heartbeat.name.startswith(LIMIT_PREFIX)))
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        details = row.details or {}
        if details.get("auth_error"):
            found[row.name[len(LIMIT_PREFIX) :]] = {
                "error": str(details["auth_error"]),
                "since": details.get("auth_since"),
            }
    return found


class KeySpacing:
    """At least ``interval`` seconds between two sends to the same key (a Telegram chat)."""

    def __init__(self, interval: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.monotonic = monotonic
        self.next_at: dict[str, float] = {}

    async def wait(self, key: str) -> None:
        """Until ``interval`` after the key's last send (:meth:`mark`)."""
        at = self.next_at.get(key, 0.0)
        now = self.monotonic()
        if at > now:
            await asyncio.sleep(at - now)

    def mark(self, key: str) -> None:
        """A send to ``key`` goes now: called right before it, after every other wait, so the
        spacing is measured between the sends themselves."""
        self.next_at[key] = self.monotonic() + self.interval
        if len(self.next_at) > 10_000:  # forget chats long idle
            cutoff = self.monotonic()
            self.next_at = {k: v for k, v in self.next_at.items() if v > cutoff}


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


def rate_per_second(channel: Channel, settings: Settings) -> float:
    """The configured sends per second of a channel's account (10 where no setting exists)."""
    if channel == Channel.TELEGRAM:
        return settings.telegram_rate_per_second
    if channel == Channel.WHATSAPP:
        return settings.twilio_rate_per_second
    return 10.0
