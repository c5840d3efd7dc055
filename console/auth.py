"""Staff sign-in: password check with lock-out after repeated failures.

The lock-out is per account (``StaffUser.failed_logins`` / ``locked_until``): after
``settings.login_max_failures`` wrong passwords in a row the account refuses every password, the
right one included, until the lock expires. A wrong username costs the same argon2 work as a wrong
password, so response times do not reveal which usernames exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.models import StaffUser
from reports.staff import hash_password, verify_password


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Built on first use, not at import: hashing costs as much as a real sign-in.
    return hash_password("timing-equaliser-not-a-real-password")


class Outcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # unknown user, wrong password or inactive account: one answer for all
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class SignIn:
    outcome: Outcome
    user: StaffUser | None = None
    locked_until: datetime | None = None


def authenticate(
    db: Session,
    *,
    username: str,
    password: str,
    now: datetime,
    max_failures: int = 5,
    lockout: timedelta = timedelta(minutes=15),
) -> SignIn:
    """Check a username and password, counting failures and locking the account when needed.

    The caller must commit even when the outcome is not OK: the failure count is the protection.
    """
    user = db.scalar(
        select(StaffUser).where(StaffUser.username == username.strip().lower()).with_for_update()
    )
    if user is None:
        verify_password(_dummy_hash(), password)
        return SignIn(Outcome.INVALID)
    if user.locked_until is not None and user.locked_until > now:
        return SignIn(Outcome.LOCKED, locked_until=user.locked_until)
    if not verify_password(user.password_hash, password) or not user.active:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            user.failed_logins = 0
            user.locked_until = now + lockout
            return SignIn(Outcome.LOCKED, locked_until=user.locked_until)
        return SignIn(Outcome.INVALID)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return SignIn(Outcome.OK, user=user)
