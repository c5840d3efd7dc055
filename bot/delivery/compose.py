"""What a claimed outbox row becomes for its provider: the text in the recipient's language,
buttons or numbered choices, the WhatsApp 24-hour rule and its templates, an email subject, and
the parts a long text goes out in. Decided inside the claim transaction (``outbox.claim``), so
the worker sends without touching the database again.

Apart from ``bot.delivery.outbox``, which keeps the rows' lease and outcomes: this module is
what is sent, that one whether and when.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels import Button, Outgoing, split_text
from bot.delivery.texts import text
from config.settings import Settings
from reports import officer_chat
from reports.attachments import open_path
from reports.enums import Channel, RecipientKind
from reports.lifecycle import DomainError
from reports.models import (
    Agency,
    Attachment,
    Citizen,
    CitizenIdentity,
    Conversation,
    OutboxMessage,
    Report,
    StaffChat,
    StaffUser,
)


@dataclass
class Claim:
    """One claimed row and what is left to do for it."""

    outgoing: Outgoing
    attempts: int  # the claim token
    created_at: datetime
    parts: list[str]
    parts_sent: int = 0
    provider_ids: list[str] = field(default_factory=list)
    refused: str | None = None  # a reason to fail without trying (e.g. no WhatsApp template)
    #: An earlier attempt at the next part may have gone out: it started at this time.
    uncertain_since: datetime | None = None
    #: When (worker's monotonic clock) the lease was last known to be ours: set at the claim and
    #: by each renewal. The worker starts no send on a lease it has not confirmed lately.
    confirmed_at: float = 0.0
    #: Another worker holds the row now (our lease ran out): never send it again.
    lost: bool = False


def _buttons(payload: dict[str, Any]) -> tuple[Button, ...]:
    found: list[Button] = []
    for item in payload.get("buttons") or []:
        if isinstance(item, dict) and item.get("label") and item.get("data") is not None:
            found.append(Button(str(item["label"]), str(item["data"])))
    return tuple(found)


def _language(db: Session, row: OutboxMessage) -> str:
    if row.citizen_id is not None:
        citizen = db.get(Citizen, row.citizen_id)
        return citizen.language if citizen else "id"
    if row.staff_id is not None:
        staff = db.get(StaffUser, row.staff_id)
        return staff.language if staff else "id"
    return "id"


def _window_open(db: Session, row: OutboxMessage, now: datetime, hours: int) -> bool:
    """Inside WhatsApp's customer-service window: the person wrote to us in the last 24 hours.

    A linked officer's chat is not a citizen identity: its last message is on the link; a chat
    that tried to link and was refused has only its conversation row, whose ``updated_at`` every
    inbound message sets.
    """
    if row.recipient_kind is RecipientKind.STAFF:
        last = db.scalar(
            select(StaffChat.last_inbound_at).where(
                StaffChat.channel == Channel.WHATSAPP, StaffChat.address == row.address
            )
        ) or db.scalar(
            select(Conversation.updated_at).where(
                Conversation.channel == Channel.WHATSAPP, Conversation.external_id == row.address
            )
        )
    else:
        last = db.scalar(
            select(CitizenIdentity.last_inbound_at).where(
                CitizenIdentity.channel == Channel.WHATSAPP,
                CitizenIdentity.external_id == row.address,
            )
        )
    return last is not None and now - last < timedelta(hours=hours)


def _photos(db: Session, row: OutboxMessage, settings: Settings) -> tuple[list[str], list[str]]:
    """The stored photos a row carries (``payload.photos``, a report card to an officer's chat):
    their files, for Telegram's upload, and signed links, for Twilio to fetch."""
    ids = [i for i in row.payload.get("photos") or [] if isinstance(i, int)]
    if not ids or row.report_id is None:
        return [], []
    files = db.scalars(
        select(Attachment)
        .where(Attachment.id.in_(ids), Attachment.report_id == row.report_id)
        .order_by(Attachment.id)
    )
    paths, urls = [], []
    secret = settings.session_secret.get_secret_value()
    base = settings.public_base_url.rstrip("/")
    for item in files:
        try:
            path = open_path(settings.attachments_dir, item)
        except DomainError:
            continue
        if path.is_file():
            paths.append(str(path))
            urls.append(f"{base}/media/{officer_chat.photo_token(secret, item.id)}")
    return paths, urls


_SPACES = re.compile(r"\s+")


def _variable(db: Session, row: OutboxMessage, name: str, body: str) -> str:
    """Template parameters: one line, no tabs, bounded (WhatsApp refuses newlines in them)."""
    report = db.get(Report, row.report_id) if row.report_id is not None else None
    if name == "code":
        value = report.tracking_code if report else "-"
    elif name == "title":
        value = report.title if report else "-"
    elif name == "agency":
        agency = db.get(Agency, report.agency_id) if report and report.agency_id else None
        value = agency.name if agency else "-"
    else:  # "text": as it would go free, with the numbered choices a reply is expected from
        value = body
    value = _SPACES.sub(" ", value).strip() or "-"
    return value if len(value) <= 1000 else value[:999] + "…"


def _whatsapp_template(
    db: Session, row: OutboxMessage, settings: Settings, body: str
) -> tuple[str | None, dict[str, str]]:
    name = str(row.payload.get("template") or row.template)
    template = settings.whatsapp_templates.get(name) or settings.whatsapp_templates.get("default")
    if template is None:
        return None, {}
    variables = {
        str(i): _variable(db, row, v, body) for i, v in enumerate(template.variables, start=1)
    }
    return template.content_sid, variables


def prepare(db: Session, row: OutboxMessage, *, settings: Settings, now: datetime,
            limit: int) -> Claim:  # fmt: skip
    """Everything the provider call needs, decided inside the claim transaction."""
    language = _language(db, row)
    buttons = _buttons(row.payload)
    body = row.body
    content_sid: str | None = None
    variables: dict[str, str] = {}
    refused: str | None = None
    subject = ""
    photos, photo_urls = _photos(db, row, settings)
    if row.channel == Channel.WHATSAPP:
        if buttons:
            lines = [f"{i}. {b.label}" for i, b in enumerate(buttons, start=1)]
            body = f"{body}\n\n{text('choose_number', language)}\n" + "\n".join(lines)
            buttons = ()
        if row.payload.get("force_template") or not _window_open(
            db, row, now, settings.whatsapp_window_hours
        ):
            content_sid, variables = _whatsapp_template(db, row, settings, body)
            if content_sid is None:
                refused = (
                    "outside the WhatsApp 24-hour window and no approved template is configured "
                    f"for {row.template!r} (SUARAWARGA_WHATSAPP_TEMPLATES)"
                )
    elif row.channel == Channel.EMAIL:
        report = db.get(Report, row.report_id) if row.report_id is not None else None
        subject = (
            text("email_subject_report", language, code=report.tracking_code)
            if report
            else text("email_subject", language)
        )
    parts = [""] if content_sid else split_text(body, limit) or [""]
    delivery = row.payload.get("delivery") or {}
    return Claim(
        outgoing=Outgoing(
            row_id=row.id,
            channel=row.channel,
            address=row.address,
            text=body,
            buttons=buttons,
            template=row.template,
            language=language,
            content_sid=content_sid,
            content_variables=variables,
            subject=subject,
            photos=tuple(photos),
            photo_urls=tuple(photo_urls),
        ),
        attempts=row.attempts,
        created_at=row.created_at,
        parts=parts,
        parts_sent=int(delivery.get("parts_sent", 0)),
        provider_ids=list(delivery.get("provider_ids", [])),
        refused=refused,
        uncertain_since=_instant(delivery.get("uncertain_since")),
    )


def _instant(value: Any) -> datetime | None:
    """An ISO timestamp stored in a row's payload (None when absent or unreadable)."""
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
