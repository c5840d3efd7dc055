"""The durable inbox under ``kill -9``, in real processes on PostgreSQL (issue 12 point 12).

``suarawarga serve`` as a user starts it (two web workers, the worker process beside them) takes
Telegram updates through its real route; each is acknowledged once stored. The worker process
(inbox processor + sender) is SIGKILLed twice while it processes them; serve restarts it, and in
the end every acknowledged update was processed exactly once, in order per chat, with its
replies: nothing acknowledged is lost, nothing is done twice.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from reports.enums import InboxStatus
from reports.models import InboundReceipt, InboxUpdate, OutboxMessage
from tests.channels.conftest import make_settings
from tests.channels.fakes.telegram_api import FakeTelegram
from tests.channels.fakes.twilio_api import FakeTwilio
from tests.processes import answers, free_port, running, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SCRIPT = Path(sys.executable).with_name("suarawarga")
TEXTS = [
    "Jalan rusak di depan pasar",
    "di Jl. Melati no 4",
    "sudah dua minggu",
    "halo",
    "status laporan saya?",
]


@pytest.fixture
def db_url(pg_url: str) -> str:
    return pg_url


def _worker_pid(serve: int) -> int | None:
    # Every thread's children: serve restarts a dead worker from its watcher thread.
    pids = []
    for children in Path(f"/proc/{serve}/task").glob("*/children"):
        try:
            pids += children.read_text().split()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except FileNotFoundError:
            continue
        if "webhooks.cli worker" in cmdline:
            return int(pid)
    return None


def test_nothing_acknowledged_is_lost_when_the_processor_is_killed(
    settings: object,
    db_url: str,
    engine: Engine,
    fakes: tuple[FakeTelegram, FakeTwilio, str, str],
    tmp_path: Path,
) -> None:
    telegram, _, tg_url, tw_url = fakes
    cfg = make_settings(settings, db_url, tg_url, tw_url)  # type: ignore[arg-type]
    token = cfg.telegram_bot_token.get_secret_value()  # type: ignore[union-attr]
    secret = cfg.telegram_webhook_secret.get_secret_value()  # type: ignore[union-attr]
    telegram.token = token
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUARAWARGA_")}
    env |= {
        "SUARAWARGA_ENVIRONMENT": "test",
        "SUARAWARGA_DATA_DIR": str(tmp_path / "var"),
        "SUARAWARGA_DATABASE_URL": db_url,
        "SUARAWARGA_WEB_WORKERS": "2",
        "SUARAWARGA_TELEGRAM_BOT_TOKEN": token,
        "SUARAWARGA_TELEGRAM_WEBHOOK_SECRET": secret,
        "SUARAWARGA_TELEGRAM_API_BASE_URL": tg_url,
        "SUARAWARGA_TELEGRAM_CHAT_INTERVAL_SECONDS": "0",
        # A killed processor's claims are taken over after this (the default is a minute).
        "SUARAWARGA_INBOX_LEASE_SECONDS": "2",
        "SUARAWARGA_INBOX_BATCH_SIZE": "4",
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    chats = [8100 + c for c in range(8)]
    updates = [
        (700000 + n, chats[n % len(chats)], TEXTS[(n // len(chats)) % len(TEXTS)])
        # Enough that two kills land mid-work even on a quiet machine (40 were all done
        # before the second kill once: the test then proved nothing and said so).
        for n in range(160)
    ]
    killed: list[int] = []

    def done() -> int:
        with engine.connect() as conn:
            return int(
                conn.scalar(
                    select(func.count())
                    .select_from(InboxUpdate)
                    .where(InboxUpdate.status == InboxStatus.DONE)
                )
                or 0
            )

    def held() -> int:
        with engine.connect() as conn:
            return int(
                conn.scalar(
                    select(func.count())
                    .select_from(InboxUpdate)
                    .where(
                        InboxUpdate.status == InboxStatus.PENDING,
                        InboxUpdate.claim_token.is_not(None),
                    )
                )
                or 0
            )

    log = tmp_path / "serve.log"
    with running(
        [str(SCRIPT), "serve", "--port", str(port)], env=env, cwd=tmp_path, log=log, stop_timeout=60
    ) as serve:
        wait_for(lambda: answers(f"{base}/health"), 120, "serve to answer", process=serve, log=log)
        wait_for(lambda: _worker_pid(serve.pid) is not None, 60, "the worker process")
        with httpx.Client(base_url=base, timeout=30) as client:
            for update_id, chat, text in updates:
                body = {
                    "update_id": update_id,
                    "message": {
                        "message_id": update_id,
                        "date": 1795410000,
                        "chat": {"id": chat, "type": "private"},
                        "from": {"id": chat, "is_bot": False, "first_name": "Warga"},
                        "text": text,
                    },
                }
                response = client.post(
                    "/webhooks/telegram",
                    json=body,
                    headers={"X-Telegram-Bot-Api-Secret-Token": secret},
                )
                assert response.status_code == 200, response.text
        for _ in range(2):  # kill the processor while it works, twice
            wait_for(lambda: _worker_pid(serve.pid) not in (None, *killed), 60, "a live worker")
            pid = _worker_pid(serve.pid)
            assert pid is not None
            before = done()
            # Processing, and holding a claim right now: a kill then leaves leased rows that
            # another processor must take over (the ``attempts > 1`` below), not a clean gap.
            wait_for(
                lambda b=before: done() > b and held() > 0,  # type: ignore[misc]
                60,
                "the worker to be processing",
                interval=0.005,
            )
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        assert done() < len(updates), "killed too late to prove anything"
        wait_for(lambda: done() == len(updates), 180, "every update processed after the restarts")

    with engine.connect() as conn:
        rows = conn.execute(select(InboxUpdate.status, InboxUpdate.attempts)).all()
        receipts = conn.scalar(select(func.count()).select_from(InboundReceipt))
        replies = conn.execute(
            select(OutboxMessage.id, OutboxMessage.address, OutboxMessage.payload)
        ).all()
    assert len(rows) == len(updates) and {r.status for r in rows} == {InboxStatus.DONE}
    assert receipts == len(updates)  # the pipeline ran once per update
    assert any(r.attempts > 1 for r in rows)  # some were taken over from a killed processor
    first_reply: dict[str, int] = {}
    for reply in sorted(replies, key=lambda r: r.id):
        first_reply.setdefault(reply.payload["reply_to"], reply.id)
    assert set(first_reply) == {str(u) for u, _, _ in updates}  # a reply for every update
    for chat in chats:  # and in each chat, the replies follow the updates' order
        ids = [first_reply[str(u)] for u, c, _ in updates if c == chat]
        assert ids == sorted(ids)
