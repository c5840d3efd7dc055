"""Use cases of the report lifecycle. Each takes a session and an explicit ``now``.

A use case validates the transition (``lifecycle.TRANSITIONS``) and the actor's right to it,
changes the report and its deadlines (``escalation.deadlines.SlaClock``), appends an event, and
queues the notifications the change implies, all in the caller's transaction. Nothing is sent
from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import notify, tracking
from reports.enums import (
    AGENCY_ROLES,
    ActorKind,
    Channel,
    MessageDirection,
    MessageKind,
    Privacy,
    ReportType,
    Role,
    Stage,
    Status,
)
from reports.lifecycle import (
    RESUME,
    STAFF_ROLES,
    Action,
    DomainError,
    NotPermitted,
    target_status,
)
from reports.models import (
    Agency,
    AgencyAssignment,
    Attachment,
    Citizen,
    CitizenIdentity,
    Report,
    ReportEvent,
    ReportMessage,
    SlaAction,
    StaffUser,
)

TITLE_MAX = 200
BODY_MAX = 20_000


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a staff member (with role and agency), the citizen, or the system."""

    kind: ActorKind
    id: int | None = None
    role: Role | None = None
    agency_id: int | None = None

    @classmethod
    def staff(cls, user: StaffUser) -> Actor:
        return cls(ActorKind.STAFF, user.id, user.role, user.agency_id)

    @classmethod
    def citizen(cls, citizen_id: int) -> Actor:
        return cls(ActorKind.CITIZEN, citizen_id)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)


@dataclass(frozen=True, slots=True)
class NluSuggestion:
    """What the classifier proposed at intake, kept for the verifier and for retraining."""

    type: str | None = None
    type_confidence: float | None = None
    agency_code: str | None = None
    agency_confidence: float | None = None
    ranking: dict[str, Any] = field(default_factory=dict)
    model_version: str | None = None  # the model(s) that made it; see Report.nlu_model_version


# -- people --------------------------------------------------------------------------------------


def get_or_create_citizen(
    db: Session, *, channel: Channel, external_id: str, now: datetime, language: str = "id"
) -> Citizen:
    identity = db.scalar(
        select(CitizenIdentity).where(
            CitizenIdentity.channel == channel, CitizenIdentity.external_id == external_id
        )
    )
    if identity is not None:
        return identity.citizen
    citizen = Citizen(language=language, created_at=now)
    db.add(citizen)
    db.flush()
    db.add(
        CitizenIdentity(
            citizen_id=citizen.id, channel=channel, external_id=external_id, created_at=now
        )
    )
    db.flush()
    return citizen


def agency_by_code(db: Session, code: str) -> Agency:
    agency = db.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise DomainError("unknown_agency", code=code)
    return agency


def get_report(db: Session, code: str, *, for_update: bool = False) -> Report:
    canonical = tracking.normalize(code) or code.strip().upper()
    query = select(Report).where(Report.tracking_code == canonical)
    if for_update:
        query = query.with_for_update()
    report = db.scalar(query)
    if report is None:
        raise DomainError("unknown_report", code=code)
    return report


# -- internals -----------------------------------------------------------------------------------


def _check_staff(actor: Actor, action: Action, report: Report) -> None:
    if actor.kind is not ActorKind.STAFF:
        raise NotPermitted("not_staff_action", action=action.value)
    if actor.role not in STAFF_ROLES.get(action, frozenset()):
        raise NotPermitted("role_not_permitted", role=str(actor.role), action=action.value)
    if actor.role in AGENCY_ROLES and report.agency_id != actor.agency_id:
        raise NotPermitted("not_your_agency")


def _link_attachments(db: Session, report: Report, attachment_ids: Sequence[int]) -> list[str]:
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


def _check_citizen(actor: Actor, report: Report) -> None:
    if actor.kind is not ActorKind.CITIZEN or actor.id != report.citizen_id:
        raise NotPermitted("reporter_only")


