"""E-mail to staff over SMTP (``smtplib``), for reminders, escalations and digests.

One connection per message keeps it simple and robust; staff mail is a few hundred a day at most.
The Message-ID is derived from the outbox row, so a resend after a crash is recognisable as the
same message by any mail client that threads on it.
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bot.channels import Outgoing, PermanentError, Sent, TransientError
from config.settings import Settings
from reports.enums import Channel


class EmailSender:
    channel = Channel.EMAIL
    max_length = 1_000_000  # never split

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise RuntimeError("SUARAWARGA_SMTP_HOST is not set")
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.from_ = settings.smtp_from
        self.domain = settings.smtp_from.rpartition("@")[2] or "localhost"

    def _send(self, message: Outgoing, text: str) -> str:
        mail = EmailMessage()
        mail["From"] = self.from_
        mail["To"] = message.address
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        msgid = make_msgid(idstring=f"outbox-{message.row_id}", domain=self.domain)
        mail["Message-ID"] = msgid
        mail.set_content(text)
        with smtplib.SMTP(self.host, self.port, timeout=15) as smtp:
            smtp.send_message(mail)
        return msgid

    async def send(self, message: Outgoing, part: str, *, last: bool) -> Sent:
        try:
            msgid = await asyncio.to_thread(self._send, message, part)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {list(exc.recipients)}") from None
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:
                raise TransientError(f"smtp {exc.smtp_code}") from None
            raise PermanentError(f"smtp {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"smtp unavailable: {type(exc).__name__}") from None
        return Sent(msgid, "sent")

    async def aclose(self) -> None:
        return None
