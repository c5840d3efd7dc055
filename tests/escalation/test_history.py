"""``sla_history``: a breach stays on the report after the clock moves on."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from escalation.history import late_days_by_stage, sla_history
from escalation.sweep import run_sweep
from reports import lookups, staff_cases
from reports.actor import Actor
from reports.enums import Role, Stage
from reports.models import StaffUser
from tests import factories as f
from tests.conftest import wib

MON = wib(2026, 11, 23, 9, 0)


def test_late_verification_stays_visible_after_the_answer(
    sessions: sessionmaker[Session], clock: SlaClock
) -> None:
    with sessions() as db, db.begin():
        verifier = f.staff(db, Role.VERIFIER, MON)
        officer = f.staff(db, Role.OFFICER, MON, agency="pupr")
        code = f.report(db, clock, MON).tracking_code  # verify due Thu 26 Nov 23:59:59 WIB
        verifier_id, officer_id = verifier.id, officer.id

    run_sweep(sessions, clock=clock, now=wib(2026, 11, 27, 0, 0, 1))  # breach, level 1
    run_sweep(sessions, clock=clock, now=wib(2026, 12, 1, 0, 0, 1))  # level 2
    with sessions() as db, db.begin():
        report = lookups.get_report(db, code)
        # Still open: the breach is ongoing, two working days (Fri 27, Mon 30) so far.
        [ongoing] = sla_history(report.events, clock.calendar, wib(2026, 11, 30, 12))
        assert ongoing.ongoing and ongoing.working_days_late == 2
        verifier = db.get_one(StaffUser, verifier_id)
        staff_cases.verify_and_forward(
            db,
            clock=clock,
            report=report,
            actor=Actor.staff(verifier),
            agency_code="pupr",
            now=wib(2026, 12, 1, 10),
        )
        officer = db.get_one(StaffUser, officer_id)
        staff_cases.answer(
            db,
            clock=clock,
            report=report,
            actor=Actor.staff(officer),
            text="Sudah kami tambal.",
            now=wib(2026, 12, 2, 10),
        )

    with sessions() as db:
        report = lookups.get_report(db, code)
        assert report.escalation_level == 0  # the running clock no longer says it...
        history = sla_history(report.events, clock.calendar, wib(2026, 12, 20))
        # ...the history does: verification late by Fri, Mon, Tue; the answer was on time.
        assert [(b.stage, b.working_days_late, b.max_level, b.ongoing) for b in history] == [
            (Stage.VERIFY, 3, 2, False)
        ]
        assert history[0].ended_at == wib(2026, 12, 1, 10)
        assert late_days_by_stage(history) == {Stage.VERIFY: 3}
        assert history[0].as_dict(clock.calendar.tz)["due"] == "2026-11-26T23:59:59+07:00"


def test_no_breach_no_history(sessions: sessionmaker[Session], clock: SlaClock) -> None:
    with sessions() as db, db.begin():
        report = f.report(db, clock, MON)
        assert sla_history(report.events, clock.calendar, wib(2026, 11, 24)) == []
