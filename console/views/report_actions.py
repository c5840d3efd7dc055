"""Which actions a staff member may take on a report, and carrying one out via the use cases.

The buttons shown are exactly :func:`available_actions`: the lifecycle table's moves from the
current status (``reports.lifecycle.allowed_actions``) filtered by the role rules the use cases
enforce. The use cases check again on every POST, so a hand-made request gets the same refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import service, suggestion
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
from reports.service import Actor

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


def _enum(kind: type[ReportType] | type[Privacy], value: str | None, what: str) -> object | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise BadInput(f"unknown {what} {value!r}") from None


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
        rtype = _enum(ReportType, form.report_type, "report type")
        privacy = _enum(Privacy, form.privacy, "privacy")
        service.verify_and_forward(
            db, clock=clock, report=report, actor=actor, now=now,
            agency_code=(form.agency_code or "").strip(),
            report_type=rtype,  # type: ignore[arg-type]
            title=form.title, category=form.category,
            privacy=privacy,  # type: ignore[arg-type]
        )  # fmt: skip
        values["agency"] = report.agency.name if report.agency else "-"
    elif action == Action.REQUEST_INFO:
        service.request_info(
            db, clock=clock, report=report, actor=actor, question=_text(form), now=now
        )
    elif action == Action.NOT_OUR_AUTHORITY:
        service.not_our_authority(
            db, clock=clock, report=report, actor=actor, reason=_text(form), now=now
        )
    elif action == Action.ARCHIVE:
        service.archive(db, clock=clock, report=report, actor=actor, reason=_text(form), now=now)
    elif action == Action.RETURN_TO_VERIFIER:
        service.return_to_verifier(
            db, clock=clock, report=report, actor=actor, reason=_text(form), now=now
        )
    elif action == Action.REROUTE:
        service.reroute(
            db, clock=clock, report=report, actor=actor, now=now,
            agency_code=(form.agency_code or "").strip(), reason=_text(form),
        )  # fmt: skip
        db.refresh(report)
        values["agency"] = report.agency.name if report.agency else "-"
    elif action == Action.ANSWER:
        service.answer(db, clock=clock, report=report, actor=actor, text=_text(form), now=now)
    elif action == Action.EXTEND_DEADLINE:
        try:
            days = int((form.days or "").strip())
        except ValueError:
            raise BadInput("the number of working days must be a whole number") from None
        service.extend_deadline(
            db, clock=clock, report=report, actor=actor, days=days, reason=_text(form), now=now
        )
        due = report.current_due_at
        values["due"] = due.astimezone(clock.calendar.tz).strftime("%d-%m-%Y %H:%M") if due else "-"
    elif action == Action.FINISH:
        service.finish(db, clock=clock, report=report, actor=actor, reason=_text(form), now=now)
    elif action == NOTE:
        if actor.role is Role.MANAGER:
            raise NotPermitted("managers watch; they do not write on reports")
        service.add_staff_note(db, report=report, actor=actor, text=_text(form), now=now)
    else:
        raise BadInput(f"unknown action {action!r}")
    return values


#: The use cases' refusals a console user can meet, as catalogue keys: (pattern on the English
#: message, key). Named groups become the message's values. Checked before the generic keys, so
#: a specific "not permitted" reads as what it is, not as "your role does not allow this".
REFUSALS: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r" is empty$", "err_empty"),
        (r"^unknown agency code|^choose the responsible", "err_agency"),
        (r"^the suggestion is not confident enough", "err_suggestion_not_confident"),
        (r"^the report is already with this agency$", "err_same_agency"),
        (r"^the agency now handles this report", "err_agency_handles"),
        (r"^this report is not with your agency$", "err_not_your_agency"),
        (r"^managers watch; they do not write on reports$", "err_manager_readonly"),
        (r"^only the responsible agency extends", "err_extend_agency_only"),
        (r"^the verification deadline is not the agency's to extend$", "err_extend_verify"),
        (r"^the number of working days must be a whole number$", "err_days_number"),
        (r"^an extension is at least 1 working day$", "err_extend_min"),
        (
            r"^the policy allows at most (?P<limit>\d+) working days of extension in total; "
            r"(?P<used>\d+) already used$",
            "err_extend_max",
        ),
        (r"^no \w+ deadline to extend$", "err_no_deadline"),
        (r"^the window to reopen this report has ended$", "err_reopen_window"),
        (r"^the assignee must be an active officer", "err_assignee"),
        (r"^unknown (?P<what>[a-z ]+) (?P<value>'.*')$", "err_unknown_value"),
    )
)


def explain(exc: DomainError) -> tuple[str, dict[str, str]]:
    """A refusal as a catalogue key and values, so it reads in the viewer's language.

    The use cases' messages are English sentences for logs and the API (``reports`` is shared
    with the bot and the CLI, which have their own catalogues); the console maps the ones a
    staff member can meet to its catalogue (:data:`REFUSALS`). Anything else still shows, as
    "refused: <English reason>", rather than hiding why.
    """
    message = str(exc)
    if isinstance(exc, IllegalTransition):
        return "err_illegal", {}
    for pattern, key in REFUSALS:
        match = pattern.search(message)
        if match:
            return key, {k: v for k, v in match.groupdict().items() if v is not None}
    if isinstance(exc, NotPermitted):
        return "forbidden", {}
    return "action_refused", {"reason": message}
