"""Dashboard metrics on seeded data with known times, on SQLite and PostgreSQL.

Timeline (WIB, November 2026; Mon 2 Nov is day 0; "now" is Thu 12 Nov 10:00):
R1 pupr: submitted 2 Nov 09:00, forwarded +2 h, answered +10 h, accepted, rated
R2 pupr: submitted 2 Nov 09:00, forwarded +4 h, answered 10 Nov 09:00 (its due was 9 Nov: late)
R3 lingkungan: submitted 2 Nov 09:00, forwarded +6 h, never answered (breach and escalation)
R4: submitted 9 Nov 10:00, verification due 12 Nov (today)
R5: submitted 11 Nov 10:00, waiting for the citizen's information
R6 pupr: submitted 5 Nov 10:00, forwarded +1 h, follow-up due 12 Nov (today)
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from escalation.sweep import run_sweep
from reports import citizen_cases, satisfaction, staff_cases
from reports.actor import Actor
from reports.enums import ReportType, Stage, Status
from reports.models import Agency, Report, StaffUser
from reports.stats import metrics, parallel
from reports.stats.figures import BreachRow, DueSoon, DurationStats, StatsFilter
from tests import factories
from tests.conftest import wib

NOW = wib(2026, 11, 12, 10, 0)
H = timedelta(hours=1)


def _submit(db: Session, clock: SlaClock, at: datetime, n: int) -> Report:
    return factories.report(
        db, clock, at, external_id=f"stats-{n}", title=f"Laporan {n}", body="Isi laporan"
    )


@pytest.fixture
def seeded(
    sessions: sessionmaker[Session], clock: SlaClock, staff_users: dict[str, StaffUser]
) -> dict[str, int]:
    verifier = Actor.staff(staff_users["verifier"])
    pupr = Actor.staff(staff_users["officer"])
    t0 = wib(2026, 11, 2, 9, 0)
    with sessions() as db, db.begin():

        def forward(report: Report, agency: str, at: datetime) -> None:
            staff_cases.verify_and_forward(
                db, clock=clock, report=report, actor=verifier, agency_code=agency, now=at
            )

        r1 = _submit(db, clock, t0, 1)
        forward(r1, "pupr", t0 + 2 * H)
        staff_cases.answer(db, clock=clock, report=r1, actor=pupr, text="ok", now=t0 + 12 * H)
        citizen_cases.citizen_accept(
            db,
            clock=clock,
            report=r1,
            actor=Actor.citizen(r1.citizen_id),
            now=t0 + 13 * H,
        )
        for element, score in zip(satisfaction.ASKED_AFTER_REPORT, (4, 4, 3, 4), strict=True):
            satisfaction.record_rating(
                db, report=r1, citizen_id=r1.citizen_id, element=element, score=score,
                now=t0 + 14 * H,
            )  # fmt: skip
        r2 = _submit(db, clock, t0, 2)
        forward(r2, "pupr", t0 + 4 * H)
        staff_cases.answer(
            db, clock=clock, report=r2, actor=pupr, text="maaf terlambat",
            now=wib(2026, 11, 10, 9, 0),
        )  # fmt: skip
        r3 = _submit(db, clock, t0, 3)
        forward(r3, "lingkungan", t0 + 6 * H)
        _submit(db, clock, wib(2026, 11, 9, 10, 0), 4)
        r5 = _submit(db, clock, wib(2026, 11, 11, 10, 0), 5)
        staff_cases.request_info(
            db, clock=clock, report=r5, actor=verifier, question="Lokasi?",
            now=wib(2026, 11, 11, 11, 0),
        )  # fmt: skip
        r6 = _submit(db, clock, wib(2026, 11, 5, 10, 0), 6)
        forward(r6, "pupr", wib(2026, 11, 5, 11, 0))
        agencies = {a.code: a.id for a in db.query(Agency)}
    run_sweep(sessions, clock=clock, now=NOW)
    return agencies


def _filters(**kw: object) -> StatsFilter:
    return StatsFilter(since=wib(2026, 11, 1), until=wib(2026, 12, 1), **kw)  # type: ignore[arg-type]


def test_open_by_stage_and_due_soon(db: Session, seeded: dict[str, int], clock: SlaClock) -> None:
    assert metrics.open_by_stage(db, filters=_filters()) == {
        Status.SUBMITTED: 1, Status.INFO_REQUESTED: 1, Status.FORWARDED: 2, Status.ANSWERED: 1,
    }  # fmt: skip
    due = metrics.due_soon(db, filters=_filters(), now=NOW, tz=clock.calendar.tz)
    assert due == DueSoon(due_today=2, due_within_24h=2, overdue=1)
    pupr_only = metrics.due_soon(
        db, filters=_filters(agency_id=seeded["pupr"]), now=NOW, tz=clock.calendar.tz
    )
    assert pupr_only == DueSoon(due_today=1, due_within_24h=1, overdue=0)
    assert metrics.open_by_stage(db, filters=_filters(report_type=ReportType.ASPIRATION)) == {
        Status.SUBMITTED: 0, Status.INFO_REQUESTED: 0, Status.FORWARDED: 0, Status.ANSWERED: 0,
    }  # fmt: skip


def test_breaches_and_current_escalations(db: Session, seeded: dict[str, int]) -> None:
    rows = metrics.breaches(db, filters=_filters())
    assert rows == [BreachRow(seeded["lingkungan"], Stage.RESPOND, 1, 1)]
    # A period before the breach happened shows none.
    assert metrics.breaches(db, filters=StatsFilter(until=wib(2026, 11, 9))) == []
    escalated = metrics.current_escalations(db, filters=_filters())
    assert [(e.title, e.level, e.stage) for e in escalated] == [("Laporan 3", 2, Stage.RESPOND)]


def test_durations_median_and_p90(db: Session, seeded: dict[str, int]) -> None:
    rows = {r.agency_id: r for r in metrics.durations(db, filters=_filters())}
    pupr, dlh = rows[seeded["pupr"]], rows[seeded["lingkungan"]]
    # verify: 1 h, 2 h, 4 h -> median 2, p90 3.6 (linear interpolation, as percentile_cont)
    assert pupr.verify == DurationStats(3, 2.0, 3.6)
    # answer: 10 h and 188 h -> median 99, p90 170.2
    assert pupr.answer == DurationStats(2, 99.0, 170.2)
    assert dlh.verify == DurationStats(1, 6.0, 6.0)
    assert dlh.answer == DurationStats(0, None, None)


def test_compliance_per_agency(db: Session, seeded: dict[str, int]) -> None:
    rows = {r.agency_id: r for r in metrics.compliance(db, filters=_filters(), now=NOW)}
    assert (rows[seeded["pupr"]].on_time, rows[seeded["pupr"]].late) == (1, 1)
    assert rows[seeded["pupr"]].rate == 50.0
    assert rows[seeded["lingkungan"]].overdue_open == 1 and rows[seeded["lingkungan"]].rate == 0.0


def test_satisfaction_index_and_grade(db: Session, seeded: dict[str, int]) -> None:
    rows = metrics.satisfaction_by_agency(db, filters=_filters())
    assert len(rows) == 1 and rows[0].agency_id == seeded["pupr"]
    # NRR 4, 4, 3, 4 -> IKM = 25 x 3.75 = 93.75 -> A (Sangat Baik); same as the domain function
    assert (rows[0].index.ikm, rows[0].index.grade, rows[0].index.responses) == (93.75, "A", 1)
    assert rows[0].index == satisfaction.agency_index(db, agency_id=seeded["pupr"])


def test_dashboard_bundle_and_page(db: Session, seeded: dict[str, int], clock: SlaClock) -> None:
    board = parallel.dashboard(db, filters=_filters(), now=NOW, tz=clock.calendar.tz)
    assert board.agencies[seeded["pupr"]].startswith("Dinas")
    assert board.due.overdue == 1 and len(board.escalations) == 1
