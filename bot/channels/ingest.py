"""The one door every provider adapter uses into the pipeline: files, then the engine, one commit.

Synchronous on purpose: webhook routes call it through a thread pool, the long-polling loop calls
it directly, and a single ``with sessions() as db, db.begin()`` makes the attachments, the receipt,
the conversation state, the domain changes and the reply rows commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels.media import Download, store_downloads
from bot.inbound import InboundMessage
from reports.enums import Channel
from reports.models import CitizenIdentity, InboundReceipt

if TYPE_CHECKING:
    from bot.pipeline import PipelineResult
    from webhooks.runtime import Runtime


def already_received(runtime: Runtime, channel: Channel, external_message_id: str) -> bool:
    """Cheap pre-check so a provider retry does not download its files a second time.

    Only an optimisation: the pipeline's own receipt insert is the real guard against races.
    """
    with runtime.sessions() as db:
        found = db.scalar(
            select(InboundReceipt.id).where(
                InboundReceipt.channel == channel,
                InboundReceipt.external_message_id == external_message_id[:120],
            )
        )
    return found is not None


def ingest(
    runtime: Runtime,
    message: InboundMessage,
    *,
    downloads: list[Download] | None = None,
    now: datetime,
    also: Callable[[Session], None] | None = None,
) -> PipelineResult:
    """Store the downloaded files and run the pipeline in one transaction.

    ``also`` runs in the same transaction: long polling saves its ``getUpdates`` offset there, so
    the offset and the update's effects are committed together.
    """
    from bot.pipeline import process_inbound

    with runtime.sessions() as db, db.begin():
        if downloads:
            citizen_id = db.scalar(
                select(CitizenIdentity.citizen_id).where(
                    CitizenIdentity.channel == message.channel,
                    CitizenIdentity.external_id == message.external_user_id,
                )
            )
            media = store_downloads(
                db,
                root=runtime.settings.attachments_dir,
                downloads=downloads,
                citizen_id=citizen_id,
                now=now,
            )
            message = replace(message, media=media)
        result = process_inbound(db, runtime=runtime, message=message, now=now)
        if also is not None:
            also(db)
        return result
