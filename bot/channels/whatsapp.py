"""WhatsApp through Twilio: signed form posts in, the twilio client out.

Inbound: :func:`signature_ok` checks ``X-Twilio-Signature`` over the PUBLIC URL (the one Twilio
called, i.e. ``settings.public_base_url`` + path; the Host header behind a proxy is not it), and
:func:`parse_form` maps Body / From / MessageSid / media / shared location to an InboundMessage.

Outbound: :class:`WhatsAppSender` uses the real ``twilio.rest.Client``; a small HttpClient subclass
points it at ``settings.twilio_api_base_url`` (a test double, or a regional proxy) and keeps the
``Retry-After`` header of a 429, which twilio's exception does not carry. The header is read in the
thread that made the call (the client keeps the last response per thread): read back on the event
loop's thread it was always None, and retries ignored Twilio's instruction.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import phonenumbers
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels import (
    CredentialsError,
    Outgoing,
    PermanentError,
    Sent,
    TransientError,
    clean_text,
)
from bot.channels.media import MAX_BYTES, Download
from bot.inbound import InboundKind, InboundMessage
from config.settings import Settings
from reports.enums import Channel

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_TEXT = 1600  # Twilio's limit for one WhatsApp message body (counted in UTF-16 units here)
TWILIO_API = "https://api.twilio.com"
WHATSAPP_PREFIX = "whatsapp:"
INDONESIA = 62  # country calling code
#: How far Twilio's clock may be behind ours when matching an earlier send by its creation time.
CLOCK_SKEW = timedelta(minutes=1)


class BadPayload(ValueError):
    """A signed request we still cannot use (no sender, no message id): answered with a 400."""


def public_url(settings: Settings, path: str, query: str = "") -> str:
    url = settings.public_base_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def signature_ok(
    settings: Settings, url: str, params: dict[str, str], signature: str | None
) -> bool:
    token = settings.twilio_auth_token
    if token is None or not token.get_secret_value() or not signature:
        return False
    return bool(RequestValidator(token.get_secret_value()).validate(url, params, signature))


def normalize_number(value: str) -> str:
    """``whatsapp:+6281234567890`` (or ``+62 812-3456-7890``) -> ``+6281234567890``.

    E.164 is the one key for a person across Twilio, staff settings and our identity table.
    """
    raw = value.strip()
    if raw.lower().startswith(WHATSAPP_PREFIX):
        raw = raw[len(WHATSAPP_PREFIX) :]
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        raise BadPayload("From is not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise BadPayload("From is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def language_of_number(e164: str) -> str:
    """Our hint for a first reply: Indonesian for an Indonesian number (+62), English for any
    other country (a visitor, or a citizen abroad on a foreign SIM, who can switch back)."""
    return "id" if phonenumbers.parse(e164).country_code == INDONESIA else "en"


@dataclass(frozen=True)
class MediaRef:
    url: str
    content_type: str
    filename: str


@dataclass(frozen=True)
class ParsedForm:
    message: InboundMessage
    media: tuple[MediaRef, ...] = ()


def _float(value: str | None) -> float | None:
    try:
        result = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    if result is None or result != result or abs(result) > 180:  # NaN or nonsense
        return None
    return result


_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp",
               "application/pdf": "pdf", "video/mp4": "mp4"}  # fmt: skip


def parse_form(params: dict[str, str]) -> ParsedForm:
    """One Twilio WhatsApp webhook (form fields) -> one InboundMessage and its media references."""
    sid = clean_text(params.get("MessageSid") or params.get("SmsMessageSid") or "").strip()
    if not sid:
        raise BadPayload("MessageSid is missing")
    sender = normalize_number(clean_text(params.get("From", "")))
    body = clean_text(params.get("Body", ""))
    latitude, longitude = _float(params.get("Latitude")), _float(params.get("Longitude"))
    try:
        count = max(0, min(int(params.get("NumMedia") or 0), 10))
    except ValueError:
        count = 0
    media: list[MediaRef] = []
    for i in range(count):
        url = params.get(f"MediaUrl{i}")
        if not url:
            continue
        ctype = clean_text(params.get(f"MediaContentType{i}", "")).split(";")[0].strip().lower()
        name = f"whatsapp-{sid[-8:]}-{i}.{_EXTENSIONS.get(ctype, 'bin')}"
        media.append(MediaRef(url, ctype, name))
    payload = clean_text(params.get("ButtonPayload", ""))
    # WhatsApp's own message type: a sticker is a webp "image" in MediaUrl0, but not a photo of
    # the problem; a quick-reply button without a payload carries its label in ButtonText.
    message_type = clean_text(params.get("MessageType", "")).strip().lower()
    button_text = clean_text(params.get("ButtonText", "")).strip()
    if not body.strip() and button_text:
        body = button_text
    if payload:
        kind = InboundKind.CALLBACK
    elif message_type == "sticker":
        kind, media = InboundKind.STICKER, []
    elif message_type in ("reaction", "unsupported"):
        kind, media = InboundKind.UNSUPPORTED, []
    elif latitude is not None and longitude is not None:
        kind = InboundKind.LOCATION
    elif media and all(m.content_type.startswith("audio/") for m in media):
        kind, media = InboundKind.VOICE, []
    elif media:
        kind = (
            InboundKind.PHOTO
            if media[0].content_type.startswith("image/")
            else InboundKind.DOCUMENT
        )
    elif body.strip():
        kind = InboundKind.TEXT
    else:
        kind = InboundKind.UNSUPPORTED
    return ParsedForm(
        InboundMessage(
            channel=Channel.WHATSAPP,
            external_user_id=sender,
            external_message_id=sid,
            kind=kind,
            text=body,
            latitude=latitude if kind == InboundKind.LOCATION else None,
            longitude=longitude if kind == InboundKind.LOCATION else None,
            callback_data=payload or None,
            display_name=clean_text(params.get("ProfileName", ""))[:200] or None,
            language=language_of_number(sender),
            reply_to=clean_text(params.get("OriginalRepliedMessageSid", "")).strip()[:120] or None,
        ),
        tuple(media),
    )


def _allowed_media_host(settings: Settings, url: str) -> bool:
    """Media is fetched with our credentials: only from Twilio (or the configured API base)."""
    host = urlsplit(url).hostname or ""
    allowed = {"api.twilio.com"}
    if settings.twilio_api_base_url:
        allowed.add(urlsplit(settings.twilio_api_base_url).hostname or "")
    return host in allowed or host.endswith(".twilio.com")


async def download(settings: Settings, client: httpx.AsyncClient, ref: MediaRef) -> Download:
    """Fetch one MediaUrl with the account credentials, streaming so a huge file stops early."""
    empty = Download("photo" if ref.content_type.startswith("image/") else "document",
                     ref.content_type, ref.filename, None)  # fmt: skip
    token = settings.twilio_auth_token
    if (
        not settings.twilio_account_sid
        or token is None
        or not _allowed_media_host(settings, ref.url)
    ):
        return empty
    auth = (settings.twilio_account_sid, token.get_secret_value())
    try:
        async with client.stream("GET", ref.url, auth=auth, follow_redirects=True) as resp:
            if resp.status_code != 200:
                log.warning("twilio media fetch: HTTP %s", resp.status_code)
                return replace(empty, failed=True)
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    return empty
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        log.warning("twilio media fetch failed: %s", type(exc).__name__)
        return replace(empty, failed=True)
    return Download(empty.kind, ref.content_type, ref.filename, b"".join(chunks))


class _Refused(Exception):
    """A Twilio error answer, with the ``Retry-After`` read in the thread that got it."""

    def __init__(self, error: TwilioRestException, retry_after: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class _RoutedHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """The stock client, sent to another base URL, remembering the last response per thread."""

    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base = base_url.rstrip("/") if base_url else None
        self._local = threading.local()

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if self._base and url.startswith(TWILIO_API):
            url = self._base + url[len(TWILIO_API) :]
        response = super().request(method, url, *args, **kwargs)
        self._local.last = response
        return response

    def last_retry_after(self) -> float | None:
        response: Response | None = getattr(self._local, "last", None)
        headers = getattr(response, "headers", None) or {}
        value = headers.get("Retry-After")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None


def build_client(settings: Settings) -> tuple[Client, _RoutedHttpClient]:
    token = settings.twilio_auth_token
    if not settings.twilio_account_sid or token is None:
        raise RuntimeError("SUARAWARGA_TWILIO_ACCOUNT_SID and _AUTH_TOKEN are not set")
    # twilio logs every request (URL with the account SID, headers) at INFO: noise in our logs.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    http = _RoutedHttpClient(settings.twilio_api_base_url, timeout=settings.twilio_timeout_seconds)
    return Client(settings.twilio_account_sid, token.get_secret_value(), http_client=http), http


class WhatsAppSender:
    """Free text inside the 24-hour window; the approved template (content SID) outside it."""

    channel = Channel.WHATSAPP
    max_length = MAX_TEXT

    def __init__(self, settings: Settings) -> None:
        self.client, self.http = build_client(settings)
        sender = settings.twilio_whatsapp_from or ""
        self.from_ = sender if sender.startswith(WHATSAPP_PREFIX) else WHATSAPP_PREFIX + sender
        self.status_callback = public_url(settings, "/webhooks/twilio/status")

    def _create(self, message: Outgoing, part: str, *, last: bool = False) -> Any:
        if last and message.photo_urls and not message.content_sid:
            # WhatsApp carries one media item per message: each photo of a report card goes as
            # its own message, before the text (Twilio fetches the signed URL).
            for url in message.photo_urls:
                try:
                    self.client.messages.create(
                        from_=self.from_, to=WHATSAPP_PREFIX + message.address, media_url=[url]
                    )
                except TwilioRestException as exc:
                    raise _Refused(exc, self.http.last_retry_after()) from None
        kwargs: dict[str, Any] = {
            "from_": self.from_,
            "to": WHATSAPP_PREFIX + message.address,
            # The row in the callback URL: every part's delivery report finds its row (a long
            # text has one SID per part), and the signature covers the query string.
            "status_callback": f"{self.status_callback}?row={message.row_id}",
        }
        if message.content_sid:
            kwargs["content_sid"] = message.content_sid
            kwargs["content_variables"] = json.dumps(message.content_variables, ensure_ascii=False)
        else:
            kwargs["body"] = part
        try:
            return self.client.messages.create(**kwargs)
        except TwilioRestException as exc:  # in the calling thread: where the response is kept
            raise _Refused(exc, self.http.last_retry_after()) from None

    async def send(self, message: Outgoing, part: str, *, last: bool) -> Sent:
        try:
            created = await asyncio.to_thread(self._create, message, part, last=last)
        except _Refused as refused:
            exc = refused.error
            if exc.status == 429:
                raise TransientError(
                    f"twilio rate limit ({exc.code})", retry_after=refused.retry_after
                ) from None
            if exc.status in (401, 403):  # our account SID / auth token, not this message
                raise CredentialsError(
                    f"twilio refused our credentials: HTTP {exc.status} code {exc.code}; check "
                    "SUARAWARGA_TWILIO_ACCOUNT_SID and SUARAWARGA_TWILIO_AUTH_TOKEN"
                ) from None
            if exc.status >= 500:
                raise TransientError(f"twilio HTTP {exc.status}") from None
            raise PermanentError(f"twilio refused: HTTP {exc.status} code {exc.code}") from None
        except requests.exceptions.ConnectionError as exc:
            raise TransientError(f"twilio unreachable: {type(exc).__name__}") from None
        except requests.exceptions.Timeout as exc:
            raise TransientError(
                f"twilio timed out: {type(exc).__name__}", ambiguous=True
            ) from None
        return Sent(created.sid, created.status)

    def _recent(self, address: str) -> list[Any]:
        return list(
            self.client.messages.list(to=WHATSAPP_PREFIX + address, from_=self.from_, limit=50)
        )

    async def find_sent(
        self, message: Outgoing, part: str, since: datetime, *, taken: set[str]
    ) -> Sent | None:
        """Twilio's newest messages to this number: one with this text created since ``since``
        (less a minute of clock skew) is the earlier send. A template's text is Twilio's own
        rendering, so it cannot be matched and is sent again (at least once)."""
        if message.content_sid:
            return None
        try:
            recent = await asyncio.to_thread(self._recent, message.address)
        except TwilioRestException as exc:
            raise TransientError(f"twilio lookup: HTTP {exc.status}") from None
        except requests.exceptions.RequestException as exc:
            raise TransientError(f"twilio lookup failed: {type(exc).__name__}") from None
        earliest = since - CLOCK_SKEW
        for sent in recent:
            created = sent.date_created
            if (
                sent.body == part
                and sent.sid not in taken
                and created is not None
                and created >= earliest
            ):
                return Sent(sent.sid, sent.status)
        return None

    async def aclose(self) -> None:
        return None
