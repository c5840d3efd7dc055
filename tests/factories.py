"""Plain factory functions for tests: real rows through the real use cases."""

from __future__ import annotations

from datetime import datetime
from itertools import count

from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import service
from reports.enums import Channel, Privacy, ReportType, Role
from reports.models import Citizen, Report, StaffUser
from reports.staff import create_staff

_seq = count(1)


def staff(
    db: Session, role: Role, now: datetime, agency: str | None = None, name: str | None = None
) -> StaffUser:
    n = next(_seq)
    username = name or f"{role.value}{n}"
    return create_staff(
        db,
        username=username,
        full_name=username.title(),
        password="correct horse battery",
        role=role,
        agency_code=agency,
        now=now,
        addresses=[(Channel.EMAIL, f"{username}@example.invalid")],
    )


def citizen(db: Session, now: datetime, channel: Channel = Channel.TELEGRAM) -> Citizen:
    return service.get_or_create_citizen(
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
    return service.submit_report(
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
