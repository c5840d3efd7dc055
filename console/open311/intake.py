"""Who files an Open311 request: the reporter's id from the optional contacts, and a title.

Why apart from the route: the specification makes every contact optional and clients fill them
differently; how they become one citizen (and a phone number one E.164 string) is a rule of its
own, tested without a request.
"""

from __future__ import annotations

import re
import secrets
from typing import Final

import phonenumbers

from reports.enums import Privacy

#: Open311 clients rarely ask their users about privacy; default to protecting the reporter.
DEFAULT_PRIVACY: Final = Privacy.ANONYMOUS
PHONE_REGION: Final = "ID"


def title(description: str) -> str:
    first = description.strip().splitlines()[0] if description.strip() else ""
    return first[:80].rstrip() + ("..." if len(first) > 80 else "")


def phone_number(raw: str) -> str | None:
    """E.164 when the number parses (Indonesian numbers may omit +62), else its digits."""
    try:
        number = phonenumbers.parse(raw, PHONE_REGION)
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    digits = re.sub(r"\D", "", raw)
    return digits or None


def reporter(email: str | None, device_id: str | None, phone: str | None) -> str:
    """The external id the reporter is known by, so their later requests land on one citizen.

    Every contact is optional in the specification. Without one, the report gets a citizen of
    its own whom nobody can reach: the reporter chose that, and it protects them.
    """
    if email and email.strip():
        return f"open311:email:{email.strip().lower()}"
    if device_id and device_id.strip():
        return f"open311:device:{device_id.strip()}"
    number = phone_number(phone) if phone and phone.strip() else None
    if number:
        return f"open311:phone:{number}"
    return f"open311:none:{secrets.token_hex(16)}"
