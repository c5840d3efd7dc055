"""Assigning a report to one officer of the agency that holds it.

An agency inbox shared by every officer leaves each report to "someone": LAPOR!'s disposisi and
helpdesks such as Zammad name one owner. Here the agency head assigns any active officer (or
head) of the agency, and an officer may take an unassigned report or let go of their own; the
assignee then receives the report's staff notifications instead of the whole agency
(:func:`reports.notify.agency_officers`). Every change is an audited ``assign`` event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import notify
from reports.actor import Actor
from reports.case_notices import notice_values
from reports.enums import AGENCY_ROLES, ActorKind, Role
from reports.lifecycle import DomainError, NotPermitted
from reports.models import Report, ReportEvent, StaffUser

ASSIGN: Final = "assign"


def candidates(db: Session, agency_id: int | None) -> list[StaffUser]:
    """Who may hold a report of ``agency_id``: its active officers and heads, by name."""
    if agency_id is None:
        return []
    return list(
        db.scalars(
            select(StaffUser)
            .where(
                StaffUser.agency_id == agency_id,
                StaffUser.active.is_(True),
                StaffUser.role.in_(sorted(AGENCY_ROLES)),
            )
            .order_by(StaffUser.full_name, StaffUser.id)
        )
    )


def may_assign(actor: Actor, report: Report, assignee_id: int | None) -> bool:
    """The head of the report's agency assigns anyone of it (or nobody); an officer only takes an
    unassigned report for themself or releases their own."""
    if actor.kind is not ActorKind.STAFF or actor.role not in AGENCY_ROLES:
        return False
    if report.agency_id is None or report.agency_id != actor.agency_id:
        return False
    if actor.role is Role.AGENCY_HEAD:
        return True
    if assignee_id is None:
        return report.assignee_id == actor.id
    return assignee_id == actor.id and report.assignee_id in (None, actor.id)


def assign(
    db: Session,
    *,
    clock: SlaClock,
    report: Report,
    actor: Actor,
    assignee_id: int | None,
    now: datetime,
) -> Report:
    """Make ``assignee_id`` (or nobody) the report's assignee; records an ``assign`` event and
    tells a new assignee who did not assign themself."""
    if not may_assign(actor, report, assignee_id):
        raise NotPermitted("assign_not_permitted")
    assignee: StaffUser | None = None
    if assignee_id is not None:
        assignee = next((s for s in candidates(db, report.agency_id) if s.id == assignee_id), None)
        if assignee is None:
            raise DomainError("assignee_not_officer", assignee_id=assignee_id)
    previous = report.assignee_id
    if previous == assignee_id:
        return report  # nothing changes, nothing recorded
    report.assignee_id = assignee_id
    report.updated_at = now
    event = ReportEvent(
        report_id=report.id,
        action=ASSIGN,
        actor_kind=actor.kind,
        actor_id=actor.id,
        from_status=report.status,
        to_status=report.status,
        data={"assignee_id": assignee_id, "previous_assignee_id": previous},
        created_at=now,
    )
    db.add(event)
    db.flush()
    if assignee is not None and assignee.id != actor.id:
        notify.notify_staff(
            db,
            staff=[assignee],
            report=report,
            template="staff_assigned",
            key=f"event:{event.id}",
            tz=clock.calendar.tz,
            now=now,
            values=notice_values(db, report),
            clock=clock,
        )
    return report