def _event(
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
        data=data or {},
        created_at=now,
    )
    db.add(event)
    db.flush()
    return event


def performed_sla_keys(db: Session, report: Report) -> set[tuple[str, int, str, int]]:
    rows = db.execute(
        select(SlaAction.stage, SlaAction.cycle, SlaAction.kind, SlaAction.level).where(
            SlaAction.report_id == report.id, SlaAction.cycle == report.stage_cycle
        )
    )
    return {(s.value, c, k.value, lv) for s, c, k, lv in rows}


def _transition(
    db: Session, report: Report, action: Action, now: datetime
) -> tuple[Status | None, Status]:
    before = report.status
    to = target_status(before, action)
    if to == RESUME:
        to = Status.FORWARDED if report.paused_stage is Stage.RESPOND else Status.SUBMITTED
    report.status = Status(to)
    report.updated_at = now
    return before, report.status


def _hand_to_agency(
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


def _release_assignment(
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


def _thread(
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


def _clean_text(text: str, limit: int, what: str) -> str:
    cleaned = text.replace("\x00", "").strip()
    if not cleaned:
        raise DomainError("empty", field=what)
    return cleaned[:limit]


def _agency_name(db: Session, report: Report) -> str:
    agency = db.get(Agency, report.agency_id) if report.agency_id else None
    return agency.name if agency else "-"


def notice_values(db: Session, report: Report, **extra: Any) -> dict[str, Any]:
    return {
        "code": report.tracking_code,
        "title": report.title,
        "agency": _agency_name(db, report),
        "verify_due": report.verify_due_at,
        "response_due": report.response_due_at,
        "feedback_due": report.feedback_due_at,
        **extra,
    }


@dataclass(frozen=True, slots=True)
class Notice:
    """One message a transition sends: to the reporter, or to ``staff`` when given."""

    template: str
    staff: Sequence[StaffUser] | None = None
    payload: dict[str, Any] | None = None
    key_suffix: str = ""


def _announce(
    db: Session,
    clock: SlaClock,
    report: Report,
    event: ReportEvent,
    now: datetime,
    *notices: Notice,
    **values: Any,
) -> None:
    """Queue every notice of one transition, keyed by its event.

    The key makes a transition re-run after a crash notify nobody twice, and rendering the values
    once means the citizen and the officers read the same code, agency and due dates.
    """
    rendered = notice_values(db, report, **values)
    tz = clock.calendar.tz
    for notice in notices:
        key = f"event:{event.id}{notice.key_suffix}"
        if notice.staff is None:
            notify.notify_citizen(
                db,
                report=report,
                template=notice.template,
                key=key,
                tz=tz,
                now=now,
                values=rendered,
                payload=notice.payload,
                tracking_url=clock.tracking_url(report.tracking_code),
            )
        else:
            notify.notify_staff(
                db,
                staff=notice.staff,
                report=report,
                template=notice.template,
                key=key,
                tz=tz,
                now=now,
                values=rendered,
            )


# -- citizen side --------------------------------------------------------------------------------


def submit_report(
    db: Session,
    *,
    clock: SlaClock,
    citizen: Citizen,
    channel: Channel,
    report_type: ReportType,
    title: str,
    body: str,
    now: datetime,
    privacy: Privacy = Privacy.PUBLIC,
    incident_date: date | None = None,
    location_text: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    category: str | None = None,
    agency_code: str | None = None,
    nlu: NluSuggestion | None = None,
    attachment_ids: list[int] | None = None,
) -> Report:
    """A citizen's new report: tracking code, verification clock, receipt to the citizen."""
    body = _clean_text(body, BODY_MAX, "the report text")
    title = _clean_text(title or body, TITLE_MAX, "the title")
    target_status(None, Action.SUBMIT)
    code = tracking.new_code()
    while db.scalar(select(Report.id).where(Report.tracking_code == code)):
        code = tracking.new_code()
    nlu = nlu or NluSuggestion()
    agency = agency_by_code(db, agency_code) if agency_code else None
    report = Report(
        tracking_code=code,
        type=report_type,
        title=title,
        body=body,
        incident_date=incident_date,
        location_text=location_text,
        latitude=latitude,
        longitude=longitude,
        category=category,
        agency_id=agency.id if agency else None,
        privacy=privacy,
        channel=channel,
        citizen_id=citizen.id,
        status=Status.SUBMITTED,
        stage_cycle=0,
        escalation_level=0,
        extension_days=0,
        nlu_type=nlu.type,
        nlu_type_confidence=nlu.type_confidence,
        nlu_agency_code=nlu.agency_code,
        nlu_agency_confidence=nlu.agency_confidence,
        nlu_suggestions=nlu.ranking or None,
        nlu_model_version=(nlu.model_version or "")[:200] or None,
        created_at=now,
        updated_at=now,
    )
    db.add(report)
    db.flush()
    clock.start(report, Stage.VERIFY, now)
    clock.refresh(report)
    _link_attachments(db, report, attachment_ids or ())
    _thread(db, report, MessageDirection.CITIZEN_TO_AGENCY, MessageKind.REPORT, body, now)
    event = _event(
        db,
        report,
        Action.SUBMIT,
        Actor.citizen(citizen.id),
        now,
        from_status=None,
        data={"channel": channel.value, "privacy": privacy.value, "type": report_type.value},
    )
    _announce(db, clock, report, event, now, Notice("report_received"))
    return report


def provide_info(
    db: Session,
    *,
    clock: SlaClock,
    report: Report,
    actor: Actor,
    text: str,
    now: datetime,
    attachment_ids: Sequence[int] = (),
) -> Report:
    """The citizen answers a request for information; the paused clock resumes.

    The answer may be files alone (the photo the officer asked for): they are linked to the
    report and named in the thread, so the officer sees what arrived and when.
    """
    _check_citizen(actor, report)
    files = _link_attachments(db, report, attachment_ids)
    if files:
        listed = "[" + ", ".join(files) + "]"
        text = f"{text.strip()}\n{listed}" if text.strip() else listed
    text = _clean_text(text, BODY_MAX, "the answer")
    before, _ = _transition(db, report, Action.PROVIDE_INFO, now)
    stage = clock.resume(report, now)
    clock.refresh(report)
    _thread(db, report, MessageDirection.CITIZEN_TO_AGENCY, MessageKind.INFO_REPLY, text, now)
    event = _event(db, report, Action.PROVIDE_INFO, actor, now, from_status=before)
    staff = (
        notify.agency_officers(db, report)
        if stage is Stage.RESPOND
        else notify.staff_with_role(db, Role.VERIFIER)
    )
    _announce(db, clock, report, event, now, Notice("staff_info_provided", staff=staff))
    return report


def citizen_respond(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, text: str, now: datetime
) -> Report:
    """The citizen is not satisfied with the answer: back to the agency with a new window."""
    _check_citizen(actor, report)
    text = _clean_text(text, BODY_MAX, "the response")
    before, _ = _transition(db, report, Action.CITIZEN_RESPOND, now)
    clock.start(report, Stage.RESPOND, now)
    clock.refresh(report)
    _thread(db, report, MessageDirection.CITIZEN_TO_AGENCY, MessageKind.CITIZEN_RESPONSE, text, now)
    event = _event(db, report, Action.CITIZEN_RESPOND, actor, now, from_status=before)
    _announce(
        db,
        clock,
        report,
        event,
        now,
        Notice(
            "staff_citizen_response",
            staff=notify.agency_officers(db, report),
        ),
    )
    return report


def citizen_accept(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, now: datetime
) -> Report:
    _check_citizen(actor, report)
    return _finish(db, clock, report, Action.CITIZEN_ACCEPT, actor, now, reason="citizen satisfied")


def reopen(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, text: str, now: datetime
) -> Report:
    """A citizen who accepted too quickly may reopen while their original window is still open."""
    _check_citizen(actor, report)
    if report.feedback_due_at is None or now > report.feedback_due_at:
        raise DomainError("reopen_window_ended")
    if report.close_reason != "citizen satisfied":
        raise DomainError("reopen_not_yours")
    text = _clean_text(text, BODY_MAX, "the reason")
    before, _ = _transition(db, report, Action.REOPEN, now)
    report.closed_at = None
    report.close_reason = None
    agency = db.get(Agency, report.agency_id) if report.agency_id else None
    _hand_to_agency(db, clock, report, agency, now)
    _thread(db, report, MessageDirection.CITIZEN_TO_AGENCY, MessageKind.CITIZEN_RESPONSE, text, now)
    event = _event(db, report, Action.REOPEN, actor, now, from_status=before)
    _announce(
        db,
        clock,
        report,
        event,
        now,
        Notice("staff_reopened", staff=notify.agency_officers(db, report)),
    )
    return report


# -- staff side ----------------------------------------------------------------------------------


def verify_and_forward(
    db: Session,
    *,
    clock: SlaClock,
    report: Report,
    actor: Actor,
    agency_code: str,
    now: datetime,
    report_type: ReportType | None = None,
    title: str | None = None,
    category: str | None = None,
    privacy: Privacy | None = None,
    suggestion_accepted: bool = False,
) -> Report:
    """Verification and disposition: confirm the details and hand the report to an agency.

    ``suggestion_accepted`` marks the event as a one-click accept of the NLU's suggestion
    (``reports.suggestion.accept_suggestion``), so training can tell a confirmed suggestion
    from an agency the verifier chose.
    """
    _check_staff(actor, Action.VERIFY_FORWARD, report)
    agency = agency_by_code(db, agency_code)
    if agency.code == "lainnya":
        raise DomainError("agency_required")
    before, _ = _transition(db, report, Action.VERIFY_FORWARD, now)
    changes: dict[str, Any] = {"agency": agency.code}
    if suggestion_accepted:
        changes["suggestion_accepted"] = True
    if report_type is not None and report_type != report.type:
        changes["type"] = {"from": report.type.value, "to": report_type.value}
        report.type = report_type
    if title:
        report.title = _clean_text(title, TITLE_MAX, "the title")
    if category is not None:
        report.category = category.strip() or None
    if privacy is not None and privacy != report.privacy:
        changes["privacy"] = {"from": report.privacy.value, "to": privacy.value}
        report.privacy = privacy
    report.verified_at = now
    report.verified_by_id = actor.id
    _hand_to_agency(db, clock, report, agency, now)
    event = _event(db, report, Action.VERIFY_FORWARD, actor, now, from_status=before, data=changes)
    _announce(
        db,
        clock,
        report,
        event,
        now,
        Notice("report_forwarded"),
        Notice("staff_new_report", staff=notify.staff_with_role(db, Role.OFFICER, agency.id)),
    )
    return report


def request_info(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, question: str, now: datetime
) -> Report:
    """Ask the citizen for more information (tunda); the running clock stops until they answer."""
    _check_staff(actor, Action.REQUEST_INFO, report)
    if report.status is Status.FORWARDED and actor.role is Role.VERIFIER:
        raise NotPermitted("agency_handles")
    question = _clean_text(question, BODY_MAX, "the question")
    stage = report.stage
    before, _ = _transition(db, report, Action.REQUEST_INFO, now)
    assert stage is not None
    clock.pause(report, stage, now)
    _thread(
        db,
        report,
        MessageDirection.AGENCY_TO_CITIZEN,
        MessageKind.INFO_REQUEST,
        question,
        now,
        actor,
    )
    event = _event(
        db,
        report,
        Action.REQUEST_INFO,
        actor,
        now,
        from_status=before,
        data={"paused_stage": stage.value, "days_left": report.paused_days_left},
    )
    _announce(
        db,
        clock,
        report,
        event,
        now,
        Notice("info_requested", payload={"expects": "info_reply"}),
        question=question,
    )
    return report


def _close(
    db: Session,
    clock: SlaClock,
    report: Report,
    action: Action,
    actor: Actor,
    now: datetime,
    reason: str,
) -> Report:
    before, _ = _transition(db, report, action, now)
    report.closed_at = now
    report.close_reason = reason
    report.next_sla_at = None
    report.paused_stage = report.paused_at = report.paused_days_left = None
    _release_assignment(db, clock, report, now, action.value)
    event = _event(db, report, action, actor, now, from_status=before, reason=reason)
    _announce(db, clock, report, event, now, Notice("report_archived"), reason=reason)
    return report


def archive(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, reason: str, now: datetime
) -> Report:
    """Close without follow-up (spam, too general, not about government performance...)."""
    _check_staff(actor, Action.ARCHIVE, report)
    reason = _clean_text(reason, 500, "the reason")
    return _close(db, clock, report, Action.ARCHIVE, actor, now, reason)


def not_our_authority(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, reason: str, now: datetime
) -> Report:
    """Outside the government's authority (bukan wewenang): archived with the reason given."""
    _check_staff(actor, Action.NOT_OUR_AUTHORITY, report)
    reason = _clean_text(reason, 500, "the reason")
    return _close(db, clock, report, Action.NOT_OUR_AUTHORITY, actor, now, reason)


def return_to_verifier(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, reason: str, now: datetime
) -> Report:
    """The agency says the report is not theirs: the verifier must route it again."""
    _check_staff(actor, Action.RETURN_TO_VERIFIER, report)
    reason = _clean_text(reason, 500, "the reason")
    agency_name = _agency_name(db, report)
    before, _ = _transition(db, report, Action.RETURN_TO_VERIFIER, now)
    _release_assignment(db, clock, report, now, "returned: " + reason)
    previous_agency = report.agency_id
    report.agency_id = None
    report.assignee_id = None
    report.response_due_at = None
    clock.start(report, Stage.VERIFY, now)
    clock.refresh(report)
    event = _event(
        db,
        report,
        Action.RETURN_TO_VERIFIER,
        actor,
        now,
        from_status=before,
        reason=reason,
        data={"agency_id": previous_agency},
    )
    _announce(
        db,
        clock,
        report,
        event,
        now,
        Notice("staff_returned", staff=notify.staff_with_role(db, Role.VERIFIER)),
        reason=reason,
        agency=agency_name,
    )
    return report


def reroute(
    db: Session,
    *,
    clock: SlaClock,
    report: Report,
    actor: Actor,
    agency_code: str,
    reason: str,
    now: datetime,
) -> Report:
    """Move a forwarded report to another agency, which gets its own full window."""
    _check_staff(actor, Action.REROUTE, report)
    agency = agency_by_code(db, agency_code)
    if agency.id == report.agency_id:
        raise DomainError("same_agency")
    reason = _clean_text(reason, 500, "the reason")
    before, _ = _transition(db, report, Action.REROUTE, now)
    _release_assignment(db, clock, report, now, "rerouted: " + reason)
    previous = report.agency_id
    _hand_to_agency(db, clock, report, agency, now)
    event = _event(
        db,
        report,
        Action.REROUTE,
        actor,
        now,
        from_status=before,
        reason=reason,
        data={"from_agency_id": previous, "to_agency": agency.code},
    )
    _announce(
        db,
        clock,
        report,
        event,
        now,
        Notice("report_rerouted"),
        Notice("staff_new_report", staff=notify.staff_with_role(db, Role.OFFICER, agency.id)),
    )
    return report


def answer(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, text: str, now: datetime
) -> Report:
    """The agency's follow-up; the citizen's window to respond starts."""
    _check_staff(actor, Action.ANSWER, report)
    text = _clean_text(text, BODY_MAX, "the answer")
    before, _ = _transition(db, report, Action.ANSWER, now)
    report.answered_at = now
    clock.start(report, Stage.FEEDBACK, now)
    clock.refresh(report)
    _thread(db, report, MessageDirection.AGENCY_TO_CITIZEN, MessageKind.ANSWER, text, now, actor)
    event = _event(db, report, Action.ANSWER, actor, now, from_status=before)
    _announce(
        db,
        clock,
        report,
        event,
        now,
        Notice(
            "agency_answer",
            payload={"expects": "answer_feedback", "choices": ["accept", "respond"]},
        ),
        answer=text,
    )
    return report


def extend_deadline(
    db: Session,
    *,
    clock: SlaClock,
    report: Report,
    actor: Actor,
    days: int,
    reason: str,
    now: datetime,
) -> Report:
    """Give a complex case more time, with a stated reason, within the policy's bound."""
    _check_staff(actor, Action.EXTEND_DEADLINE, report)
    if report.status is Status.FORWARDED and actor.role not in AGENCY_ROLES | {Role.ADMIN}:
        raise NotPermitted("extend_agency_only")
    if report.status is Status.SUBMITTED and actor.role in AGENCY_ROLES:
        raise NotPermitted("extend_verification")
    reason = _clean_text(reason, 500, "the reason")
    stage = report.stage
    before, _ = _transition(db, report, Action.EXTEND_DEADLINE, now)
    assert stage is not None
    old_due = clock.due_of(report, stage)
    # The policy's bounds, checked here to refuse with a code (``SlaClock.extend`` checks again).
    limit = clock.policy.for_type(report.type).max_extension_days
    if days < 1:
        raise DomainError("extend_min", days=days)
    if stage is Stage.RESPOND and report.extension_days + days > limit:
        raise DomainError("extend_max", limit=limit, used=report.extension_days)
    if old_due is None:
        raise DomainError("no_deadline", stage=stage.value)
    new_due = clock.extend(report, stage, days)
    clock.refresh(report, performed_sla_keys(db, report))
    event = _event(
        db,
        report,
        Action.EXTEND_DEADLINE,
        actor,
        now,
        from_status=before,
        reason=reason,
        data={
            "stage": stage.value,
            "days": days,
            "from": old_due.isoformat() if old_due else None,
            "to": new_due.isoformat(),
        },
    )
    if stage is Stage.RESPOND:
        _announce(db, clock, report, event, now, Notice("deadline_extended"), reason=reason)
    return report


def finish(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, reason: str, now: datetime
) -> Report:
    _check_staff(actor, Action.FINISH, report)
    reason = _clean_text(reason, 500, "the reason")
    return _finish(db, clock, report, Action.FINISH, actor, now, reason=reason)


def auto_close(db: Session, *, clock: SlaClock, report: Report, now: datetime) -> Report:
    """The citizen's window ended without an objection: the report is finished (not a breach)."""
    return _finish(
        db, clock, report, Action.AUTO_CLOSE, Actor.system(), now, reason="citizen window ended"
    )


def _finish(
    db: Session,
    clock: SlaClock,
    report: Report,
    action: Action,
    actor: Actor,
    now: datetime,
    *,
    reason: str,
) -> Report:
    before, _ = _transition(db, report, action, now)
    report.closed_at = now
    report.close_reason = reason
    report.next_sla_at = None
    _release_assignment(db, clock, report, now, action.value)
    event = _event(db, report, action, actor, now, from_status=before, reason=reason)
    _announce(
        db,
        clock,
        report,
        event,
        now,
        Notice("report_finished"),
        Notice(
            "rating_request",
            payload={"expects": "rating", "choices": ["1", "2", "3", "4"]},
            key_suffix=":rating",
        ),
    )
    return report


def add_staff_note(db: Session, *, report: Report, actor: Actor, text: str, now: datetime) -> None:
    """An internal note on the thread (never sent to the citizen)."""
    _thread(
        db,
        report,
        MessageDirection.AGENCY_TO_CITIZEN,
        MessageKind.NOTE,
        _clean_text(text, BODY_MAX, "the note"),
        now,
        actor,
    )
