"""Server-side sessions (issue 12, point 9): a copied cookie dies with the session it copies.

Signing out, a password reset, a deactivation and a role change each end the session at once,
for every copy of the cookie, through the real app and the admin's real forms.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from console import SESSION_COOKIE
from reports.models import StaffSession, StaffUser
from tests.console.conftest import csrf_from, page_csrf, sign_in


@contextmanager
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def signed_in(client: TestClient) -> bool:
    return bool(
        client.get("/console/", follow_redirects=False).headers["location"]
        != ("/console/login?next=/console/")
    )


@contextmanager
def stolen_copy(app: FastAPI, client: TestClient) -> Iterator[TestClient]:
    """Another client holding a copy of ``client``'s session cookie."""
    with browser(app) as thief:
        thief.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
        yield thief


def test_sign_out_ends_every_copy_of_the_cookie(
    app: FastAPI, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    with browser(app) as client:
        sign_in(client, "manager")
        with stolen_copy(app, client) as thief:
            assert thief.get("/console/dashboard").status_code == 200
            token = page_csrf(client, "/console/dashboard")
            client.post("/console/logout", data={"csrf_token": token})
            assert thief.get("/console/dashboard", follow_redirects=False).status_code == 303
        with sessions() as db:
            assert db.scalar(select(func.count()).select_from(StaffSession)) == 0


def test_other_browsers_stay_signed_in_after_one_signs_out(
    app: FastAPI, staff_users: dict[str, StaffUser]
) -> None:
    with browser(app) as laptop, browser(app) as phone:
        sign_in(laptop, "manager")
        sign_in(phone, "manager")
        laptop.post("/console/logout", data={"csrf_token": page_csrf(laptop, "/console/dashboard")})
        assert not signed_in(laptop)
        assert signed_in(phone)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("password", {"password": "a brand new passphrase"}),
        ("active", {"active": "0"}),
        ("role", {"role": "head", "agency_code": "pupr"}),
        ("role", {"role": "officer", "agency_code": "lingkungan"}),
    ],
    ids=["password-reset", "deactivation", "role-change", "agency-change"],
)
def test_admin_changes_end_the_accounts_sessions_at_once(
    app: FastAPI, staff_users: dict[str, StaffUser], path: str, data: dict[str, str]
) -> None:
    if data.get("role") == "head":
        data = {**data, "role": "agency_head"}
    with browser(app) as officer, browser(app) as admin, browser(app) as bystander:
        sign_in(officer, "officer")
        sign_in(bystander, "other.officer")
        sign_in(admin, "admin")
        with stolen_copy(app, officer) as thief:
            assert signed_in(thief)
            token = csrf_from(admin.get("/console/admin/staff").text)
            done = admin.post(
                f"/console/admin/staff/{staff_users['officer'].id}/{path}",
                data={"csrf_token": token, **data},
                follow_redirects=False,
            )
            assert done.status_code == 303, done.text[:300]
            assert not signed_in(officer) and not signed_in(thief)
        assert signed_in(bystander) and signed_in(admin)


def test_an_unchanged_role_keeps_the_session(
    app: FastAPI, staff_users: dict[str, StaffUser]
) -> None:
    with browser(app) as officer, browser(app) as admin:
        sign_in(officer, "officer")
        sign_in(admin, "admin")
        token = csrf_from(admin.get("/console/admin/staff").text)
        admin.post(
            f"/console/admin/staff/{staff_users['officer'].id}/role",
            data={"csrf_token": token, "role": "officer", "agency_code": "pupr"},
        )
        assert signed_in(officer)
