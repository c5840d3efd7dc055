"""Officers in chat (issue 15): linking a staff account's Telegram or WhatsApp chat, and what a
notification to a linked chat carries.

Linking proves the chat is the officer's: ``suarawarga user link`` (or the console's profile page)
makes a one-time code, and the officer sends it from the chat (Telegram ``/start CODE`` through
the deep link, WhatsApp ``LINK CODE``). From then on the chat receives the account's notifications
and messages from it act AS that account (``bot.flows.officer``), so the code is treated like a
password: random from ``secrets``, stored only as its SHA-256, valid 15 minutes, usable once, and
a wrong, expired or used code gets one and the same refusal (nothing tells whether an account or
a code exists).

Rendering lives here, below ``notify``, because the domain decides what an officer may read in a
chat: the reporter's identity never (anonymous reporters stay anonymous, and a chat is a less
guarded place than the console), and a confidential report's content only in the chats of its
own agency's staff; everyone else linked (a manager, a verifier) gets its code and a link.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports.enums import AGENCY_ROLES, OPEN_STATUSES, Channel, Privacy, Role, Status
from reports.lifecycle import DomainError
from reports.messages import format_date, render
from reports.models import (
    Attachment,
    Conversation,
    OutboxMessage,
    Report,
    StaffChat,
    StaffLinkCode,
    StaffUser,
)

CODE_TTL = timedelta(minutes=15)
#: No 0/O or 1/I: the code may be read off a screen and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 32**10, about 2**50: not guessable within 15 minutes
CHAT_CHANNELS = frozenset({Channel.TELEGRAM, Channel.WHATSAPP})
#: The conversation state of a linked chat (and its prefix, for the officer's own sub-states):
#: the inbound pipeline sends such a chat's messages to ``bot.flows.officer``.
OFFICER_STATE = "officer"
#: Notices about one report that ask the agency to act on it: they carry the whole report and
#: the action buttons in a chat.
ROUTED = frozenset(
    {
        "staff_new_report",
        "staff_assigned",
        "staff_reopened",
        "staff_citizen_response",
        "staff_info_provided",
    }
)
#: The notices with which a report first reaches an officer: they carry its photos.
FIRST_SIGHT = frozenset({"staff_new_report", "staff_assigned"})
BODY_SHOWN = 1500  # characters of the report's text in a chat card; the console has the rest
MAX_PHOTOS = 5


@dataclass(frozen=True)
class LinkCode:
    code: str
    expires_at: datetime


def normalize_code(text: str) -> str:
    """What the officer typed, as issued: case, spaces and dashes do not matter."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode("ascii", "ignore")).hexdigest()


def new_link_code(db: Session, *, staff: StaffUser, now: datetime) -> LinkCode:
    """A fresh code for ``staff``; any earlier unused code of the account stops working."""
    if not staff.active:
        raise DomainError("staff_inactive", username=staff.username)
    db.execute(
        delete(StaffLinkCode).where(
            StaffLinkCode.staff_id == staff.id, StaffLinkCode.used_at.is_(None)
        )
    )
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires = now + CODE_TTL
    db.add(
        StaffLinkCode(
            staff_id=staff.id, code_hash=hash_code(code), created_at=now, expires_at=expires
        )
    )
    db.flush()
    return LinkCode(code, expires)


def telegram_link(bot_username: str | None, code: str) -> str | None:
    """The deep link that opens the bot and sends ``/start CODE`` (None: no bot name set)."""
    name = (bot_username or "").strip().lstrip("@")
    return f"https://t.me/{name}?start={code}" if name else None


def redeem(
    db: Session, *, channel: Channel, address: str, code: str, now: datetime
) -> StaffUser | None:
    """Link the chat to the code's account; None for a wrong, expired or used code, or an account
    no longer active (the caller says the same thing in every case).

    The chat is taken from any other account, and the account's earlier chat on this channel is
    released: one chat is one account's, and an account has one chat per channel.
    """
    if channel not in CHAT_CHANNELS:
        return None
    query = select(StaffLinkCode).where(StaffLinkCode.code_hash == hash_code(code))
    row = db.scalar(query.with_for_update())
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    row.used_at = now
    staff = db.get(StaffUser, row.staff_id)
    if staff is None or not staff.active:
        return None
    db.execute(
        delete(StaffChat).where(
            or_(
                and_(StaffChat.channel == channel, StaffChat.address == address),
                and_(StaffChat.staff_id == staff.id, StaffChat.channel == channel),
            )
        )
    )
    db.add(
        StaffChat(
            staff_id=staff.id, channel=channel, address=address, linked_at=now, last_inbound_at=now
        )
    )
    db.flush()
    db.expire(staff, ["chats"])
    return staff


