"""Assigning a report to one officer (``reports.assignment``), on SQLite and PostgreSQL: who may
assign whom, the audit event, and that the assignee alone then receives the agency's notices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from escalation.sweep import run_sweep
from reports import assignment, citizen_cases, staff_cases
from reports.actor import Actor
from reports.enums import Role
from reports.lifecycle import DomainError, NotPermitted
from reports.models import OutboxMessage, Report, ReportEvent
from tests import factories as f
from tests.conftest import wib

MON = wib(2026, 11, 23, 9, 0)


def _forwarded(db: Session, clock: SlaClock, agency: str = "pupr") -> Report:
    verifier = Actor.staff(f.staff(db, Role.VERIFIER, MON))
    report = f.report(db, clock, MON)
    staff_cases.verify_and_forward(
        db, clock=clock, report=report, actor=verifier, agency_code=agency, now=MON
    )
    return report


def _recipients(db: Session, report: Report, template: str) -> set[int | None]:
    rows = db.scalars(
        select(OutboxMessage.staff_id).where(
            OutboxMessage.report_id == report.id, OutboxMessage.template == template
        )
    )
    return set(rows)


def test_head_assigns_an_officer_who_alone_hears_the_citizen(db: Session, clock: SlaClock) -> None:
    report = _forwarded(db, clock)
    head = f.staff(db, Role.AGENCY_HEAD, MON, agency="pupr")
    ana = f.staff(db, Role.OFFICER, MON, agency="pupr")
    budi = f.staff(db, Role.OFFICER, MON, agency="pupr")
    assignment.assign(
        db, clock=clock, report=report, actor=Actor.staff(head), assignee_id=ana.id, now=MON
    )
    assert report.assignee_id == ana.id
    event = db.scalar(select(ReportEvent).where(ReportEvent.action == "assign"))
    assert event is not None and event.actor_id == head.id
    assert event.data == {"assignee_id": ana.id, "previous_assignee_id": None}
    assert _recipients(db, report, "staff_assigned") == {ana.id}
    # The agency answers, the citizen is not satisfied: only the assignee is told.
    staff_cases.answer(
        db, clock=clock, report=report, actor=Actor.staff(ana), text="Sudah ditambal.", now=MON
    )
    citizen_cases.citizen_respond(
        db, clock=clock, report=report, actor=Actor.citizen(report.citizen_id),
        text="Belum, masih berlubang.", now=MON + timedelta(hours=2),
    )  # fmt: skip
    assert _recipients(db, report, "staff_citizen_response") == {ana.id}
    assert budi.id not in _recipients(db, report, "staff_citizen_response")


def test_unassigned_reports_still_reach_every_officer(db: Session, clock: SlaClock) -> None:
    report = _forwarded(db, clock)
    ana = f.staff(db, Role.OFFICER, MON, agency="pupr")
    budi = f.staff(db, Role.OFFICER, MON, agency="pupr")
    staff_cases.answer(db, clock=clock, report=report, actor=Actor.staff(ana), text="x", now=MON)
    citizen_cases.citizen_respond(
        db, clock=clock, report=report, actor=Actor.citizen(report.citizen_id), text="y", now=MON
    )
    assert {ana.id, budi.id} <= _recipients(db, report, "staff_citizen_response")


def test_sweep_reminds_the_assignee_only(sessions: sessionmaker[Session], clock: SlaClock) -> None:
    with sessions() as db, db.begin():
        report = _forwarded(db, clock)
        ana = f.staff(db, Role.OFFICER, MON, agency="pupr")
        budi = f.staff(db, Role.OFFICER, MON, agency="pupr")
        assignment.assign(
            db, clock=clock, report=report, actor=Actor.staff(ana), assignee_id=ana.id, now=MON
        )
        assert _recipients(db, report, "staff_assigned") == set()  # took it themself
        assert report.response_due_at is not None
        ids, late = (report.id, ana.id, budi.id), report.response_due_at + timedelta(days=3)
    run_sweep(sessions, clock=clock, now=late)
    report_id, ana_id, budi_id = ids
    with sessions() as db:
        again = db.get(Report, report_id)
        assert again is not None
        report = again
        told = _recipients(db, report, "staff_reminder") | _recipients(
            db, report, "staff_escalation"
        )
        assert ana_id in told and budi_id not in told


def test_who_may_assign_whom(db: Session, clock: SlaClock) -> None:
    report = _forwarded(db, clock)
    ana = f.staff(db, Role.OFFICER, MON, agency="pupr")
    budi = f.staff(db, Role.OFFICER, MON, agency="pupr")
    other_head = f.staff(db, Role.AGENCY_HEAD, MON, agency="lingkungan")
    stranger = f.staff(db, Role.OFFICER, MON, agency="lingkungan")
    verifier = f.staff(db, Role.VERIFIER, MON)

    def attempt(actor: object, assignee: int | None) -> None:
        assignment.assign(
            db, clock=clock, report=report, actor=Actor.staff(actor),  # type: ignore[arg-type]
            assignee_id=assignee, now=MON,
        )  # fmt: skip

    with pytest.raises(NotPermitted):
        attempt(ana, budi.id)  # an officer assigns only themself
    with pytest.raises(NotPermitted):
        attempt(other_head, stranger.id)  # another agency's head
    with pytest.raises(NotPermitted):
        attempt(verifier, ana.id)
    head = f.staff(db, Role.AGENCY_HEAD, MON, agency="pupr")
    with pytest.raises(DomainError):
        attempt(head, stranger.id)  # not an officer of this agency
    attempt(ana, ana.id)
    with pytest.raises(NotPermitted):
        attempt(budi, budi.id)  # cannot take a colleague's report
    with pytest.raises(NotPermitted):
        attempt(budi, None)  # nor release it
    attempt(ana, None)
    assert report.assignee_id is None
    assert len(db.scalars(select(ReportEvent).where(ReportEvent.action == "assign")).all()) == 2


def test_rerouting_clears_the_assignee(db: Session, clock: SlaClock) -> None:
    report = _forwarded(db, clock)
    ana = f.staff(db, Role.OFFICER, MON, agency="pupr")
    assignment.assign(
        db, clock=clock, report=report, actor=Actor.staff(ana), assignee_id=ana.id, now=MON
    )
    verifier = Actor.staff(f.staff(db, Role.VERIFIER, MON))
    staff_cases.reroute(
        db, clock=clock, report=report, actor=verifier, agency_code="lingkungan",
        reason="salah instansi", now=MON,
    )  # fmt: skip
    assert report.assignee_id is None
