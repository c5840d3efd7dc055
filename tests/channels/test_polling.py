"""``telegram poll`` and ``telegram set-webhook`` against the fake Bot API (real PTB)."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.channels.polling import PollingStopped, load_offset, poll
from reports.models import InboundReceipt
from tests.channels.conftest import Channels, telegram_fixture
from tests.channels.helpers import outbox_rows


def _receipts(channels: Channels) -> int:
    with channels.runtime.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(InboundReceipt)) or 0)


def test_long_polling_feeds_the_pipeline_and_restarts_without_loss_or_doubles(
    channels: Channels,
) -> None:
    fake = channels.telegram
    fake.webhook = {"url": "https://old.example/webhooks/telegram"}
    fake.push_update(telegram_fixture("text_message", update_id=500))
    fake.push_update(telegram_fixture("sticker", update_id=501))
    count = asyncio.run(poll(channels.runtime, long_poll_seconds=0, max_rounds=1))
    assert count == 2 and _receipts(channels) == 2
    assert fake.webhook is None  # polling needs the webhook removed
    assert load_offset(channels.runtime) == 502  # committed with the updates' effects
    replies = len(outbox_rows(channels.runtime))
    assert replies >= 2

    # A restart before Telegram heard the new offset: the same updates come again, plus one.
    fake.push_update(telegram_fixture("text_message", update_id=502, text="status"))
    with fake.lock:
        fake.updates.insert(0, telegram_fixture("sticker", update_id=501))  # redelivered
    count = asyncio.run(poll(channels.runtime, long_poll_seconds=0, max_rounds=2))
    assert _receipts(channels) == 3  # 501 was processed once, 502 once
    assert fake.confirmed_offset == 503 and load_offset(channels.runtime) == 503
    assert len(outbox_rows(channels.runtime)) > replies


def test_set_webhook_registers_url_and_secret(channels: Channels) -> None:
    from config import settings as settings_module
    from webhooks.cli import app

    settings_module.get_settings.cache_clear()
    env = {
        "SUARAWARGA_TELEGRAM_BOT_TOKEN": channels.telegram.token,
        "SUARAWARGA_TELEGRAM_WEBHOOK_SECRET": channels.secret,
        "SUARAWARGA_TELEGRAM_API_BASE_URL": channels.settings.telegram_api_base_url,
    }
    try:
        result = CliRunner().invoke(
            app, ["telegram", "set-webhook", "https://sw.example.go.id/webhooks/telegram"], env=env
        )
    finally:
        settings_module.get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert channels.telegram.webhook is not None
    assert channels.telegram.webhook["url"] == "https://sw.example.go.id/webhooks/telegram"
    assert channels.telegram.webhook["secret_token"] == channels.secret


def test_a_second_poller_is_waited_out_and_polling_goes_on(
    channels: Channels, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 12.7: getUpdates 409 (another poller with the same token) ended the poller with a
    traceback; it now backs off, says what happened and carries on."""
    fake = channels.telegram
    fake.conflict_next(
        2,
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running",
    )
    fake.push_update(telegram_fixture("text_message", update_id=700))
    with caplog.at_level(logging.WARNING, logger="bot.channels.polling"):
        count = asyncio.run(
            poll(channels.runtime, long_poll_seconds=0, max_rounds=3, conflict_backoff=0.01)
        )
    assert count == 1 and _receipts(channels) == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and all("another poller" in w for w in warnings)


def test_a_webhook_set_meanwhile_stops_polling_with_a_clear_message(channels: Channels) -> None:
    fake = channels.telegram
    fake.conflict_next(
        1,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )
    with pytest.raises(PollingStopped, match="webhook was set"):
        asyncio.run(poll(channels.runtime, long_poll_seconds=0, max_rounds=2))

    fake.conflict_next(1, "Conflict: can't use getUpdates method while webhook is active")
    result = _cli(channels, ["telegram", "poll", "--rounds", "2", "--long-poll", "0"],
                  SUARAWARGA_DATABASE_URL=str(channels.settings.database_url))  # fmt: skip
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert "telegram polling stopped: a webhook was set" in result.output


def _cli(channels: Channels, args: list[str], **extra: str) -> Any:
    from config import settings as settings_module
    from webhooks.cli import app

    settings_module.get_settings.cache_clear()
    env = {
        "SUARAWARGA_TELEGRAM_BOT_TOKEN": channels.telegram.token,
        "SUARAWARGA_TELEGRAM_WEBHOOK_SECRET": channels.secret,
        "SUARAWARGA_TELEGRAM_API_BASE_URL": channels.settings.telegram_api_base_url,
        **extra,
    }
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return CliRunner().invoke(app, args, env=env)
    finally:
        settings_module.get_settings.cache_clear()
        for sig, handler in handlers.items():  # `poll` installs its own: give pytest's back
            signal.signal(sig, handler)


@pytest.mark.parametrize(
    ("url", "secret", "says"),
    [
        ("http://sw.example.go.id/webhooks/telegram", None, "must start with https://"),
        ("https://sw.example.go.id:8080/webhooks/telegram", None, "ports 443, 80, 88, 8443"),
        ("https://sw.example.go.id/webhooks/telegram", "rahasia dengan spasi!", "1-256 characters"),
    ],
)
def test_set_webhook_explains_what_telegram_would_refuse(
    channels: Channels, url: str, secret: str | None, says: str
) -> None:
    extra = {"SUARAWARGA_TELEGRAM_WEBHOOK_SECRET": secret} if secret else {}
    result = _cli(channels, ["telegram", "set-webhook", url], **extra)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert says in result.output
    assert channels.telegram.webhook is None


def test_set_webhook_reports_telegrams_own_refusal(channels: Channels) -> None:
    """Validation aside, whatever Telegram answers is told, not a traceback."""
    result = _cli(
        channels,
        ["telegram", "set-webhook", "https://sw.example.go.id/webhooks/telegram"],
        SUARAWARGA_TELEGRAM_BOT_TOKEN=channels.telegram.token.split(":")[0] + ":wrong",
    )
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "refused the bot token" in result.output
