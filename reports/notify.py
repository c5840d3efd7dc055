"""Queueing outbox messages implied by domain changes, and resolving who should receive them.

Only rows are written here; delivery is the outbox sender's job (``bot/``), after the commit, so a
failed send never rolls back a transition and a rolled-back transition never sends anything.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from reports import officer_chat
from reports.enums import Channel, OutboxStatus, RecipientKind, Role
from reports.messages import format_date, render
from reports.models import Citizen, CitizenIdentity, OutboxMessage, Report, StaffUser

if TYPE_CHECKING:
    from escalation.deadlines import SlaClock

#: Channels the outbox sender can deliver to; a web-chat identity receives through the chat page.
DELIVERABLE = frozenset({Channel.TELEGRAM, Channel.WHATSAPP, Channel.WEB, Channel.EMAIL})

#: ``Session.info`` key of :func:`mute`.
_MUTED = "suarawarga.notify.muted"


def mute(db: Session) -> None:
    """Queue nothing from this session on: every later notice is dropped, not written.

    For replaying history (``suarawarga import reports``): the use cases and the sweep run
    unchanged, so deadlines, events and escalations are what the live product would have
    recorded, but the people involved were told years ago (or never) and must hear nothing now.
    Every outbox row is written through this module (:func:`queue`, :func:`insert_rows`), so this
    one flag covers every notice of every use case and of the sweep; it lives on the session (the
    unit of work), so it cannot leak into another request, job or process.
    """
    db.info[_MUTED] = True


def is_muted(db: Session) -> bool:
    return bool(db.info.get(_MUTED))


def render_notice(template: str, language: str, tz: ZoneInfo, values: Mapping[str, Any]) -> str:
    """Render with dates in the reader's language and the deployment's zone."""
    shown = {
        k: format_date(v, language, tz) if isinstance(v, datetime) else v for k, v in values.items()
    }
    if "stage" in shown:
        shown["stage_verb"] = render(f"stage_verb_{shown['stage']}", language)
    return render(template, language, **shown)


_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]


_INSERTS: dict[str, Any] = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def _insert(dialect: str, target: Any) -> Any:
    """INSERT INTO ``target`` for ``dialect``: both backends have ON CONFLICT ... DO NOTHING."""
    if dialect not in _INSERTS:
        raise NotImplementedError(f"the outbox needs PostgreSQL or SQLite, not {dialect}")
    return _INSERTS[dialect](target)


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
    """Add one outbox row unless one with the same idempotency key already exists.

    One INSERT ... ON CONFLICT (idempotency_key) DO NOTHING RETURNING: no existence check
    first, and two transactions queueing the same key (two schedulers) never fail on the unique
    key: the second waits for the first and then inserts nothing. Returns the new row (a
    persistent object), or None when the key existed (or the session is muted).
    """
    if is_muted(db):
        return None
    if report is not None and report.id is None:
        db.flush()  # a report added in this transaction gets its id
    values = {
        "idempotency_key": key,
        "recipient_kind": recipient_kind,
        "citizen_id": citizen_id,
        "staff_id": staff_id,
        "report_id": report.id if report is not None else None,
        "channel": channel,
        "address": address,
        "template": template,
        "body": body,
        "payload": payload or {},
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    statement = (
        _insert(db.get_bind().dialect.name, OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(OutboxMessage)
    )
    return db.scalars(statement).first()


def insert_rows(db: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many outbox rows (complete column values) in one statement; duplicate keys are skipped.

    For callers that need no ORM objects back: the bot's replies, several per message.
    """
    if rows and not is_muted(db):
        connection = db.connection()
        connection.execute(_insert_rows_statement(connection.dialect.name), list(rows))


@functools.cache
def _insert_rows_statement(dialect: str) -> Any:
    """Built once per dialect: a statement object reused per call skips rebuilding and
    cache-keying it (this runs for every inbound message)."""
    return _insert(dialect, _OUTBOX).on_conflict_do_nothing(index_elements=["idempotency_key"])


@functools.cache
def _last_sent_statement() -> Select[tuple[str, dict[str, Any] | None]]:
    """Built once: asked on most turns of a contact in a flow (index ``ix_outbox_recipient``)."""
    return (
        select(OutboxMessage.template, OutboxMessage.payload)
        .where(
            OutboxMessage.channel == bindparam("channel"),
            OutboxMessage.address == bindparam("address"),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )


def last_sent_to(
    db: Session, channel: Channel, address: str
) -> Row[tuple[str, dict[str, Any] | None]] | None:
    """Our latest outbox row to one address (its template and payload), queued or sent: what
    the conversation last said to that contact and which answer it expects. One Core statement
    on the session's connection, no ORM load."""
    return (
        db.connection()
        .execute(_last_sent_statement(), {"channel": channel, "address": address})
        .first()
    )


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
    tracking_url: str | None = None,
) -> OutboxMessage | None:
    """Queue ``template`` for the reporter, with the tracking page's link when one is given.

    Every citizen notice names the report's code, so every one of them also carries the link to
    ``/t/{code}``: the citizen can open the page from whichever message they find first.
    """
    if is_muted(db):
        return None
    identity = citizen_identity(db, report)
    if identity is None:
        return None  # e.g. a report typed in by staff for a walk-in citizen
    return queue_for_citizen(
        db,
        citizen_id=report.citizen_id,
        identity=identity,
        report=report,
        template=template,
        key=f"{key}:citizen",
        tz=tz,
        now=now,
        values=values,
        payload=payload,
        tracking_url=tracking_url,
    )


