"""Visibility rules and the SKM index."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import access, citizen_cases, satisfaction, staff_cases
from reports.actor import Actor
from reports.enums import Privacy, Role
from reports.lifecycle import DomainError
from reports.models import Report
from tests import factories as f
from tests.conftest import wib

MON = wib(2026, 11, 23, 9, 0)


def test_visibility_by_role_and_agency(db: Session, clock: SlaClock) -> None:
    verifier = Actor.staff(f.staff(db, Role.VERIFIER, MON))
    pupr = Actor.staff(f.staff(db, Role.OFFICER, MON, agency="pupr"))
    dlh_head = Actor.staff(f.staff(db, Role.AGENCY_HEAD, MON, agency="lingkungan"))
    manager = Actor.staff(f.staff(db, Role.MANAGER, MON))
    anon = f.report(db, clock, MON, privacy=Privacy.ANONYMOUS)
    public = f.report(db, clock, MON)
    for r in (anon, public):
        staff_cases.verify_and_forward(
            db, clock=clock, report=r, actor=verifier, agency_code="pupr", now=MON
        )
    unrouted = f.report(db, clock, MON)

    def visible(actor: Actor) -> set[int]:
        return set(db.scalars(select(Report.id).where(access.visible_filter(actor))))

    assert visible(verifier) == visible(manager) == {anon.id, public.id, unrouted.id}
    assert visible(pupr) == {anon.id, public.id}
    assert visible(dlh_head) == set()
    assert not access.can_view(dlh_head, public)
    assert access.can_see_reporter(pupr, public)
    assert not access.can_see_reporter(pupr, anon)
    assert not access.can_see_reporter(manager, anon)
    assert access.can_see_reporter(verifier, anon)
    assert access.can_view(Actor.citizen(anon.citizen_id), anon)
    assert not access.can_view(Actor.citizen(anon.citizen_id), public)


def test_ikm_and_grades() -> None:
    assert satisfaction.grade(88.31) == ("A", "Sangat Baik")
    assert satisfaction.grade(88.30)[0] == "B"
    assert satisfaction.grade(76.61)[0] == "B"
    assert satisfaction.grade(76.60)[0] == "C"
    assert satisfaction.grade(65.00)[0] == "C"
    assert satisfaction.grade(64.99)[0] == "D"
    # Nine elements: NRR 3.2 each -> 25 * 9 * 3.2 / 9 = 80.0 -> B
    index = satisfaction.compute_index(dict.fromkeys(satisfaction.ELEMENTS, 3.2), 10)
    assert index.ikm == 80.0 and index.grade == "B"


def test_ratings_are_per_report_and_agency(db: Session, clock: SlaClock) -> None:
    verifier = Actor.staff(f.staff(db, Role.VERIFIER, MON))
    officer = Actor.staff(f.staff(db, Role.OFFICER, MON, agency="pupr"))
    report = f.report(db, clock, MON)
    citizen_id = report.citizen_id
    with pytest.raises(DomainError, match="once it is finished"):
        satisfaction.record_rating(
            db, report=report, citizen_id=citizen_id, element="staff_behaviour", score=4, now=MON
        )
    staff_cases.verify_and_forward(
        db, clock=clock, report=report, actor=verifier, agency_code="pupr", now=MON
    )
    staff_cases.answer(db, clock=clock, report=report, actor=officer, text="Sudah", now=MON)
    citizen_cases.citizen_accept(
        db, clock=clock, report=report, actor=Actor.citizen(citizen_id), now=MON
    )
    for element, score in (
        ("completion_time", 3),
        ("staff_behaviour", 4),
        ("complaint_handling", 4),
    ):
        satisfaction.record_rating(
            db, report=report, citizen_id=citizen_id, element=element, score=score, now=MON
        )
    satisfaction.record_rating(
        db, report=report, citizen_id=citizen_id, element="completion_time", score=4, now=MON
    )
    with pytest.raises(DomainError, match="1, 2, 3 or 4"):
        satisfaction.record_rating(
            db, report=report, citizen_id=citizen_id, element="cost", score=5, now=MON
        )
    with pytest.raises(DomainError, match=r"^Only the reporter can rate"):
        satisfaction.record_rating(
            db, report=report, citizen_id=citizen_id + 1, element="cost", score=3, now=MON
        )
    index = satisfaction.agency_index(db, agency_id=report.agency_id)
    assert index.responses == 1 and index.ikm == 100.0 and index.grade == "A"
    assert report.agency_id is not None
    other = satisfaction.agency_index(db, agency_id=report.agency_id + 1)
    assert other.ikm is None and other.responses == 0
