"""``telegram poll`` and ``telegram set-webhook`` against the fake Bot API (real PTB)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.channels.polling import load_offset, poll
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
