"""Staff sign-in: a password check behind throttling that slows guessing but locks nobody out.

The old rule (five wrong passwords lock the account for 15 minutes) let anyone lock every admin
out by typing their names, and since unknown names never locked, the lock told an attacker which
names exist. What real systems do instead (OWASP's "device cookies", GitHub's and Django-axes'
per-client throttles) is to count failures per *source* and to slow down, not lock:

- ``client``: every sign-in from one client address (an IPv6 client by its /64, which one
  machine usually owns whole). Stops one address spraying passwords over many accounts. Generous
  before it starts (an office behind one NAT shares it).
- ``account+client``: one account from one client address, or, from a browser where that account
  has signed in before, from that *trusted device* (a signed cookie, ``sw_device``). Only the
  person at that browser or address feeds it, so others' guesses never slow the owner there.
- ``account``: one account from every untrusted client together. Stops a botnet spreading its
  guesses over thousands of addresses. Its delay is capped at a minute, and trusted devices skip
  it entirely, so an attack on an account costs its owner nothing at a browser they have used
  before, and at worst a short wait on a new one.

Each key allows some free failures, then every further failure delays the next attempt under that
key: 1 s, 2 s, 4 s, ... up to the key's cap; failures are forgotten a day after the last one. An
attempt is counted *before* the password is checked (and forgiven after a success), so a burst of
parallel guesses cannot all slip through before the first failure is written.

Keys are built from the name as typed, never from whether the account exists, so an unknown name
is throttled exactly like a real one; every attempt that is not throttled costs one argon2
verification (against a dummy hash for unknown names), so neither the answer nor its timing tells
which names exist. A throttled attempt is refused without checking the password: testing no
guess is the point, and the refusal depends only on the typed name and the client.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from reports.models import LoginThrottle, StaffUser
from reports.staff import hash_password, verify_password

DEVICE_COOKIE = "sw_device"
DEVICE_MAX_AGE = 180 * 24 * 3600
_DEVICE_SALT = "suarawarga.console.device"
_DEVICE_ACCOUNTS = 5  # accounts one browser is trusted for (a shared front-desk computer)


def _dummy_hash(like: str | None) -> str:
    """A hash no password matches, costing what verifying the stored hash ``like`` costs.

    The cost (argon2's time, memory and parallelism) is read from a real stored hash, so an
    unknown name takes as long as a known one even where accounts were hashed with other
    parameters than today's defaults. Built on first use, not at import, and cached per cost.
    """
    try:
        params = extract_parameters(like) if like else None
    except InvalidHashError:
        params = None
    if params is None:
        return _dummy_for(None)
    return _dummy_for(
        (params.type.value, params.version, params.salt_len, params.hash_len,
         params.time_cost, params.memory_cost, params.parallelism)
    )  # fmt: skip


@lru_cache(maxsize=8)
def _dummy_for(cost: tuple[int, ...] | None) -> str:
    secret = "timing-equaliser-not-a-real-password"
    if cost is None:
        return hash_password(secret)
    kind, _version, salt_len, hash_len, time_cost, memory_cost, parallelism = cost
    hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism,
        hash_len=hash_len, salt_len=salt_len, type=Type(kind),
    )  # fmt: skip
    return hasher.hash(secret)


@dataclass(frozen=True, slots=True)
class Rule:
    """How one kind of key slows down: ``free`` failures, then ``base`` doubling up to ``cap``."""

    free: int
    base: timedelta
    cap: timedelta

    def delay(self, failures: int) -> timedelta:
        if failures < self.free:
            return timedelta(0)
        grown: timedelta = self.base * 2 ** min(failures - self.free, 30)
        return min(self.cap, grown)


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    client: Rule = Rule(free=20, base=timedelta(seconds=1), cap=timedelta(minutes=15))
    account_client: Rule = Rule(free=5, base=timedelta(seconds=1), cap=timedelta(minutes=15))
    account: Rule = Rule(free=10, base=timedelta(seconds=1), cap=timedelta(minutes=1))
    forget_after: timedelta = timedelta(days=1)


DEFAULT_POLICY = ThrottlePolicy()


class Outcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"  # unknown user, wrong password or inactive account: one answer for all
    THROTTLED = "throttled"  # too many recent failures under one of the attempt's keys


@dataclass(frozen=True, slots=True)
class SignIn:
    outcome: Outcome
    user: StaffUser | None = None
    retry_after: int = 0  # seconds, when throttled


@dataclass(frozen=True, slots=True)
class Device:
    """A browser's trust cookie: a random id and the accounts that have signed in from it."""

    nonce: str
    accounts: tuple[str, ...] = field(default_factory=tuple)

    def trusted_for(self, username: str) -> bool:
        return username in self.accounts


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_DEVICE_SALT)


