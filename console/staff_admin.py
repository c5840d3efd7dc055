"""Managing staff accounts from the console: the use cases behind the admin page.

Only an admin may call any of these; the check is here, not only in the route, so every caller
(a page, a future API endpoint, a script) gets the same rule. Accounts are never deleted: their
name stays on every action they took in the audit log. Deactivating, a role change and a password
reset end the person's console sessions at once (``console.sessions.end_all``): whoever holds a
copy of their cookie is signed out on the next request. API tokens of an inactive account are
refused too.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from console import sessions as staff_sessions
from console.auth import lift_throttles
from reports.actor import Actor
from reports.enums import Channel, Role
from reports.lifecycle import DomainError, NotPermitted
from reports.models import Agency, StaffUser
from reports.staff import MIN_PASSWORD_LENGTH, agency_for_role, create_staff, hash_password


class StaffNotFound(DomainError):
    pass


def _require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise NotPermitted("admin_only")


def list_staff(db: Session, *, actor: Actor) -> list[StaffUser]:
    """Every account, active first, then by username."""
    _require_admin(actor)
    return list(db.scalars(select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.username)))


def list_agencies(db: Session, *, actor: Actor) -> list[Agency]:
    _require_admin(actor)
    return list(db.scalars(select(Agency).order_by(Agency.active.desc(), Agency.name)))


def add_staff(
    db: Session,
    *,
    actor: Actor,
    username: str,
    full_name: str,
    password: str,
    role: Role,
    agency_code: str | None,
    now: datetime,
    email: str = "",
    telegram: str = "",
    whatsapp: str = "",
) -> StaffUser:
    """Create an account (the same rules as the CLI: agency roles need an agency, others none),
    with the addresses its reminders and escalations go to: an account without any receives
    nothing, which an admin used to find out only when a deadline was missed."""
    _require_admin(actor)
    return create_staff(
        db,
        username=username,
        full_name=full_name,
        password=password,
        role=role,
        agency_code=agency_code or None,
        now=now,
        addresses=notification_addresses(email=email, telegram=telegram, whatsapp=whatsapp),
    )


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TELEGRAM = re.compile(r"-?\d{3,20}")
_WHATSAPP = re.compile(r"\+\d{8,15}")


def notification_addresses(
    *, email: str = "", telegram: str = "", whatsapp: str = ""
) -> list[tuple[Channel, str]]:
    """The non-empty addresses, each checked for its channel's shape (a WhatsApp number in E.164,
    a Telegram chat id as digits), so a typo is refused now rather than bouncing at 3 a.m."""
    out: list[tuple[Channel, str]] = []
    for channel, value, shape in (
        (Channel.EMAIL, email, _EMAIL),
        (Channel.TELEGRAM, telegram, _TELEGRAM),
        (Channel.WHATSAPP, whatsapp.replace(" ", "").replace("-", ""), _WHATSAPP),
    ):
        value = value.strip()
        if not value:
            continue
        if not shape.fullmatch(value):
            raise DomainError("bad_address", channel=channel.value)
        out.append((channel, value))
    return out


def _get(db: Session, user_id: int, *, for_update: bool = False) -> StaffUser:
    query = select(StaffUser).where(StaffUser.id == user_id)
    user = db.scalar(query.with_for_update() if for_update else query)
    if user is None:
        raise StaffNotFound("no_staff", user_id=user_id)
    return user


def set_active(
    db: Session, *, actor: Actor, user_id: int, active: bool, now: datetime
) -> StaffUser:
    """Deactivate or reactivate an account. An admin cannot deactivate themself (lock-out)."""
    _require_admin(actor)
    user = _get(db, user_id, for_update=True)
    if not active and user.id == actor.id:
        raise DomainError("not_self_deactivate")
    if user.active and not active:
        staff_sessions.end_all(db, staff_id=user.id)
    user.active = active
    db.flush()
    return user


def set_role(
    db: Session, *, actor: Actor, user_id: int, role: Role, agency_code: str | None
) -> StaffUser:
    """Change what an account may do and for which agency (someone moves to another agency, or
    from verifier to manager). It ends their open sessions: they sign in again under the new role.
    An admin cannot change their own role (the last admin could lock everyone out).
    """
    _require_admin(actor)
    user = _get(db, user_id, for_update=True)
    if user.id == actor.id:
        raise DomainError("not_self_role")
    agency = agency_for_role(db, role, agency_code or None)
    if user.role is not role or user.agency_id != (agency.id if agency else None):
        # What the open sessions were granted no longer holds: sign in again under the new role.
        staff_sessions.end_all(db, staff_id=user.id)
    user.role = role
    user.agency_id = agency.id if agency else None
    db.flush()
    return user


def reset_password(db: Session, *, actor: Actor, user_id: int, password: str) -> StaffUser:
    """Set a new password (told to the person out of band), sign out every session of the old one
    and lift the account's sign-in throttle."""
    _require_admin(actor)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("short_password", n=MIN_PASSWORD_LENGTH)
    user = _get(db, user_id, for_update=True)
    user.password_hash = hash_password(password)
    staff_sessions.end_all(db, staff_id=user.id)
    lift_throttles(db, username=user.username)
    db.flush()
    return user
