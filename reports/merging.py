"""One problem, many reports: merging a report into another, unmerging it, and a citizen joining
someone else's public report ("saya juga mengalami ini"). Issue 15, points 6 and 7.

Groups are one level deep: a report is either a primary or merged into one, never both. Merging
a report that has its own merged reports moves them to the new primary, and merging into a merged
report is refused, so a cycle cannot be built; it is also refused by name when asked for.

A merged report keeps its status and its thread but has no deadlines of its own: its clock stops
(``next_sla_at`` and the due dates are cleared, the old ones kept in the audit event) and the
primary's deadlines govern; the sweep never selects it. Every transition on it is refused
(``case_steps.transition``) until it is unmerged; it follows the primary instead
(``reports.groups``). Unmerging restarts its current stage's clock from the moment of unmerging
(its old window ran out while the primary carried it) and is audited with a reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import groups, notify
from reports.actor import Actor
from reports.case_notices import notice_values
from reports.case_steps import clean_text, hand_to_agency, record_event, release_assignment
from reports.enums import (
    AGENCY_ROLES,
    OPEN_STATUSES,
    ActorKind,
    Channel,
    Privacy,
    Role,
    Status,
)
from reports.lifecycle import DomainError, NotPermitted
from reports.models import Agency, Citizen, Report, ReportSupporter

MERGE_ROLES = frozenset({Role.VERIFIER, Role.ADMIN, Role.OFFICER, Role.AGENCY_HEAD})


def _check_actor(actor: Actor, *reports: Report) -> None:
    """Verifiers and admins merge any reports; an agency's staff only reports their agency holds
    (both of them: an officer cannot pull another agency's report into theirs)."""
    if actor.kind is not ActorKind.STAFF:
        raise NotPermitted("not_staff_action", action="merge")
    if actor.role not in MERGE_ROLES:
        raise NotPermitted("role_not_permitted", role=str(actor.role), action="merge")
    if actor.role in AGENCY_ROLES and any(r.agency_id != actor.agency_id for r in reports):
        raise NotPermitted("not_your_agency")


def merge(
    db: Session,
    *,
    clock: SlaClock,
    report: Report,
    into: Report,
    actor: Actor,
    now: datetime,
    reason: str = "",
) -> Report:
    """Mark ``report`` a duplicate of ``into``; its citizen is told and given ``into``'s link."""
    _check_actor(actor, report, into)
    if report.id == into.id:
        raise DomainError("merge_into_itself")
    if into.duplicate_of_id == report.id:
        raise DomainError("merge_cycle", code=into.tracking_code)
    if into.duplicate_of_id is not None:
        primary = db.get(Report, into.duplicate_of_id)
        raise DomainError(
            "merge_into_merged",
            code=into.tracking_code,
            primary=primary.tracking_code if primary else "-",
        )
    if into.status not in OPEN_STATUSES:
        raise DomainError("merge_into_closed", code=into.tracking_code)
    if report.duplicate_of_id is not None:
        raise DomainError("already_merged", code=report.tracking_code)
    if report.status not in OPEN_STATUSES:
        raise DomainError("merge_closed", code=report.tracking_code)
    reason = reason.replace("\x00", "").strip()[:500]

    # Its own merged reports move with it: groups stay one level deep.
    moved = list(db.scalars(select(Report).where(Report.duplicate_of_id == report.id)))
    for child in moved:
        child.duplicate_of_id = into.id
        child.updated_at = now
    before_dues = {
        "verify_due_at": _iso(report.verify_due_at),
        "response_due_at": _iso(report.response_due_at),
        "feedback_due_at": _iso(report.feedback_due_at),
    }
    release_assignment(db, clock, report, now, "merged into " + into.tracking_code)
    report.duplicate_of_id = into.id
    report.verify_due_at = report.response_due_at = report.feedback_due_at = None
    report.next_sla_at = None
    report.updated_at = now
    db.flush()
    event = record_event(
        db,
        report,
        "merge",
        actor,
        now,
        from_status=report.status,
        reason=reason or None,
        data={
            "into": into.tracking_code,
            "moved": [c.tracking_code for c in moved],
            "deadlines_before": before_dues,
        },
    )
    record_event(
        db,
        into,
        "merge_received",
        actor,
        now,
        from_status=into.status,
        reason=reason or None,
        data={"from": report.tracking_code, "moved": [c.tracking_code for c in moved]},
    )
    url = clock.tracking_url(into.tracking_code)
    for merged in (report, *moved):
        notify.notify_citizen(
            db,
            report=merged,
            template="report_merged",
            key=f"event:{event.id}:merged:{merged.id}",
            tz=clock.calendar.tz,
            now=now,
            values=notice_values(db, into, own=merged.tracking_code),
            tracking_url=url,
        )
    return report


def unmerge(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, reason: str, now: datetime
) -> Report:
    """Take ``report`` out of its group again: audited on both reports, with a reason."""
    if report.duplicate_of_id is None:
        raise DomainError("not_merged", code=report.tracking_code)
    primary = db.get(Report, report.duplicate_of_id)
    assert primary is not None
    _check_actor(actor, primary)
    if report.status not in OPEN_STATUSES:
        raise DomainError("unmerge_closed", code=report.tracking_code)
    reason = clean_text(reason, 500, "the reason")
    report.duplicate_of_id = None
    report.updated_at = now
    stage = report.stage
    if report.status is Status.FORWARDED and report.agency_id is not None:
        hand_to_agency(db, clock, report, db.get(Agency, report.agency_id), now)
    elif stage is not None:
        clock.start(report, stage, now)
        clock.refresh(report)
    db.flush()
    event = record_event(
        db,
        report,
        "unmerge",
        actor,
        now,
        from_status=report.status,
        reason=reason,
        data={"from": primary.tracking_code},
    )
    record_event(
        db,
        primary,
        "unmerge_released",
        actor,
        now,
        from_status=primary.status,
        reason=reason,
        data={"released": report.tracking_code},
    )
    notify.notify_citizen(
        db,
        report=report,
        template="report_unmerged",
        key=f"event:{event.id}",
        tz=clock.calendar.tz,
        now=now,
        values=notice_values(db, report, primary=primary.tracking_code),
        tracking_url=clock.tracking_url(report.tracking_code),
    )
    return report


def joinable(report: Report) -> bool:
    """A report a stranger may join: published (verified, not confidential), open."""
    return (
        report.verified_at is not None
        and report.privacy is not Privacy.CONFIDENTIAL
        and report.status in OPEN_STATUSES
    )


def join(
    db: Session,
    *,
    clock: SlaClock,
    report: Report,
    citizen: Citizen,
    channel: Channel,
    now: datetime,
) -> tuple[Report, bool]:
    """The citizen says "saya juga mengalami ini" about ``report`` (or the primary it was merged
    into): they hear the group's news from now on and count among its reporters.

    Returns the report joined and whether the citizen was added (False: they already were in
    the group, as its reporter, a merged reporter or a supporter).
    """
    if report.duplicate_of_id is not None:
        primary = db.get(Report, report.duplicate_of_id)
        assert primary is not None
        report = primary
    if not joinable(report):
        raise DomainError("join_not_open", code=report.tracking_code)
    group_ids = [
        report.id,
        *db.scalars(select(Report.id).where(Report.duplicate_of_id == report.id)),
    ]
    already = db.scalar(
        select(Report.id).where(Report.id.in_(group_ids), Report.citizen_id == citizen.id)
    ) or db.scalar(
        select(ReportSupporter.id).where(
            ReportSupporter.report_id.in_(group_ids), ReportSupporter.citizen_id == citizen.id
        )
    )
    if already:
        return report, False
    db.add(
        ReportSupporter(report_id=report.id, citizen_id=citizen.id, channel=channel, created_at=now)
    )
    db.flush()
    event = record_event(
        db,
        report,
        "join",
        Actor.citizen(citizen.id),
        now,
        from_status=report.status,
        data={"channel": channel.value},
    )
    supporter = db.scalar(
        select(ReportSupporter).where(
            ReportSupporter.report_id == report.id, ReportSupporter.citizen_id == citizen.id
        )
    )
    assert supporter is not None
    groups.tell_supporter(
        db,
        supporter,
        report,
        "report_joined",
        f"event:{event.id}",
        tz=clock.calendar.tz,
        now=now,
        values=notice_values(db, report),
        tracking_url=clock.tracking_url(report.tracking_code),
    )
    return report, True


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