def read_device(cookie: str | None, *, secret: str) -> Device | None:
    """The device a (signed, unexpired) ``sw_device`` cookie names; None for anything else."""
    if not cookie or len(cookie) > 2000:
        return None
    try:
        data = _serializer(secret).loads(cookie, max_age=DEVICE_MAX_AGE)
    except (BadSignature, ValueError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    nonce, accounts = data.get("n"), data.get("u")
    if not isinstance(nonce, str) or not isinstance(accounts, list):
        return None
    return Device(nonce, tuple(a for a in accounts if isinstance(a, str)))


def trust_device(device: Device | None, username: str, *, secret: str) -> str:
    """The cookie value after ``username`` signed in from this browser (newest account last)."""
    nonce = device.nonce if device else secrets.token_urlsafe(16)
    accounts = [a for a in (device.accounts if device else ()) if a != username] + [username]
    return _serializer(secret).dumps({"n": nonce, "u": accounts[-_DEVICE_ACCOUNTS:]})


def client_key(host: str | None) -> str:
    """The client address as throttled: IPv4 as is, IPv6 by its /64."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _hash(kind: str, *parts: str) -> str:
    return hashlib.sha256("\x00".join((kind, *parts)).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class _Key:
    key: str
    rule: Rule
    personal: bool  # only this person's attempts feed it: cleared on their success


def throttle_keys(
    username: str, client: str, device: Device | None, policy: ThrottlePolicy
) -> list[_Key]:
    """The keys an attempt is counted under (see the module docstring)."""
    if device is not None and device.trusted_for(username):
        return [_Key(_hash("account+device", username, device.nonce), policy.account_client, True)]
    return [
        _Key(_hash("client", client), policy.client, False),
        _Key(_hash("account+client", username, client), policy.account_client, True),
        _Key(account_throttle_key(username), policy.account, False),
    ]


def _insert(db: Session) -> type[postgresql.Insert] | type[sqlite.Insert]:
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert  # type: ignore[return-value]


def _locked_rows(db: Session, keys: Sequence[_Key], now: datetime) -> dict[str, LoginThrottle]:
    """The keys' rows, created if missing and locked (in key order: no deadlocks)."""
    names = sorted({k.key for k in keys})
    db.execute(
        _insert(db)(LoginThrottle)
        .values([{"key": k, "failures": 0, "last_failure_at": now} for k in names])
        .on_conflict_do_nothing(index_elements=["key"])
    )
    rows = db.scalars(
        select(LoginThrottle)
        .where(LoginThrottle.key.in_(names))
        .order_by(LoginThrottle.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.key: row for row in rows}


def _reserve(db: Session, keys: Sequence[_Key], now: datetime, policy: ThrottlePolicy) -> timedelta:
    """Count this attempt as a failure under every key, unless one of them is still blocked.

    Returns how long to wait (zero when the attempt may go ahead).
    """
    rows = _locked_rows(db, keys, now)
    until = [row.blocked_until for row in rows.values() if row.blocked_until is not None]
    if until and max(until) > now:
        return max(until) - now
    for k in keys:
        row = rows[k.key]
        if now - row.last_failure_at > policy.forget_after:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        delay = k.rule.delay(row.failures)
        row.blocked_until = now + delay if delay else None
    return timedelta(0)


def _forgive(db: Session, keys: Sequence[_Key], now: datetime, policy: ThrottlePolicy) -> None:
    """After a success: the person's own keys start afresh; the shared ones lose this attempt."""
    rows = _locked_rows(db, keys, now)
    for k in keys:
        row = rows[k.key]
        row.failures = 0 if k.personal else max(0, row.failures - 1)
        delay = k.rule.delay(row.failures)
        row.blocked_until = now + delay if delay else None
    db.execute(
        delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - policy.forget_after)
    )


def authenticate(
    db: Session,
    sessions: sessionmaker[Session],
    *,
    username: str,
    password: str,
    client: str,
    device: Device | None,
    now: datetime,
    policy: ThrottlePolicy = DEFAULT_POLICY,
) -> SignIn:
    """Check a username and password under the throttles; on success the user is loaded in ``db``.

    The attempt is counted in its own short transaction (``sessions``), committed before the
    password is checked: the count must stick whatever happens next, and argon2's second of work
    must not hold row locks (or SQLite's write lock) that other sign-ins are waiting for.
    """
    name = username.strip().lower()
    keys = throttle_keys(name, client, device, policy)
    with sessions() as tx, tx.begin():
        wait = _reserve(tx, keys, now, policy)
        if wait:
            return SignIn(Outcome.THROTTLED, retry_after=max(1, math.ceil(wait.total_seconds())))
        found = tx.execute(
            select(StaffUser.id, StaffUser.password_hash, StaffUser.active).where(
                StaffUser.username == name
            )
        ).first()
        like = found.password_hash if found else tx.scalar(select(StaffUser.password_hash).limit(1))
    # Both paths build (or find cached) the dummy for this cost, so the one-off cost of building
    # it falls on whichever name comes first, known or not, and betrays neither.
    dummy = _dummy_hash(like)
    matches = verify_password(found.password_hash if found else dummy, password)
    if found is None or not matches or not found.active:
        return SignIn(Outcome.INVALID)
    _forgive(db, keys, now, policy)
    user = db.get_one(StaffUser, found.id)
    user.last_login_at = now
    return SignIn(Outcome.OK, user=user)


def account_throttle_key(username: str) -> str:
    """The key of an account's shared throttle (every untrusted client together)."""
    return _hash("account", username.strip().lower())


def lift_throttles(db: Session, *, username: str) -> None:
    """An admin reset the password: the account's shared throttle starts afresh."""
    db.execute(delete(LoginThrottle).where(LoginThrottle.key == account_throttle_key(username)))
