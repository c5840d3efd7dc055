"""The report lifecycle through its use cases, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from reports import citizen_cases, staff_cases
from reports.actor import Actor
from reports.enums import OutboxStatus, Privacy, ReportType, Role, Stage, Status
from reports.lifecycle import TRANSITIONS, Action, DomainError, IllegalTransition, NotPermitted
from reports.models import AgencyAssignment, OutboxMessage, ReportEvent
from tests import factories as f
from tests.conftest import wib

MON = wib(2026, 11, 23, 9, 0)  # Monday 23 November 2026, 09:00 WIB


@pytest.fixture
def people(db: Session) -> dict[str, Actor]:
    return {
        "verifier": Actor.staff(f.staff(db, Role.VERIFIER, MON)),
        "pupr": Actor.staff(f.staff(db, Role.OFFICER, MON, agency="pupr")),
        "pupr_head": Actor.staff(f.staff(db, Role.AGENCY_HEAD, MON, agency="pupr")),
        "dlh": Actor.staff(f.staff(db, Role.OFFICER, MON, agency="lingkungan")),
        "manager": Actor.staff(f.staff(db, Role.MANAGER, MON)),
    }


def events(db: Session, report_id: int) -> list[tuple[str, str | None, str | None]]:
    rows = db.scalars(
        select(ReportEvent).where(ReportEvent.report_id == report_id).order_by(ReportEvent.id)
    )
    return [
        (
            e.action,
            e.from_status.value if e.from_status else None,
            e.to_status.value if e.to_status else None,
        )
        for e in rows
    ]


def outbox(db: Session, report_id: int) -> list[tuple[str, str]]:
    rows = db.scalars(
        select(OutboxMessage).where(OutboxMessage.report_id == report_id).order_by(OutboxMessage.id)
    )
    return [(m.template, m.address) for m in rows]


def test_submit_sets_code_clock_event_and_receipt(db: Session, clock: SlaClock) -> None:
    report = f.report(db, clock, MON)
    assert report.status is Status.SUBMITTED
    assert report.tracking_code.startswith("SW-") and len(report.tracking_code) == 12
    assert report.verify_due_at == wib(2026, 11, 26, 23, 59, 59)
    # The sweep's first chance to act is the reminder 24 hours before the deadline.
    assert report.next_sla_at == report.verify_due_at - timedelta(hours=24)
    assert events(db, report.id) == [("submit", None, "submitted")]
    receipt = db.scalars(select(OutboxMessage).where(OutboxMessage.report_id == report.id)).one()
    assert receipt.template == "report_received"
    assert receipt.status is OutboxStatus.PENDING
    assert report.tracking_code in receipt.body
    assert "Kamis, 26 November 2026" in receipt.body


def test_full_flow_with_objection_and_auto_close(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    report = f.report(db, clock, MON)
    citizen = Actor.citizen(report.citizen_id)
    staff_cases.verify_and_forward(
        db,
        clock=clock,
        report=report,
        actor=people["verifier"],
        agency_code="pupr",
        now=MON + timedelta(hours=5),
        report_type=ReportType.COMPLAINT,
        category="Jalan",
    )
    assert report.status is Status.FORWARDED
    assert report.response_due_at == wib(2026, 11, 30, 23, 59, 59)  # Mon + 5 working days
    staff_cases.answer(
        db,
        clock=clock,
        report=report,
        actor=people["pupr"],
        text="Sudah dijadwalkan tambal.",
        now=wib(2026, 11, 26, 10),
    )
    assert report.status is Status.ANSWERED
    assert report.feedback_due_at == wib(2026, 12, 10, 23, 59, 59)  # Thu + 10 working days
    citizen_cases.citizen_respond(
        db,
        clock=clock,
        report=report,
        actor=citizen,
        text="Belum ditambal sampai sekarang",
        now=wib(2026, 12, 1, 8),
    )
    assert report.status is Status.FORWARDED
    assert report.response_due_at == wib(2026, 12, 8, 23, 59, 59)
    staff_cases.answer(
        db,
        clock=clock,
        report=report,
        actor=people["pupr_head"],
        text="Sudah ditambal 2 Des.",
        now=wib(2026, 12, 2, 15),
    )
    staff_cases.auto_close(db, clock=clock, report=report, now=wib(2026, 12, 17, 0, 0, 1))
    assert report.status is Status.FINISHED
    assert report.next_sla_at is None
    assert [e[0] for e in events(db, report.id)] == [
        "submit",
        "verify_forward",
        "answer",
        "citizen_respond",
        "answer",
        "auto_close",
    ]
    templates = [t for t, _ in outbox(db, report.id)]
    assert templates.count("agency_answer") == 2
    assert templates[-2:] == ["report_finished", "rating_request"]
    assert "staff_new_report" in templates and "staff_citizen_response" in templates


def test_illegal_transitions_are_refused_with_what_is_allowed(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    report = f.report(db, clock, MON)
    with pytest.raises(IllegalTransition, match="cannot reroute a report that is submitted") as exc:
        staff_cases.reroute(
            db,
            clock=clock,
            report=report,
            actor=people["verifier"],
            agency_code="pupr",
            reason="x",
            now=MON,
        )
    assert "verify_forward" in str(exc.value)
    staff_cases.archive(
        db, clock=clock, report=report, actor=people["verifier"], reason="spam", now=MON
    )
    with pytest.raises(IllegalTransition, match="archived"):
        staff_cases.verify_and_forward(
            db, clock=clock, report=report, actor=people["verifier"], agency_code="pupr", now=MON
        )
    assert report.status is Status.ARCHIVED
    assert events(db, report.id)[-1] == ("archive", "submitted", "archived")


def test_every_status_has_a_documented_way_forward_or_is_terminal() -> None:
    sources = {s for s, _ in TRANSITIONS}
    for status in Status:
        terminal = status in {Status.ARCHIVED}
        assert terminal or status in sources, f"{status} is a dead end"


def test_roles_and_agencies_are_enforced(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    report = f.report(db, clock, MON)
    with pytest.raises(NotPermitted):
        staff_cases.verify_and_forward(
            db, clock=clock, report=report, actor=people["pupr"], agency_code="pupr", now=MON
        )
    with pytest.raises(NotPermitted):
        staff_cases.archive(
            db, clock=clock, report=report, actor=people["manager"], reason="x", now=MON
        )
    staff_cases.verify_and_forward(
        db, clock=clock, report=report, actor=people["verifier"], agency_code="pupr", now=MON
    )
    with pytest.raises(NotPermitted, match="with your agency"):
        staff_cases.answer(db, clock=clock, report=report, actor=people["dlh"], text="x", now=MON)
    stranger = Actor.citizen(report.citizen_id + 999)
    staff_cases.answer(db, clock=clock, report=report, actor=people["pupr"], text="ok", now=MON)
    with pytest.raises(NotPermitted, match=r"^Only the reporter can do this"):
        citizen_cases.citizen_accept(db, clock=clock, report=report, actor=stranger, now=MON)
    assert report.status is Status.ANSWERED


def test_request_info_pauses_and_resumes_the_clock(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    report = f.report(db, clock, MON)  # verify due Thu 26 Nov
    staff_cases.request_info(
        db,
        clock=clock,
        report=report,
        actor=people["verifier"],
        question="Di RT berapa?",
        now=wib(2026, 11, 24, 10),
    )
    assert report.status is Status.INFO_REQUESTED
    assert report.paused_stage is Stage.VERIFY
    assert report.paused_days_left == 2  # Wed and Thu were left
    assert report.next_sla_at is None  # nothing runs while we wait for the citizen
    # The citizen answers a week later, on Wednesday 2 December: two working days again.
    citizen_cases.provide_info(
        db,
        clock=clock,
        report=report,
        actor=Actor.citizen(report.citizen_id),
        text="RT 03 RW 05",
        now=wib(2026, 12, 2, 19),
    )
    assert report.status is Status.SUBMITTED
    assert report.verify_due_at == wib(2026, 12, 4, 23, 59, 59)
    assert report.paused_stage is None and report.next_sla_at is not None
    assert [e[0] for e in events(db, report.id)] == ["submit", "request_info", "provide_info"]


def test_agency_info_request_resumes_with_the_agency(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    report = f.report(db, clock, MON)
    staff_cases.verify_and_forward(
        db, clock=clock, report=report, actor=people["verifier"], agency_code="pupr", now=MON
    )
    staff_cases.request_info(
        db, clock=clock, report=report, actor=people["pupr"], question="Foto lokasi?", now=MON
    )
    citizen_cases.provide_info(
        db,
        clock=clock,
        report=report,
        actor=Actor.citizen(report.citizen_id),
        text="(foto)",
        now=wib(2026, 11, 25, 9),
    )
    assert report.status is Status.FORWARDED
    assert report.response_due_at == wib(2026, 12, 2, 23, 59, 59)  # 5 days left, from Wed


def test_reroute_gives_a_full_window_and_records_holding_time(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    report = f.report(db, clock, MON)
    staff_cases.verify_and_forward(
        db, clock=clock, report=report, actor=people["verifier"], agency_code="lingkungan", now=MON
    )
    staff_cases.reroute(
        db,
        clock=clock,
        report=report,
        actor=people["verifier"],
        agency_code="pupr",
        reason="Drainase jalan urusan PUPR",
        now=wib(2026, 11, 26, 14),
    )
    assert report.response_due_at == wib(2026, 12, 3, 23, 59, 59)
    held = db.scalars(
        select(AgencyAssignment)
        .where(AgencyAssignment.report_id == report.id)
        .order_by(AgencyAssignment.id)
    ).all()
    assert [(a.agency.code, a.working_days_held) for a in held] == [
        ("lingkungan", 3),
        ("pupr", None),
    ]
    with pytest.raises(DomainError, match="already with this agency"):
        staff_cases.reroute(
            db,
            clock=clock,
            report=report,
            actor=people["verifier"],
            agency_code="pupr",
            reason="x",
            now=MON,
        )


def test_return_to_verifier_restarts_verification(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    report = f.report(db, clock, MON)
    staff_cases.verify_and_forward(
        db, clock=clock, report=report, actor=people["verifier"], agency_code="pupr", now=MON
    )
    staff_cases.return_to_verifier(
        db,
        clock=clock,
        report=report,
        actor=people["pupr"],
        reason="Ini jalan nasional",
        now=wib(2026, 11, 24, 9),
    )
    assert report.status is Status.SUBMITTED and report.agency_id is None
    assert report.verify_due_at == wib(2026, 11, 27, 23, 59, 59)
    assert tuple({t for t, _ in outbox(db, report.id) if t == "staff_returned"}) == (
        "staff_returned",
    )


def test_extension_is_bounded_by_policy(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    report = f.report(db, clock, MON)
    staff_cases.verify_and_forward(
        db, clock=clock, report=report, actor=people["verifier"], agency_code="pupr", now=MON
    )
    staff_cases.extend_deadline(
        db,
        clock=clock,
        report=report,
        actor=people["pupr"],
        days=10,
        reason="Perlu survei lapangan",
        now=MON,
    )
    assert report.response_due_at == wib(2026, 12, 14, 23, 59, 59)
    with pytest.raises(DomainError, match="at most 14 working days"):
        staff_cases.extend_deadline(
            db, clock=clock, report=report, actor=people["pupr"], days=5, reason="lagi", now=MON
        )
    event = db.scalars(select(ReportEvent).where(ReportEvent.action == "extend_deadline")).one()
    assert event.reason == "Perlu survei lapangan" and event.data["days"] == 10


def test_reopen_only_within_the_window(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    report = f.report(db, clock, MON)
    citizen = Actor.citizen(report.citizen_id)
    staff_cases.verify_and_forward(
        db, clock=clock, report=report, actor=people["verifier"], agency_code="pupr", now=MON
    )
    staff_cases.answer(
        db, clock=clock, report=report, actor=people["pupr"], text="Selesai", now=MON
    )
    citizen_cases.citizen_accept(db, clock=clock, report=report, actor=citizen, now=MON)
    assert report.status is Status.FINISHED
    with pytest.raises(DomainError, match="window"):
        citizen_cases.reopen(
            db,
            clock=clock,
            report=report,
            actor=citizen,
            text="rusak lagi",
            now=report.feedback_due_at + timedelta(seconds=1),  # type: ignore[operator, arg-type]
        )
    citizen_cases.reopen(
        db,
        clock=clock,
        report=report,
        actor=citizen,
        text="Ternyata rusak lagi",
        now=wib(2026, 11, 30, 8),
    )
    assert report.status is Status.FORWARDED and report.closed_at is None


def test_event_log_is_append_only(sessions: sessionmaker[Session], clock: SlaClock) -> None:
    with sessions() as db, db.begin():
        report_id = f.report(db, clock, MON).id
    for statement in (
        "UPDATE report_events SET reason = 'tampered' WHERE report_id = :r",
        "DELETE FROM report_events WHERE report_id = :r",
    ):
        with sessions() as db, pytest.raises(DBAPIError, match="append-only"), db.begin():
            db.execute(text(statement), {"r": report_id})
    with sessions() as db:
        assert events(db, report_id) == [("submit", None, "submitted")]


def test_anonymous_privacy_kept_and_verifier_can_protect(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    report = f.report(db, clock, MON, privacy=Privacy.ANONYMOUS)
    staff_cases.verify_and_forward(
        db,
        clock=clock,
        report=report,
        actor=people["verifier"],
        agency_code="pupr",
        now=MON,
        privacy=Privacy.CONFIDENTIAL,
    )
    assert report.privacy is Privacy.CONFIDENTIAL
    event = db.scalars(select(ReportEvent).where(ReportEvent.action == "verify_forward")).one()
    assert event.data["privacy"] == {"from": "anonymous", "to": "confidential"}


def test_empty_and_nul_text_is_cleaned(db: Session, clock: SlaClock) -> None:
    with pytest.raises(DomainError, match="empty"):
        f.report(db, clock, MON, body=" \x00 ")
    report = f.report(db, clock, MON, body="Lampu\x00 jalan mati")
    assert report.body == "Lampu jalan mati"


def test_unknown_action_for_status_lists_nothing_for_closed() -> None:
    err = IllegalTransition(Status.ARCHIVED, Action.ANSWER)
    assert "nothing (the report is closed)" in str(err)
