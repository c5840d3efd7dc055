"""Bad input on the console and the web chat (issue 12, point 11): a clear 4xx, never a 500.

Ids past what a database integer holds, a body far larger than anything we accept (refused
before it is read), and an "active" flag that is neither "0" nor "1".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from console.deps import MAX_ROW_ID
from reports.models import StaffUser
from tests.console.conftest import csrf_from, sign_in

HUGE_ID = "99999999999999999999"  # past 64 bits


def test_ids_beyond_64_bits_are_refused_not_a_500(
    client: TestClient, staff_users: dict[str, StaffUser]
) -> None:
    sign_in(client, "admin")
    token = csrf_from(client.get("/console/admin/staff").text)
    for url, data in (
        (f"/console/admin/staff/{HUGE_ID}/role", {"role": "verifier", "agency_code": ""}),
        (f"/console/admin/staff/{HUGE_ID}/active", {"active": "0"}),
        (f"/console/admin/staff/{HUGE_ID}/password", {"password": "long enough password"}),
        (f"/console/admin/staff/{2**31}/role", {"role": "verifier", "agency_code": ""}),
    ):
        response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 422, (url, response.status_code)
    for attachment in (HUGE_ID, str(2**31)):
        url = f"/console/reports/SW-AAAA-AAAA/attachments/{attachment}"
        assert client.get(url).status_code == 422


def _int_params(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    def walk(dependant: Any) -> Iterator[Any]:
        yield from dependant.path_params + dependant.query_params + dependant.body_params
        for sub in dependant.dependencies:
            yield from walk(sub)

    for context in iter_route_contexts(app.routes):
        dependant = getattr(context.route, "dependant", None)
        for param in walk(dependant) if dependant is not None else ():
            if param.field_info.annotation is int:
                yield str(context.path), param.name, param.field_info


def test_every_integer_parameter_has_an_upper_bound(app: FastAPI) -> None:
    """A new route taking an unbounded int would bring the 500 back: bound it (``RowId``)."""
    found = list(_int_params(app))
    assert found
    for path, name, info in found:
        bounds = [getattr(m, "le", None) or getattr(m, "lt", None) for m in info.metadata]
        assert any(b is not None and b <= 2**62 for b in bounds), f"{path}: {name} unbounded"
    assert MAX_ROW_ID == 2**31 - 1


def test_the_active_flag_is_validated(
    client: TestClient, staff_users: dict[str, StaffUser], sessions: sessionmaker[Session]
) -> None:
    sign_in(client, "admin")
    token = csrf_from(client.get("/console/admin/staff").text)
    officer = staff_users["officer"].id
    for value in ("yes", "true", "", "01"):
        response = client.post(
            f"/console/admin/staff/{officer}/active", data={"csrf_token": token, "active": value}
        )
        assert response.status_code == 422, value
    with sessions() as db:
        user = db.get(StaffUser, officer)
        assert user is not None and user.active  # no value but "0" deactivates


def test_every_body_is_capped_before_it_is_read(
    client: TestClient, staff_users: dict[str, StaffUser]
) -> None:
    big = b'{"text": "' + b"a" * 3_000_000 + b'"}'
    response = client.post(
        "/chat/api/messages", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413  # was a 422, after reading all of it

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"text": "'
        for _ in range(300):
            yield b"a" * 10_000
        yield b'"}'

    response = client.post(
        "/chat/api/messages", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    form = {"username": "x" * 2_000_000, "password": "y"}
    assert client.post("/console/login", data=form).status_code == 413
    # Ordinary requests are untouched.
    ok = client.post("/chat/api/messages", json={"text": "halo"})
    assert ok.status_code == 200, ok.text
