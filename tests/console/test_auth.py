"""Sign-in, lock-out, CSRF, sign-out and API tokens, through the real app."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from console import tokens
from reports.models import StaffUser
from tests.console.conftest import STAFF_PASSWORD, page_csrf, sign_in


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    # Authentication does not depend on the backend; keep these fast.
    return sqlite_url


def _login(client: TestClient, username: str, password: str) -> int:
    token = page_csrf(client)
    response = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return int(response.status_code)


def test_pages_redirect_to_sign_in(client: TestClient, staff_users: dict[str, StaffUser]) -> None:
    response = client.get("/console/queue", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login?next=/console/queue")


def test_sign_in_sets_a_hardened_cookie_and_lands_per_role(
    client: TestClient, staff_users: dict[str, StaffUser]
) -> None:
    token = page_csrf(client)
    response = client.post(
        "/console/login",
        data={"username": "verifier", "password": STAFF_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/queue"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http in tests; https deployments get Secure


def test_wrong_password_is_refused_without_saying_which_part(
    client: TestClient, staff_users: dict[str, StaffUser]
) -> None:
    assert _login(client, "verifier", "wrong password!") == 401
    assert _login(client, "nobody", STAFF_PASSWORD) == 401
    assert client.get("/console/queue", follow_redirects=False).status_code == 303


def test_post_without_csrf_token_is_refused(
    client: TestClient, staff_users: dict[str, StaffUser]
) -> None:
    page_csrf(client)
    response = client.post(
        "/console/login",
        data={"username": "verifier", "password": STAFF_PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 403
    response = client.post(
        "/console/login",
        data={"username": "verifier", "password": STAFF_PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_sign_out_ends_the_session(client: TestClient, staff_users: dict[str, StaffUser]) -> None:
    sign_in(client, "manager")
    assert client.get("/console/dashboard").status_code == 200
    token = page_csrf(client, "/console/dashboard")
    response = client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/console/dashboard", follow_redirects=False).status_code == 303


def test_sign_out_needs_the_csrf_token(
    client: TestClient, staff_users: dict[str, StaffUser]
) -> None:
    sign_in(client, "manager")
    assert client.post("/console/logout", follow_redirects=False).status_code == 403
    assert client.get("/console/dashboard", follow_redirects=False).status_code == 200


def test_open_redirect_after_sign_in_is_ignored(
    client: TestClient, staff_users: dict[str, StaffUser]
) -> None:
    token = page_csrf(client)
    response = client.post(
        "/console/login",
        data={
            "username": "manager",
            "password": STAFF_PASSWORD,
            "csrf_token": token,
            "next": "https://evil.example/console/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/console/dashboard"


def test_bearer_token_works_until_revoked(
    client: TestClient, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    now = datetime.now(UTC)
    with sessions() as db, db.begin():
        user = db.get(StaffUser, staff_users["manager"].id)
        assert user is not None
        row, secret = tokens.create_token(db, staff=user, name="bi-tool", now=now)
        assert row.token_hash == tokens.hash_token(secret) and secret not in row.token_hash
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/console/dashboard", headers=headers).status_code == 200
    with sessions() as db, db.begin():
        user = db.get(StaffUser, staff_users["manager"].id)
        assert user is not None
        assert tokens.revoke_token(db, staff=user, name="bi-tool", now=now) == 1
    response = client.get("/console/dashboard", headers=headers, follow_redirects=False)
    assert response.status_code == 303  # pages send the revoked caller to the sign-in form


def test_wrong_token_is_refused_even_with_a_valid_cookie(
    client: TestClient, staff_users: dict[str, StaffUser]
) -> None:
    sign_in(client, "manager")
    response = client.get(
        "/console/dashboard",
        headers={"Authorization": "Bearer sw_not-a-real-token"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_deactivated_user_loses_the_session(
    client: TestClient, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    sign_in(client, "manager")
    with sessions() as db, db.begin():
        user = db.get(StaffUser, staff_users["manager"].id)
        assert user is not None
        user.active = False
    assert client.get("/console/dashboard", follow_redirects=False).status_code == 303
