"""Tracking codes citizens can quote over the phone and nobody can guess.

``SW-7KQ4-M2XD``: 8 symbols of Crockford's base32 (no I, L, O, U: nothing to misread), drawn from
``secrets`` = 40 bits, so enumerating codes to find other people's reports is hopeless (and the
public page reveals only the stage anyway).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "SW"
_CODE = re.compile(r"\bSW[-\s]?([0-9A-Z]{4})[-\s]?([0-9A-Z]{4})\b", re.IGNORECASE)
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{PREFIX}-{chars[:4]}-{chars[4:]}"


def normalize(text: str) -> str | None:
    """The canonical code inside ``text`` ("cek sw 7kq4m2xd" -> "SW-7KQ4-M2XD"), or None."""
    match = _CODE.search(text)
    if not match:
        return None
    body = (match.group(1) + match.group(2)).upper().translate(_MISREAD)
    if any(c not in ALPHABET for c in body):
        return None
    return f"{PREFIX}-{body[:4]}-{body[4:]}"
