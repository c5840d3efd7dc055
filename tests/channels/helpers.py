"""Small helpers shared by the channel tests: run the outbox worker, read rows."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import select

from bot.delivery.sender import BatchStats, OutboxWorker, utcnow
from bot.delivery.worker import build_senders
from reports.enums import Channel
from reports.models import OutboxMessage
from reports.runtime import Runtime


def drain(runtime: Runtime, *, rounds: int = 50, now: datetime | None = None) -> BatchStats:
    """Run the real worker until nothing is claimed (or ``rounds`` batches); totals returned."""

    async def _go() -> BatchStats:
        worker = OutboxWorker(runtime, build_senders(runtime), now=(lambda: now) if now else utcnow)
        total = BatchStats()
        try:
            for _ in range(rounds):
                stats = await worker.run_once()
                total.claimed += stats.claimed
                total.sent += stats.sent
                total.retried += stats.retried
                total.failed += stats.failed
                if stats.claimed == 0:
                    break
        finally:
            await worker.aclose()
        return total

    return asyncio.run(_go())


def outbox_rows(runtime: Runtime, channel: Channel | None = None) -> list[OutboxMessage]:
    with runtime.sessions() as db:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if channel is not None:
            query = query.where(OutboxMessage.channel == channel)
        return list(db.scalars(query))
