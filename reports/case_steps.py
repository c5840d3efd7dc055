"""The steps every report use case shares: who may act, the status move, the event log, the
thread and the agency's window, and ``perform``, which puts one transition and its record
together. ``citizen_cases`` and ``staff_cases`` are built from these; each step works in the
caller's transaction and sends nothing itself. Who is acting is ``reports.actor``, the shared
reads are ``reports.lookups`` and the notices a transition queues are ``reports.case_notices``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import groups
from reports.actor import Actor
from reports.case_notices import Notice, announce, notice_values
from reports.enums import (
    AGENCY_ROLES,
    ActorKind,
    MessageDirection,
    MessageKind,
    Stage,
    Status,
)
from reports.lifecycle import RESUME, STAFF_ROLES, Action, DomainError, NotPermitted, target_status
from reports.models import (
    Agency,
    AgencyAssignment,
    Attachment,
    Report,
    ReportEvent,
    ReportMessage,
)

TITLE_MAX = 200
BODY_MAX = 20_000


def check_staff(actor: Actor, action: Action, report: Report) -> None:
    if actor.kind is not ActorKind.STAFF:
        raise NotPermitted("not_staff_action", action=action.value)
    if actor.role not in STAFF_ROLES.get(action, frozenset()):
        raise NotPermitted("role_not_permitted", role=str(actor.role), action=action.value)
    if actor.role in AGENCY_ROLES and report.agency_id != actor.agency_id:
        raise NotPermitted("not_your_agency")


def link_attachments(db: Session, report: Report, attachment_ids: Sequence[int]) -> list[str]:
    """Give the reporter's own, not yet linked files to ``report``; returns their names.

    Only files stored for this citizen and not already part of a report are taken, so an id
    guessed or replayed from another conversation can never move someone else's file.
    """
    if not attachment_ids:
        return []
    files = list(
        db.scalars(
            select(Attachment)
            .where(
                Attachment.id.in_(list(attachment_ids)),
                Attachment.citizen_id == report.citizen_id,
                Attachment.report_id.is_(None),
            )
            .order_by(Attachment.id)
        )
    )
    for attachment in files:
        attachment.report_id = report.id
    return [attachment.filename for attachment in files]


def check_citizen(actor: Actor, report: Report) -> None:
    if actor.kind is not ActorKind.CITIZEN or actor.id != report.citizen_id:
        raise NotPermitted("reporter_only")


def record_event(
    db: Session,
    report: Report,
    action: Action | str,
    actor: Actor,
    now: datetime,
    *,
    from_status: Status | None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> ReportEvent:
    event = ReportEvent(
        report_id=report.id,
        action=str(action),
        actor_kind=actor.kind,
        actor_id=actor.id,
        from_status=from_status,
        to_status=report.status,
        reason=reason,
        data={**(data or {}), "via": actor.via} if actor.via else data or {},
        created_at=now,
    )
    db.add(event)
    db.flush()
    return event


def transition(
    db: Session, report: Report, action: Action, now: datetime
) -> tuple[Status | None, Status]:
    if report.duplicate_of_id is not None:
        # A merged report follows its primary: nothing happens to it on its own until unmerged.
        primary = db.get(Report, report.duplicate_of_id)
        raise DomainError("report_merged", primary=primary.tracking_code if primary else "-")
    before = report.status
    to = target_status(before, action)
    if to == RESUME:
        to = Status.FORWARDED if report.paused_stage is Stage.RESPOND else Status.SUBMITTED
    report.status = Status(to)
    report.updated_at = now
    return before, report.status


def hand_to_agency(
    db: Session, clock: SlaClock, report: Report, agency: Agency | None, now: datetime
) -> None:
    """The agency's full window to respond starts now, and with it the assignment that counts the
    working days it holds the report (forward, reroute, reopen). No agency: only the window."""
    if agency is not None:
        if agency.id != report.agency_id:
            report.assignee_id = None  # the assignee was an officer of the previous agency
        report.agency_id = agency.id
    clock.start(report, Stage.RESPOND, now)
    clock.refresh(report)
    if agency is not None:
        db.add(AgencyAssignment(report_id=report.id, agency_id=agency.id, assigned_at=now))


def release_assignment(
    db: Session, clock: SlaClock, report: Report, now: datetime, reason: str
) -> None:
    current = db.scalar(
        select(AgencyAssignment).where(
            AgencyAssignment.report_id == report.id, AgencyAssignment.released_at.is_(None)
        )
    )
    if current is not None:
        current.released_at = now
        current.release_reason = reason
        current.working_days_held = clock.calendar.working_days_between(current.assigned_at, now)


def add_to_thread(
    db: Session,
    report: Report,
    direction: MessageDirection,
    kind: MessageKind,
    body: str,
    now: datetime,
    author: Actor | None = None,
) -> None:
    db.add(
        ReportMessage(
            report_id=report.id,
            direction=direction,
            kind=kind,
            author_staff_id=author.id if author and author.kind is ActorKind.STAFF else None,
            body=body,
            created_at=now,
        )
    )


def clean_text(text: str, limit: int, what: str) -> str:
    cleaned = text.replace("\x00", "").strip()
    if not cleaned:
        raise DomainError("empty", field=what)
    return cleaned[:limit]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a use case's own changes leave for the log and the notices: the event's reason and
    data, the notices to queue and the extra values they render."""

    reason: str | None = None
    data: dict[str, Any] | None = None
    notices: Sequence[Notice] = ()
    values: Mapping[str, Any] = field(default_factory=dict)


