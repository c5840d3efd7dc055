"""The web chat through its real HTTP endpoints (FastAPI TestClient, the real app factory)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from config.domain_files import load_agencies
from config.settings import Settings
from reports import lookups, staff_cases
from reports.actor import Actor
from reports.enums import OutboxStatus, Role, Status
from reports.messages import format_date
from reports.migrate import upgrade
from reports.models import OutboxMessage, Report
from reports.runtime import Runtime
from reports.staff import sync_agencies
from tests import factories
from webhooks.app import create_app
from webhooks.runtime import build_runtime

STORY = "Jalan di Jl. Melati No. 5 rusak parah dan berlubang sejak sebulan, sudah ada motor jatuh."


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    data_dir: Path = tmp_path_factory.mktemp("webchat")
    settings = Settings(
        environment="test",
        data_dir=data_dir,
        run_scheduler_in_process=False,
        run_worker_in_process=False,
    )
    upgrade(settings.sqlalchemy_url)
    rt = build_runtime(settings)
    with rt.sessions() as db, db.begin():
        sync_agencies(db, load_agencies(settings.agencies_file))
    yield rt
    rt.engine.dispose()


@pytest.fixture(scope="module")
def app(runtime: Runtime) -> Any:
    return create_app(runtime=runtime)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """A fresh browser (its own cookie jar, hence its own chat session)."""
    with TestClient(app) as c:
        c.get("/chat")
        yield c


class Browser:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.last = 0
        self.n = 0

    def post(self, **body: Any) -> dict[str, Any]:
        self.n += 1
        body.setdefault("client_id", f"c{self.n}")
        response = self.client.post("/chat/api/messages", json=body)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def fetch(self) -> list[dict[str, Any]]:
        response = self.client.get("/chat/api/messages", params={"after": self.last})
        assert response.status_code == 200
        messages: list[dict[str, Any]] = response.json()["messages"]
        if messages:
            self.last = messages[-1]["id"]
        return messages

    def say(self, text: str) -> list[dict[str, Any]]:
        self.post(text=text)
        return self.fetch()

    def press(self, data: str) -> list[dict[str, Any]]:
        self.post(data=data)
        return self.fetch()


def test_page_is_self_contained_sets_an_httponly_cookie_and_escapes(app: Any) -> None:
    with TestClient(app) as c:
        response = c.get("/chat")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("sw_chat=") and "HttpOnly" in cookie
        assert "samesite=lax" in cookie.lower()
        page = response.text
        assert not re.search(r"<(script|link)[^>]+(src|href)=", page)  # no CDN, all inline
        assert "textContent" in page and "innerHTML" not in page
        # The same browser keeps its session.
        assert "set-cookie" not in c.get("/chat").headers
        assert "<a href=/chat>" in c.get("/").text


def test_report_end_to_end_over_http(client: TestClient) -> None:
    b = Browser(client)
    assert b.post(text="halo") == {"duplicate": False, "replies": 1}
    [welcome] = b.fetch()
    assert "SuaraWarga" in welcome["text"]
    assert welcome["buttons"][0] == {"label": "Buat laporan", "data": "m:report"}
    assert b.press("m:report")[0]["text"].startswith("Silakan ceritakan")
    asked = b.say(STORY)
    assert asked[0]["buttons"] == [{"label": "Lewati", "data": "skip"}]
    assert [x["label"] for x in b.press("skip")[0]["buttons"]] == ["Biasa", "Anonim", "Rahasia"]
    summary = b.press("priv:confidential")[0]
    assert "Kerahasiaan: rahasia" in summary["text"]
    receipt = b.press("confirm:send")
    assert len(receipt) == 1
    code = re.search(r"SW-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt[0]["text"])
    assert code is not None
    # The web chat runs on the real clock: the promised date is the stored deadline, in WIB.
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.sessions() as db:
        report = db.scalar(select(Report).where(Report.tracking_code == code.group(0)))
        assert report is not None and report.verify_due_at is not None
        due = format_date(report.verify_due_at, "id", runtime.settings.tz)
    assert f"paling lambat {due}" in receipt[0]["text"]
    assert b.fetch() == []  # nothing twice
    status = b.say("status")
    assert code.group(0) in status[0]["text"]
    # Delivered rows are marked sent (the outbox sender skips channel web).
    with client.app.state.runtime.sessions() as db:  # type: ignore[attr-defined]
        statuses = {r.status for r in db.query(OutboxMessage).filter_by(channel="web")}
    assert statuses == {OutboxStatus.SENT}


def test_agency_answer_shows_buttons_and_accepting_works(client: TestClient) -> None:
    b = Browser(client)
    b.say(STORY)
    b.press("skip")
    b.press("priv:public")
    receipt = b.press("confirm:send")
    code = re.search(r"SW-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt[0]["text"])
    assert code is not None
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with runtime.sessions() as db, db.begin():
        report = lookups.get_report(db, code.group(0))
        verifier = factories.staff(db, Role.VERIFIER, now)
        officer = factories.staff(db, Role.OFFICER, now, agency="pupr")
        staff_cases.verify_and_forward(
            db, clock=runtime.clock, report=report, actor=Actor.staff(verifier),
            agency_code="pupr", now=now,
        )  # fmt: skip
        staff_cases.answer(
            db, clock=runtime.clock, report=report, actor=Actor.staff(officer),
            text="Sudah diperbaiki <b>kemarin</b>.", now=now,
        )  # fmt: skip
    forwarded, answered = b.fetch()
    assert "diteruskan ke Dinas Pekerjaan Umum" in forwarded["text"]
    assert "<b>kemarin</b>" in answered["text"]  # plain text; the page inserts it as text
    assert [x["data"] for x in answered["buttons"]] == [
        f"acc:{code.group(0)}",
        f"rsp:{code.group(0)}",
    ]
    finished = b.press(f"acc:{code.group(0)}")
    assert [x["data"] for x in finished[-1]["buttons"]] == [
        f"rate:{code.group(0)}:{n}" for n in range(1, 5)
    ]
    with runtime.sessions() as db:
        assert lookups.get_report(db, code.group(0)).status is Status.FINISHED
    assert "ketepatan waktu" in b.press(f"rate:{code.group(0)}:4")[0]["text"]


def test_duplicate_posts_have_one_effect(client: TestClient) -> None:
    b = Browser(client)
    first = b.post(text="halo", client_id="same-id")
    again = b.post(text="halo", client_id="same-id")
    assert first == {"duplicate": False, "replies": 1}
    assert again == {"duplicate": True, "replies": 0}
    assert len(b.fetch()) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b"{}",
        b'{"text": "   "}',
        b'{"text": 42}',
        b'{"data": "' + b"x" * 65 + b'"}',
        b'{"text": "halo", "client_id": "bad id with spaces"}',
        b'{"text": "' + b"a" * 200_001 + b'"}',
    ],
)
def test_bad_input_is_a_clear_4xx(client: TestClient, body: bytes) -> None:
    response = client.post(
        "/chat/api/messages", content=body, headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500


def test_big_hostile_text_is_accepted_politely(client: TestClient) -> None:
    b = Browser(client)
    b.post(text="<script>alert(1)</script>\x00 " + "🚧 " * 30_000)
    replies = b.fetch()
    assert replies[0]["text"].startswith("Pesan Anda sangat panjang")


def test_without_cookie_nothing_leaks_and_a_session_is_issued(app: Any) -> None:
    with TestClient(app) as c:
        assert c.get("/chat/api/messages").json() == {"messages": []}
        assert c.get("/chat/api/messages", params={"after": -1}).status_code == 422
        c.cookies.set("sw_chat", "../../etc/passwd")
        assert c.get("/chat/api/messages").json() == {"messages": []}
        response = c.post("/chat/api/messages", json={"text": "halo"})
        assert response.status_code == 200
        assert "sw_chat=" in response.headers["set-cookie"]


def test_a_forged_cookie_cannot_read_a_terminal_contacts_chat(app: Any, runtime: Runtime) -> None:
    """``suarawarga chat --as <id>`` shares channel web; a browser must never become that id."""
    from bot.inbound import InboundKind, InboundMessage
    from bot.pipeline import process_inbound
    from reports.enums import Channel

    terminal_id = "terminal-contact-0001"
    with runtime.sessions() as db, db.begin():
        process_inbound(
            db, runtime=runtime, now=datetime.now(UTC),
            message=InboundMessage(Channel.WEB, terminal_id, "t-1", InboundKind.TEXT, text="halo"),
        )  # fmt: skip
    with TestClient(app) as c:
        c.cookies.set("sw_chat", terminal_id, path="/chat")
        assert c.get("/chat/api/messages").json() == {"messages": []}


def test_staff_never_see_the_chat_cookie(client: TestClient, runtime: Runtime) -> None:
    """The contact id is stored and shown on the report page: it must not open the chat."""
    from sqlalchemy import select

    from bot.webchat import contact_id
    from reports.enums import Channel
    from reports.models import CitizenIdentity

    Browser(client).say("halo")
    cookie = client.cookies["sw_chat"]
    with runtime.sessions() as db:
        ids = db.scalars(
            select(CitizenIdentity.external_id).where(CitizenIdentity.channel == Channel.WEB)
        ).all()
    mine = contact_id(cookie)
    assert mine in ids
    assert all(cookie not in external_id for external_id in ids)
    # Knowing the stored id (as an officer would) gives no way into the citizen's chat.
    with TestClient(client.app) as thief:
        thief.cookies.set("sw_chat", mine.removeprefix("browser:"), path="/chat")
        assert thief.get("/chat/api/messages").json() == {"messages": []}


# -- issue 11: what citizens really send ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("😡😡😡🚧", "bot:not_understood"),
        ("\x00\x00\x00", "bot:not_understood"),
        ("jalan\x00 rusak", "bot:ask_location"),
        ("JALAN RUSAK PARAH DI DEPAN SDN 3 SUKAMAJU SUDAH SEBULAN!!!", "bot:ask_attachment"),
        ("Jalan rusak مرحبا 你好 שלום di depan SDN 3 Sukamaju sejak sebulan", "bot:ask_attachment"),
        (("Jalan di depan rumah saya rusak parah. " * 600)[:20_000], "bot:truncated"),
        ("a" * 20_000, "bot:truncated"),
        ("?", "bot:not_understood"),
    ],
    ids=["emoji", "nul", "nul-inside", "caps", "mixed-script", "20k-story", "20k-junk", "mark"],
)
def test_bad_input_through_the_web_chat_gets_a_sensible_reply(
    client: TestClient, text: str, first: str
) -> None:
    b = Browser(client)
    b.post(text=text)
    messages = b.fetch()
    assert messages, "no reply"
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with runtime.sessions() as db:
        ids = [m["id"] for m in messages]
        names = list(
            db.scalars(
                select(OutboxMessage.template)
                .where(OutboxMessage.id.in_(ids))
                .order_by(OutboxMessage.id)
            )
        )
    assert names[0] == first, [m["text"] for m in messages]
    assert "bot:internal_error" not in names
    if first == "bot:truncated":
        assert len(names) == 2  # and the conversation goes on


def test_empty_text_over_http_is_a_clear_422(client: TestClient) -> None:
    for body in ({"text": ""}, {"text": "   "}, {}):
        assert client.post("/chat/api/messages", json=body).status_code == 422


def test_issue_11_openings_over_http(client: TestClient) -> None:
    b = Browser(client)
    asked = b.say("jalan rusak")
    assert asked[-1]["text"].startswith('Baik, saya catat laporan Anda: "jalan rusak".')
    assert "Di mana lokasinya?" in asked[-1]["text"]
    assert "Ada foto" in b.say("depan SDN 3 Sukamaju")[-1]["text"]  # asked once, not again
    b.press("confirm:cancel")
    b.say("batal")
    answer = b.say("Bagaimana cara mengurus akta kelahiran?")
    assert re.search(r"SW-[0-9A-Z]{4}-[0-9A-Z]{4}", answer[0]["text"])
    assert "paling lambat" in answer[0]["text"]
    assert "Pertanyaan Anda kami teruskan" in answer[-1]["text"]
    assert not any("lokasi" in m["text"].lower() for m in answer)
