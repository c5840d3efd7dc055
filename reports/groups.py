"""A merged group: a primary report, the reports merged into it and the citizens who joined it.

What the primary's transitions mean for the rest of the group lives here, below ``case_steps``
and ``case_notices`` (which call it from ``finish_report`` and ``announce``), so every use case
that tells the reporter something tells the whole group without each of them knowing about
groups:

- the notices a citizen of the group should hear (forwarded, moved, answered, extended,
  finished, closed) are queued for every other citizen too, in their own channel and language,
  each under its own idempotency key (a re-run notifies nobody twice);
- when the primary closes, its merged reports close with it, and each of their citizens is asked
  to rate the handling of their own report; the citizens who joined it ("saya juga") have no
  report of their own and are asked to rate the primary, as themselves (``reports.satisfaction``
  keeps one score per citizen and element of a report, so each citizen counts once);
- when the primary is handled again (its reporter objected to the answer, or reopened it), the
  merged reports that closed with it reopen with it and the rest of the group is told; at the
  next close everyone is asked to rate again, as the reporter is (``reopen_with_primary``).

Merged reports have no deadlines of their own: the primary's govern (``reports.merging``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import Session

from reports import notify
from reports.enums import OPEN_STATUSES, ActorKind, Status
from reports.models import CitizenIdentity, Report, ReportEvent, ReportSupporter

#: The reporter's notices the rest of the group hears too, and the template they hear it as. An
#: answer asks the reporter to accept or object; the others may only rate it at the end, so they
#: read it without that question. Requests for information stay with the reporter who was asked.
GROUP_TEMPLATES: Final[dict[str, str]] = {
    "report_forwarded": "report_forwarded",
    "report_rerouted": "report_rerouted",
    "agency_answer": "group_answer",
    "deadline_extended": "deadline_extended",
    "report_finished": "report_finished",
    "report_archived": "report_archived",
    "rating_request": "rating_request",
    "group_reopened": "group_reopened",
}

#: Notices only the citizens who joined hear from the primary: a merged report's citizen is asked
#: to rate their own report when it closes with the primary (``close_with_primary``), while a
#: supporter has no report of their own and rates the primary itself (``reports.satisfaction``).
SUPPORTERS_ONLY: Final = frozenset({"rating_request"})


def secondaries(db: Session, primary: Report) -> list[Report]:
    return list(
        db.scalars(select(Report).where(Report.duplicate_of_id == primary.id).order_by(Report.id))
    )


def supporters(db: Session, report_ids: list[int]) -> list[ReportSupporter]:
    if not report_ids:
        return []
    return list(
        db.scalars(
            select(ReportSupporter)
            .where(ReportSupporter.report_id.in_(report_ids))
            .order_by(ReportSupporter.id)
        )
    )


def reporter_count(db: Session, report: Report) -> int:
    """How many citizens reported the problem: the reporter, those whose reports were merged
    into it and those who joined it ("saya juga mengalami ini"), each citizen once.

    One statement (the public tracking page counts its queries): the group's reporters UNION
    the supporters of any report of the group, by the primary key and two indexed columns.
    """
    in_group = or_(Report.id == report.id, Report.duplicate_of_id == report.id)
    citizens = union(
        select(Report.citizen_id.label("citizen_id")).where(in_group),
        select(ReportSupporter.citizen_id).where(
            ReportSupporter.report_id.in_(select(Report.id).where(in_group))
        ),
    ).subquery()
    return int(db.scalar(select(func.count()).select_from(citizens)) or 0)


def tell_supporter(
    db: Session,
    supporter: ReportSupporter,
    primary: Report,
    template: str,
    key: str,
    *,
    tz: ZoneInfo,
    now: datetime,
    values: Mapping[str, Any],
    tracking_url: str | None,
    payload: Mapping[str, Any] | None = None,
) -> None:
    identity = db.scalar(
        select(CitizenIdentity)
        .where(
            CitizenIdentity.citizen_id == supporter.citizen_id,
            CitizenIdentity.channel == supporter.channel,
        )
        .order_by(CitizenIdentity.id.desc())
    )
    if identity is None or identity.channel not in notify.DELIVERABLE:
        return
    notify.queue_for_citizen(
        db,
        citizen_id=supporter.citizen_id,
        identity=identity,
        report=primary,
        template=template,
        key=f"{key}:supporter:{supporter.citizen_id}",
        tz=tz,
        now=now,
        values=values,
        payload=payload,
        tracking_url=tracking_url,
    )


def tell_group(
    db: Session,
    primary: Report,
    template: str,
    key: str,
    *,
    tz: ZoneInfo,
    now: datetime,
    values: Mapping[str, Any],
    tracking_url: str | None,
    payload: Mapping[str, Any] | None = None,
) -> None:
    """Queue the reporter's notice ``template`` for the rest of ``primary``'s group."""
    shown = GROUP_TEMPLATES.get(template)
    if shown is None or notify.is_muted(db):
        return
    merged = secondaries(db, primary)
    for secondary in merged:
        if template in SUPPORTERS_ONLY:
            break
        if secondary.citizen_id == primary.citizen_id:
            continue  # the same citizen reported twice: they already hear it as the reporter
        notify.notify_citizen(
            db,
            report=secondary,
            template=shown,
            key=f"{key}:group:{secondary.id}",
            tz=tz,
            now=now,
            values=values,
            tracking_url=tracking_url,
        )
    told = {primary.citizen_id, *(s.citizen_id for s in merged)}
    for supporter in supporters(db, [primary.id, *(s.id for s in merged)]):
        if supporter.citizen_id in told:
            continue
        told.add(supporter.citizen_id)
        tell_supporter(
            db,
            supporter,
            primary,
            shown,
            key,
            tz=tz,
            now=now,
            values=values,
            tracking_url=tracking_url,
            payload=payload,
        )


def close_with_primary(
    db: Session,
    primary: Report,
    *,
    tz: ZoneInfo,
    now: datetime,
    values: Mapping[str, Any],
    tracking_url: str | None,
) -> list[Report]:
    """The primary closed: its open merged reports close with the same status, each audited and,
    when finished, each citizen asked to rate their own report (the primary's agency answered
    it)."""
    closed = []
    for secondary in secondaries(db, primary):
        if secondary.status not in OPEN_STATUSES:
            continue
        before = secondary.status
        secondary.status = primary.status
        secondary.agency_id = primary.agency_id
        secondary.answered_at = primary.answered_at
        secondary.closed_at = now
        secondary.close_reason = f"closed with {primary.tracking_code}"
        secondary.next_sla_at = None
        secondary.updated_at = now
        event = ReportEvent(
            report_id=secondary.id,
            action="close_with_primary",
            actor_kind=ActorKind.SYSTEM,
            actor_id=None,
            from_status=before,
            to_status=secondary.status,
            reason=secondary.close_reason,
            data={"primary": primary.tracking_code},
            created_at=now,
        )
        db.add(event)
        db.flush()
        if secondary.status is Status.FINISHED and secondary.citizen_id != primary.citizen_id:
            notify.notify_citizen(
                db,
                report=secondary,
                template="rating_request",
                key=f"event:{event.id}:rating",
                tz=tz,
                now=now,
                values={**values, "code": secondary.tracking_code},
                payload={"expects": "rating", "choices": ["1", "2", "3", "4"]},
                tracking_url=tracking_url,
            )
        closed.append(secondary)
    return closed


def reopen_with_primary(
    db: Session,
    primary: Report,
    key: str,
    *,
    tz: ZoneInfo,
    now: datetime,
    values: Mapping[str, Any],
    tracking_url: str | None,
) -> list[Report]:
    """The primary is being handled again (its reporter objected to the answer, or reopened it
    after accepting): the reports that closed with it open again with it, each audited, and
    every other citizen of the group is told (``group_reopened``).

    Reopening the merged reports (rather than telling their citizens only) keeps the group what
    it was before the primary closed: their tracking pages no longer say "finished" while the
    problem is worked on, and when the primary closes again they close with it again and their
    citizens are asked to rate again, as the reporter is (``finish_report`` asks at every
    finish; a second score replaces the first, ``satisfaction.record_rating``). Supporters are
    asked again by the same rule (``tell_group`` with ``rating_request``).
    """
    reopened = []
    closed_with = f"closed with {primary.tracking_code}"
    for secondary in secondaries(db, primary):
        if secondary.status in OPEN_STATUSES or secondary.close_reason != closed_with:
            continue
        before = secondary.status
        secondary.status = primary.status
        secondary.closed_at = None
        secondary.close_reason = None
        secondary.updated_at = now
        db.add(
            ReportEvent(
                report_id=secondary.id,
                action="reopen_with_primary",
                actor_kind=ActorKind.SYSTEM,
                actor_id=None,
                from_status=before,
                to_status=secondary.status,
                reason=None,
                data={"primary": primary.tracking_code},
                created_at=now,
            )
        )
        reopened.append(secondary)
    db.flush()
    tell_group(
        db,
        primary,
        "group_reopened",
        key,
        tz=tz,
        now=now,
        values=values,
        tracking_url=tracking_url,
    )
    return reopened
