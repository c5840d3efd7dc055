"""``suarawarga worker`` as a real process on PostgreSQL: SIGKILLed mid-outage, it resumes.

The kill lands while the fake Bot API answers 502 (rows are ``sending`` or waiting for a retry),
so nothing is in flight at the provider: after a restart every message arrives exactly once.
The lease is short here so the restarted worker may reclaim the dead worker's rows quickly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from config.settings import Settings
from escalation.deadlines import SlaClock
from reports.enums import OutboxStatus
from reports.runtime import Runtime
from tests import factories
from tests.channels.conftest import make_settings
from tests.channels.fakes.telegram_api import FakeTelegram
from tests.channels.fakes.twilio_api import FakeTwilio
from tests.channels.helpers import outbox_rows
from tests.channels.test_sender import queue_row
from tests.processes import running, wait_for

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.postgres


@pytest.fixture
def db_url(pg_url: str) -> str:
    return pg_url


WORKER = [sys.executable, "-m", "webhooks.cli", "worker"]


def test_worker_killed_mid_outage_resumes_and_delivers_exactly_once(
    settings: object,
    db_url: str,
    engine: Engine,
    clock: SlaClock,
    fakes: tuple[FakeTelegram, FakeTwilio, str, str],
    tmp_path: Path,
) -> None:
    env, telegram, cfg = _workers_env(
        settings, db_url, fakes, tmp_path,
        SUARAWARGA_TELEGRAM_CHAT_INTERVAL_SECONDS="0.1", SUARAWARGA_OUTBOX_BATCH_SIZE="8",
        SUARAWARGA_OUTBOX_LEASE_SECONDS="2", SUARAWARGA_OUTBOX_BACKOFF_BASE_SECONDS="0.2",
        SUARAWARGA_OUTBOX_BACKOFF_MAX_SECONDS="1",
    )  # fmt: skip
    runtime = factories.runtime(cfg, engine, clock)
    texts = [f"Pemberitahuan {i} untuk warga {i % 4}" for i in range(40)]
    now = datetime.now(UTC)
    for i, text in enumerate(texts):
        queue_row(runtime, address=str(3000 + i % 4), body=text, now=now)

    with running(WORKER, env=env, cwd=REPO) as first:
        wait_for(lambda: len(telegram.sent) >= 8, 60, "the first deliveries")
        telegram.fail_next(10_000, "502")
        wait_for(lambda: telegram.failed_calls >= 3, 30, "the outage to be hit")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    delivered_before_kill = len(telegram.sent)
    assert delivered_before_kill < len(texts)  # killed mid-way
    with telegram.lock:
        telegram.failures.clear()  # the provider recovers

    with running(WORKER, env=env, cwd=REPO) as second:
        wait_for(lambda: len(telegram.sent) >= len(texts), 90, "all deliveries after the restart")
        wait_for(
            lambda: all(r.status is OutboxStatus.SENT for r in outbox_rows(runtime)),
            30,
            "every row recorded as sent",
        )
        second.send_signal(signal.SIGTERM)  # a graceful stop
        assert second.wait(20) == 0
    assert telegram.texts() == {t: 1 for t in texts}
    for chat in range(4):  # each citizen's messages in the order queued, across the crash
        got = [m["text"] for m in telegram.sent if m["chat_id"] == str(3000 + chat)]
        assert got == [t for t in texts if t.endswith(f"warga {chat}")]


def _workers_env(
    settings: object, db_url: str, fakes: tuple[FakeTelegram, FakeTwilio, str, str],
    tmp_path: Path, **extra: str,
) -> tuple[dict[str, str], FakeTelegram, Settings]:  # fmt: skip
    """The worker processes' environment (``extra`` on top), the fake Bot API expecting their
    token, and the same settings for the test's own runtime."""
    telegram, _, tg_url, tw_url = fakes
    cfg = make_settings(settings, db_url, tg_url, tw_url)  # type: ignore[arg-type]
    telegram.token = cfg.telegram_bot_token.get_secret_value()  # type: ignore[union-attr]
    env = {
        **os.environ,
        "SUARAWARGA_ENVIRONMENT": "test",
        "SUARAWARGA_DATA_DIR": str(tmp_path / "var"),
        "SUARAWARGA_DATABASE_URL": db_url,
        "SUARAWARGA_TELEGRAM_BOT_TOKEN": telegram.token,
        "SUARAWARGA_TELEGRAM_API_BASE_URL": tg_url,
        "SUARAWARGA_TELEGRAM_CHAT_INTERVAL_SECONDS": "0",
        "SUARAWARGA_OUTBOX_POLL_SECONDS": "0.1",
        **extra,
    }
    return env, telegram, cfg


def _run_two_until_sent(env: dict[str, str], runtime: Runtime, count: int) -> None:
    """Two workers until every row is recorded sent (or 25 s: the caller's checks say why not)."""
    with running(WORKER, env=env, cwd=REPO) as one, running(WORKER, env=env, cwd=REPO) as two:
        with contextlib.suppress(AssertionError):
            wait_for(
                lambda: sum(r.status is OutboxStatus.SENT for r in outbox_rows(runtime)) >= count,
                25,
                "every row recorded as sent",
            )
        for worker in (one, two):
            worker.send_signal(signal.SIGTERM)
        for worker in (one, two):
            assert worker.wait(20) == 0


def test_two_workers_send_each_row_once_and_keep_the_bots_rate_with_a_slow_provider(
    settings: object,
    db_url: str,
    engine: Engine,
    clock: SlaClock,
    fakes: tuple[FakeTelegram, FakeTwilio, str, str],
    tmp_path: Path,
) -> None:
    """Issue 12.1 and 12.3, in one pair of real worker processes (their start-up is the slow part).

    12.1: a 2 s lease and a Bot API answering after 3 s, one batch holding every row. The lease
    used to run out mid-call and the other worker sent the rows again; a live worker now renews
    its leases, so each message goes out once.
    12.3: the per-bot rate holds across both processes with a burst of one. Each worker had its own
    token bucket whose burst equalled the rate: together they sent twice the rate at once.
    """
    rate = 10
    env, telegram, _ = _workers_env(
        settings, db_url, fakes, tmp_path,
        SUARAWARGA_OUTBOX_LEASE_SECONDS="2", SUARAWARGA_OUTBOX_BATCH_SIZE="50",
        SUARAWARGA_TELEGRAM_RATE_PER_SECOND=str(rate),
    )  # fmt: skip
    cfg = settings.model_copy(update={"database_url": db_url})  # type: ignore[attr-defined]
    runtime = factories.runtime(cfg, engine, clock)
    texts = [f"Tanggapan {i}" for i in range(24)]
    now = datetime.now(UTC)
    for i, text in enumerate(texts):
        queue_row(runtime, address=str(4000 + i), body=text, now=now)
    telegram.answer_delay = 3.0
    _run_two_until_sent(env, runtime, len(texts))
    sent_twice = {t: n for t, n in telegram.texts().items() if n > 1}
    assert not sent_twice, f"sent by two workers: {sent_twice}"
    assert telegram.texts() == {t: 1 for t in texts}
    assert all(r.status is OutboxStatus.SENT for r in outbox_rows(runtime))
    times = sorted(m["at"] for m in telegram.sent)
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= rate + 2, f"{busiest} sends in one second against {rate}/s"
