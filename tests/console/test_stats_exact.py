"""The dashboard's optimised queries give exactly the figures of the plain definitions.

``reports.stats`` reads one agency at a time (UNION ALL branches), one pass for the time to answer
and the compliance counts (FILTER aggregates), the SKM per agency with one FILTER per element,
and on PostgreSQL runs its query groups on parallel connections in one exported snapshot. This
test fills the tables with a few hundred random rows (direct inserts: the metrics read columns,
and random histories are what no use case would produce on purpose: reports without an agency,
answered without a verification time, ratings of re-routed reports) and recomputes every metric
in Python from the rows themselves, straight from the definitions in the module docstring.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from reports import satisfaction
from reports.enums import (
    OPEN_STATUSES,
    Channel,
    Privacy,
    ReportType,
    SlaActionKind,
    Stage,
    Status,
)
from reports.models import Agency, Citizen, Report, SatisfactionRating, SlaAction
from reports.stats import metrics, parallel
from reports.stats.figures import (
    ComplianceRow,
    DurationRow,
    DurationStats,
    SatisfactionRow,
    StatsFilter,
)
from tests.conftest import wib

WIB = ZoneInfo("Asia/Jakarta")
NOW = wib(2026, 11, 12, 10, 0)
START = wib(2026, 8, 1)
SPAN = (NOW - START).total_seconds()


def _at(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.uniform(0, SPAN))


@pytest.fixture
def world(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """~400 reports with random histories, their escalations and ratings (committed)."""
    rng = random.Random(20261112)
    with sessions() as db, db.begin():
        agencies = [a.id for a in db.scalars(select(Agency).order_by(Agency.id))][:6]
        citizen = Citizen(display_name=None, language="id", created_at=START)
        db.add(citizen)
        db.flush()
        for n in range(400):
            created = _at(rng)
            status = rng.choice(list(Status))
            verified = (
                created + timedelta(hours=rng.uniform(0.1, 90)) if rng.random() < 0.8 else None
            )
            answered = None
            if rng.random() < 0.6:
                answered = (verified or created) + timedelta(hours=rng.uniform(0.5, 300))
            report = Report(
                tracking_code=f"SW-X{n:03d}-0000",
                type=rng.choice(list(ReportType)),
                title=f"r{n}",
                body="random",
                agency_id=rng.choice([*agencies, agencies[0], None]),
                privacy=Privacy.PUBLIC,
                channel=Channel.TELEGRAM,
                citizen_id=citizen.id,
                status=status,
                verify_due_at=created + timedelta(days=rng.uniform(1, 6)),
                response_due_at=(
                    (verified or created) + timedelta(days=rng.uniform(1, 9))
                    if rng.random() < 0.85
                    else None
                ),
                escalation_level=rng.choice([0, 0, 0, 1, 2, 3]),
                created_at=created,
                updated_at=created,
                verified_at=verified,
                answered_at=answered,
            )
            db.add(report)
            db.flush()
            for level in range(1, rng.choice([1, 1, 2, 3, 4])):
                db.add(
                    SlaAction(
                        report_id=report.id,
                        stage=rng.choice([Stage.VERIFY, Stage.RESPOND]),
                        cycle=1,
                        kind=rng.choice([SlaActionKind.ESCALATION] * 3 + [SlaActionKind.REMINDER]),
                        level=level,
                        scheduled_at=_at(rng),
                        performed_at=_at(rng),
                        outcome=rng.choice(["done", "done", "skipped"]),
                    )
                )
            if rng.random() < 0.3:
                rated_at = _at(rng)
                for element in rng.sample(satisfaction.ELEMENTS, rng.randint(1, 5)):
                    db.add(
                        SatisfactionRating(
                            report_id=report.id,
                            # the agency when rated: not always the report's current one
                            agency_id=rng.choice([report.agency_id, *agencies[:2], None]),
                            element=element,
                            score=rng.randint(1, 4),
                            created_at=rated_at + timedelta(hours=rng.uniform(0, 48)),
                        )
                    )
        db.flush()
    with sessions() as db:
        reports = list(db.scalars(select(Report)))
        actions = list(db.scalars(select(SlaAction)))
        ratings = list(db.scalars(select(SatisfactionRating)))
        db.expunge_all()
    return {"agencies": agencies, "reports": reports, "actions": actions, "ratings": ratings}


def _percentile(values: list[float], fraction: float) -> float:
    values = sorted(values)
    position = fraction * (len(values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def _duration(values: list[float]) -> DurationStats:
    if not values:
        return DurationStats(0, None, None)
    return DurationStats(
        len(values),
        round(_percentile(values, 0.5) / 3600, 1),
        round(_percentile(values, 0.9) / 3600, 1),
    )


def _in(at: datetime | None, f: StatsFilter) -> bool:
    return (
        at is not None and (f.since is None or at >= f.since) and (f.until is None or at < f.until)
    )


def _expected(world: dict[str, Any], f: StatsFilter) -> dict[str, Any]:
    """Every period metric of the dashboard, from the rows, by definition."""

    def chosen(r: Report) -> bool:
        return (f.agency_id is None or r.agency_id == f.agency_id) and (
            f.report_type is None or r.type == f.report_type
        )

    reports = [r for r in world["reports"] if chosen(r)]
    by_id = {r.id: r for r in world["reports"]}
    verify: dict[int | None, list[float]] = defaultdict(list)
    answer: dict[int | None, list[float]] = defaultdict(list)
    comp: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in reports:
        if r.verified_at is not None and _in(r.verified_at, f):
            verify[r.agency_id].append((r.verified_at - r.created_at).total_seconds())
        if r.answered_at is not None and _in(r.answered_at, f):
            if r.verified_at is not None:
                answer[r.agency_id].append((r.answered_at - r.verified_at).total_seconds())
            if r.response_due_at is not None:
                comp[r.agency_id][0 if r.answered_at <= r.response_due_at else 1] += 1
        if r.status is Status.FORWARDED and r.response_due_at and r.response_due_at < NOW:
            comp[r.agency_id][2] += 1
    keys = sorted(verify.keys() | answer.keys(), key=lambda k: (k is None, k or 0))
    durations = [DurationRow(k, _duration(verify[k]), _duration(answer[k])) for k in keys]
    compliance = [
        ComplianceRow(k, *comp[k]) for k in sorted(comp, key=lambda k: (k is None, k or 0))
    ]
    breach: dict[tuple[int | None, Stage], list[int]] = defaultdict(lambda: [0, 0])
    for a in world["actions"]:
        report = by_id[a.report_id]
        done = a.kind is SlaActionKind.ESCALATION and a.outcome == "done"
        if done and _in(a.performed_at, f) and chosen(report):
            breach[(report.agency_id, a.stage)][0 if a.level == 1 else 1] += 1
    scores: dict[int | None, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    rated: dict[int | None, set[int]] = defaultdict(set)
    for rating in world["ratings"]:
        report = by_id[rating.report_id]
        if not _in(rating.created_at, f):
            continue
        if f.agency_id is not None and rating.agency_id != f.agency_id:
            continue
        if f.report_type is not None and report.type != f.report_type:
            continue
        scores[rating.agency_id][rating.element].append(rating.score)
        rated[rating.agency_id].add(rating.report_id)
    skm = [
        SatisfactionRow(
            k,
            satisfaction.compute_index(
                {e: sum(v) / len(v) for e, v in scores[k].items()}, len(rated[k])
            ),
        )
        for k in sorted(rated, key=lambda k: (k is None, k or 0))
    ]
    open_counts = {s: 0 for s in (Status.SUBMITTED, Status.INFO_REQUESTED, Status.FORWARDED)}
    open_counts[Status.ANSWERED] = 0
    for r in reports:
        if r.status in OPEN_STATUSES:
            open_counts[r.status] += 1
    return {
        "durations": durations,
        "compliance": compliance,
        "breaches": {k: tuple(v) for k, v in breach.items()},
        "satisfaction": skm,
        "open": open_counts,
    }


def _nrr_close(a: list[SatisfactionRow], b: list[SatisfactionRow]) -> None:
    """Same agencies, responses, grades and IKM; element means equal up to decimal rounding."""
    assert [(r.agency_id, r.index.responses, r.index.ikm, r.index.grade) for r in a] == [
        (r.agency_id, r.index.responses, r.index.ikm, r.index.grade) for r in b
    ]
    for x, y in zip(a, b, strict=True):
        assert x.index.nrr.keys() == y.index.nrr.keys()
        for key in x.index.nrr:
            assert x.index.nrr[key] == pytest.approx(y.index.nrr[key], abs=1e-12)


FILTERS = [
    StatsFilter(),
    StatsFilter(since=wib(2026, 9, 1), until=wib(2026, 11, 1)),
    StatsFilter(since=wib(2026, 10, 15)),
    StatsFilter(until=wib(2026, 9, 10), report_type=ReportType.COMPLAINT),
]


@pytest.mark.parametrize("f", FILTERS, ids=["all", "sep-oct", "since", "until+type"])
def test_metrics_equal_their_definitions(
    sessions: sessionmaker[Session], world: dict[str, Any], f: StatsFilter
) -> None:
    for flt in (f, StatsFilter(f.since, f.until, world["agencies"][0], f.report_type)):
        expected = _expected(world, flt)
        with sessions() as db:
            board = parallel.dashboard(db, filters=flt, now=NOW, tz=WIB)
            assert board.durations == expected["durations"], flt
            assert metrics.durations(db, filters=flt) == expected["durations"]
            assert board.compliance == expected["compliance"], flt
            assert metrics.compliance(db, filters=flt, now=NOW) == expected["compliance"]
            got = {(b.agency_id, b.stage): (b.breaches, b.escalations) for b in board.breaches}
            assert got == expected["breaches"], flt
            _nrr_close(board.satisfaction, expected["satisfaction"])
            _nrr_close(metrics.satisfaction_by_agency(db, filters=flt), expected["satisfaction"])
            assert board.open_by_stage == expected["open"]


def test_parallel_and_sequential_dashboards_agree(
    sessions: sessionmaker[Session], world: dict[str, Any]
) -> None:
    """On PostgreSQL the groups run on four connections in one snapshot; same figures."""
    f = StatsFilter(since=wib(2026, 9, 1), until=wib(2026, 11, 1))
    with sessions() as db, db.begin():
        at_once = parallel.dashboard(db, filters=f, now=NOW, tz=WIB, parallel=True)
    with sessions() as db, db.begin():
        sequential = parallel.dashboard(db, filters=f, now=NOW, tz=WIB, parallel=False)
    assert at_once == sequential
    assert at_once.durations and at_once.breaches and at_once.satisfaction
