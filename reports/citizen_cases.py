"""The citizen's use cases: submit a report, add what the verifier asked for, answer the
agency, accept the answer or reopen it. Each takes a session and an explicit ``now`` and works in
the caller's transaction; see ``case_steps`` for what they share. Nothing is sent from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import duplicates, notify, tracking
from reports.actor import Actor
from reports.case_notices import Notice, announce
from reports.case_steps import (
    BODY_MAX,
    TITLE_MAX,
    Outcome,
    add_to_thread,
    check_citizen,
    clean_text,
    finish_report,
    hand_to_agency,
    link_attachments,
    perform,
    record_event,
    reopen_group,
)
from reports.enums import (
    Channel,
    MessageDirection,
    MessageKind,
    Privacy,
    ReportType,
    Role,
    Stage,
    Status,
)
from reports.lifecycle import Action, DomainError, target_status
from reports.lookups import agency_by_code
from reports.models import Agency, Citizen, CitizenIdentity, Report


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
    body = clean_text(body, BODY_MAX, "the report text")
    title = clean_text(title or body, TITLE_MAX, "the title")
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
    duplicates.find_for(db, report, now)
    clock.start(report, Stage.VERIFY, now)
    clock.refresh(report)
    link_attachments(db, report, attachment_ids or ())
    add_to_thread(db, report, MessageDirection.CITIZEN_TO_AGENCY, MessageKind.REPORT, body, now)
    event = record_event(
        db,
        report,
        Action.SUBMIT,
        Actor.citizen(citizen.id),
        now,
        from_status=None,
        data={"channel": channel.value, "privacy": privacy.value, "type": report_type.value},
    )
    announce(db, clock, report, event, now, Notice("report_received"))
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
    check_citizen(actor, report)
    files = link_attachments(db, report, attachment_ids)
    if files:
        listed = "[" + ", ".join(files) + "]"
        text = f"{text.strip()}\n{listed}" if text.strip() else listed
    text = clean_text(text, BODY_MAX, "the answer")

    def resume() -> Outcome:
        stage = clock.resume(report, now)
        clock.refresh(report)
        add_to_thread(
            db, report, MessageDirection.CITIZEN_TO_AGENCY, MessageKind.INFO_REPLY, text, now
        )
        staff = (
            notify.agency_officers(db, report)
            if stage is Stage.RESPOND
            else notify.staff_with_role(db, Role.VERIFIER)
        )
        return Outcome(notices=(Notice("staff_info_provided", staff=staff),))

    perform(db, clock, report, Action.PROVIDE_INFO, actor, now, resume)
    return report


def citizen_respond(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, text: str, now: datetime
) -> Report:
    """The citizen is not satisfied with the answer: back to the agency with a new window."""
    check_citizen(actor, report)
    text = clean_text(text, BODY_MAX, "the response")

    def respond() -> Outcome:
        clock.start(report, Stage.RESPOND, now)
        clock.refresh(report)
        return _back_to_agency(db, report, text, now, "staff_citizen_response")

    event = perform(db, clock, report, Action.CITIZEN_RESPOND, actor, now, respond)
    reopen_group(db, clock, report, event, now)
    return report


def _back_to_agency(
    db: Session, report: Report, text: str, now: datetime, template: str
) -> Outcome:
    """The citizen's words on the thread, and the agency's officers told (respond, reopen)."""
    add_to_thread(
        db, report, MessageDirection.CITIZEN_TO_AGENCY, MessageKind.CITIZEN_RESPONSE, text, now
    )
    return Outcome(notices=(Notice(template, staff=notify.agency_officers(db, report)),))


def citizen_accept(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, now: datetime
) -> Report:
    check_citizen(actor, report)
    return finish_report(
        db, clock, report, Action.CITIZEN_ACCEPT, actor, now, reason="citizen satisfied"
    )


def reopen(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, text: str, now: datetime
) -> Report:
    """A citizen who accepted too quickly may reopen while their original window is still open."""
    check_citizen(actor, report)
    if report.feedback_due_at is None or now > report.feedback_due_at:
        raise DomainError("reopen_window_ended")
    if report.close_reason != "citizen satisfied":
        raise DomainError("reopen_not_yours")
    text = clean_text(text, BODY_MAX, "the reason")

    def open_again() -> Outcome:
        report.closed_at = None
        report.close_reason = None
        agency = db.get(Agency, report.agency_id) if report.agency_id else None
        hand_to_agency(db, clock, report, agency, now)
        return _back_to_agency(db, report, text, now, "staff_reopened")

    event = perform(db, clock, report, Action.REOPEN, actor, now, open_again)
    reopen_group(db, clock, report, event, now)
    return report
