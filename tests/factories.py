"""Plain factory functions for tests: real rows through the real use cases."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from itertools import count

from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import case_steps, citizen_cases
from reports.enums import Channel, Privacy, ReportType, Role
from reports.models import Citizen, Report, StaffAddress, StaffUser
from reports.staff import hash_password

_seq = count(1)


PASSWORD = "correct horse battery"


@cache
def _password_hash() -> str:
    # argon2 is slow on purpose; hash the shared test password once per test session.
    return hash_password(PASSWORD)


def staff(
    db: Session, role: Role, now: datetime, agency: str | None = None, name: str | None = None
) -> StaffUser:
    """A staff member (password ``PASSWORD``) with an e-mail notification address."""
    n = next(_seq)
    username = name or f"{role.value}{n}"
    agency_id = case_steps.agency_by_code(db, agency).id if agency else None
    user = StaffUser(
        username=username,
        full_name=username.title(),
        password_hash=_password_hash(),
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


def citizen(db: Session, now: datetime, channel: Channel = Channel.TELEGRAM) -> Citizen:
    return citizen_cases.get_or_create_citizen(
        db, channel=channel, external_id=f"ext-{next(_seq)}", now=now
    )


def report(
    db: Session,
    clock: SlaClock,
    now: datetime,
    *,
    who: Citizen | None = None,
    report_type: ReportType = ReportType.COMPLAINT,
    privacy: Privacy = Privacy.PUBLIC,
    body: str = "Jalan di depan pasar berlubang besar, sudah 2 minggu belum diperbaiki.",
) -> Report:
    who = who or citizen(db, now)
    return citizen_cases.submit_report(
        db,
        clock=clock,
        citizen=who,
        channel=Channel.TELEGRAM,
        report_type=report_type,
        title="Jalan berlubang",
        body=body,
        privacy=privacy,
        now=now,
    )
