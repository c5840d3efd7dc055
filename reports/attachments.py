"""Attachment storage: files under ``<data_dir>/attachments``, addressed by content hash.

Limits are checked before anything is written; the stored name never comes from the citizen (a
file called ``../../etc/passwd`` is just a display name here).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Final

from sqlalchemy.orm import Session

from reports.lifecycle import DomainError
from reports.models import Attachment

MAX_BYTES: Final = 10 * 1024 * 1024
ALLOWED_TYPES: Final = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "video/mp4": ".mp4",
}


def store(
    db: Session,
    *,
    root: Path,
    data: bytes,
    content_type: str,
    filename: str,
    citizen_id: int | None,
    now: datetime,
    report_id: int | None = None,
) -> Attachment:
    content_type = content_type.split(";")[0].strip().lower()
    if content_type not in ALLOWED_TYPES:
        raise DomainError("file_type", content_type=content_type or "unknown")
    if not data:
        raise DomainError("file_empty")
    if len(data) > MAX_BYTES:
        raise DomainError("file_too_large", mb=MAX_BYTES // (1024 * 1024))
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest}{ALLOWED_TYPES[content_type]}"
    path = root / key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    attachment = Attachment(
        report_id=report_id,
        citizen_id=citizen_id,
        filename=(Path(filename).name or "lampiran")[:255],
        content_type=content_type,
        size_bytes=len(data),
        sha256=digest,
        storage_key=key,
        created_at=now,
    )
    db.add(attachment)
    db.flush()
    return attachment


def open_path(root: Path, attachment: Attachment) -> Path:
    path = (root / attachment.storage_key).resolve()
    if root.resolve() not in path.parents:
        raise DomainError("attachment_path")
    return path
