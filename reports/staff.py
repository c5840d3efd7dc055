"""Staff accounts and agencies: creation, password hashing (argon2), agency sync from YAML."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.domain_files import AgencySpec
from reports.enums import AGENCY_ROLES, Channel, Role
from reports.lifecycle import DomainError
from reports.models import Agency, StaffAddress, StaffUser

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sync_agencies(db: Session, specs: list[AgencySpec]) -> int:
    """Insert or update agencies from ``agencies.yml``; codes never change, names may.

    Agencies missing from the file are deactivated, not deleted: old reports still point at them.
    """
    existing = {a.code: a for a in db.scalars(select(Agency))}
    for spec in specs:
        agency = existing.pop(spec.code, None)
        if agency is None:
            db.add(
                Agency(
                    code=spec.code,
                    name=spec.name,
                    description=spec.description,
                    keywords=list(spec.keywords),
                    active=True,
                )
            )
        else:
            agency.name, agency.description = spec.name, spec.description
            agency.keywords, agency.active = list(spec.keywords), True
    for leftover in existing.values():
        leftover.active = False
    db.flush()
    return len(specs)


def agency_for_role(db: Session, role: Role, agency_code: str | None) -> Agency | None:
    """The agency an account of ``role`` works for: agency roles need one, the others none
    (an officer sees only their agency's reports; a verifier or manager sees across agencies)."""
    if role not in AGENCY_ROLES:
        if agency_code:
            raise DomainError("role_without_agency", role=role.value)
        return None
    if not agency_code:
        raise DomainError("role_needs_agency", role=role.value)
    agency = db.scalar(select(Agency).where(Agency.code == agency_code))
    if agency is None:
        raise DomainError("unknown_agency", code=agency_code)
    return agency


def create_staff(
    db: Session,
    *,
    username: str,
    full_name: str,
    password: str,
    role: Role,
    now: datetime,
    agency_code: str | None = None,
    addresses: list[tuple[Channel, str]] | None = None,
    language: str = "id",
) -> StaffUser:
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise DomainError("bad_username")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("short_password", n=MIN_PASSWORD_LENGTH)
    if db.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise DomainError("username_taken", username=username)
    agency = agency_for_role(db, role, agency_code)
    user = StaffUser(
        username=username,
        full_name=full_name.strip() or username,
        password_hash=hash_password(password),
        role=role,
        agency_id=agency.id if agency else None,
        language=language,
        active=True,
        failed_logins=0,
        created_at=now,
    )
    user.addresses = [StaffAddress(channel=c, address=a) for c, a in addresses or []]
    db.add(user)
    db.flush()
    return user


def staff_names(db: Session, ids: Collection[int]) -> dict[int, str]:
    """Display names of these staff members, in one query (none when ``ids`` is empty)."""
    if not ids:
        return {}
    rows = db.execute(select(StaffUser.id, StaffUser.full_name).where(StaffUser.id.in_(ids)))
    return {staff_id: name for staff_id, name in rows}


def agency_staff_names(db: Session, agency_id: int | None) -> dict[int, str]:
    """Display names of an agency's staff members (its inbox names assignees by them)."""
    rows = db.execute(
        select(StaffUser.id, StaffUser.full_name).where(StaffUser.agency_id == agency_id)
    )
    return {staff_id: name for staff_id, name in rows}
