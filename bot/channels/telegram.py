"""Telegram through python-telegram-bot: updates in, Bot API calls out.

The route and the long-polling loop both turn a PTB ``Update`` into an :class:`InboundMessage`
with :func:`parse_update`; the outbox worker sends with :class:`TelegramSender`. The Bot API base
URL comes from settings, so a local Bot API server (or the test double) is one setting away.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import ssl
import warnings
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels import (
    CredentialsError,
    Outgoing,
    PermanentError,
    Sent,
    TransientError,
    clean_text,
)
from bot.channels.media import MAX_BYTES, Download
from bot.inbound import InboundKind, InboundMessage, language_from_code
from config.settings import Settings
from reports.enums import Channel

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096  # Bot API limit for sendMessage text, in UTF-16 code units


def secret_ok(settings: Settings, presented: str | None) -> bool:
    """Constant-time check of the webhook secret; no configured secret means nothing is accepted."""
    expected = settings.telegram_webhook_secret
    if expected is None or not expected.get_secret_value() or presented is None:
        return False
    return hmac.compare_digest(
        presented.encode("utf-8", "surrogateescape"),
        expected.get_secret_value().encode("utf-8"),
    )


@cache
def _tls_context() -> ssl.SSLContext:
    """The TLS context every Bot API client of this process shares: building one reads the whole
    CA bundle (tens of milliseconds of CPU), and a bot has two clients (calls, long polling).
    It is httpx's own default, so trust and verification are exactly what httpx would do."""
    return httpx.create_ssl_context()


def build_bot(settings: Settings, *, pool_size: int = 16) -> Bot:
    """A PTB ``Bot`` pointed at the configured Bot API server (never built at import time)."""
    if settings.telegram_bot_token is None:
        raise RuntimeError("SUARAWARGA_TELEGRAM_BOT_TOKEN is not set")
    # Opt in to PTB's future time periods (timedelta): v22 otherwise warns inside RetryAfter's
    # own constructor, and we read both forms anyway (retry_after_seconds).
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger("httpx").level))
    base = settings.telegram_api_base_url.rstrip("/")
    tls = {"verify": _tls_context()}
    request = HTTPXRequest(
        connection_pool_size=pool_size, read_timeout=10.0, write_timeout=10.0, httpx_kwargs=tls
    )
    return Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=request,
        get_updates_request=HTTPXRequest(
            connection_pool_size=1, read_timeout=60.0, httpx_kwargs=tls
        ),
    )


@dataclass(frozen=True)
class FileRef:
    """A file mentioned in an update, fetched only after the dedupe pre-check."""

    kind: str
    file_id: str
    content_type: str
    filename: str
    file_size: int | None


@dataclass(frozen=True)
class ParsedUpdate:
    """What the pipeline needs from one update; ``message`` is None for updates with no chat."""

    message: InboundMessage | None
    files: tuple[FileRef, ...] = ()
    callback_query_id: str | None = None


def _display_name(message: Message | None) -> str | None:
    user = message.from_user if message is not None else None
    if user is None:
        return None
    return clean_text(user.full_name)[:200] or None


def _language(message: Message | None) -> str | None:
    """The sender's Telegram app language ("en", "id", "pt-br") as our hint for a first reply."""
    user = message.from_user if message is not None else None
    return language_from_code(user.language_code) if user is not None else None


def _received_at(message: Message | None) -> datetime | None:
    if message is None or message.date is None:
        return None
    return message.date.astimezone(UTC)


