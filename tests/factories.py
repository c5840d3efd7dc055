"""Plain factory functions for tests: real rows through the real use cases."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from itertools import count
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from config.settings import Settings
from escalation.deadlines import SlaClock, clock_from_settings
from reports import citizen_cases, lookups, staff_cases
from reports.actor import Actor
from reports.db import session_factory
from reports.enums import Channel, Privacy, ReportType, Role
from reports.models import Citizen, Report, StaffAddress, StaffUser
from reports.runtime import Runtime
from tests.conftest import nlu_for

_seq = count(1)


#: The one password of every test staff account (console fixtures, API, outage and browser tests).
PASSWORD = "correct horse battery"


@cache
def password_hash() -> str:
    """A real argon2 hash of ``PASSWORD`` with cheap parameters, computed once per test session.

    ``verify_password`` reads the cost from the hash itself, so sign-in runs the real code path in
    milliseconds instead of the production cost (about a second per hash on a 2-core machine).
    """
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def runtime(settings: Settings, engine: Engine, clock: SlaClock | None = None) -> Runtime:
    """The runtime a test's app, bot or worker runs on: the test's engine, a session factory over
    it, the SLA clock (the settings' own unless given) and the NLU shared by tests with the same
    NLU settings (``nlu_for``)."""
    return Runtime(
        settings,
        engine,
        session_factory(engine),
        clock or clock_from_settings(settings),
        nlu_for(settings),
    )


def staff(
    db: Session,
    role: Role,
    now: datetime,
    agency: str | None = None,
    name: str | None = None,
    *,
    full_name: str | None = None,
) -> StaffUser:
    """A staff member (password ``PASSWORD``) with an e-mail notification address: the one way
    tests make staff (console fixtures, the outage test, the browser sites)."""
    n = next(_seq)
    username = name or f"{role.value}{n}"
    agency_id = lookups.agency_by_code(db, agency).id if agency else None
    user = StaffUser(
        username=username,
        full_name=full_name or username.title(),
        password_hash=password_hash(),
        role=role,
        agency_id=agency_id,
        language="id",
        active=True,
        failed_logins=0,
        created_at=now,
        addresses=[StaffAddress(channel=Channel.EMAIL, address=f"{username}@example.invalid")],
    )
    db.add(user)
    db.flush()
    return user


def citizen(
    db: Session,
    now: datetime,
    channel: Channel = Channel.TELEGRAM,
    external_id: str | None = None,
    display_name: str | None = None,
) -> Citizen:
    """The citizen behind ``external_id`` on ``channel`` (a new one unless given), optionally
    with the name a reporter gave, which privacy tests look for where it must not appear."""
    who = citizen_cases.get_or_create_citizen(
        db, channel=channel, external_id=external_id or f"ext-{next(_seq)}", now=now
    )
    if display_name is not None:
        who.display_name = display_name
    return who


def report(
    db: Session,
    clock: SlaClock,
    now: datetime,
    *,
    who: Citizen | None = None,
    channel: Channel = Channel.TELEGRAM,
    external_id: str | None = None,
    report_type: ReportType = ReportType.COMPLAINT,
    privacy: Privacy = Privacy.PUBLIC,
    title: str = "Jalan berlubang",
    body: str = "Jalan di depan pasar berlubang besar, sudah 2 minggu belum diperbaiki.",
    **fields: Any,
) -> Report:
    """A report submitted through the real use case (``citizen_cases.submit_report``) by ``who``,
    else by the citizen of ``external_id`` on ``channel`` (a new one unless given). ``fields``
    are submit_report's optional ones: location_text, latitude, longitude, category,
    agency_code, nlu, attachment_ids, incident_date."""
    who = who or citizen(db, now, channel, external_id)
    return citizen_cases.submit_report(
        db,
        clock=clock,
        citizen=who,
        channel=channel,
        report_type=report_type,
        title=title,
        body=body,
        privacy=privacy,
        now=now,
        **fields,
    )


def forward(
    db: Session,
    clock: SlaClock,
    report: Report,
    verifier: StaffUser,
    now: datetime,
    agency: str = "pupr",
) -> Report:
    """``report`` verified and forwarded to ``agency`` by ``verifier`` (a staff row from any
    session: merged into ``db``)."""
    staff_cases.verify_and_forward(
        db,
        clock=clock,
        report=report,
        actor=Actor.staff(db.merge(verifier)),
        agency_code=agency,
        now=now,
    )
    return report