def perform(
    db: Session,
    clock: SlaClock,
    report: Report,
    action: Action,
    actor: Actor,
    now: datetime,
    change: Callable[[], Outcome] = Outcome,
) -> ReportEvent:
    """One transition with its record: move the status, apply ``change``, log the event, queue
    the notices (keyed by that event, see ``case_notices.announce``).

    The use case checks who may act (``check_staff``, ``check_citizen``) and validates its input
    before calling this, so a refusal changes nothing; ``change`` runs after the status moved
    because the clock's deadlines are computed for the new status. The event is written after
    the change so it records the report as it now is (``to_status``, ids the change assigned).
    """
    before, _ = transition(db, report, action, now)
    outcome = change()
    event = record_event(
        db, report, action, actor, now, from_status=before, reason=outcome.reason, data=outcome.data
    )
    if outcome.notices:
        announce(db, clock, report, event, now, *outcome.notices, **outcome.values)
    return event


def mark_closed(
    db: Session, clock: SlaClock, report: Report, action: Action, now: datetime, reason: str
) -> None:
    """When and why the report closed; no deadline is watched any more and the agency's hold
    on it ends (finished or archived alike)."""
    report.closed_at = now
    report.close_reason = reason
    report.next_sla_at = None
    release_assignment(db, clock, report, now, action.value)


def close_group(db: Session, clock: SlaClock, report: Report, now: datetime) -> None:
    """``report`` closed: the reports merged into it close with it (``reports.groups``)."""
    groups.close_with_primary(
        db,
        report,
        tz=clock.calendar.tz,
        now=now,
        values=notice_values(db, report),
        tracking_url=clock.tracking_url(report.tracking_code),
    )


def reopen_group(
    db: Session, clock: SlaClock, report: Report, event: ReportEvent, now: datetime
) -> None:
    """``report`` is with its agency again after an answer or its end: its group follows
    (``reports.groups.reopen_with_primary``)."""
    groups.reopen_with_primary(
        db,
        report,
        f"event:{event.id}",
        tz=clock.calendar.tz,
        now=now,
        values=notice_values(db, report),
        tracking_url=clock.tracking_url(report.tracking_code),
    )


def finish_report(
    db: Session,
    clock: SlaClock,
    report: Report,
    action: Action,
    actor: Actor,
    now: datetime,
    *,
    reason: str,
) -> Report:
    """Finished (by staff, by the citizen's acceptance or when their window ended): the reporter
    is told, and asked to rate the handling."""

    def close() -> Outcome:
        mark_closed(db, clock, report, action, now, reason)
        rating = Notice(
            "rating_request",
            payload={"expects": "rating", "choices": ["1", "2", "3", "4"]},
            key_suffix=":rating",
        )
        return Outcome(reason=reason, notices=(Notice("report_finished"), rating))

    perform(db, clock, report, action, actor, now, close)
    close_group(db, clock, report, now)
    return report
