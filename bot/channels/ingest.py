"""The one door every provider adapter uses into the pipeline: files, then the engine, one commit.

Synchronous on purpose: webhook routes reach it through ``webhooks.group_commit`` (worker
threads, several concurrent requests per transaction), the long-polling loop calls it directly,
and a single ``with sessions() as db, db.begin()`` makes the attachments, the receipts, the
conversation states, the domain changes and the reply rows commit together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot import pipeline_store
from bot.channels.media import Download, store_downloads
from bot.inbound import InboundMessage
from reports.enums import Channel

if TYPE_CHECKING:
    from bot.pipeline import PipelineResult
    from reports.runtime import Runtime

log = logging.getLogger(__name__)


def already_received(runtime: Runtime, channel: Channel, external_message_id: str) -> bool:
    """Cheap pre-check so a provider retry does not download its files a second time.

    Only an optimisation: the pipeline's own receipt insert is the real guard against races.
    """
    with runtime.sessions() as db:
        return pipeline_store.received(db, channel, external_message_id)


@dataclass(frozen=True)
class Delivery:
    """One inbound message as an adapter hands it over, with the files it already fetched.

    ``also`` runs in the same transaction: long polling saves its ``getUpdates`` offset there, so
    the offset and the update's effects are committed together.
    """

    message: InboundMessage
    now: datetime
    downloads: Sequence[Download] = ()
    also: Callable[[Session], None] | None = None


def ingest(
    runtime: Runtime,
    message: InboundMessage,
    *,
    downloads: Sequence[Download] | None = None,
    now: datetime,
    also: Callable[[Session], None] | None = None,
) -> PipelineResult:
    """Store the downloaded files and run the pipeline in one transaction."""
    delivery = Delivery(message, now, tuple(downloads or ()), also)
    return _ingest_together(runtime, [delivery])[0]


def ingest_many(
    runtime: Runtime, deliveries: Sequence[Delivery]
) -> list[PipelineResult | Exception]:
    """Several deliveries in one transaction (group commit); a result or an error for each.

    One commit for many messages is what lets a webhook keep up with a busy channel: the commit
    and the pipeline's statements are paid once per batch instead of once per message. If the
    shared transaction fails, every delivery is retried in a transaction of its own, so a message
    that breaks the batch fails alone and the others are not lost or held back.
    """
    try:
        return [*_ingest_together(runtime, deliveries)]
    except Exception as exc:
        if len(deliveries) == 1:
            return [exc]
        log.warning("a batch of %d inbound messages failed; retrying one by one", len(deliveries))
    outcomes: list[PipelineResult | Exception] = []
    for delivery in deliveries:
        try:
            outcomes.append(_ingest_together(runtime, [delivery])[0])
        except Exception as exc:
            outcomes.append(exc)
    return outcomes


def _ingest_together(runtime: Runtime, deliveries: Sequence[Delivery]) -> list[PipelineResult]:
    from bot.pipeline import Inbound, process_batch

    with runtime.sessions() as db, db.begin():
        batch = [
            Inbound(_with_stored_files(db, runtime, d) if d.downloads else d.message, d.now)
            for d in deliveries
        ]
        results = process_batch(db, runtime=runtime, batch=batch)
        for delivery in deliveries:
            if delivery.also is not None:
                delivery.also(db)
        return results


def _with_stored_files(db: Session, runtime: Runtime, delivery: Delivery) -> InboundMessage:
    return with_stored_files(db, runtime, delivery.message, delivery.downloads, now=delivery.now)


def with_stored_files(
    db: Session,
    runtime: Runtime,
    message: InboundMessage,
    downloads: Sequence[Download],
    *,
    now: datetime,
) -> InboundMessage:
    """The message with its downloaded files stored as attachments (owned by the sender if the
    sender is already known; the pipeline claims them for a first-time contact)."""
    citizen_id = pipeline_store.known_citizen(db, message)
    media = store_downloads(
        db,
        root=runtime.settings.attachments_dir,
        downloads=list(downloads),
        citizen_id=citizen_id,
        now=now,
    )
    return replace(message, media=media)