def _kind_and_files(message: Message) -> tuple[InboundKind, tuple[FileRef, ...]]:
    if message.location is not None or message.venue is not None:
        return InboundKind.LOCATION, ()
    if message.photo:
        # The largest size we may store; Telegram always re-encodes photos as JPEG.
        fitting = [p for p in message.photo if (p.file_size or 0) <= MAX_BYTES]
        best = max(fitting or message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        ref = FileRef("photo", best.file_id, "image/jpeg", f"foto-{message.message_id}.jpg",
                      best.file_size)  # fmt: skip
        return InboundKind.PHOTO, (ref,)
    if message.document is not None:
        doc = message.document
        name = clean_text(doc.file_name or "") or f"dokumen-{message.message_id}"
        ref = FileRef("document", doc.file_id, doc.mime_type or "", name, doc.file_size)
        return InboundKind.DOCUMENT, (ref,)
    if message.video is not None:
        vid = message.video
        name = vid.file_name or f"video-{message.message_id}.mp4"
        ref = FileRef("video", vid.file_id, vid.mime_type or "video/mp4", name, vid.file_size)
        return InboundKind.DOCUMENT, (ref,)
    if message.sticker is not None:
        return InboundKind.STICKER, ()
    if message.voice is not None or message.audio is not None or message.video_note is not None:
        return InboundKind.VOICE, ()
    if message.text is not None:
        return InboundKind.TEXT, ()
    return InboundKind.UNSUPPORTED, ()


def parse_update(update: Update) -> ParsedUpdate:
    """Map every update type to one inbound message, or to nothing when there is no one to answer.

    Chat-member changes, polls, reactions and the like have no conversation to continue: they are
    acknowledged (200) and ignored. The dedupe key is the ``update_id``, which Telegram keeps when
    it redelivers a webhook or when ``getUpdates`` returns an unconfirmed update again.
    """
    key = str(update.update_id)
    if update.callback_query is not None:
        query = update.callback_query
        origin = query.message if isinstance(query.message, Message) else None
        chat_id = origin.chat.id if origin is not None else query.from_user.id
        return ParsedUpdate(
            InboundMessage(
                channel=Channel.TELEGRAM,
                external_user_id=str(chat_id),
                external_message_id=key,
                kind=InboundKind.CALLBACK,
                callback_data=clean_text(query.data or "")[:64],
                display_name=clean_text(query.from_user.full_name)[:200] or None,
                language=language_from_code(query.from_user.language_code),
            ),
            callback_query_id=query.id,
        )
    edited = update.edited_message
    if edited is not None and edited.chat.type == "private":
        return ParsedUpdate(
            InboundMessage(
                channel=Channel.TELEGRAM,
                external_user_id=str(edited.chat.id),
                external_message_id=key,
                kind=InboundKind.EDITED,
                text=clean_text(edited.text or edited.caption or ""),
                display_name=_display_name(edited),
                received_at=_received_at(edited),
                language=_language(edited),
            )
        )
    message = update.message
    if message is None or message.chat.type != "private":
        # Group chats and channels are not a way to file a report (privacy); stay silent there.
        return ParsedUpdate(None)
    kind, files = _kind_and_files(message)
    location = message.location or (message.venue.location if message.venue else None)
    return ParsedUpdate(
        InboundMessage(
            channel=Channel.TELEGRAM,
            external_user_id=str(message.chat.id),
            external_message_id=key,
            kind=kind,
            text=clean_text(message.text or message.caption or ""),
            latitude=location.latitude if location else None,
            longitude=location.longitude if location else None,
            display_name=_display_name(message),
            received_at=_received_at(message),
            language=_language(message),
            reply_to=(
                str(message.reply_to_message.message_id)
                if message.reply_to_message is not None
                else None
            ),
        ),
        files=files,
    )


def decode_update(raw: bytes, bot: Bot | None) -> Update | None:
    """JSON -> PTB ``Update``; None when it is not a Telegram update at all."""
    try:
        data: Any = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
        return None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    try:
        return Update.de_json(data, bot)
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError):
        return None


def parse_or_none(update: Update) -> ParsedUpdate | None:
    """The update as the pipeline reads it; None when a field it relies on is missing or of the
    wrong type (a message without ``chat``, a callback query without ``from``, a photo size whose
    width is not a number). PTB's ``de_json`` does not check types, so such an update only fails
    when read; that is bad input (a 400), never a 500 that Telegram would redeliver for ever.
    """
    try:
        return parse_update(update)
    except (AttributeError, TypeError, ValueError) as exc:
        log.warning("telegram update %s refused: %s", update.update_id, exc)
        return None