def chat_of(db: Session, channel: Channel, address: str) -> StaffChat | None:
    return db.scalar(
        select(StaffChat).where(StaffChat.channel == channel, StaffChat.address == address)
    )


def _release_conversations(db: Session, chats: list[tuple[Channel, str]]) -> None:
    """The chats talk to the citizen conversation again (their officer state is forgotten)."""
    for channel, address in chats:
        db.execute(
            update(Conversation)
            .where(
                Conversation.channel == channel,
                Conversation.external_id == address,
                Conversation.state.startswith(OFFICER_STATE),
            )
            .values(state="idle", data={})
        )


def unlink(db: Session, *, staff: StaffUser, channel: Channel | None = None) -> int:
    """Unlink the account's chats (on one channel, or all); returns how many were unlinked."""
    query = select(StaffChat).where(StaffChat.staff_id == staff.id)
    if channel is not None:
        query = query.where(StaffChat.channel == channel)
    chats = list(db.scalars(query))
    for chat in chats:
        db.delete(chat)
    db.flush()
    _release_conversations(db, [(c.channel, c.address) for c in chats])
    db.expire(staff, ["chats"])
    return len(chats)


def linked_chats(db: Session, staff: StaffUser) -> list[StaffChat]:
    return list(
        db.scalars(
            select(StaffChat).where(StaffChat.staff_id == staff.id).order_by(StaffChat.channel)
        )
    )


# -- what a linked chat receives ------------------------------------------------------------------


def console_url(clock: SlaClock | None, path: str) -> str | None:
    base = clock.public_base_url.rstrip("/") if clock is not None else ""
    return f"{base}/console{path}" if base else None


def _photos(db: Session, report: Report) -> list[int]:
    return list(
        db.scalars(
            select(Attachment.id)
            .where(Attachment.report_id == report.id, Attachment.content_type.startswith("image/"))
            .order_by(Attachment.id)
            .limit(MAX_PHOTOS)
        )
    )


def _card(
    db: Session, report: Report, language: str, clock: SlaClock | None, now: datetime
) -> list[str]:
    """The report as an officer needs it to act: text, place, deadline. Never the reporter."""
    body = report.body if len(report.body) <= BODY_SHOWN else report.body[:BODY_SHOWN] + "…"
    # A title the bot took from the text's start would only repeat it: the text alone then.
    shown_title = report.title.rstrip("…. ")
    if report.body.startswith(shown_title):
        lines = [body]
    else:
        lines = [render("chat_card_report", language, title=report.title, body=body)]
    if report.location_text or report.latitude is not None:
        place = report.location_text or ""
        if report.latitude is not None and report.longitude is not None:
            place = (
                f"{place} (https://www.openstreetmap.org/?mlat={report.latitude:.6f}"
                f"&mlon={report.longitude:.6f})"
            ).strip()
        lines.append(render("chat_card_place", language, place=place))
    due = report.response_due_at
    if due is not None and clock is not None:
        days = clock.calendar.working_days_between(now, due)
        when = format_date(due, language, clock.calendar.tz)
        key = "chat_card_due" if days >= 0 else "chat_card_overdue"
        lines.append(render(key, language, due=when, days=abs(days)))
    return lines


def _buttons(code: str, language: str) -> list[dict[str, str]]:
    return [
        {"label": render("chat_btn_answer", language), "data": f"of:ans:{code}"},
        {"label": render("chat_btn_info", language), "data": f"of:info:{code}"},
        {"label": render("chat_btn_return", language), "data": f"of:ret:{code}"},
        {"label": render("chat_btn_open", language), "data": f"of:open:{code}"},
    ]


