"""Conversation tests: the real pipeline, engine, NLU and use cases on SQLite and PostgreSQL.

``Chat`` plays one citizen: it sends ``InboundMessage`` objects through ``process_inbound`` in a
transaction (as a webhook route does) and reads back what the outbox holds for that contact.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.inbound import InboundKind, InboundMedia, InboundMessage
from bot.pipeline import PipelineResult, process_inbound
from config.settings import Settings
from reports.enums import Channel
from reports.models import Citizen, CitizenIdentity, OutboxMessage, Report
from reports.runtime import Runtime
from tests import factories
from tests.conftest import wib

MONDAY_9 = wib(2026, 11, 23, 9, 0)  # verification due Thursday 26 November 2026


def make_runtime(engine: Engine, data_dir: Path, **overrides: Any) -> Runtime:
    settings = Settings(
        environment="test",
        data_dir=data_dir,
        database_url=str(engine.url.render_as_string(hide_password=False)),
        run_scheduler_in_process=False,
        run_worker_in_process=False,
        **overrides,
    )
    return factories.runtime(settings, engine)


@pytest.fixture(scope="session")
def bot_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data dir for the session: the tests share one NLU per data dir (``nlu_for``)."""
    return tmp_path_factory.mktemp("bot-var")


@pytest.fixture
def runtime(engine: Engine, bot_data_dir: Path) -> Runtime:
    return make_runtime(engine, bot_data_dir)


@dataclass(frozen=True)
class Out:
    """One outbox row as the citizen would see it."""

    template: str
    body: str
    buttons: list[dict[str, str]]
    payload: dict[str, Any]

    @property
    def data(self) -> list[str]:
        return [b["data"] for b in self.buttons]


class Chat:
    """One citizen talking to the bot through the real pipeline."""

    def __init__(
        self, runtime: Runtime, user: str = "citizen-1", channel: Channel = Channel.WEB
    ) -> None:
        self.runtime = runtime
        self.user = user
        self.channel = channel
        self.now = MONDAY_9
        self.last_id = 0
        self.results: list[PipelineResult] = []

    def _deliver(self, message: InboundMessage, now: datetime | None) -> list[Out]:
        at = now or self.now
        self.now = at + timedelta(seconds=5)
        with self.runtime.sessions() as db, db.begin():
            self.results.append(process_inbound(db, runtime=self.runtime, message=message, now=at))
        return self.inbox()

    def message(self, kind: InboundKind, **fields: Any) -> InboundMessage:
        fields.setdefault("external_message_id", uuid.uuid4().hex)
        return InboundMessage(channel=self.channel, external_user_id=self.user, kind=kind, **fields)

    def send(self, text: str, *, now: datetime | None = None, **fields: Any) -> list[Out]:
        return self._deliver(self.message(InboundKind.TEXT, text=text, **fields), now)

    def press(self, data: str, *, now: datetime | None = None) -> list[Out]:
        return self._deliver(self.message(InboundKind.CALLBACK, callback_data=data), now)

    def deliver(self, message: InboundMessage, *, now: datetime | None = None) -> list[Out]:
        return self._deliver(message, now)

    def photo(self, attachment_id: int | None, caption: str = "") -> list[Out]:
        media = InboundMedia("photo", "image/jpeg", "foto.jpg", attachment_id)
        return self._deliver(self.message(InboundKind.PHOTO, text=caption, media=(media,)), None)

    def location(self, lat: float, lon: float) -> list[Out]:
        return self._deliver(self.message(InboundKind.LOCATION, latitude=lat, longitude=lon), None)

    def inbox(self) -> list[Out]:
        """Outbox rows for this contact not seen yet (engine replies and domain notices)."""
        with self.runtime.sessions() as db:
            rows = db.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.channel == self.channel,
                    OutboxMessage.address == self.user,
                    OutboxMessage.id > self.last_id,
                )
                .order_by(OutboxMessage.id)
            ).all()
            if rows:
                self.last_id = rows[-1].id
            return [
                Out(r.template, r.body, list((r.payload or {}).get("buttons", [])), r.payload)
                for r in rows
            ]

    def citizen(self) -> Citizen:
        with self.runtime.sessions() as db:
            identity = db.scalar(
                select(CitizenIdentity).where(
                    CitizenIdentity.channel == self.channel,
                    CitizenIdentity.external_id == self.user,
                )
            )
            assert identity is not None
            citizen = identity.citizen
            db.expunge_all()
            return citizen

    def reports(self) -> list[Report]:
        with self.runtime.sessions() as db:
            citizen_id = self.citizen().id
            rows = list(
                db.scalars(
                    select(Report).where(Report.citizen_id == citizen_id).order_by(Report.id)
                )
            )
            db.expunge_all()
            return rows


@pytest.fixture
def chat(runtime: Runtime) -> Iterator[Chat]:
    yield Chat(runtime)


def texts(outs: list[Out]) -> str:
    return "\n---\n".join(o.body for o in outs)


def templates(outs: list[Out]) -> list[str]:
    return [o.template for o in outs]


#: For scenarios where the database backend makes no difference: SQLite only, to stay fast.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


ANSWERS = {
    "bot:ask_type": "1",
    "bot:ask_location": "lewati",
    "bot:ask_attachment": "lewati",
    "bot:ask_privacy": "1",
    "bot:summary": "ya",
}


def complete(chat: Chat, out: list[Out], limit: int = 6) -> list[Out]:
    """Answer whatever the report flow asks next (simplest answers) until the receipt."""
    for _ in range(limit):
        if any(o.template == "report_received" for o in out):
            return out
        asked = [o.template for o in out if o.template in ANSWERS]
        assert asked, texts(out)
        out = chat.send(ANSWERS[asked[-1]])
    raise AssertionError("the report flow did not finish")
