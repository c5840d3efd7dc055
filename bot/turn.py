"""One turn of a conversation: what came in, who sent it, the state, and the replies going out.

A :class:`Turn` is built by the pipeline inside the caller's transaction; flows read and change
``state`` and ``data`` and append :class:`Reply` objects. Nothing here sends anything: the pipeline
turns replies into outbox rows after the flows ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bot.inbound import InboundMessage
from bot.messages import t
from reports.messages import format_date
from reports.models import Citizen

if TYPE_CHECKING:
    from webhooks.runtime import Runtime


@dataclass(frozen=True)
class Button:
    """A choice: ``label`` is shown, ``data`` comes back as ``callback_data`` (max 64 bytes)."""

    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    key: str  # catalogue key of the main text: recorded as the outbox template ("bot:<key>")
    text: str
    buttons: tuple[Button, ...] = ()
    report_id: int | None = None


@dataclass
class Turn:
    db: Session
    runtime: Runtime
    citizen: Citizen
    message: InboundMessage
    text: str  # cleaned: no NUL bytes, length-capped
    now: datetime
    state: str
    data: dict[str, Any]
    language: str
    replies: list[Reply] = field(default_factory=list)

    def say(
        self,
        key: str,
        *,
        buttons: tuple[Button, ...] | list[Button] = (),
        report_id: int | None = None,
        extra: str | None = None,
        **values: object,
    ) -> None:
        """Queue the catalogue text ``key`` (plus an optional already-rendered ``extra`` line)."""
        text = t(key, self.language, **values)
        if extra:
            text = f"{text}\n\n{extra}"
        self.replies.append(Reply(key, text, tuple(buttons), report_id))

    def tr(self, key: str, **values: object) -> str:
        return t(key, self.language, **values)

    def button(self, key: str, data: str) -> Button:
        return Button(t(key, self.language), data)

    def date(self, instant: datetime | None) -> str:
        if instant is None:
            return "-"
        return format_date(instant, self.language, self.runtime.settings.tz)

    def reset(self) -> None:
        """Back to idle, forgetting any draft or question in progress."""
        self.state = "idle"
        self.data = {k: v for k, v in self.data.items() if k in PERSISTENT_KEYS}


#: Conversation data that survives a reset (limits bookkeeping, not flow state).
PERSISTENT_KEYS = frozenset({"recent", "flood_warned_at"})
