"""The officers' use cases (and the system's auto-close): verify and forward, ask for more,
archive, refuse, return, reroute, answer, extend, finish, note. Each validates the transition
(``lifecycle.TRANSITIONS``) and the actor's role and agency, and works in the caller's
transaction; see ``case_steps`` for what they share. Nothing is sent from here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import notify
from reports.actor import Actor
from reports.case_notices import Notice, agency_name
from reports.case_steps import (
    BODY_MAX,
    TITLE_MAX,
    Outcome,
    add_to_thread,
    check_staff,
    clean_text,
    close_group,
    finish_report,
    hand_to_agency,
    mark_closed,
    perform,
    release_assignment,
)
from reports.enums import (
    AGENCY_ROLES,
    MessageDirection,
    MessageKind,
    Privacy,
    ReportType,
    Role,
    Stage,
    Status,
)
from reports.lifecycle import Action, DomainError, NotPermitted
from reports.lookups import agency_by_code, performed_sla_keys
from reports.models import Report


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
    check_staff(actor, Action.VERIFY_FORWARD, report)
    agency = agency_by_code(db, agency_code)
    if agency.code == "lainnya":
        raise DomainError("agency_required")

    def forward() -> Outcome:
        changes: dict[str, Any] = {"agency": agency.code}
        if suggestion_accepted:
            changes["suggestion_accepted"] = True
        if report_type is not None and report_type != report.type:
            changes["type"] = {"from": report.type.value, "to": report_type.value}
            report.type = report_type
        if title:
            report.title = clean_text(title, TITLE_MAX, "the title")
        if category is not None:
            report.category = category.strip() or None
        if privacy is not None and privacy != report.privacy:
            changes["privacy"] = {"from": report.privacy.value, "to": privacy.value}
            report.privacy = privacy
        report.verified_at = now
        report.verified_by_id = actor.id
        hand_to_agency(db, clock, report, agency, now)
        return Outcome(data=changes, notices=_new_for_agency(db, agency.id, "report_forwarded"))

    perform(db, clock, report, Action.VERIFY_FORWARD, actor, now, forward)
    return report


def _new_for_agency(db: Session, agency_id: int, citizen_template: str) -> tuple[Notice, ...]:
    """The reporter hears where the report went; the agency's officers, that it arrived."""
    officers = notify.staff_with_role(db, Role.OFFICER, agency_id)
    return (Notice(citizen_template), Notice("staff_new_report", staff=officers))


def request_info(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, question: str, now: datetime
) -> Report:
    """Ask the citizen for more information (tunda); the running clock stops until they answer."""
    check_staff(actor, Action.REQUEST_INFO, report)
    if report.status is Status.FORWARDED and actor.role is Role.VERIFIER:
        raise NotPermitted("agency_handles")
    question = clean_text(question, BODY_MAX, "the question")
    stage = report.stage

    def pause() -> Outcome:
        assert stage is not None
        clock.pause(report, stage, now)
        add_to_thread(
            db,
            report,
            MessageDirection.AGENCY_TO_CITIZEN,
            MessageKind.INFO_REQUEST,
            question,
            now,
            actor,
        )
        return Outcome(
            data={"paused_stage": stage.value, "days_left": report.paused_days_left},
            notices=(Notice("info_requested", payload={"expects": "info_reply"}),),
            values={"question": question},
        )

    perform(db, clock, report, Action.REQUEST_INFO, actor, now, pause)
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
    """Archived without follow-up (archive, not our authority): a paused clock is dropped with
    the rest, and the reporter is told why."""

    def close() -> Outcome:
        report.paused_stage = report.paused_at = report.paused_days_left = None
        mark_closed(db, clock, report, action, now, reason)
        return Outcome(
            reason=reason, notices=(Notice("report_archived"),), values={"reason": reason}
        )

    perform(db, clock, report, action, actor, now, close)
    close_group(db, clock, report, now)
    return report


def archive(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, reason: str, now: datetime
) -> Report:
    """Close without follow-up (spam, too general, not about government performance...)."""
    check_staff(actor, Action.ARCHIVE, report)
    reason = clean_text(reason, 500, "the reason")
    return _close(db, clock, report, Action.ARCHIVE, actor, now, reason)


def not_our_authority(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, reason: str, now: datetime
) -> Report:
    """Outside the government's authority (bukan wewenang): archived with the reason given."""
    check_staff(actor, Action.NOT_OUR_AUTHORITY, report)
    reason = clean_text(reason, 500, "the reason")
    return _close(db, clock, report, Action.NOT_OUR_AUTHORITY, actor, now, reason)


