"""``sla recompute``: stored deadlines follow a calendar change, once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from escalation.calendar import HolidayOverrides, WorkingCalendar
from escalation.deadlines import SlaClock
from reports import citizen_cases, lookups, staff_cases
from reports.actor import Actor
from reports.enums import Role, Status
from reports.models import ReportEvent
from reports.recompute import RECOMPUTE_ACTION, recompute_open_deadlines
from tests import factories as f
from tests.conftest import wib

MON = wib(2026, 11, 23, 9, 0)
#: A cuti bersama decreed late for Wednesday 25 November.
DECREED = HolidayOverrides(closed={date(2026, 11, 25): "Cuti bersama (dekret baru)"})


def test_recompute_moves_open_deadlines_once(
    sessions: sessionmaker[Session], clock: SlaClock
) -> None:
    new_clock = SlaClock(WorkingCalendar("Asia/Jakarta", DECREED), clock.policy)
    with sessions() as db, db.begin():
        verifier = f.staff(db, Role.VERIFIER, MON)
        officer = f.staff(db, Role.OFFICER, MON, agency="pupr")
        # 1. Waiting for verification: due Thu 26 Nov, should become Fri 27.
        waiting = f.report(db, clock, MON)
        # 2. Forwarded Monday, extended by 2: due Mon 30 + 2 = Wed 2 Dec, should become Thu 3.
        extended = f.report(db, clock, MON)
        staff_cases.verify_and_forward(
            db, clock=clock, report=extended, actor=Actor.staff(verifier), agency_code="pupr",
            now=MON,
        )  # fmt: skip
        staff_cases.extend_deadline(
            db, clock=clock, report=extended, actor=Actor.staff(officer), days=2,
            reason="Perlu survei lapangan", now=MON,
        )  # fmt: skip
        # 3. Paused: a count of days, not a date; nothing to do until it resumes.
        paused = f.report(db, clock, MON)
        staff_cases.request_info(
            db, clock=clock, report=paused, actor=Actor.staff(verifier), question="Di mana?",
            now=MON,
        )  # fmt: skip
        # 4. Finished: closed reports keep their history.
        closed = f.report(db, clock, wib(2026, 11, 2, 9))
        staff_cases.archive(
            db, clock=clock, report=closed, actor=Actor.staff(verifier), reason="spam",
            now=wib(2026, 11, 2, 10),
        )  # fmt: skip
        codes = [r.tracking_code for r in (waiting, extended, paused, closed)]

    with sessions() as db, db.begin():
        # The old calendar agrees with what is stored: nothing to do.
        assert list(recompute_open_deadlines(db, clock=clock, now=MON)) == []
    with sessions() as db, db.begin():
        changes = list(recompute_open_deadlines(db, clock=new_clock, now=wib(2026, 11, 24, 8)))
    assert [(c.report, c.stage, c.outcome) for c in changes] == [
        (codes[0], "verify", "changed"),
        (codes[1], "respond", "changed"),
    ]
    with sessions() as db:
        waiting, extended = (lookups.get_report(db, c) for c in codes[:2])
        assert waiting.verify_due_at == wib(2026, 11, 27, 23, 59, 59)
        assert extended.response_due_at == wib(2026, 12, 3, 23, 59, 59)
        # The sweep's next moment moved with it (the 24-hour reminder before the new deadline).
        assert waiting.next_sla_at == wib(2026, 11, 26, 23, 59, 59)
        [event] = [e for e in waiting.events if e.action == RECOMPUTE_ACTION]
        assert event.data["from"] == wib(2026, 11, 26, 23, 59, 59).isoformat()
        assert event.data["to"] == wib(2026, 11, 27, 23, 59, 59).isoformat()
        assert lookups.get_report(db, codes[2]).status is Status.INFO_REQUESTED
    # Safe to run twice: the second run changes nothing and records nothing.
    with sessions() as db, db.begin():
        assert list(recompute_open_deadlines(db, clock=new_clock, now=wib(2026, 11, 24, 9))) == []
    with sessions() as db:
        count = db.scalars(select(ReportEvent).where(ReportEvent.action == RECOMPUTE_ACTION))
        assert len(count.all()) == 2


def test_a_resumed_clock_keeps_the_days_that_were_left(
    sessions: sessionmaker[Session], clock: SlaClock
) -> None:
    new_clock = SlaClock(WorkingCalendar("Asia/Jakarta", DECREED), clock.policy)
    with sessions() as db, db.begin():
        verifier = f.staff(db, Role.VERIFIER, MON)
        report = f.report(db, clock, wib(2026, 11, 20, 9))  # Fri: verify due Wed 25
        staff_cases.request_info(
            db, clock=clock, report=report, actor=Actor.staff(verifier), question="Di mana?",
            now=wib(2026, 11, 23, 9),
        )  # fmt: skip  # Mon: 2 working days left (Tue, Wed)
        citizen_cases.provide_info(
            db, clock=clock, report=report, actor=Actor.citizen(report.citizen_id),
            text="Di depan pasar.", now=wib(2026, 11, 23, 15),
        )  # fmt: skip
        assert report.verify_due_at == wib(2026, 11, 25, 23, 59, 59)
        code = report.tracking_code
    with sessions() as db, db.begin():
        [change] = recompute_open_deadlines(db, clock=new_clock, now=wib(2026, 11, 24, 8))
        assert change.outcome == "changed"
        # Two working days after Monday with Wednesday closed: Tue 24, Thu 26.
        assert lookups.get_report(db, code).verify_due_at == wib(2026, 11, 26, 23, 59, 59)
