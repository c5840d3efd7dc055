"""Sign-in throttling (issue 12, point 8), through the real app from several client addresses.

The rules under test: others' guesses never keep the owner out (a browser the owner has signed in
from is never slowed by them; elsewhere the shared slowdown is capped at a minute); a wrong name is
answered exactly like a real one; failures slow down the next attempt more and more.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from console.auth import DEFAULT_POLICY, client_key
from console.views.common import get_now
from reports.models import LoginThrottle, StaffUser
from tests.console.conftest import STAFF_PASSWORD, page_csrf


@contextmanager
def client_at(app: FastAPI, host: str) -> Iterator[TestClient]:
    with TestClient(app, client=(host, 50000)) as client:
        yield client


def attempt(client: TestClient, username: str, password: str) -> tuple[int, str | None]:
    token = page_csrf(client)
    response = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return response.status_code, response.headers.get("retry-after")


def time_passes(sessions: sessionmaker[Session]) -> None:
    """Every current delay has run out (the clock is the real one; the rows say when)."""
    with sessions() as db, db.begin():
        db.execute(
            update(LoginThrottle)
            .where(LoginThrottle.blocked_until.is_not(None))
            .values(blocked_until=datetime.now(UTC) - timedelta(seconds=1))
        )


def test_others_guesses_never_lock_the_owner_out(
    app: FastAPI, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    with client_at(app, "10.0.0.7") as owner:
        assert attempt(owner, "admin", STAFF_PASSWORD)[0] == 303  # this browser is now trusted
        owner.cookies.delete("sw_session")
        with client_at(app, "203.0.113.9") as attacker:
            statuses = [attempt(attacker, "admin", f"guess {n}")[0] for n in range(8)]
        assert statuses[:5] == [401] * 5 and 429 in statuses  # the attacker is slowed down
        # Throttled guesses were never tested, and the owner walks straight in.
        assert attempt(owner, "admin", STAFF_PASSWORD)[0] == 303
    # A botnet: one guess from each of many addresses slows the account for untrusted browsers...
    for n in range(DEFAULT_POLICY.account.free + 2):
        with client_at(app, f"198.51.100.{n + 1}") as bot:
            attempt(bot, "admin", f"botnet guess {n}")
    with client_at(app, "192.0.2.50") as new_laptop:
        status, retry_after = attempt(new_laptop, "admin", STAFF_PASSWORD)
        # ...but only for a short while, never a lock-out.
        assert status == 429 and retry_after is not None
        assert int(retry_after) <= DEFAULT_POLICY.account.cap.total_seconds()
        time_passes(sessions)
        assert attempt(new_laptop, "admin", STAFF_PASSWORD)[0] == 303
    with client_at(app, "10.0.0.7") as owner_again:
        # The trusted browser (its device cookie) is not touched by the botnet at all.
        owner_again.cookies.set("sw_device", owner.cookies["sw_device"], path="/console")
        assert attempt(owner_again, "admin", STAFF_PASSWORD)[0] == 303


def test_unknown_and_known_names_are_answered_alike(
    app: FastAPI, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    answers: dict[str, list[tuple[int, str | None]]] = {}
    for n, name in enumerate(("officer", "no.such.person")):
        with client_at(app, f"192.0.2.{n + 10}") as client:
            answers[name] = [attempt(client, name, "wrong password") for _ in range(7)]
    assert answers["officer"] == answers["no.such.person"]
    assert [status for status, _ in answers["officer"]] == [401] * 5 + [429, 429]


def test_each_failure_past_the_free_ones_doubles_the_wait(
    app: FastAPI, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    waits = []
    with client_at(app, "192.0.2.77") as client:
        for _ in range(DEFAULT_POLICY.account_client.free):
            assert attempt(client, "verifier", "wrong password")[0] == 401
        for _ in range(4):
            status, retry_after = attempt(client, "verifier", "wrong password")
            assert status == 429 and retry_after is not None
            waits.append(int(retry_after))
            time_passes(sessions)
            assert attempt(client, "verifier", "wrong password")[0] == 401
        assert waits == [1, 2, 4, 8]
        status, _ = attempt(client, "verifier", STAFF_PASSWORD)
        assert status == 429  # the right password waits its turn like any other attempt
        time_passes(sessions)
        assert attempt(client, "verifier", STAFF_PASSWORD)[0] == 303
        # Signed in: this browser is trusted, and is judged by its own failures only from now on.
        client.cookies.delete("sw_session")
        assert attempt(client, "verifier", "one typo")[0] == 401
        assert attempt(client, "verifier", STAFF_PASSWORD)[0] == 303


def test_one_address_spraying_many_names_is_slowed(
    app: FastAPI, staff_users: dict[str, StaffUser]
) -> None:
    with client_at(app, "203.0.113.66") as sprayer:
        statuses = [
            attempt(sprayer, f"user{n}", "Password1!")[0]
            for n in range(DEFAULT_POLICY.client.free + 1)
        ]
    assert statuses[: DEFAULT_POLICY.client.free] == [401] * DEFAULT_POLICY.client.free
    assert statuses[-1] == 429
    with client_at(app, "203.0.113.67") as neighbour:  # another address is not affected
        assert attempt(neighbour, "manager", STAFF_PASSWORD)[0] == 303


def test_parallel_guesses_are_counted_before_any_is_checked(
    app: FastAPI, staff_users: dict[str, StaffUser]
) -> None:
    """A burst sent at once must not all be tested before the first failure is written.

    The burst acts at one instant: on a loaded machine it can take longer than the first block
    (one second), and a guess after the block has run out is rightly checked again.
    """
    from concurrent.futures import ThreadPoolExecutor

    app.dependency_overrides[get_now] = lambda: datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    with client_at(app, "203.0.113.99") as client:
        token = page_csrf(client)

        def guess(n: int) -> int:
            return int(
                client.post(
                    "/console/login",
                    data={"username": "head", "password": f"guess {n}", "csrf_token": token},
                    follow_redirects=False,
                ).status_code
            )

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(guess, range(16)))
    assert statuses.count(401) == DEFAULT_POLICY.account_client.free
    assert statuses.count(429) == 16 - DEFAULT_POLICY.account_client.free


def test_client_addresses_as_throttled() -> None:
    assert client_key("203.0.113.9") == "203.0.113.9"
    # One IPv6 machine usually owns a whole /64: rotating inside it does not escape the throttle.
    assert (
        client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    )
    assert client_key("::ffff:203.0.113.9") == "203.0.113.9"
    assert client_key(None) == "unknown"