def queue_for_citizen(
    db: Session,
    *,
    citizen_id: int,
    identity: CitizenIdentity,
    report: Report,
    template: str,
    key: str,
    tz: ZoneInfo,
    now: datetime,
    values: Mapping[str, Any],
    payload: Mapping[str, Any] | None = None,
    tracking_url: str | None = None,
) -> OutboxMessage | None:
    """Queue ``template`` about ``report`` for one citizen at ``identity``, in their language and
    with the tracking link: the reporter (:func:`notify_citizen`) or another citizen of the
    report's group (``reports.groups``)."""
    citizen = db.get(Citizen, citizen_id)
    language = citizen.language if citizen else "id"
    body = render_notice(template, language, tz, values)
    if tracking_url:
        body = f"{body}\n\n{render('tracking_link', language, url=tracking_url)}"
    return queue(
        db,
        key=key,
        recipient_kind=RecipientKind.CITIZEN,
        channel=identity.channel,
        address=identity.external_id,
        template=template,
        body=body,
        now=now,
        report=report,
        citizen_id=citizen_id,
        payload={"template": template, **(payload or {})},
    )


def staff_with_role(db: Session, role: Role, agency_id: int | None = None) -> list[StaffUser]:
    """The active staff of ``role`` (of one agency), with where to reach them: their addresses
    and linked chats come in one query each for all of them, not one per person."""
    query = (
        select(StaffUser)
        .where(StaffUser.role == role, StaffUser.active.is_(True))
        .options(selectinload(StaffUser.addresses), selectinload(StaffUser.chats))
    )
    if agency_id is not None:
        query = query.where(StaffUser.agency_id == agency_id)
    return list(db.scalars(query.order_by(StaffUser.id)))


def agency_officers(db: Session, report: Report) -> list[StaffUser]:
    """Who hears about a report held by an agency: its assignee when it has one (still active and
    still of that agency), otherwise every officer of the agency."""
    if report.assignee_id is not None and report.agency_id is not None:
        assignee = db.get(StaffUser, report.assignee_id)
        if assignee is not None and assignee.active and assignee.agency_id == report.agency_id:
            return [assignee]
    if report.agency_id is None:
        return []
    return staff_with_role(db, Role.OFFICER, report.agency_id)


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
    clock: SlaClock | None = None,
) -> list[OutboxMessage]:
    """One row per notification address and linked chat of each staff member (deduplicated per
    person).

    A linked chat (``reports.officer_chat``) gets the richer chat rendering: the report itself
    and its action buttons for the agency's officers, links to the console and the dashboard;
    ``clock`` gives the working days left and the public address (without it, plain text).
    """
    rows: list[OutboxMessage] = []
    if is_muted(db):
        return rows
    seen: set[int] = set()
    for person in staff:
        if person.id in seen:
            continue
        seen.add(person.id)
        body = render_notice(template, person.language, tz, values)
        # (key suffix, channel, address, text, payload): each linked chat gets the richer card
        # form; a plain address already reached as a linked chat gets nothing more.
        targets: list[tuple[str, Channel, str, str, dict[str, Any] | None]] = []
        for chat in person.chats:
            card, buttons = officer_chat.chat_notice(
                db, person=person, report=report, template=template, body=body, clock=clock,
                now=now,
            )  # fmt: skip
            suffix = f"chat:{chat.channel.value}:{chat.address}"
            targets.append((suffix, chat.channel, chat.address, card, buttons))
        chats = {(chat.channel, chat.address) for chat in person.chats}
        for addr in person.addresses:
            if (addr.channel, addr.address) not in chats:
                suffix = f"{addr.channel.value}:{addr.address}"
                targets.append((suffix, addr.channel, addr.address, body, None))
        for suffix, channel, address, text, payload in targets:
            row = queue(
                db,
                key=f"{key}:staff:{person.id}:{suffix}",
                recipient_kind=RecipientKind.STAFF,
                channel=channel,
                address=address,
                template=template,
                body=text,
                now=now,
                report=report,
                staff_id=person.id,
                payload=payload,
            )
            if row is not None:
                rows.append(row)
    return rows
