"""The verifier's page about one problem reported many times: possible duplicates listed, merge
and unmerge forms, refusals as 4xx pages, the public tracking page's count and invitation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from config.settings import Settings
from escalation.deadlines import SlaClock
from reports import lookups, staff_cases
from reports.actor import Actor
from reports.models import StaffUser
from tests import factories
from tests.console.conftest import csrf_from, sign_in


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def console_settings(console_settings: Settings) -> Settings:
    """The deployment has a WhatsApp number and a Telegram bot: the invitation links to both."""
    return console_settings.model_copy(
        update={"twilio_whatsapp_from": "+6281100000000", "telegram_bot_username": "warga_bot"}
    )


def _submit(sessions: sessionmaker[Session], clock: SlaClock, body: str, minutes: int) -> str:
    now = datetime.now(UTC) - timedelta(hours=2) + timedelta(minutes=minutes)
    with sessions() as db, db.begin():
        report = factories.report(
            db, clock, now, external_id=f"tg-{minutes}", title=body[:50], body=body
        )
        return report.tracking_code


def _post(client: TestClient, code: str, path: str, **data: str) -> int:
    token = csrf_from(client.get(f"/console/reports/{code}").text)
    response = client.post(
        f"/console/reports/{code}/{path}",
        data={"csrf_token": token, **data},
        follow_redirects=False,
    )
    status: int = response.status_code
    return status


def test_verifier_sees_suggestions_merges_unmerges_and_the_public_count(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    first = _submit(sessions, clock, "Jalan berlubang besar di Jl. Melati, Kel. Sukamaju", 0)
    second = _submit(sessions, clock, "aspal jln melati kelurahan sukamaju bolong2 parah", 5)
    sign_in(client, "verifier")
    page = client.get(f"/console/reports/{second}").text
    assert 'id="possible-duplicates"' in page and first in page

    # Refusals come back as the page with the reason and a 4xx status.
    assert _post(client, second, "merge", into=second) == 422
    assert _post(client, second, "merge", into="SW-0000-0000") == 422
    link = f'href="/console/reports/{second}"'
    assert link in client.get("/console/queue").text
    assert _post(client, second, "merge", into=first, text="lubang yang sama") == 303
    assert link not in client.get("/console/queue").text  # the primary is the one to verify
    assert "Dilaporkan oleh 2 warga" in client.get(f"/console/reports/{first}").text
    assert 'id="duplicate-of"' in client.get(f"/console/reports/{second}").text

    # The public page of the primary counts both citizens once it is published.
    with sessions() as db, db.begin():
        verifier = db.get(StaffUser, staff_users["verifier"].id)
        assert verifier is not None
        staff_cases.verify_and_forward(
            db, clock=clock, report=lookups.get_report(db, first), actor=Actor.staff(verifier),
            agency_code="pupr", now=datetime.now(UTC),
        )  # fmt: skip
    public = client.get(f"/t/{first}").text
    assert "Dilaporkan oleh 2 warga" in public and f"saya juga {first}" in public
    # ... with a ready-made message for each channel of the deployment
    assert f"https://t.me/warga_bot?start=join_{first}" in public
    assert f"https://wa.me/6281100000000?text=saya%20juga%20{first}" in public
    assert f'href="/t/{first}"' in client.get(f"/t/{second}").text

    # Another agency's officer may not unmerge; the verifier may, with a reason only.
    client.post("/console/logout", follow_redirects=False)
    sign_in(client, "other.officer")
    assert client.get(f"/console/reports/{second}").status_code == 404
    client.post("/console/logout", follow_redirects=False)
    sign_in(client, "verifier")
    assert _post(client, second, "unmerge", text="") == 422
    assert _post(client, second, "unmerge", text="dua lubang berbeda") == 303
    assert "Dilaporkan oleh 1 warga" in client.get(f"/console/reports/{first}").text


def test_the_first_report_lists_those_reported_again_later_and_takes_them_in(
    client: TestClient,
    staff_users: dict[str, StaffUser],
    tokens: dict[str, str],
    sessions: sessionmaker[Session],
    clock: SlaClock,
) -> None:
    """Suggestions are stored on the later report; the first one's page, the API and ``report
    show`` read them the other way too, and its agency may merge a later one into it."""
    first = _submit(sessions, clock, "Lampu jalan mati di Jl. Kenanga, Kel. Sukamaju", 0)
    again = _submit(sessions, clock, "lampu pju jl kenanga kelurahan sukamaju padam tiap malam", 5)
    elsewhere = _submit(sessions, clock, "Sampah menumpuk di Jl. Mawar, Kel. Cempaka", 9)
    sign_in(client, "verifier")
    page = client.get(f"/console/reports/{first}").text
    assert 'id="later-duplicates"' in page and again in page and elsewhere not in page
    assert f'action="/console/reports/{again}/merge"' in page  # "merge it into this report"

    shown = client.get(
        f"/api/v1/reports/{first}", headers={"Authorization": f"Bearer {tokens['verifier']}"}
    ).json()
    assert shown["later_duplicates"] == [again] and shown["possible_duplicates"] == []

    # Forwarded to an agency: its officer sees the later report only once it is theirs too.
    with sessions() as db, db.begin():
        verifier = db.get(StaffUser, staff_users["verifier"].id)
        assert verifier is not None
        for code in (first, again):
            staff_cases.verify_and_forward(
                db, clock=clock, report=lookups.get_report(db, code),
                actor=Actor.staff(verifier), agency_code="pupr", now=datetime.now(UTC),
            )  # fmt: skip
    client.post("/console/logout", follow_redirects=False)
    sign_in(client, "officer")
    page = client.get(f"/console/reports/{first}").text
    assert again in page and f'action="/console/reports/{again}/merge"' in page
    assert _post(client, again, "merge", into=first) == 303
    page = client.get(f"/console/reports/{first}").text
    assert 'id="later-duplicates"' not in page and "Dilaporkan oleh 2 warga" in page
