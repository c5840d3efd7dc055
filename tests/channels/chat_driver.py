"""A person's chat on Telegram or WhatsApp, driven through the real (signed) webhook route.

Shared by the scenario tests (citizens) and the officer-chat tests (staff): each message is a
recorded provider payload with this chat's id and a fresh update id or MessageSid, and each one
moves the shared clock on 30 s, so the webhook, the pipeline and the outbox see time pass.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from reports.enums import Channel
from reports.models import OutboxMessage
from tests.channels.conftest import Channels, telegram_fixture, twilio_fixture

_ids = itertools.count(200_000_000)


@dataclass
class Clock:
    """The time the webhook app reads (``app.state.webhook_clock``) and the tests move."""

    now: datetime


class ChatDriver:
    """One chat; :meth:`inbox` returns the outbox rows queued for it since the last look."""

    def __init__(self, channels: Channels, clock: Clock, channel: Channel, address: str) -> None:
        self.c, self.clock, self.channel, self.address = channels, clock, channel, address
        self.seen = 0
        channels.client.app.state.webhook_clock = lambda: clock.now  # type: ignore[attr-defined]

    def _post(self, payload: dict[str, Any]) -> list[OutboxMessage]:
        if self.channel is Channel.TELEGRAM:
            response = self.c.post_telegram(payload)
        else:
            response = self.c.whatsapp(payload)
        assert response.status_code == 200, response.text
        self.clock.now += timedelta(seconds=30)
        return self.inbox()

    def say(self, text: str, *, reply_to: str | None = None) -> list[OutboxMessage]:
        """A text message; ``reply_to`` quotes an earlier message of ours (its provider id)."""
        if self.channel is Channel.TELEGRAM:
            update = telegram_fixture(
                "text_message", update_id=next(_ids), text=text, chat_id=int(self.address)
            )
            update["message"]["message_id"] = next(_ids)
            if reply_to is not None:
                update["message"]["reply_to_message"] = {
                    "message_id": int(reply_to),
                    "date": 1795410000,
                    "chat": {"id": int(self.address), "type": "private"},
                    "text": "...",
                }
            return self._post(update)
        sid = f"SM{next(_ids):032x}"
        params = {
            **twilio_fixture("whatsapp_text"),
            "Body": text,
            "From": f"whatsapp:{self.address}",
            "WaId": self.address.lstrip("+"),
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
        }
        if reply_to is not None:
            params["OriginalRepliedMessageSid"] = reply_to
        return self._post(params)

    def press(self, data: str) -> list[OutboxMessage]:
        """A Telegram inline button's callback."""
        update = telegram_fixture("callback_query", update_id=next(_ids), chat_id=int(self.address))
        update["callback_query"]["data"] = data
        update["callback_query"]["id"] = str(next(_ids))
        return self._post(update)

    def choose(self, row: OutboxMessage, data: str) -> list[OutboxMessage]:
        """A button on Telegram; the number of the option on WhatsApp (no buttons there)."""
        if self.channel is Channel.TELEGRAM:
            return self.press(data)
        datas = [b["data"] for b in row.payload["buttons"]]
        return self.say(str(datas.index(data) + 1))

    def inbox(self) -> list[OutboxMessage]:
        with self.c.runtime.sessions() as db:
            rows = list(
                db.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.channel == self.channel,
                        OutboxMessage.address == self.address,
                        OutboxMessage.id > self.seen,
                    )
                    .order_by(OutboxMessage.id)
                )
            )
        if rows:
            self.seen = rows[-1].id
        return rows
