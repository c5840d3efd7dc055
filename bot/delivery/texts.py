"""Texts the delivery layer adds around a message (choice lists, e-mail subjects), per language."""

from __future__ import annotations

from config.catalogue import Catalogue

MESSAGES: dict[str, dict[str, str]] = {
    "id": {
        "choose_number": "Balas dengan nomor pilihan Anda:",
        "email_subject_report": "[SuaraWarga] Laporan {code}",
        "email_subject": "[SuaraWarga] Pemberitahuan",
    },
    "en": {
        "choose_number": "Reply with the number of your choice:",
        "email_subject_report": "[SuaraWarga] Report {code}",
        "email_subject": "[SuaraWarga] Notification",
    },
}


DELIVERY = Catalogue("bot.delivery", MESSAGES)


def text(key: str, language: str, **values: object) -> str:
    return DELIVERY.text(key, language, **values)
