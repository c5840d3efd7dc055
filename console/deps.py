"""Request dependencies shared by the console pages and the REST API (style.md's ``deps.py``).

Routes stay flat: ``db: SessionDep``, ``staff: CurrentStaff``, ``Depends(require_roles(...))``.
Who may do what is decided in the use cases (``reports.citizen_cases``, ``reports.staff_cases``)
and ``reports.access``; these dependencies only establish *who* is asking and give each request
one transaction.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from console import SESSION_COOKIE, tokens
from console import sessions as staff_sessions
from reports.actor import Actor
from reports.enums import Role
from reports.models import StaffUser
from reports.runtime import Runtime

SESSION_KEY = "sid"  # the server-side session's secret (console.sessions)
SESSION_CSRF_KEY = "csrf"
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(HTTPException):
    """No valid session or token. Console pages turn this into a redirect to the sign-in page;
    the API answers 401 (see ``console.errors``)."""

    def __init__(self, detail: str = "authentication required") -> None:
        super().__init__(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(HTTPException):
    """Signed in, but the role (or agency) does not allow this."""

    def __init__(self, detail: str = "your role does not allow this") -> None:
        super().__init__(status_code=403, detail=detail)


class CsrfRejected(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=403, detail="missing or invalid CSRF token")


def get_runtime(request: Request) -> Runtime:
    """The process-wide runtime built in the app's lifespan (engine, sessions, SLA clock)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on any error.

    Used with ``scope="function"`` so the commit happens *before* the response is sent: a client
    never sees "done" for a change that then failed to commit.
    """
    runtime = get_runtime(request)
    with runtime.sessions() as db, db.begin():
        yield db


SessionDep = Annotated[Session, Depends(get_db, scope="function")]

#: The largest row id our tables hold (``INTEGER`` primary keys: 32 bits on PostgreSQL).
MAX_ROW_ID = 2**31 - 1
#: A row id in a URL. Larger numbers can name no row, and must not reach the driver: PostgreSQL
#: refuses them ("out of range for type integer") and SQLite's driver overflows past 64 bits, both
#: as a 500. Refused here with a 422 instead.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise LoginRequired("use 'Authorization: Bearer <token>'")
    return value.strip()


def _session(request: Request) -> dict[str, object] | None:
    # The session middleware is installed by console.install(); apps without it have no cookies.
    return request.session if "session" in request.scope else None


@dataclass(frozen=True, slots=True)
class StaffView:
    """A detached copy of who is signed in, for error pages rendered after the rollback."""

    id: int
    username: str
    full_name: str
    role: Role
    agency_id: int | None
    language: str


def _remember(request: Request, user: StaffUser, via: str) -> None:
    request.state.staff = StaffView(
        user.id, user.username, user.full_name, user.role, user.agency_id, user.language
    )
    request.state.auth_via = via


#: Declared only so the OpenAPI document names the two ways in and ``/docs`` can authorise; the
#: header and the cookie are read by ``current_staff`` itself (``auto_error=False``: these never
#: refuse a request, so the error stays ours).
BEARER_SCHEME = HTTPBearer(
    auto_error=False,
    scheme_name="apiToken",
    description="`suarawarga user token create USER --name NAME`, sent as `Authorization: Bearer`",
)
COOKIE_SCHEME = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="consoleSession",
    description="The console's session cookie, set by signing in at /console/login",
)


def current_staff(
    request: Request,
    db: SessionDep,
    _token: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER_SCHEME)] = None,
    _cookie: Annotated[str | None, Security(COOKIE_SCHEME)] = None,
) -> StaffUser:
    """The signed-in staff member: a bearer token (API clients) or a server-side session.

    A token that is present but wrong is refused even when a cookie is also sent, so a script
    never silently acts as whoever is signed in in the browser.
    """
    token = _bearer(request)
    if token is not None:
        user = tokens.user_for_token(db, token, now=datetime.now(UTC))
        if user is None:
            raise LoginRequired("invalid or revoked token")
        _remember(request, user, "token")
        return user
    session = _session(request)
    secret = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(secret, str):
        raise LoginRequired()
    user = staff_sessions.resolve(db, secret, now=datetime.now(UTC))
    if user is None:
        # Signed out elsewhere, ended by an admin, expired, or the account was deactivated.
        assert session is not None
        session.pop(SESSION_KEY, None)
        raise LoginRequired("your session has ended")
    _remember(request, user, "session")
    return user


CurrentStaff = Annotated[StaffUser, Depends(current_staff)]


def require_roles(*roles: Role) -> Callable[..., StaffUser]:
    """A dependency admitting only ``roles`` (403 for the others, 401 when not signed in)."""
    allowed = frozenset(roles)

    def dependency(staff: CurrentStaff) -> StaffUser:
        if staff.role not in allowed:
            raise Forbidden()
        return staff

    dependency.__name__ = "require_" + "_or_".join(r.value for r in roles)
    return dependency


def actor_of(staff: StaffUser) -> Actor:
    """The domain's view of a staff member: what the use cases and access rules check."""
    return Actor.staff(staff)


# -- CSRF ------------------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The session-bound CSRF token, created on first use (put it in every form)."""
    import secrets

    session = request.session
    token = session.get(SESSION_CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[SESSION_CSRF_KEY] = token
    return token


async def csrf_protect(request: Request) -> None:
    """Refuse unsafe requests authenticated by the cookie unless they carry the session's token.

    Bearer-token requests are exempt (a browser never adds that header by itself). The token is
    read from the ``X-CSRF-Token`` header or the ``csrf_token`` form field.
    """
    if request.method not in UNSAFE_METHODS or request.headers.get("authorization"):
        return
    session = _session(request)
    expected = session.get(SESSION_CSRF_KEY) if session is not None else None
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FORM_FIELD)
        sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRejected()


CsrfProtected = Depends(csrf_protect)
