"""The admin page and its use cases: create, change role and agency, deactivate/reactivate, reset
password, agencies.

Through the real app (SQLite, signed in with the real form, CSRF included) and, for the rule that
only an admin may act, through the use cases directly: the route's role check is not the only
one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from console import staff_admin
from console.auth import account_throttle_key
from console.deps import actor_of
from escalation.deadlines import SlaClock
from reports.enums import Role
from reports.lifecycle import NotPermitted
from reports.models import LoginThrottle, StaffUser
from reports.staff import verify_password
from tests.console.api_support import build_scenario
from tests.console.conftest import STAFF_PASSWORD, csrf_from, sign_in

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


def _token(client: TestClient) -> str:
    return csrf_from(client.get("/console/admin/staff").text)


def _user(sessions: sessionmaker[Session], username: str) -> StaffUser | None:
    with sessions() as db:
        return db.scalar(select(StaffUser).where(StaffUser.username == username))


def test_admin_creates_an_officer_who_can_then_sign_in(
    client: TestClient, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    sign_in(client, "admin")
    page = client.get("/console/admin/staff")
    assert page.status_code == 200
    assert "Akun petugas" in page.text and "other.officer" in page.text
    assert "pupr" in page.text  # the agencies table
    created = client.post(
        "/console/admin/staff",
        data={"csrf_token": _token(client), "username": "Siti.Officer", "full_name": "Siti",
              "password": NEW_PASSWORD, "role": "officer", "agency_code": "pupr"},
        follow_redirects=False,
    )  # fmt: skip
    assert created.status_code == 303
    assert "Akun siti.officer dibuat." in client.get("/console/admin/staff").text
    user = _user(sessions, "siti.officer")
    assert user is not None and user.role is Role.OFFICER and user.agency_id is not None
    assert verify_password(user.password_hash, NEW_PASSWORD)
    with TestClient(client.app) as other:
        sign_in(other, "siti.officer", NEW_PASSWORD)
        assert other.get("/console/inbox").status_code == 200


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password": "short"}, "paling sedikit 10 karakter"),
        ({"username": "bad name!"}, "hanya boleh berisi huruf"),
        ({"username": "verifier"}, "sudah dipakai"),
        ({"role": "officer", "agency_code": ""}, "wajib memilih instansi"),
        ({"role": "manager", "agency_code": "pupr"}, "kosongkan pilihan instansi"),
        ({"role": "officer", "agency_code": "nope"}, "Kode instansi tidak dikenal"),
        ({"role": "superuser"}, "Peran tidak dikenal"),
    ],
)
def test_creation_refusals_are_422_in_indonesian(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    fields: dict[str, str],
    message: str,
) -> None:
    sign_in(client, "admin")
    data = {"username": "new.one", "full_name": "New", "password": NEW_PASSWORD,
            "role": "verifier", "agency_code": "", **fields}  # fmt: skip
    refused = client.post("/console/admin/staff", data={"csrf_token": _token(client), **data})
    assert refused.status_code == 422
    assert message in refused.text
    assert _user(sessions, "new.one") is None


def test_deactivate_signs_out_and_reactivate_lets_back_in(
    client: TestClient, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    with TestClient(client.app) as officer:
        sign_in(officer, "officer")
        assert officer.get("/console/inbox").status_code == 200
        sign_in(client, "admin")
        uid = staff_users["officer"].id
        off = client.post(
            f"/console/admin/staff/{uid}/active",
            data={"csrf_token": _token(client), "active": "0"},
            follow_redirects=False,
        )
        assert off.status_code == 303
        # The next request of the deactivated officer is a trip to the sign-in page.
        bounced = officer.get("/console/inbox", follow_redirects=False)
        assert bounced.status_code == 303 and "/console/login" in bounced.headers["location"]
        back = client.post(
            f"/console/admin/staff/{uid}/active",
            data={"csrf_token": _token(client), "active": "1"},
            follow_redirects=False,
        )
        assert back.status_code == 303
        sign_in(officer, "officer")
        assert officer.get("/console/inbox").status_code == 200


def test_admin_cannot_deactivate_themself(
    client: TestClient, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    sign_in(client, "admin")
    refused = client.post(
        f"/console/admin/staff/{staff_users['admin'].id}/active",
        data={"csrf_token": _token(client), "active": "0"},
    )
    assert refused.status_code == 422 and "akun Anda sendiri" in refused.text
    user = _user(sessions, "admin")
    assert user is not None and user.active


def test_an_officer_moved_to_another_agency_sees_only_that_agencys_reports(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    scenario = build_scenario(sessions, clock, staff_users)
    pupr, lingkungan = scenario.codes["pupr_public"], scenario.codes["other_public"]
    with TestClient(client.app) as officer:
        sign_in(officer, "officer")
        assert officer.get(f"/console/reports/{pupr}").status_code == 200
        assert officer.get(f"/console/reports/{lingkungan}").status_code == 404
        sign_in(client, "admin")
        moved = client.post(
            f"/console/admin/staff/{staff_users['officer'].id}/role",
            data={"csrf_token": _token(client), "role": "officer", "agency_code": "lingkungan"},
            follow_redirects=False,
        )
        assert moved.status_code == 303
        assert "Peran officer diubah." in client.get("/console/admin/staff").text
        # The move ended the officer's session; signed in again, they work for the new agency only.
        assert officer.get("/console/inbox", follow_redirects=False).status_code == 303
        sign_in(officer, "officer")
        assert officer.get(f"/console/reports/{lingkungan}").status_code == 200
        assert officer.get(f"/console/reports/{pupr}").status_code == 404
        inbox = officer.get("/console/inbox").text
        assert scenario.titles["other_public"] in inbox
        assert scenario.titles["pupr_public"] not in inbox


def test_a_verifier_made_manager_leaves_the_agency_rule_intact(
    client: TestClient, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    sign_in(client, "admin")
    uid = staff_users["verifier"].id
    for fields, message in (
        ({"role": "officer", "agency_code": ""}, "wajib memilih instansi"),
        ({"role": "manager", "agency_code": "pupr"}, "kosongkan pilihan instansi"),
        ({"role": "superuser", "agency_code": ""}, "Peran tidak dikenal"),
    ):
        refused = client.post(
            f"/console/admin/staff/{uid}/role", data={"csrf_token": _token(client), **fields}
        )
        assert refused.status_code == 422 and message in refused.text
        user = _user(sessions, "verifier")
        assert user is not None and user.role is Role.VERIFIER and user.agency_id is None
    done = client.post(
        f"/console/admin/staff/{uid}/role",
        data={"csrf_token": _token(client), "role": "manager", "agency_code": ""},
        follow_redirects=False,
    )
    assert done.status_code == 303
    user = _user(sessions, "verifier")
    assert user is not None and user.role is Role.MANAGER and user.agency_id is None


def test_admin_cannot_change_their_own_role(
    client: TestClient, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    sign_in(client, "admin")
    refused = client.post(
        f"/console/admin/staff/{staff_users['admin'].id}/role",
        data={"csrf_token": _token(client), "role": "verifier", "agency_code": ""},
    )
    assert refused.status_code == 422 and "peran akun Anda sendiri" in refused.text
    user = _user(sessions, "admin")
    assert user is not None and user.role is Role.ADMIN


def test_reset_password_replaces_the_old_one_and_lifts_a_lock(
    client: TestClient, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    throttle = account_throttle_key("verifier")
    with sessions() as db, db.begin():
        db.add(
            LoginThrottle(
                key=throttle,
                failures=40,
                last_failure_at=datetime.now(UTC),
                blocked_until=datetime(2999, 1, 1, tzinfo=UTC),
            )
        )
    sign_in(client, "admin")
    short = client.post(
        f"/console/admin/staff/{staff_users['verifier'].id}/password",
        data={"csrf_token": _token(client), "password": "short"},
    )
    assert short.status_code == 422
    done = client.post(
        f"/console/admin/staff/{staff_users['verifier'].id}/password",
        data={"csrf_token": _token(client), "password": NEW_PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303
    user = _user(sessions, "verifier")
    assert user is not None
    with sessions() as db:
        assert db.get(LoginThrottle, throttle) is None
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert not verify_password(user.password_hash, STAFF_PASSWORD)


def test_changes_need_the_csrf_token(
    client: TestClient, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    sign_in(client, "admin")
    forged = client.post(
        f"/console/admin/staff/{staff_users['officer'].id}/active", data={"active": "0"}
    )
    assert forged.status_code == 403
    user = _user(sessions, "officer")
    assert user is not None and user.active


@pytest.mark.parametrize("role", ["verifier", "manager", "officer", "head"])
def test_use_cases_refuse_everyone_but_an_admin(
    sessions: sessionmaker[Session], staff_users: dict[str, StaffUser], role: str
) -> None:
    """Even called directly (no route in front), only an admin manages accounts."""
    now = datetime.now(UTC)
    with sessions() as db, db.begin():
        actor = actor_of(staff_users[role])
        target = staff_users["other.officer"].id
        calls: list[Callable[[], object]] = [
            lambda: staff_admin.list_staff(db, actor=actor),
            lambda: staff_admin.list_agencies(db, actor=actor),
            lambda: staff_admin.set_active(db, actor=actor, user_id=target, active=False, now=now),
            lambda: staff_admin.reset_password(
                db, actor=actor, user_id=target, password=NEW_PASSWORD
            ),
            lambda: staff_admin.set_role(
                db, actor=actor, user_id=target, role=Role.ADMIN, agency_code=None
            ),
            lambda: staff_admin.add_staff(
                db, actor=actor, username="sneaky", full_name="S", password=NEW_PASSWORD,
                role=Role.ADMIN, agency_code=None, now=now,
            ),
        ]  # fmt: skip
        for call in calls:
            with pytest.raises(NotPermitted):
                call()
    assert _user(sessions, "sneaky") is None
    other = _user(sessions, "other.officer")
    assert other is not None and other.active and other.role is Role.OFFICER


def test_admin_sets_notification_addresses_and_no_role_is_preselected(
    client: TestClient, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    sign_in(client, "admin")
    form = client.get("/console/admin/staff").text.split('action="/console/admin/staff" ', 1)[1]
    assert '<option value="" selected disabled>Pilih peran</option>' in form
    assert "selected" not in form.split("Pilih peran", 1)[1].split("</select>", 1)[0]
    base = {"username": "rudi", "full_name": "Rudi", "password": NEW_PASSWORD,
            "role": "officer", "agency_code": "pupr"}  # fmt: skip
    refused = client.post(
        "/console/admin/staff",
        data={"csrf_token": _token(client), **base, "whatsapp": "0812 bukan nomor"},
    )
    assert refused.status_code == 422 and "Alamat pemberitahuan tidak valid" in refused.text
    assert _user(sessions, "rudi") is None
    created = client.post(
        "/console/admin/staff",
        data={"csrf_token": _token(client), **base, "email": "rudi@pupr.go.id",
              "telegram": "123456789", "whatsapp": "+62 812-3456-7890"},
        follow_redirects=False,
    )  # fmt: skip
    assert created.status_code == 303
    with sessions() as db:
        user = db.scalar(select(StaffUser).where(StaffUser.username == "rudi"))
        assert user is not None
        assert {(a.channel.value, a.address) for a in user.addresses} == {
            ("email", "rudi@pupr.go.id"),
            ("telegram", "123456789"),
            ("whatsapp", "+6281234567890"),
        }
