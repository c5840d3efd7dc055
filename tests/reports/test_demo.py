"""The demo seed: every step on a working day in office hours, and ratings for the SKM panel."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from reports.demo import STAFF, seed
from reports.enums import Status
from reports.models import Report, ReportEvent, ReportMessage, SatisfactionRating
from reports.satisfaction import agency_index
from tests import factories
from tests.conftest import wib


@pytest.mark.parametrize(
    "now",
    [
        wib(2026, 12, 6, 15, 0),  # a Sunday afternoon
        wib(2026, 12, 7, 7, 30),  # a Monday before office hours
        wib(2027, 1, 2, 12, 0),  # the Saturday after New Year's Day
    ],
)
def test_demo_dates_are_working_days_and_it_has_ratings(
    sessions: sessionmaker[Session], clock: SlaClock, now: datetime
) -> None:
    with sessions() as db, db.begin():
        # The demo's accounts first, cheaply hashed (the seed keeps existing accounts): its own
        # would cost a production argon2 hash each, and this test is about the dates.
        for username, name, role, agency in STAFF:
            factories.staff(db, role, now, agency, username, full_name=name)
        seed(db, clock=clock, now=now, password=factories.PASSWORD)
    calendar = clock.calendar
    with sessions() as db:
        instants = [
            *db.scalars(select(ReportEvent.created_at)),
            *db.scalars(select(ReportMessage.created_at)),
            *db.scalars(select(SatisfactionRating.created_at)),
        ]
        assert instants
        for at in instants:
            local = at.astimezone(calendar.tz)
            assert calendar.is_working_day(local.date()), local
            assert 8 <= local.hour < 16, local
            assert at <= now
        finished = db.scalars(select(Report).where(Report.status == Status.FINISHED)).all()
        assert len(finished) >= 3
        index = agency_index(db)
        assert index.responses == len(finished) and index.ikm is not None
        rated_agencies = set(db.scalars(select(SatisfactionRating.agency_id).distinct()))
        assert len(rated_agencies) == 3
