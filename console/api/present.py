"""Reports -> API bodies, for one actor: the only place that decides what a response contains."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from console.api.schemas import (
    AssigneeView,
    AttachmentView,
    BreachView,
    EventView,
    IdentityView,
    Location,
    MessageView,
    NluView,
    ReportDetail,
    ReporterView,
    ReportSummary,
    SuggestionView,
)
from escalation.calendar import WorkingCalendar
from escalation.history import sla_history
from reports import access, agencies, duplicates, groups, timeline
from reports.actor import Actor
from reports.enums import ActorKind, Stage, Status
from reports.lifecycle import STAFF_ROLES, allowed_actions
from reports.models import (
    Report,
    ReportEvent,
)
from reports.reporters import citizen_identities
from reports.staff import staff_names
from reports.suggestion import stored_suggestion

#: Keys an event's data might carry about a person; dropped unless the caller may see the reporter.
PERSONAL_KEYS: Final = frozenset(
    {"citizen_id", "external_id", "display_name", "name", "phone", "email", "address", "device_id"}
)


def assignee_names(db: Session, reports: Iterable[Report]) -> dict[int, str]:
    """Display names of the reports' assignees, in one query (not one lazy load per row)."""
    ids = {r.assignee_id for r in reports if r.assignee_id is not None}
    if not ids:
        return {}
    return staff_names(db, ids)


def is_overdue(report: Report, now: datetime) -> bool:
    """A verification or agency follow-up deadline passed (the citizen's window is no breach)."""
    due = report.current_due_at
    return report.stage in (Stage.VERIFY, Stage.RESPOND) and due is not None and due < now


def summary(
    report: Report, codes: dict[int, str], now: datetime, assignees: dict[int, str]
) -> ReportSummary:
    holder = report.assignee_id
    return ReportSummary(
        code=report.tracking_code,
        type=report.type,
        title=report.title,
        status=report.status,
        stage=report.stage,
        privacy=report.privacy,
        agency=codes.get(report.agency_id) if report.agency_id else None,
        category=report.category,
        channel=report.channel,
        created_at=report.created_at,
        updated_at=report.updated_at,
        due_at=report.current_due_at,
        overdue=is_overdue(report, now),
        paused=report.status is Status.INFO_REQUESTED,
        escalation_level=report.escalation_level,
        assignee=(
            AssigneeView(id=holder, name=assignees.get(holder, "")) if holder is not None else None
        ),
    )


def _event(event: ReportEvent, identity_visible: bool) -> EventView:
    citizen = event.actor_kind is ActorKind.CITIZEN
    data: dict[str, Any] = dict(event.data or {})
    if not identity_visible:
        data = {k: v for k, v in data.items() if k not in PERSONAL_KEYS}
    return EventView(
        id=event.id,
        action=event.action,
        actor_kind=event.actor_kind,
        actor_id=None if citizen and not identity_visible else event.actor_id,
        from_status=event.from_status,
        to_status=event.to_status,
        reason=event.reason,
        data=data,
        created_at=event.created_at,
    )


def _reporter(db: Session, report: Report) -> ReporterView:
    citizen = report.citizen
    identities = citizen_identities(db, citizen.id)
    return ReporterView(
        citizen_id=citizen.id,
        display_name=citizen.display_name,
        language=citizen.language,
        identities=[IdentityView(channel=i.channel, external_id=i.external_id) for i in identities],
    )


def detail(
    db: Session, report: Report, actor: Actor, now: datetime, calendar: WorkingCalendar
) -> ReportDetail:
    """Everything ``actor`` may see of ``report`` (the caller has checked ``can_view``)."""
    codes = agencies.codes_by_id(db)
    identity_visible = access.can_see_reporter(actor, report)
    events = timeline.events(db, report)
    messages = timeline.messages_with_authors(db, report)
    attachments = timeline.attachments(db, report)
    role = actor.role
    return ReportDetail(
        **summary(report, codes, now, assignee_names(db, [report])).model_dump(),
        body=report.body,
        incident_date=report.incident_date,
        location=Location(
            text=report.location_text, latitude=report.latitude, longitude=report.longitude
        ),
        verified_at=report.verified_at,
        answered_at=report.answered_at,
        closed_at=report.closed_at,
        close_reason=report.close_reason,
        verify_due_at=report.verify_due_at,
        response_due_at=report.response_due_at,
        feedback_due_at=report.feedback_due_at,
        nlu=NluView(
            type=report.nlu_type,
            type_confidence=report.nlu_type_confidence,
            agency=report.nlu_agency_code,
            agency_confidence=report.nlu_agency_confidence,
        ),
        suggestion=SuggestionView(**stored_suggestion(report).as_dict()),
        allowed_actions=[
            a.value
            for a in allowed_actions(report.status)
            if role is not None and role in STAFF_ROLES.get(a, frozenset())
        ],
        reporter=_reporter(db, report) if identity_visible else None,
        sla_history=[
            BreachView(
                stage=b.stage,
                due=b.due,
                breached_at=b.breached_at,
                ended_at=b.ended_at,
                working_days_late=b.working_days_late,
                max_level=b.max_level,
                ongoing=b.ongoing,
            )
            for b in sla_history(events, calendar, now)
        ],
        events=[_event(e, identity_visible) for e in events],
        thread=[
            MessageView(
                id=m.id,
                direction=m.direction,
                kind=m.kind,
                body=m.body,
                author=name,
                created_at=m.created_at,
            )
            for m, name in messages
        ],
        attachments=[
            AttachmentView(
                id=a.id,
                filename=a.filename,
                content_type=a.content_type,
                size_bytes=a.size_bytes,
                created_at=a.created_at,
            )
            for a in attachments
        ],
        possible_duplicates=[
            r.tracking_code for r in duplicates.current(db, report) if access.can_view(actor, r)
        ],
        later_duplicates=[
            r.tracking_code for r in duplicates.later(db, report) if access.can_view(actor, r)
        ],
        duplicate_of=report.duplicate_of.tracking_code if report.duplicate_of else None,
        merged_reports=[
            r.tracking_code for r in groups.secondaries(db, report) if access.can_view(actor, r)
        ],
        reporters=groups.reporter_count(db, report),
    )