async def download(bot: Bot, ref: FileRef) -> Download:
    """getFile + file download, refusing before the transfer when Telegram states the size."""
    if ref.file_size is not None and ref.file_size > MAX_BYTES:
        return Download(ref.kind, ref.content_type, ref.filename, None)
    try:
        tg_file = await bot.get_file(ref.file_id)
        if tg_file.file_size is not None and tg_file.file_size > MAX_BYTES:
            return Download(ref.kind, ref.content_type, ref.filename, None)
        data = bytes(await tg_file.download_as_bytearray())
    except TelegramError as exc:
        # The message itself is still processed; the engine tells the citizen to resend the file.
        log.warning("telegram file download failed: %s", type(exc).__name__)
        return Download(ref.kind, ref.content_type, ref.filename, None, failed=True)
    if len(data) > MAX_BYTES:
        return Download(ref.kind, ref.content_type, ref.filename, None)
    return Download(ref.kind, ref.content_type, ref.filename, data)


def retry_after_seconds(exc: RetryAfter) -> float:
    """``retry_after`` in seconds, whether PTB gives an int (v22) or a timedelta (later)."""
    with warnings.catch_warnings():
        # v22 warns that the type will change; we handle both types, so the warning is moot.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _chat_id(address: str) -> int | str:
    try:
        return int(address)
    except ValueError:
        return address  # "@channelusername"


class TelegramSender:
    """Delivers outbox rows with ``sendMessage``; choices become an inline keyboard."""

    channel = Channel.TELEGRAM
    max_length = MAX_TEXT

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: Outgoing, part: str, *, last: bool) -> Sent:
        markup = None
        if last and message.buttons:
            markup = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(b.label[:64], callback_data=b.data)]
                    for b in message.buttons
                ]
            )
        try:
            if last:
                # A report card's photos go first, so its text and buttons stay at the bottom.
                for path in message.photos:
                    await self.bot.send_photo(
                        chat_id=_chat_id(message.address),
                        photo=await asyncio.to_thread(Path(path).read_bytes),
                    )
            sent = await self.bot.send_message(
                chat_id=_chat_id(message.address), text=part, reply_markup=markup
            )
        except OSError as exc:  # the stored photo is gone: the text alone must still go out
            log.warning("telegram photo not readable: %s", type(exc).__name__)
            return await self.send(replace(message, photos=()), part, last=last)
        except RetryAfter as exc:
            raise TransientError(
                "telegram flood control", retry_after=retry_after_seconds(exc)
            ) from None
        except InvalidToken as exc:  # 401: the bot token was revoked or mistyped
            raise CredentialsError(
                f"telegram refused the bot token ({exc}): check SUARAWARGA_TELEGRAM_BOT_TOKEN"
            ) from None
        except (Forbidden, ChatMigrated) as exc:
            raise PermanentError(f"telegram refused the chat: {exc}") from None
        except BadRequest as exc:
            raise PermanentError(f"telegram bad request: {exc}") from None
        except TimedOut as exc:
            raise TransientError(f"telegram timed out: {exc}", ambiguous=True) from None
        except NetworkError as exc:
            raise TransientError(f"telegram unavailable: {exc}") from None
        except TelegramError as exc:  # EndPointNotFound and the like: fixable configuration
            raise TransientError(f"telegram error: {type(exc).__name__}: {exc}") from None
        return Sent(str(sent.message_id), "sent")

    async def answer_callback(self, callback_query_id: str) -> None:
        """Stop the button's spinner; best effort, after the commit, never before."""
        try:
            await self.bot.answer_callback_query(callback_query_id)
        except TelegramError as exc:
            log.info("answerCallbackQuery failed: %s", type(exc).__name__)

    async def aclose(self) -> None:
        await self.bot.shutdown()
