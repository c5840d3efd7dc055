"""Pacing for provider limits, in one worker process (each worker paces itself).

Telegram allows about 30 messages per second per bot and about 1 per second per chat; Twilio
meters per sender number. Exceeding them costs a 429 and a forced pause, so we stay under them.
Several workers each pace themselves: with N workers, configure rate / N.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` sends per second on average, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self.tokens = self.capacity
        self.monotonic = monotonic
        self.updated = monotonic()
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self.lock:
            while True:
                now = self.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


class KeySpacing:
    """At least ``interval`` seconds between two sends to the same key (a Telegram chat)."""

    def __init__(self, interval: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.monotonic = monotonic
        self.next_at: dict[str, float] = {}

    async def wait(self, key: str) -> None:
        now = self.monotonic()
        at = self.next_at.get(key, 0.0)
        if at > now:
            await asyncio.sleep(at - now)
        self.next_at[key] = max(at, now) + self.interval
        if len(self.next_at) > 10_000:  # forget chats long idle
            cutoff = self.monotonic()
            self.next_at = {k: v for k, v in self.next_at.items() if v > cutoff}


class Pause:
    """A provider-wide pause after a 429 (``retry_after``): nothing goes out until it ends."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.until = 0.0
        self.monotonic = monotonic

    def extend(self, seconds: float) -> None:
        self.until = max(self.until, self.monotonic() + seconds)

    def remaining(self) -> float:
        return max(0.0, self.until - self.monotonic())
