"""What a downloaded file really is, and how to hand it to the pipeline.

Providers report a content type the sender's phone chose; a PDF named ``.pdf`` may be anything.
We look at the first bytes and trust that over the declared type, then let
``reports.attachments.store`` apply its type and size limits. A file we refuse still reaches the
engine (``attachment_id=None``) so the citizen is told what is accepted instead of hearing nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bot.inbound import InboundMedia
from reports.attachments import MAX_BYTES, store
from reports.lifecycle import DomainError

log = logging.getLogger(__name__)

__all__ = ["MAX_BYTES", "Download", "sniff_content_type", "store_downloads"]


@dataclass(frozen=True)
class Download:
    """A file the adapter fetched (``data`` is None when it could not or would not fetch it)."""

    kind: str
    content_type: str
    filename: str
    data: bytes | None
    #: ``data`` is None because the fetch failed (provider or network), not because we refused.
    failed: bool = False


def sniff_content_type(data: bytes, declared: str) -> str:
    """The type the bytes say, for the formats we accept; the declared one otherwise."""
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    declared = (declared or "").split(";")[0].strip().lower()
    # Anything we accept must match its magic bytes; an unknown blob is "application/octet-stream".
    if declared in {"image/jpeg", "image/png", "application/pdf", "image/webp", "video/mp4"}:
        return "application/octet-stream"
    return declared or "application/octet-stream"


def store_downloads(
    db: Session,
    *,
    root: Path,
    downloads: list[Download],
    citizen_id: int | None,
    now: datetime,
) -> tuple[InboundMedia, ...]:
    """Store each file in the caller's transaction; refused files keep ``attachment_id=None``."""
    media: list[InboundMedia] = []
    for item in downloads:
        attachment_id: int | None = None
        content_type = item.content_type
        if item.data is not None:
            content_type = sniff_content_type(item.data, item.content_type)
            try:
                attachment_id = store(
                    db,
                    root=root,
                    data=item.data,
                    content_type=content_type,
                    filename=item.filename,
                    citizen_id=citizen_id,
                    now=now,
                ).id
            except DomainError as exc:
                log.info("attachment refused: %s", exc)
        media.append(
            InboundMedia(
                kind=item.kind,
                content_type=content_type,
                filename=item.filename,
                attachment_id=attachment_id,
                fetch_failed=item.failed,
            )
        )
    return tuple(media)
