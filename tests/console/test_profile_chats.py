"""``/console/profile``: link a chat with a one-time code shown on the page, and unlink it
(issue 15). The code's chat side (Telegram ``/start``, WhatsApp ``LINK``) is exercised in
``tests/channels/test_officer_chat.py``; here the code is redeemed with the same use case."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from reports import officer_chat
from reports.enums import Channel
from reports.models import StaffChat, StaffUser
from tests.console.conftest import csrf_from, sign_in


def test_the_profile_page_gives_a_code_and_unlinks_the_chat(
    client: TestClient, sessions: sessionmaker[Session], staff_users: dict[str, StaffUser]
) -> None:
    sign_in(client, "officer")
    page = client.get("/console/profile")
    assert page.status_code == 200 and 'data-testid="no-chats"' in page.text
    issued = client.post("/console/profile/link", data={"csrf_token": csrf_from(page.text)})
    assert issued.status_code == 200
    found = re.search(r"Kode Anda: ([A-Z0-9]{10})", issued.text)
    assert found, issued.text[:2000]
    with sessions() as db, db.begin():
        staff = officer_chat.redeem(
            db, channel=Channel.TELEGRAM, address="4242", code=found.group(1),
            now=datetime.now(UTC),
        )  # fmt: skip
        assert staff is not None and staff.username == "officer"
    page = client.get("/console/profile")
    assert 'data-channel="telegram"' in page.text and "4242" in page.text
    # Without the CSRF token nothing happens; with it, the chat is unlinked.
    assert client.post("/console/profile/unlink", data={"channel": "telegram"}).status_code == 403
    done = client.post(
        "/console/profile/unlink",
        data={"channel": "telegram", "csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "1 chat dilepaskan" in done.text
    with sessions() as db:
        assert db.scalars(select(StaffChat)).all() == []
    # A bad channel value is a 4xx, not a 500.
    bad = client.post(
        "/console/profile/unlink", data={"channel": "pigeon", "csrf_token": csrf_from(done.text)}
    )
    assert 400 <= bad.status_code < 500
