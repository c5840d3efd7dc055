"""The lifecycle actions as ``POST /api/v1/reports/{code}/<action>``.

Each route is a thin shell around one use case of ``reports.staff_cases``, which checks the
transition table and the actor's role and agency; the route adds only what HTTP needs: the
report must be visible to the caller (404 otherwise), the row is locked for the transaction, and
the domain's refusals become problems (403 not permitted, 409 wrong stage, 422 other rules).
Cookie-authenticated calls need the session's CSRF token; bearer tokens do not.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from console.api.present import detail
from console.api.reports import PROBLEMS, visible_report
from console.api.schemas import (
    AnswerIn,
    ExtendIn,
    MergeIn,
    QuestionIn,
    ReasonIn,
    ReportDetail,
    RerouteIn,
    VerifyForwardIn,
)
from console.deps import (
    CsrfProtected,
    CurrentStaff,
    SessionDep,
    actor_of,
    get_runtime,
    require_roles,
)
from console.problems import documented, domain_errors
from reports import merging, staff_cases
from reports.actor import Actor
from reports.enums import Role
from reports.models import Report, StaffUser

ACTING_ROLES = (Role.ADMIN, Role.VERIFIER, Role.OFFICER, Role.AGENCY_HEAD)

router = APIRouter(
    tags=["actions"],
    # Managers watch and act on nothing: refused here already, and again in the use cases.
    dependencies=[CsrfProtected, Depends(require_roles(*ACTING_ROLES))],
    responses={
        **PROBLEMS,
        **documented(
            400,
            403,
            404,
            409,
            s400="the body is not valid JSON",
            s403="your role or agency may not do this",
            s404="unknown, or not visible to you",
            s409="not possible in the report's current stage",
        ),
    },
)


UseCase = Callable[..., Report]


def _act(
    request: Request,
    db: Session,
    staff: StaffUser,
    code: str,
    use_case: UseCase,
    **arguments: Any,
) -> ReportDetail:
    actor: Actor = actor_of(staff)
    runtime = get_runtime(request)
    now = datetime.now(UTC)
    report = visible_report(db, actor, code, for_update=True)
    with domain_errors():
        use_case(db, clock=runtime.clock, report=report, actor=actor, now=now, **arguments)
        db.flush()
    return detail(db, report, actor, now, runtime.clock.calendar)


def _route(path: str, summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return router.post(f"/reports/{{code}}/{path}", response_model=ReportDetail, summary=summary)


@_route("verify-forward", "Verify and forward to an agency (verifier)")
def verify_forward(
    request: Request, code: str, body: VerifyForwardIn, db: SessionDep, staff: CurrentStaff
) -> ReportDetail:
    """Confirm the details (type, title, category, privacy) and hand the report to ``agency``."""
    return _act(
        request,
        db,
        staff,
        code,
        staff_cases.verify_and_forward,
        agency_code=body.agency,
        report_type=body.type,
        title=body.title,
        category=body.category,
        privacy=body.privacy,
    )


@_route("request-info", "Ask the citizen for more information (pauses the clock)")
def request_info(
    request: Request, code: str, body: QuestionIn, db: SessionDep, staff: CurrentStaff
) -> ReportDetail:
    """Verifier before forwarding, or the agency's officer after; the citizen gets the question."""
    return _act(request, db, staff, code, staff_cases.request_info, question=body.question)


@_route("not-our-authority", "Outside the government's authority: archive (verifier)")
def not_our_authority(
    request: Request, code: str, body: ReasonIn, db: SessionDep, staff: CurrentStaff
) -> ReportDetail:
    """Bukan wewenang: the report is closed with the reason, and the citizen is told."""
    return _act(request, db, staff, code, staff_cases.not_our_authority, reason=body.reason)


@_route("archive", "Archive with a reason (verifier)")
def archive(
    request: Request, code: str, body: ReasonIn, db: SessionDep, staff: CurrentStaff
) -> ReportDetail:
    """Spam, too general, not about public services, wrong format."""
    return _act(request, db, staff, code, staff_cases.archive, reason=body.reason)


@_route("return", "Send back to the verifier: not our agency (agency)")
def return_to_verifier(
    request: Request, code: str, body: ReasonIn, db: SessionDep, staff: CurrentStaff
) -> ReportDetail:
    """The agency says the report belongs elsewhere; the verifier routes it again."""
    return _act(request, db, staff, code, staff_cases.return_to_verifier, reason=body.reason)


@_route("reroute", "Move a forwarded report to another agency (verifier)")
def reroute(
    request: Request, code: str, body: RerouteIn, db: SessionDep, staff: CurrentStaff
) -> ReportDetail:
    """The new agency gets a full follow-up window."""
    return _act(
        request, db, staff, code, staff_cases.reroute, agency_code=body.agency, reason=body.reason
    )


@_route("answer", "Answer the citizen (agency follow-up)")
def answer(
    request: Request, code: str, body: AnswerIn, db: SessionDep, staff: CurrentStaff
) -> ReportDetail:
    """The answer goes to the citizen through the outbox; their window to respond starts."""
    return _act(request, db, staff, code, staff_cases.answer, text=body.text)


@_route("extend", "Extend the running deadline, with a reason (within policy)")
def extend(
    request: Request, code: str, body: ExtendIn, db: SessionDep, staff: CurrentStaff
) -> ReportDetail:
    """Working days are added to the running stage's deadline; the policy bounds the total."""
    return _act(
        request, db, staff, code, staff_cases.extend_deadline, days=body.days, reason=body.reason
    )


@_route("finish", "Mark an answered report finished")
def finish(
    request: Request, code: str, body: ReasonIn, db: SessionDep, staff: CurrentStaff
) -> ReportDetail:
    """E.g. the citizen confirmed by phone that the matter is resolved."""
    return _act(request, db, staff, code, staff_cases.finish, reason=body.reason)


@_route("merge", "Mark as a duplicate of another report (verifier, or the agency for its own)")
def merge(
    request: Request, code: str, body: MergeIn, db: SessionDep, staff: CurrentStaff
) -> ReportDetail:
    """The report joins ``into``: its citizen is told and follows ``into`` from now on, whose
    deadlines govern; refused into itself, into a closed or merged report, or as a cycle."""
    primary = visible_report(db, actor_of(staff), body.into, for_update=True)

    def use_case(db: Session, *, report: Report, **kw: Any) -> Report:
        return merging.merge(db, report=report, into=primary, reason=body.reason, **kw)

    return _act(request, db, staff, code, use_case)


@_route("unmerge", "Take a merged report out of its group again (audited, with a reason)")
def unmerge(
    request: Request, code: str, body: ReasonIn, db: SessionDep, staff: CurrentStaff
) -> ReportDetail:
    """The report is handled on its own again; its current stage's clock restarts now."""
    return _act(request, db, staff, code, merging.unmerge, reason=body.reason)
