"""``GET /api/v1/statistics``: the manager dashboard's numbers (``reports.stats``) as JSON.

Officers and agency heads get their own agency's numbers only: the agency filter is forced to
theirs, whatever they ask for, so counts never leak another agency's workload or titles.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel, Field

from console.api.reports import PROBLEMS
from console.deps import CurrentStaff, SessionDep, get_runtime
from console.problems import Problem
from console.views.dashboard import BoardCache
from reports import agencies
from reports.enums import AGENCY_ROLES, ReportType, Stage, Status
from reports.stats import parallel
from reports.stats.figures import StatsFilter

DEFAULT_PERIOD = timedelta(days=30)


def _cache(request: Request) -> BoardCache:
    """This process's cache of computed statistics (the dashboard's policy and setting).

    The aggregates cost about a second over a million reports; a client polling them, or many
    clients asking the same, then costs one computation per ``dashboard_cache_seconds``.
    """
    state = request.app.state
    cache: BoardCache | None = getattr(state, "api_statistics_cache", None)
    if cache is None:
        cache = state.api_statistics_cache = BoardCache(
            get_runtime(request).settings.dashboard_cache_seconds
        )
    return cache


MAX_PERIOD = timedelta(days=3 * 366)

router = APIRouter(tags=["statistics"], responses=PROBLEMS)


class DueView(BaseModel):
    due_today: int
    due_within_24h: int
    overdue: int


class BreachView(BaseModel):
    agency: str | None
    stage: Stage
    breaches: int = Field(description="escalation level 1: the deadline was missed")
    escalations: int = Field(description="further escalation levels")


class DurationView(BaseModel):
    count: int
    median_hours: float | None
    p90_hours: float | None


class AgencyDurations(BaseModel):
    agency: str | None
    verify: DurationView
    answer: DurationView


class ComplianceView(BaseModel):
    agency: str | None
    on_time: int
    late: int
    overdue_open: int
    rate: float | None = Field(description="percent answered by the deadline")


class EscalationView(BaseModel):
    code: str
    title: str
    agency: str | None
    status: Status
    stage: Stage | None
    level: int
    due_at: datetime | None


class SatisfactionView(BaseModel):
    agency: str | None
    ikm: float | None = Field(description="SKM index 25-100 (Permenpan RB 14/2017)")
    grade: str | None = Field(examples=["B"])
    label: str | None = Field(examples=["Baik"])
    responses: int
    nrr: dict[str, float]


class Statistics(BaseModel):
    computed_at: datetime = Field(
        description="when these figures were computed (they may be reused for "
        "dashboard_cache_seconds, like the dashboard's)"
    )
    since: datetime
    until: datetime
    agency: str | None
    type: ReportType | None
    open_by_stage: dict[Status, int]
    due: DueView
    breaches: list[BreachView]
    durations: list[AgencyDurations]
    compliance: list[ComplianceView]
    escalations: list[EscalationView]
    satisfaction: list[SatisfactionView]


@router.get("/statistics", response_model=Statistics, summary="Dashboard statistics")
def statistics(
    request: Request,
    db: SessionDep,
    staff: CurrentStaff,
    since: Annotated[AwareDatetime | None, Query(description="default: 30 days ago")] = None,
    until: Annotated[AwareDatetime | None, Query(description="exclusive; default: now")] = None,
    agency: Annotated[str | None, Query(max_length=40, description="agency code")] = None,
    type: Annotated[ReportType | None, Query()] = None,
) -> Statistics:
    """Open reports by stage, deadlines due soon, breaches, time to verify and to answer,
    compliance, current escalations and satisfaction (IKM), for a period, agency and type."""
    now = datetime.now(UTC)
    # Default "until" is the current minute, so repeated default calls share a cached result.
    until = until or now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    since = since or until - DEFAULT_PERIOD
    if since >= until or until - since > MAX_PERIOD:
        raise Problem(
            422, "bad-period", "Invalid period", "since must be before until, at most 3 years"
        )
    codes = agencies.codes_by_id(db)
    agency_id = None
    if staff.role in AGENCY_ROLES:
        agency_id = staff.agency_id
    elif agency is not None:
        agency_id = next((i for i, c in codes.items() if c == agency), None)
        if agency_id is None:
            raise Problem(422, "unknown-agency", "Unknown agency", f"no agency {agency!r}")
    filters = StatsFilter(since=since, until=until, agency_id=agency_id, report_type=type)
    tz = get_runtime(request).clock.calendar.tz
    board = _cache(request).get(
        (since, until, agency_id, type),
        lambda: parallel.dashboard(db, filters=filters, now=now, tz=tz),
    )

    def code(agency_id: int | None) -> str | None:
        return codes.get(agency_id) if agency_id is not None else None

    return Statistics(
        computed_at=board.now,
        since=since,
        until=until,
        agency=code(agency_id),
        type=type,
        open_by_stage=board.open_by_stage,
        due=DueView(
            due_today=board.due.due_today,
            due_within_24h=board.due.due_within_24h,
            overdue=board.due.overdue,
        ),
        breaches=[
            BreachView(
                agency=code(b.agency_id),
                stage=b.stage,
                breaches=b.breaches,
                escalations=b.escalations,
            )
            for b in board.breaches
        ],
        durations=[
            AgencyDurations(
                agency=code(d.agency_id),
                verify=DurationView(
                    count=d.verify.count,
                    median_hours=d.verify.median_hours,
                    p90_hours=d.verify.p90_hours,
                ),
                answer=DurationView(
                    count=d.answer.count,
                    median_hours=d.answer.median_hours,
                    p90_hours=d.answer.p90_hours,
                ),
            )
            for d in board.durations
        ],
        compliance=[
            ComplianceView(
                agency=code(c.agency_id),
                on_time=c.on_time,
                late=c.late,
                overdue_open=c.overdue_open,
                rate=c.rate,
            )
            for c in board.compliance
        ],
        escalations=[
            EscalationView(
                code=e.tracking_code,
                title=e.title,
                agency=code(e.agency_id),
                status=e.status,
                stage=e.stage,
                level=e.level,
                due_at=e.due_at,
            )
            for e in board.escalations
        ],
        satisfaction=[
            SatisfactionView(
                agency=code(s.agency_id),
                ikm=s.index.ikm,
                grade=s.index.grade,
                label=s.index.label,
                responses=s.index.responses,
                nrr=s.index.nrr,
            )
            for s in board.satisfaction
        ],
    )