def return_to_verifier(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, reason: str, now: datetime
) -> Report:
    """The agency says the report is not theirs: the verifier must route it again."""
    check_staff(actor, Action.RETURN_TO_VERIFIER, report)
    reason = clean_text(reason, 500, "the reason")
    previous_name = agency_name(db, report)

    def give_back() -> Outcome:
        release_assignment(db, clock, report, now, "returned: " + reason)
        previous_agency = report.agency_id
        report.agency_id = None
        report.assignee_id = None
        report.response_due_at = None
        clock.start(report, Stage.VERIFY, now)
        clock.refresh(report)
        return Outcome(
            reason=reason,
            data={"agency_id": previous_agency},
            notices=(Notice("staff_returned", staff=notify.staff_with_role(db, Role.VERIFIER)),),
            values={"reason": reason, "agency": previous_name},
        )

    perform(db, clock, report, Action.RETURN_TO_VERIFIER, actor, now, give_back)
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
    check_staff(actor, Action.REROUTE, report)
    agency = agency_by_code(db, agency_code)
    if agency.id == report.agency_id:
        raise DomainError("same_agency")
    reason = clean_text(reason, 500, "the reason")

    def move() -> Outcome:
        release_assignment(db, clock, report, now, "rerouted: " + reason)
        previous = report.agency_id
        hand_to_agency(db, clock, report, agency, now)
        return Outcome(
            reason=reason,
            data={"from_agency_id": previous, "to_agency": agency.code},
            notices=_new_for_agency(db, agency.id, "report_rerouted"),
        )

    perform(db, clock, report, Action.REROUTE, actor, now, move)
    return report


def answer(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, text: str, now: datetime
) -> Report:
    """The agency's follow-up; the citizen's window to respond starts."""
    check_staff(actor, Action.ANSWER, report)
    text = clean_text(text, BODY_MAX, "the answer")

    def reply() -> Outcome:
        report.answered_at = now
        clock.start(report, Stage.FEEDBACK, now)
        clock.refresh(report)
        add_to_thread(
            db, report, MessageDirection.AGENCY_TO_CITIZEN, MessageKind.ANSWER, text, now, actor
        )
        notice = Notice(
            "agency_answer",
            payload={"expects": "answer_feedback", "choices": ["accept", "respond"]},
        )
        return Outcome(notices=(notice,), values={"answer": text})

    perform(db, clock, report, Action.ANSWER, actor, now, reply)
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
    check_staff(actor, Action.EXTEND_DEADLINE, report)
    if report.status is Status.FORWARDED and actor.role not in AGENCY_ROLES | {Role.ADMIN}:
        raise NotPermitted("extend_agency_only")
    if report.status is Status.SUBMITTED and actor.role in AGENCY_ROLES:
        raise NotPermitted("extend_verification")
    reason = clean_text(reason, 500, "the reason")
    stage = report.stage

    def extend() -> Outcome:
        assert stage is not None
        old_due = clock.due_of(report, stage)
        # The policy's bounds, checked here to refuse with a code (``SlaClock.extend`` checks
        # again). A refusal raises before anything is recorded; the caller rolls back.
        limit = clock.policy.for_type(report.type).max_extension_days
        if days < 1:
            raise DomainError("extend_min", days=days)
        if stage is Stage.RESPOND and report.extension_days + days > limit:
            raise DomainError("extend_max", limit=limit, used=report.extension_days)
        if old_due is None:
            raise DomainError("no_deadline", stage=stage.value)
        new_due = clock.extend(report, stage, days)
        clock.refresh(report, performed_sla_keys(db, report))
        return Outcome(
            reason=reason,
            data={
                "stage": stage.value,
                "days": days,
                "from": old_due.isoformat() if old_due else None,
                "to": new_due.isoformat(),
            },
            # Only the agency's own deadline concerns the citizen.
            notices=(Notice("deadline_extended"),) if stage is Stage.RESPOND else (),
            values={"reason": reason},
        )

    perform(db, clock, report, Action.EXTEND_DEADLINE, actor, now, extend)
    return report


def finish(
    db: Session, *, clock: SlaClock, report: Report, actor: Actor, reason: str, now: datetime
) -> Report:
    check_staff(actor, Action.FINISH, report)
    reason = clean_text(reason, 500, "the reason")
    return finish_report(db, clock, report, Action.FINISH, actor, now, reason=reason)


def auto_close(db: Session, *, clock: SlaClock, report: Report, now: datetime) -> Report:
    """The citizen's window ended without an objection: the report is finished (not a breach)."""
    return finish_report(
        db, clock, report, Action.AUTO_CLOSE, Actor.system(), now, reason="citizen window ended"
    )


def add_staff_note(db: Session, *, report: Report, actor: Actor, text: str, now: datetime) -> None:
    """An internal note on the thread (never sent to the citizen)."""
    add_to_thread(
        db,
        report,
        MessageDirection.AGENCY_TO_CITIZEN,
        MessageKind.NOTE,
        clean_text(text, BODY_MAX, "the note"),
        now,
        actor,
    )
