"""One officer message being handled: who, where, the chat's state, and the replies it queues;
and those replies as outbox rows.

The steps of ``bot.flows.officer`` read and change :class:`OfficerTurn` and call :meth:`say`;
:func:`outbox_rows` is the storage detail (idempotency key per reply, recipient columns, the
template name) that turns the replies into rows once the steps have run. Nothing here sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.inbound import InboundMessage
from bot.messages.officer import text as officer_text
from reports.enums import OutboxStatus, RecipientKind
from reports.models import StaffUser

if TYPE_CHECKING:
    from reports.runtime import Runtime

__all__ = ["OfficerTurn", "outbox_rows"]


@dataclass
class OfficerTurn:
    db: Session
    runtime: Runtime
    message: InboundMessage
    now: datetime
    state: str
    data: dict[str, Any]
    language: str = "id"
    staff: StaffUser | None = None
    replies: list[tuple[str, str, list[dict[str, str]]]] = field(default_factory=list)

    def say(self, key: str, *, buttons: list[dict[str, str]] | None = None, **values: Any) -> None:
        self.replies.append((key, officer_text(key, self.language, **values), buttons or []))

    def button(self, key: str, data: str) -> dict[str, str]:
        return {"label": officer_text(key, self.language), "data": data}


def outbox_rows(turn: OfficerTurn) -> list[dict[str, Any]]:
    """The turn's replies as outbox rows, each keyed by the inbound message and its position
    (``in:<channel>:<message id>:<n>``)."""
    message = turn.message
    reply_to = message.external_message_id[:120]
    rows = []
    for index, (key, body, buttons) in enumerate(turn.replies):
        payload: dict[str, Any] = {"reply_to": reply_to, "template": f"officer:{key}"}
        if buttons:
            payload["buttons"] = buttons
        rows.append(
            {
                "idempotency_key": f"in:{message.channel.value}:{reply_to}:{index}",
                "recipient_kind": RecipientKind.STAFF,
                "citizen_id": None,
                "staff_id": turn.staff.id if turn.staff is not None else None,
                "report_id": None,
                "channel": message.channel,
                "address": message.external_user_id,
                "template": f"officer:{key}"[:80],
                "body": body,
                "payload": payload,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": turn.now,
                "created_at": turn.now,
            }
        )
    return rows
