"""Reading a contact's outbox rows as chat messages, for the web chat and the terminal chat.

These two channels have no provider: the page (or terminal) fetches its rows and marks them sent
itself, which is why the outbox sender skips channel ``web``. Domain notifications that expect an
answer (an agency's answer, a rating request) carry ``expects`` in their payload rather than
buttons; here they get the same buttons the conversation engine understands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messages import t
from reports.enums import Channel, OutboxStatus
from reports.models import Citizen, OutboxMessage, Report

PAGE = 100


@dataclass(frozen=True)
class ChatMessage:
    id: int
    text: str
    buttons: list[dict[str, str]]
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "buttons": self.buttons,
            "at": self.at.isoformat(),
        }


def buttons_for(db: Session, row: OutboxMessage) -> list[dict[str, str]]:
    """The row's own buttons, or the answer buttons implied by a domain notification."""
    payload = row.payload or {}
    if payload.get("buttons"):
        return [{"label": str(b["label"]), "data": str(b["data"])} for b in payload["buttons"]]
    expects = payload.get("expects")
    if expects not in ("answer_feedback", "rating") or row.report_id is None:
        return []
    report = db.get(Report, row.report_id)
    if report is None:
        return []
    code = report.tracking_code
    citizen = db.get(Citizen, row.citizen_id) if row.citizen_id else None
    language = citizen.language if citizen else "id"
    if expects == "answer_feedback":
        return [
            {"label": t("btn_accept", language), "data": f"acc:{code}"},
            {"label": t("btn_respond", language), "data": f"rsp:{code}"},
        ]
    return [{"label": str(n), "data": f"rate:{code}:{n}"} for n in range(1, 5)]


def fetch(
    db: Session,
    *,
    channel: Channel,
    address: str,
    now: datetime,
    after: int | None = None,
    unread_only: bool = False,
) -> list[ChatMessage]:
    """Rows for one contact (``id > after``, or only unread ones), oldest first; marks them sent."""
    query = select(OutboxMessage).where(
        OutboxMessage.channel == channel, OutboxMessage.address == address
    )
    if after is not None:
        query = query.where(OutboxMessage.id > after)
    if unread_only:
        query = query.where(OutboxMessage.status == OutboxStatus.PENDING)
    rows = db.scalars(query.order_by(OutboxMessage.id).limit(PAGE)).all()
    messages = []
    for row in rows:
        if row.status is OutboxStatus.PENDING:
            row.status = OutboxStatus.SENT
            row.sent_at = now
            row.attempts = (row.attempts or 0) + 1
        messages.append(ChatMessage(row.id, row.body, buttons_for(db, row), row.created_at))
    return messages
