"""Telegram updates whose fields have the wrong shape (issue 12, point 11): a 400, never a 500.

PTB's ``de_json`` does not check types, so these decode "fine" and used to fail only when the
pipeline read them, as a 500 that Telegram redelivers for ever.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from reports.models import InboundReceipt
from tests.channels.conftest import Channels, telegram_fixture


def _without_chat() -> dict[str, Any]:
    update = telegram_fixture("text_message")
    del update["message"]["chat"]
    return update


def _photo_width(value: Any) -> dict[str, Any]:
    update = telegram_fixture("photo")
    update["message"]["photo"][0]["width"] = value
    return update


def _callback_without_from() -> dict[str, Any]:
    update = telegram_fixture("callback_query")
    del update["callback_query"]["from"]
    return update


def _callback_message_without_chat() -> dict[str, Any]:
    update = telegram_fixture("callback_query")
    del update["callback_query"]["message"]["chat"]
    return update


@pytest.mark.parametrize(
    "update",
    [
        _without_chat(),
        _photo_width("wide"),
        _photo_width(None),
        _callback_without_from(),
        _callback_message_without_chat(),
        b'{"update_id": 1, "message": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"update_id": 1, "message": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5001,
    ],
    ids=[
        "message-without-chat",
        "photo-width-text",
        "photo-width-null",
        "callback-without-from",
        "callback-message-without-chat",
        "nested-5000-lists",
        "nested-5000-objects",
    ],
)
def test_malformed_update_is_400_and_stores_nothing(
    channels: Channels, update: dict[str, Any] | bytes
) -> None:
    response = channels.post_telegram(update)
    assert response.status_code == 400, response.text
    with channels.runtime.sessions() as db:
        assert db.scalar(select(func.count()).select_from(InboundReceipt)) == 0


def test_a_good_update_still_goes_through(channels: Channels) -> None:
    assert channels.post_telegram(telegram_fixture("photo")).status_code == 200
