"""Queueing outbox messages implied by domain changes, and resolving who should receive them.

Only rows are written here; delivery is the outbox sender's job (``bot/``), after the commit, so a
failed send never rolls back a transition and a rolled-back transition never sends anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.enums import Channel, OutboxStatus, RecipientKind, Role
from reports.messages import format_date, render
from reports.models import Citizen, CitizenIdentity, OutboxMessage, Report, StaffUser

#: Channels the outbox sender can deliver to; a web-chat identity receives through the chat page.
DELIVERABLE = frozenset({Channel.TELEGRAM, Channel.WHATSAPP, Channel.WEB, Channel.EMAIL})


def render_notice(template: str, language: str, tz: ZoneInfo, values: Mapping[str, Any]) -> str:
    """Render with dates in the reader's language and the deployment's zone."""
    shown = {
        k: format_date(v, language, tz) if isinstance(v, datetime) else v for k, v in values.items()
    }
    if "stage" in shown:
        shown["stage_verb"] = render(f"stage_verb_{shown['stage']}", language)
    return render(template, language, **shown)


def queue(
    db: Session,
    *,
    key: str,
    recipient_kind: RecipientKind,
    channel: Channel,
    address: str,
    template: str,
    body: str,
    now: datetime,
    report: Report | None = None,
    citizen_id: int | None = None,
    staff_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> OutboxMessage | None:
    """Add one outbox row unless one with the same idempotency key already exists."""
    if db.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
        return None
    row = OutboxMessage(
        idempotency_key=key,
        recipient_kind=recipient_kind,
        citizen_id=citizen_id,
        staff_id=staff_id,
        report_id=report.id if report is not None else None,
        channel=channel,
        address=address,
        template=template,
        body=body,
        payload=payload or {},
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.add(row)
    return row


def citizen_identity(db: Session, report: Report) -> CitizenIdentity | None:
    """Where to reach the reporter: their identity on the report's channel, else the latest one."""
    identities = db.scalars(
        select(CitizenIdentity)
        .where(CitizenIdentity.citizen_id == report.citizen_id)
        .order_by(CitizenIdentity.id.desc())
    ).all()
    for identity in identities:
        if identity.channel == report.channel and identity.channel in DELIVERABLE:
            return identity
    return next((i for i in identities if i.channel in DELIVERABLE), None)


def notify_citizen(
    db: Session,
    *,
    report: Report,
    template: str,
    key: str,
    tz: ZoneInfo,
    now: datetime,
    values: Mapping[str, Any],
    payload: dict[str, Any] | None = None,
) -> OutboxMessage | None:
    identity = citizen_identity(db, report)
    if identity is None:
        return None  # e.g. a report typed in by staff for a walk-in citizen
    citizen = db.get(Citizen, report.citizen_id)
    language = citizen.language if citizen else "id"
    return queue(
        db,
        key=f"{key}:citizen",
        recipient_kind=RecipientKind.CITIZEN,
        channel=identity.channel,
        address=identity.external_id,
        template=template,
        body=render_notice(template, language, tz, values),
        now=now,
        report=report,
        citizen_id=report.citizen_id,
        payload={"template": template, **(payload or {})},
    )


def staff_with_role(db: Session, role: Role, agency_id: int | None = None) -> list[StaffUser]:
    query = select(StaffUser).where(StaffUser.role == role, StaffUser.active.is_(True))
    if agency_id is not None:
        query = query.where(StaffUser.agency_id == agency_id)
    return list(db.scalars(query.order_by(StaffUser.id)))


def notify_staff(
    db: Session,
    *,
    staff: Iterable[StaffUser],
    report: Report | None,
    template: str,
    key: str,
    tz: ZoneInfo,
    now: datetime,
    values: Mapping[str, Any],
) -> list[OutboxMessage]:
    """One row per notification address of each staff member (deduplicated per person)."""
    rows: list[OutboxMessage] = []
    seen: set[int] = set()
    for person in staff:
        if person.id in seen:
            continue
        seen.add(person.id)
        body = render_notice(template, person.language, tz, values)
        for addr in person.addresses:
            row = queue(
                db,
                key=f"{key}:staff:{person.id}:{addr.channel.value}:{addr.address}",
                recipient_kind=RecipientKind.STAFF,
                channel=addr.channel,
                address=addr.address,
                template=template,
                body=body,
                now=now,
                report=report,
                staff_id=person.id,
            )
            if row is not None:
                rows.append(row)
    return rows
