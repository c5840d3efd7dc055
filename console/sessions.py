"""Server-side console sessions: the cookie names a row, and removing the row ends the session.

A signed cookie alone cannot be taken back: a copy kept working for its whole 12 hours after the
owner signed out. Now the cookie holds a random secret and ``staff_sessions`` holds its SHA-256;
every request looks the row up (one primary-key read), so signing out, a password reset, a
deactivation or a role change (:func:`end_all`) end it on the very next request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from reports.models import StaffSession, StaffUser

SESSION_LIFETIME = timedelta(hours=12)  # one working day, as the cookie's own max age
_TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is informative: no write on every request


def _id(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(db: Session, *, staff: StaffUser, now: datetime) -> str:
    """A new session for ``staff``; returns the secret to put in the cookie."""
    secret = secrets.token_urlsafe(32)
    db.add(
        StaffSession(
            id=_id(secret),
            staff_id=staff.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return secret


def resolve(db: Session, secret: str, *, now: datetime) -> StaffUser | None:
    """The active account a session secret belongs to, or None (unknown, ended or expired)."""
    if not secret or len(secret) > 200:
        return None
    row = db.get(StaffSession, _id(secret))
    if row is None or row.expires_at <= now:
        return None
    user = db.get(StaffUser, row.staff_id)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        row.last_seen_at = now
    return user


def end(db: Session, secret: str) -> None:
    """Sign out: this session only (the person's other browsers stay signed in)."""
    if secret:
        db.execute(delete(StaffSession).where(StaffSession.id == _id(secret)))


def end_all(db: Session, *, staff_id: int) -> None:
    """End every session of an account (its password, role or status changed)."""
    db.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))


def purge_expired(db: Session, *, now: datetime) -> None:
    """Housekeeping, done at each sign-in: expired rows are useless."""
    db.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
