"""Which actions a staff member may take on a report, and carrying one out via the use cases.

The buttons shown are exactly :func:`available_actions`: the lifecycle table's moves from the
current status (``reports.lifecycle.allowed_actions``) filtered by the role rules the use cases
enforce. The use cases check again on every POST, so a hand-made request gets the same refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import staff_cases, suggestion
from reports.actor import Actor
from reports.enums import AGENCY_ROLES, Privacy, ReportType, Role, Status
from reports.lifecycle import (
    STAFF_ROLES,
    Action,
    DomainError,
    IllegalTransition,
    NotPermitted,
    allowed_actions,
)
from reports.models import Report

NOTE: Final = "note"
#: One click from the queue: verify and forward to the stored suggestion (refused below the
#: configured confidence; ``reports.suggestion``). Not a button on the report page, whose
#: verify-and-forward form is where the verifier chooses.
ACCEPT_SUGGESTION: Final = "accept_suggestion"
#: The actions the console offers (the citizen's own moves are never buttons here).
CONSOLE_ACTIONS: Final = (
    Action.VERIFY_FORWARD,
    Action.ANSWER,
    Action.REQUEST_INFO,
    Action.EXTEND_DEADLINE,
    Action.REROUTE,
    Action.RETURN_TO_VERIFIER,
    Action.FINISH,
    Action.NOT_OUR_AUTHORITY,
    Action.ARCHIVE,
)


class BadInput(DomainError):
    """A form value the console cannot use (answered with 422)."""


@dataclass(frozen=True, slots=True)
class ActionForm:
    agency_code: str | None = None
    report_type: str | None = None
    title: str | None = None
    category: str | None = None
    privacy: str | None = None
    text: str | None = None
    days: str | None = None


def available_actions(actor: Actor, report: Report) -> list[str]:
    """The console's buttons for ``actor`` on ``report`` (empty for managers: they only watch)."""
    role = actor.role
    if role is None or role is Role.MANAGER:
        return []
    if role in AGENCY_ROLES and report.agency_id != actor.agency_id:
        return []
    possible = set(allowed_actions(report.status))
    out: list[str] = []
    for action in CONSOLE_ACTIONS:
        if action not in possible or role not in STAFF_ROLES.get(action, frozenset()):
            continue
        if (
            action is Action.REQUEST_INFO
            and report.status is Status.FORWARDED
            and role is Role.VERIFIER
        ):
            continue
        if action is Action.EXTEND_DEADLINE and (
            (report.status is Status.FORWARDED and role not in AGENCY_ROLES | {Role.ADMIN})
            or (report.status is Status.SUBMITTED and role in AGENCY_ROLES)
        ):
            continue
        out.append(action.value)
    out.append(NOTE)
    return out


def _enum(kind: type[ReportType] | type[Privacy], value: str | None) -> object | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        if kind is ReportType:
            raise BadInput("unknown_report_type", value=value) from None
        raise BadInput("unknown_privacy", value=value) from None


def _text(form: ActionForm) -> str:
    return form.text or ""


def perform(
    db: Session,
    *,
    clock: SlaClock,
    report: Report,
    actor: Actor,
    action: str,
    form: ActionForm,
    now: datetime,
    accept_threshold: float,
) -> dict[str, str]:
    """Run one console action through its use case; returns values for the confirmation.

    ``accept_threshold`` is ``settings.nlu_auto_forward_threshold``: the least stored agency
    confidence at which :data:`ACCEPT_SUGGESTION` goes through.
    """
    values = {"code": report.tracking_code}
    if action == ACCEPT_SUGGESTION:
        suggestion.accept_suggestion(
            db, clock=clock, report=report, actor=actor, now=now, threshold=accept_threshold
        )
        values["agency"] = report.agency.name if report.agency else "-"
    elif action == Action.VERIFY_FORWARD:
        rtype = _enum(ReportType, form.report_type)
        privacy = _enum(Privacy, form.privacy)
        staff_cases.verify_and_forward(
            db, clock=clock, report=report, actor=actor, now=now,
            agency_code=(form.agency_code or "").strip(),
            report_type=rtype,  # type: ignore[arg-type]
            title=form.title, category=form.category,
            privacy=privacy,  # type: ignore[arg-type]
        )  # fmt: skip
        values["agency"] = report.agency.name if report.agency else "-"
    elif action == Action.REQUEST_INFO:
        staff_cases.request_info(
            db, clock=clock, report=report, actor=actor, question=_text(form), now=now
        )
    elif action == Action.NOT_OUR_AUTHORITY:
        staff_cases.not_our_authority(
            db, clock=clock, report=report, actor=actor, reason=_text(form), now=now
        )
    elif action == Action.ARCHIVE:
        staff_cases.archive(
            db, clock=clock, report=report, actor=actor, reason=_text(form), now=now
        )
    elif action == Action.RETURN_TO_VERIFIER:
        staff_cases.return_to_verifier(
            db, clock=clock, report=report, actor=actor, reason=_text(form), now=now
        )
    elif action == Action.REROUTE:
        staff_cases.reroute(
            db, clock=clock, report=report, actor=actor, now=now,
            agency_code=(form.agency_code or "").strip(), reason=_text(form),
        )  # fmt: skip
        db.refresh(report)
        values["agency"] = report.agency.name if report.agency else "-"
    elif action == Action.ANSWER:
        staff_cases.answer(db, clock=clock, report=report, actor=actor, text=_text(form), now=now)
    elif action == Action.EXTEND_DEADLINE:
        try:
            days = int((form.days or "").strip())
        except ValueError:
            raise BadInput("days_not_number") from None
        staff_cases.extend_deadline(
            db, clock=clock, report=report, actor=actor, days=days, reason=_text(form), now=now
        )
        due = report.current_due_at
        values["due"] = due.astimezone(clock.calendar.tz).strftime("%d-%m-%Y %H:%M") if due else "-"
    elif action == Action.FINISH:
        staff_cases.finish(db, clock=clock, report=report, actor=actor, reason=_text(form), now=now)
    elif action == NOTE:
        if actor.role is Role.MANAGER:
            raise NotPermitted("manager_readonly")
        staff_cases.add_staff_note(db, report=report, actor=actor, text=_text(form), now=now)
    else:
        raise BadInput("unknown_action", value=action)
    return values


def explain(exc: DomainError) -> tuple[str, dict[str, object]]:
    """A refusal as a console catalogue key and its values, so it reads in the viewer's language.

    The key is ``error.<code>``: the console's catalogue carries the refusals' catalogue under that
    prefix (``console.i18n``). One refusal reads differently here: a wrong-stage action, which on
    a page almost always means someone else acted first, so the console says to reload.
    """
    if isinstance(exc, IllegalTransition):
        return "err_illegal", {}
    return f"error.{exc.code}", dict(exc.params)
