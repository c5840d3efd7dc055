"""The channel-neutral envelope every adapter (Telegram, WhatsApp, web, terminal) produces.

Adapters only translate a provider payload into an :class:`InboundMessage`; everything after that
(dedupe, conversation state, NLU, domain use cases, replies) is the same for every channel, so a
behaviour fixed once is fixed everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from reports.enums import Channel

#: Languages a contact may speak that our Indonesian catalogue serves (Malay and the regional
#: languages whose speakers read Indonesian); every other language gets English.
INDONESIAN_READERS = frozenset({"id", "in", "ms", "jv", "su", "min", "ban", "bug", "mad", "ace"})


def language_from_code(code: str | None) -> str | None:
    """ "en-GB" -> "en", "id" -> "id", "jv" -> "id", None -> None (no hint)."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    if not base.isalpha():
        return None
    return "id" if base in INDONESIAN_READERS else "en"


class InboundKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"
    LOCATION = "location"
    CALLBACK = "callback"  # a button press; the payload is in ``callback_data``
    STICKER = "sticker"
    VOICE = "voice"
    EDITED = "edited"  # an edit of an earlier message: acknowledged, never re-processed
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class InboundMedia:
    """A file the adapter already stored with ``reports.attachments.store``.

    ``attachment_id`` is None when the adapter could not store it (wrong type, too large); the
    engine then explains what is accepted instead of silently dropping the file.
    """

    kind: str
    content_type: str
    filename: str
    attachment_id: int | None = None
    #: The adapter could not fetch the file (the provider's download failed): nothing is wrong
    #: with the file itself, so the citizen is asked to send it again, not told it is refused.
    fetch_failed: bool = False


def refused_file_message(media: tuple[InboundMedia, ...], name: str) -> str:
    """The catalogue key for a file that was not stored: "send it again" when fetching it failed,
    "not accepted" (type or size) otherwise."""
    failed = any(m.fetch_failed and (m.filename or m.kind) == name for m in media)
    return "media_fetch_failed" if failed else "media_rejected"


@dataclass(frozen=True)
class InboundMessage:
    channel: Channel
    external_user_id: str  # telegram chat id / "+62..." for WhatsApp / web session id
    external_message_id: str  # provider's id: the dedupe key together with the channel
    kind: InboundKind
    text: str = ""
    media: tuple[InboundMedia, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    callback_data: str | None = None
    display_name: str | None = None
    received_at: datetime | None = None
    #: The channel's hint of the contact's language ("id" or "en"): Telegram's ``language_code``,
    #: WhatsApp's country code. It sets the language of a NEW conversation only (the first reply);
    #: after that the citizen's own choice and writing decide, as for every contact.
    language: str | None = None
    #: The provider's id of our message this one replies to (Telegram ``reply_to_message``,
    #: WhatsApp ``OriginalRepliedMessageSid``): an officer replying to a report's notification
    #: answers that report (``bot.flows.officer``).
    reply_to: str | None = None
