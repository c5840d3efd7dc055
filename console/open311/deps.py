"""The Open311 ``api_key`` check, as a dependency of the routes that need one.

The specification sends ``api_key`` with the other POST fields, but real clients differ: the
``open311`` package puts it in the query string, ``three`` in the form body. Both are read; the
body wins when both are present. A key that is missing, unknown, revoked or of a role that may not
file reports is a 403, as the specification says, and is checked before any other field, so a
client without a valid key learns nothing about the rest of its request.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Annotated, Final

from fastapi import Depends, Form, Query, Request
from starlette.exceptions import HTTPException

from console import tokens
from console.deps import SessionDep, get_runtime
from reports.enums import Role

INTAKE_ROLES: Final = frozenset({Role.ADMIN, Role.VERIFIER})
MAX_KEY_CHARS: Final = 200
KEY_DESCRIPTION: Final = (
    "an admin/verifier API token or an Open311 partner key; in the form body or the query string"
)


class InvalidApiKey(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=403, detail="missing or invalid api_key")


def intake_key(
    request: Request,
    db: SessionDep,
    form_key: Annotated[str | None, Form(alias="api_key", description=KEY_DESCRIPTION)] = None,
    query_key: Annotated[str | None, Query(alias="api_key", description=KEY_DESCRIPTION)] = None,
) -> str:
    """Who is filing: ``staff:<id>`` for a staff API token, ``partner:<n>`` for a configured key.

    Submitting on a citizen's behalf is intake work: managers are read-only and agency staff
    receive reports only through verification, so their tokens are refused here.
    """
    presented = (form_key or query_key or "").strip()
    if not presented or len(presented) > MAX_KEY_CHARS:
        raise InvalidApiKey()
    user = tokens.user_for_token(db, presented, now=datetime.now(UTC))
    if user is not None:
        if user.role not in INTAKE_ROLES:
            raise InvalidApiKey()
        return f"staff:{user.id}"
    configured = get_runtime(request).settings.open311_api_keys
    keys = [k.strip() for k in (configured.get_secret_value() if configured else "").split(",")]
    secret = presented.encode()
    # Every configured key is compared (in constant time), so timing tells nothing about which.
    matches = [bool(k) and hmac.compare_digest(k.encode(), secret) for k in keys]
    if not any(matches):
        raise InvalidApiKey()
    return f"partner:{matches.index(True) + 1}"


#: The route's parameter: the submitter's label once the key is accepted (a 403 before that).
IntakeKey = Annotated[str, Depends(intake_key)]
