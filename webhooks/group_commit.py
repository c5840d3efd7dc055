"""Group commit for webhook deliveries: concurrent requests share one transaction.

Each webhook request must commit its message before it answers 200 (the provider redelivers
anything unacknowledged). Committing each request alone makes a busy channel pay a transaction,
a commit (a WAL flush) and the pipeline's statements per message, and the thread hand-offs and
database round trips, not the conversation engine, are what bound throughput.

So requests hand their delivery to a queue and wait. A few lanes (worker threads) each take
whatever has queued up, up to ``max_batch``, and run it through ``ingest_many``: one transaction
whose statements carry the whole batch. Under light load a batch is a single message and nothing
waits. Under load (others queued, or the previous batch had more than one), a lane first lets the
batch gather: the clients answered by the previous batch are sending their next requests, and
parsing them is the event loop's work. So the lane yields to the loop pass by pass while each pass
adds requests to the queue, and starts once several passes in a row add none (or when the batch
is full, or after ``max_wait``). A fixed wait instead (PostgreSQL's ``commit_delay``) either starts
before the burst is in or leaves the cores idle after it: at 16 connections in bench-webhook, 1 ms
fixed left 12-15% of the CPU idle, gathering by passes 3-5%. Without any gathering, batches
alternate between two halves of the clients. Every request still answers only after its own
message is committed; a failed batch is retried message by message, so one bad message fails
only its own request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from anyio import to_thread
from fastapi import FastAPI

from bot.channels.ingest import ingest_many
from bot.inbox.service import store_many
from reports.runtime import Runtime

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

#: Passes of the event loop without a new request after which a gathering batch starts. Probe at
#: 16 connections: 2 made batches too small (867-915 req/s), 3 to 12 did equally well (1034-1153).
QUIET_PASSES = 5


class GroupCommit(Generic[Item, Outcome]):
    """Per process and event loop; see :func:`for_app`.

    ``step`` commits a batch and returns an outcome or an exception per item, in order: the
    pipeline's ``ingest_many`` by default, or the durable inbox's ``store_many`` (its webhooks
    commit only the raw update before answering, see :func:`inbox_for_app`).
    """

    def __init__(
        self,
        runtime: Runtime,
        *,
        lanes: int,
        max_batch: int,
        max_wait: float = 0.0,
        step: Callable[[Runtime, Sequence[Item]], Sequence[Outcome | Exception]] = ingest_many,  # type: ignore[assignment]
    ) -> None:
        if lanes < 1 or max_batch < 1 or max_wait < 0:
            raise ValueError("lanes and max_batch must be at least 1, max_wait not negative")
        self.runtime = runtime
        self.step = step
        self.lanes = lanes
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.loop = asyncio.get_running_loop()  # queue and lanes live on this loop
        self._queue: asyncio.Queue[tuple[Item, asyncio.Future[Outcome]]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.batches = 0  # batches committed (or failed) so far, for logs and tests
        self.largest = 0

    async def submit(self, delivery: Item) -> Outcome:
        """Process one delivery with whatever else is queued; returns after its commit.

        A request that is cancelled while waiting (the client went away) does not take its
        message out of the queue: it was accepted, so it is still processed and committed, and
        the provider's redelivery then finds the receipt.
        """
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._tasks = [asyncio.create_task(self._lane()) for _ in range(self.lanes)]
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((delivery, future))
        return await future

    async def _lane(self) -> None:
        queue = self._queue
        assert queue is not None
        previous = 0  # size of this lane's previous batch
        while True:
            waiting = [await queue.get()]
            if self.max_wait and (previous > 1 or not queue.empty()):  # busy: let a batch gather
                await self._gather(queue, room=self.max_batch - 1)
            while len(waiting) < self.max_batch and not queue.empty():
                waiting.append(queue.get_nowait())
            deliveries = [delivery for delivery, _ in waiting]
            try:
                outcomes: Sequence[Outcome | Exception] = await to_thread.run_sync(
                    self.step, self.runtime, deliveries
                )
            except Exception as exc:  # ingest_many reports per delivery; this is a safety net
                outcomes = [exc] * len(waiting)
            self.batches += 1
            self.largest = max(self.largest, len(waiting))
            previous = len(waiting)
            for (_, future), outcome in zip(waiting, outcomes, strict=True):
                if future.done():  # its request was cancelled
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    async def _gather(self, queue: asyncio.Queue[Any], *, room: int) -> None:
        """Yield to the event loop until :data:`QUIET_PASSES` passes in a row add no request.

        A pass runs whatever the loop has ready: polling the sockets, then the request tasks,
        which end by joining the queue. A request takes several passes from its socket to the
        queue (and may run after this task within a pass), so one empty pass proves nothing.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        quiet, seen = 0, queue.qsize()
        while queue.qsize() < room and loop.time() < deadline:
            await asyncio.sleep(0)
            quiet = quiet + 1 if queue.qsize() == seen else 0
            if quiet >= QUIET_PASSES:
                return
            seen = queue.qsize()

    async def close(self) -> None:
        """Stop the lanes (at shutdown, after the server has finished its requests)."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self._queue = None


def _for_app(app: FastAPI, attribute: str, step: Callable[..., Any]) -> GroupCommit[Any, Any]:
    runtime: Runtime = app.state.runtime
    current: GroupCommit[Any, Any] | None = getattr(app.state, attribute, None)
    if (
        current is None
        or current.runtime is not runtime
        or current.loop is not asyncio.get_running_loop()
    ):
        settings = runtime.settings
        current = GroupCommit(
            runtime,
            lanes=settings.webhook_commit_lanes,
            max_batch=settings.webhook_commit_batch,
            max_wait=settings.webhook_commit_max_wait_ms / 1000,
            step=step,
        )
        setattr(app.state, attribute, current)
    return current


def for_app(app: FastAPI) -> GroupCommit[Any, Any]:
    """The app's group commit of whole pipeline runs, built on first use in the serving event
    loop (rebuilt if the runtime or the loop changed, as between test clients)."""
    return _for_app(app, "group_commit", ingest_many)


def inbox_for_app(app: FastAPI) -> GroupCommit[Any, Any]:
    """The app's group commit of inbox inserts (``bot.inbox.service.store_many``)."""
    return _for_app(app, "inbox_commit", store_many)


async def close_for_app(app: FastAPI) -> None:
    for attribute in ("group_commit", "inbox_commit"):
        current: GroupCommit[Any, Any] | None = getattr(app.state, attribute, None)
        if current is not None:
            delattr(app.state, attribute)
            if current.loop is asyncio.get_running_loop():
                await current.close()
