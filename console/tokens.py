"""API tokens for scripts and integrations: random secrets shown once, stored as SHA-256 hex.

A token is as strong as a password but never typed by a person, so a fast hash is enough (argon2
would make every API call pay ~50 ms); what matters is that the database alone cannot be replayed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.lifecycle import DomainError
from reports.models import ApiToken, StaffUser

TOKEN_PREFIX = "sw_"
#: ``last_used_at`` is refreshed at most this often, so a busy client does not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    db: Session, *, staff: StaffUser, name: str, now: datetime
) -> tuple[ApiToken, str]:
    """A new token for ``staff``; returns the row and the secret (the only time it is visible)."""
    name = name.strip()
    if not name:
        raise DomainError("token_name_missing")
    if not staff.active:
        raise DomainError("staff_inactive", username=staff.username)
    clash = db.scalar(
        select(ApiToken.id).where(
            ApiToken.staff_id == staff.id, ApiToken.name == name, ApiToken.revoked_at.is_(None)
        )
    )
    if clash is not None:
        raise DomainError("token_name_taken", username=staff.username, name=name)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        staff_id=staff.id, name=name[:120], token_hash=hash_token(secret), created_at=now
    )
    db.add(token)
    db.flush()
    return token, secret


def revoke_token(db: Session, *, staff: StaffUser, name: str, now: datetime) -> int:
    """Revoke ``staff``'s active tokens called ``name``; returns how many were revoked."""
    rows = db.scalars(
        select(ApiToken).where(
            ApiToken.staff_id == staff.id, ApiToken.name == name, ApiToken.revoked_at.is_(None)
        )
    ).all()
    if not rows:
        raise DomainError("no_token", username=staff.username, name=name)
    for row in rows:
        row.revoked_at = now
    db.flush()
    return len(rows)


def list_tokens(db: Session, *, staff: StaffUser) -> list[ApiToken]:
    return list(
        db.scalars(select(ApiToken).where(ApiToken.staff_id == staff.id).order_by(ApiToken.id))
    )


def user_for_token(db: Session, secret: str, *, now: datetime) -> StaffUser | None:
    """The active staff member a presented secret belongs to, or None (unknown or revoked)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        return None
    user = db.get(StaffUser, token.staff_id)
    if user is None or not user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return user
