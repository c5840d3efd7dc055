"""Channel adapters: provider payloads in (``parse``), provider API calls out (``send``).

Every sender implements the same small interface so the outbox worker never branches on the
provider: it hands over an :class:`Outgoing` and gets back a :class:`Sent` or one of two errors.
The error type carries the only decision the worker needs: may this be tried again, and when.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from reports.enums import Channel


@dataclass(frozen=True)
class Button:
    """A choice: ``label`` is shown, ``data`` comes back as ``callback_data`` (max 64 bytes).

    One type from the flow that offers it (``bot.turn.Reply``) to the provider that draws it
    (:class:`Outgoing`): the outbox stores it as a payload between the two.
    """

    label: str
    data: str


@dataclass(frozen=True)
class Outgoing:
    """One outbox row, as much of it as a provider needs (no ORM objects cross this line)."""

    row_id: int
    channel: Channel
    address: str
    text: str
    buttons: tuple[Button, ...] = ()
    template: str = ""
    language: str = "id"
    #: WhatsApp outside the 24-hour window: the approved template to use instead of free text.
    content_sid: str | None = None
    content_variables: dict[str, str] = field(default_factory=dict)
    subject: str = ""
    #: Stored photos sent with the message (a report card to a linked officer's chat), as files
    #: (Telegram uploads them) and as signed public URLs (Twilio fetches them).
    photos: tuple[str, ...] = ()
    photo_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sent:
    provider_message_id: str | None
    provider_status: str | None = None


class DeliveryError(Exception):
    """Base of the two outcomes the worker distinguishes."""


class TransientError(DeliveryError):
    """Not delivered, and trying again later may work (429, 5xx, network down).

    ``retry_after`` is the provider's own instruction in seconds (Telegram ``retry_after``, HTTP
    ``Retry-After``); the worker waits at least that long and pauses the whole provider meanwhile.
    ``ambiguous`` means the request may have reached the provider (a read timeout): retrying can
    duplicate, which we accept for that rare case rather than losing an agency's answer.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, ambiguous: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.ambiguous = ambiguous


class PermanentError(DeliveryError):
    """Will never work as is (blocked bot, invalid number, no template): fail the row at once."""


class CredentialsError(DeliveryError):
    """The provider refused OUR credentials (Telegram 401, Twilio 401/403): nothing about this
    row is wrong, and no row will go out until an operator fixes the token. The worker pauses the
    account and keeps every row (uncharged), instead of failing them one by one."""


class ChannelSender(Protocol):
    channel: Channel
    #: The longest text one provider message may carry, in UTF-16 code units (``split_text``).
    max_length: int

    async def send(self, message: Outgoing, part: str, *, last: bool) -> Sent:
        """Deliver one part (already split); buttons go with the last part only."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class FindsSent(Protocol):
    """A provider that can say whether a message already went out, so that a send whose outcome
    is unknown (the worker died after the call, or the call timed out) is looked up instead of
    repeated. Twilio lists the messages sent to a number; the Telegram Bot API and SMTP cannot.
    """

    async def find_sent(
        self, message: Outgoing, part: str, since: datetime, *, taken: set[str]
    ) -> Sent | None:
        """The provider's record of ``part`` sent to ``message.address`` at or after ``since``,
        other than the messages in ``taken`` (other rows' sends: the same text may rightly go to
        one person twice); None when there is none or it cannot be told (the caller then sends)."""
        ...


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any) -> str:
    """Provider text made safe to store: NFC, no NUL or other control characters.

    PostgreSQL refuses NUL in text columns, and a citizen never means one; tabs and newlines stay.
    """
    if not isinstance(value, str):
        return ""
    return _CONTROL.sub("", unicodedata.normalize("NFC", value))


def utf16_units(text: str) -> int:
    """Length as Telegram (and Twilio) count it: UTF-16 code units, so an emoji outside the
    Basic Multilingual Plane counts two. Counting code points let 4,000 emoji (8,000 units) go
    out as one refused message."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """The most code points from the start of ``text`` that fit in ``limit`` UTF-16 units."""
    if utf16_units(text) <= limit:
        return len(text)
    units = 0
    for i, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)


def split_text(text: str, limit: int) -> list[str]:
    """Split on paragraph, then line, then word boundaries so no part exceeds ``limit``.

    ``limit`` is in UTF-16 code units (:func:`utf16_units`), the unit of Telegram's 4096 and
    Twilio's 1600. A surrogate pair is never cut (Python strings hold whole code points), and a
    word longer than the limit is cut hard rather than dropped.
    """
    text = text.strip()
    if utf16_units(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    rest = text
    while utf16_units(rest) > limit:
        fits = _fitting(rest, limit)
        window = rest[: fits + 1]
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = window.rfind(sep)
            if cut > fits // 3:
                break
        if cut <= 0:
            cut = max(1, fits)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return [p for p in parts if p]