def chat_notice(
    db: Session,
    *,
    person: StaffUser,
    report: Report | None,
    template: str,
    body: str,
    clock: SlaClock | None,
    now: datetime,
) -> tuple[str, dict[str, Any]]:
    """The text and payload (buttons, photos) of ``template`` in ``person``'s linked chat."""
    language = person.language
    payload: dict[str, Any] = {"template": template}
    lines: list[str]
    if report is None:
        lines = [body]
    elif report.privacy is Privacy.CONFIDENTIAL and (
        person.agency_id is None or person.agency_id != report.agency_id
    ):
        # Only the agency's own staff read a confidential report; the others learn it needs them.
        lines = [render("chat_confidential", language, code=report.tracking_code)]
    else:
        lines = [body]
        own = person.role in AGENCY_ROLES and person.agency_id == report.agency_id
        if template in ROUTED and own:
            lines += _card(db, report, language, clock, now)
            # Photos once, when the report first reaches the officer; later notices (the
            # citizen's reply, a reopening) carry the card without sending them again.
            photos = _photos(db, report) if template in FIRST_SIGHT else []
            if photos:
                payload["photos"] = photos
            if report.status is Status.FORWARDED:
                payload["buttons"] = _buttons(report.tracking_code, language)
                payload["report_code"] = report.tracking_code
    if report is not None:
        url = console_url(clock, f"/reports/{report.tracking_code}")
        if url:
            lines.append(render("chat_console_link", language, url=url))
    # The page to take the whole picture from: the dashboard for those who may open it, the
    # agency's inbox for its head (the dashboard is the managers', ``console.views.dashboard``).
    overview = None
    if person.role in (Role.MANAGER, Role.ADMIN, Role.VERIFIER):
        overview = ("chat_dashboard_link", console_url(clock, "/dashboard"))
    elif person.role is Role.AGENCY_HEAD:
        overview = ("chat_inbox_link", console_url(clock, "/inbox"))
    if overview is not None and overview[1]:
        lines.append(render(overview[0], language, url=overview[1]))
    return "\n\n".join(lines), payload


# -- photos in a chat ---------------------------------------------------------------------------

#: How long a signed photo link works: Twilio fetches it when the message goes out, which the
#: outbox may retry for hours (``outbox_retry_budget_seconds``).
PHOTO_LINK_MAX_AGE = timedelta(days=2)
_PHOTO_SALT = "suarawarga.officer-photo"


def photo_token(secret: str, attachment_id: int) -> str:
    """A signed, expiring token for one attachment: WhatsApp (Twilio) sends a photo by fetching
    a URL, and a report's photos are not public (a confidential report's never are), so the URL
    carries this token instead of a guessable id."""
    return URLSafeTimedSerializer(secret, salt=_PHOTO_SALT).dumps(attachment_id)


def photo_of_token(secret: str, token: str) -> int | None:
    """The attachment id of a valid, unexpired token; None otherwise."""
    serializer = URLSafeTimedSerializer(secret, salt=_PHOTO_SALT)
    try:
        value = serializer.loads(token, max_age=int(PHOTO_LINK_MAX_AGE.total_seconds()))
    except BadData:
        return None
    return value if isinstance(value, int) else None


# -- reads for the officer's chat -----------------------------------------------------------------


def last_choices(db: Session, channel: Channel, address: str) -> list[str]:
    """The button data of our last message to a chat, in order (WhatsApp's "1" is the first)."""
    payload = db.scalar(
        select(OutboxMessage.payload)
        .where(OutboxMessage.channel == channel, OutboxMessage.address == address)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    buttons = (payload or {}).get("buttons") or []
    return [str(b.get("data")) for b in buttons if isinstance(b, dict) and b.get("data")]


def replied_report_code(
    db: Session, channel: Channel, address: str, provider_message_id: str
) -> str | None:
    """The tracking code of the report whose notice (our message ``provider_message_id`` to this
    chat) the officer replied to."""
    return db.scalar(
        select(Report.tracking_code)
        .join(OutboxMessage, OutboxMessage.report_id == Report.id)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.address == address,
            OutboxMessage.provider_message_id == provider_message_id,
        )
        .limit(1)
    )


def open_tasks(db: Session, agency_id: int, now: datetime, limit: int) -> tuple[list[Report], int]:
    """An agency's open reports past verification, overdue answers first, then by deadline; and
    how many there are in all."""
    late_first = case(
        (and_(Report.status == Status.FORWARDED, Report.response_due_at < now), 0), else_=1
    )
    mine = (
        Report.agency_id == agency_id,
        Report.status.in_(OPEN_STATUSES - {Status.SUBMITTED}),
    )
    query = (
        select(Report)
        .where(*mine)
        .order_by(late_first, Report.response_due_at.is_(None), Report.response_due_at, Report.id)
    )
    reports = list(db.scalars(query.limit(limit)))
    total = db.scalar(select(func.count()).select_from(Report).where(*mine)) or 0
    return reports, total
