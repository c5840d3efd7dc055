"""The role and privacy matrix: every route of the app against every role.

Routes are enumerated from the app itself, so a new route without a rule here fails
:func:`test_every_route_has_a_rule`. Each rule sends real requests as: an anonymous visitor,
an admin, a verifier, an officer and an agency head of the report's agency (pupr), an officer of
another agency (lingkungan) and a manager, and pins the status each must get. Every response
body of every probe is then searched for what that role must never see: the identity of a
reporter it may not know (anonymous and confidential reports, other agencies' reporters), and
report titles outside its reach (confidential or unverified ones for the public, other agencies'
for officers).

Staff are signed in with the real session cookie (the console's login form); POSTs carry the
session's CSRF token so the rule being tested is the role, not the CSRF check (which is tested
on its own by the rules for the session routes and in ``test_api``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from reports.models import StaffUser
from tests.console.api_support import Scenario, build_scenario, make_tokens
from tests.console.conftest import page_csrf, sign_in

ANON, ADMIN, VERIFIER, OFFICER, HEAD, OTHER, MANAGER = (
    "anonymous",
    "admin",
    "verifier",
    "officer",
    "head",
    "other.officer",
    "manager",
)
ROLES = (ANON, ADMIN, VERIFIER, OFFICER, HEAD, OTHER, MANAGER)
STAFF = ROLES[1:]
PUPR = (OFFICER, HEAD)

#: reports whose reporter each role must never see (by scenario name; see api_support.REPORTS)
ALL_REPORTS = frozenset(
    {
        "pupr_public",
        "pupr_anonymous",
        "pupr_confidential",
        "other_public",
        "other_anonymous",
        "new_public",
        "new_anonymous",
        "new_confidential",
    }
)
HIDDEN_REPORTER: dict[str, frozenset[str]] = {
    ANON: ALL_REPORTS,
    MANAGER: ALL_REPORTS,
    OFFICER: ALL_REPORTS - {"pupr_public"},
    HEAD: ALL_REPORTS - {"pupr_public"},
    OTHER: ALL_REPORTS - {"other_public"},
    ADMIN: frozenset(),
    VERIFIER: frozenset(),
}
#: reports whose title (content) each role must never see: a verified, non-confidential report is
#: public (tracking page), so what stays hidden is the unverified and the confidential ones
#: outside a role's reach (agency scope itself is pinned by the 404s of the rules).
UNVERIFIED = frozenset({"new_public", "new_anonymous", "new_confidential"})
HIDDEN_CONTENT: dict[str, frozenset[str]] = {
    ANON: UNVERIFIED | {"pupr_confidential"},
    OFFICER: UNVERIFIED,
    HEAD: UNVERIFIED,
    OTHER: UNVERIFIED | {"pupr_confidential"},
    MANAGER: frozenset(),
    ADMIN: frozenset(),
    VERIFIER: frozenset(),
}

Expect = dict[str, set[int]]


def expect(default: set[int] | int, **per_role: set[int] | int) -> Expect:
    """Statuses per role: ``default`` for every role not named (role names with _ for .)."""

    def as_set(value: set[int] | int) -> set[int]:
        return {value} if isinstance(value, int) else value

    table = {role: as_set(default) for role in ROLES}
    for key, value in per_role.items():
        table[{"other": OTHER}.get(key, key)] = as_set(value)
    return table


@dataclass
class Probe:
    method: str
    url: str
    expected: Expect
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: per role: replace the form/query value "{token}" with that role's API token
    token_field: str | None = None


@dataclass
class World:
    scenario: Scenario
    tokens: dict[str, str]

    def code(self, name: str) -> str:
        return self.scenario.codes[name]


Rule = Callable[[World], list[Probe]]

# -- expectations shared by several routes --------------------------------------------------------

PUBLIC_OK = expect(200)
API_STAFF_OK = expect(200, anonymous=401)
PAGE_STAFF_OK = expect(200, anonymous=303)
DASHBOARD = expect(200, anonymous=303, officer=403, head=403, other=403)
ADMIN_ONLY = expect(403, anonymous=303, admin=200)
# Reading a report forwarded to pupr: pupr and the full-view roles; others as if it did not exist.
API_READ_PUPR = expect(200, anonymous=401, other=404)
PAGE_READ_PUPR = expect(200, anonymous=303, other=404)
# Reading a report still with the verifier: no agency sees it.
API_READ_NEW = expect(200, anonymous=401, officer=404, head=404, other=404)
CANNED_PAGE = expect(200, anonymous=303, verifier=403, manager=403)
CANNED_MISSING = expect(404, anonymous=303, verifier=403, manager=403)
PAGE_READ_NEW = expect(200, anonymous=303, officer=404, head=404, other=404)

#: API actions with a body that passes validation but fails a domain rule *after* the permission
#: checks (blank text, unknown agency): 422 proves a role got through, 403/404 that it did not,
#: and nothing changes either way. (target report, action) -> body, expected
BLANK = "   "
API_ACTIONS: dict[str, tuple[dict[str, Any], Expect, Expect]] = {
    # action: (body, on the pupr forwarded report, on the new submitted report)
    "verify-forward": (
        {"agency": "nope"},
        expect(403, anonymous=401, admin=422, verifier=422, other=404),
        expect(404, anonymous=401, admin=422, verifier=422, manager=403),
    ),
    "request-info": (
        {"question": BLANK},
        expect(422, anonymous=401, verifier=403, manager=403, other=404),
        expect(404, anonymous=401, admin=422, verifier=422, manager=403),
    ),
    "not-our-authority": (
        {"reason": BLANK},
        expect(403, anonymous=401, admin=422, verifier=422, other=404),
        expect(404, anonymous=401, admin=422, verifier=422, manager=403),
    ),
    "archive": (
        {"reason": BLANK},
        expect(403, anonymous=401, admin=422, verifier=422, other=404),
        expect(404, anonymous=401, admin=422, verifier=422, manager=403),
    ),
    "return": (
        {"reason": BLANK},
        expect(403, anonymous=401, officer=422, head=422, other=404),
        expect(404, anonymous=401, admin=403, verifier=403, manager=403),
    ),
    "reroute": (
        {"agency": "nope", "reason": "x"},
        expect(403, anonymous=401, admin=422, verifier=422, other=404),
        expect(404, anonymous=401, admin=422, verifier=422, manager=403),
    ),
    "answer": (
        {"text": BLANK},
        expect(403, anonymous=401, officer=422, head=422, other=404),
        expect(404, anonymous=401, admin=403, verifier=403, manager=403),
    ),
    "extend": (
        {"days": 1, "reason": BLANK},
        expect(422, anonymous=401, verifier=403, manager=403, other=404),
        expect(404, anonymous=401, admin=422, verifier=422, manager=403),
    ),
    "finish": (
        {"reason": BLANK},
        expect(422, anonymous=401, manager=403, other=404),
        expect(404, anonymous=401, admin=422, verifier=422, manager=403),
    ),
}


def _api_action(action: str) -> Rule:
    body, on_pupr, on_new = API_ACTIONS[action]

    def rule(w: World) -> list[Probe]:
        url = "/api/v1/reports/{}/" + action
        return [
            Probe("POST", url.format(w.code("pupr_anonymous")), on_pupr, {"json": body}),
            Probe("POST", url.format(w.code("new_anonymous")), on_new, {"json": body}),
        ]

    return rule


def _reads(prefix: str, pupr: Expect, new: Expect, suffix: str = "") -> Rule:
    def rule(w: World) -> list[Probe]:
        return [
            Probe("GET", f"{prefix}/{w.code('pupr_anonymous')}{suffix}", pupr),
            Probe("GET", f"{prefix}/{w.code('pupr_confidential')}{suffix}", pupr),
            Probe("GET", f"{prefix}/{w.code('new_anonymous')}{suffix}", new),
            Probe("GET", f"{prefix}/SW-0000-0000{suffix}", _not_found(new)),
        ]

    return rule


def _not_found(like: Expect) -> Expect:
    return {role: ({404} if 200 in codes else codes) for role, codes in like.items()}


def _get(url: str, expected: Expect, **kwargs: Any) -> Rule:
    return lambda w: [Probe("GET", url, expected, kwargs)]


NOT_2XX = {400, 401, 403, 404, 405, 415, 422}

RULES: dict[tuple[str, str], Rule] = {
    # documentation and operations: public, no report data in them
    ("GET", "/openapi.json"): _get("/openapi.json", PUBLIC_OK),
    ("GET", "/docs"): _get("/docs", PUBLIC_OK),
    ("GET", "/docs/oauth2-redirect"): _get("/docs/oauth2-redirect", PUBLIC_OK),
    ("GET", "/redoc"): _get("/redoc", PUBLIC_OK),
    ("GET", "/health"): _get("/health", expect({200, 503})),
    ("GET", "/"): _get("/", PUBLIC_OK),
    # citizen surfaces (web chat) and provider webhooks: never staff data, never 2xx unsigned
    ("GET", "/chat"): _get("/chat", PUBLIC_OK),
    ("GET", "/chat/api/messages"): _get("/chat/api/messages", expect({200, *NOT_2XX})),
    ("POST", "/chat/api/messages"): lambda w: [
        Probe("POST", "/chat/api/messages", expect(NOT_2XX), {"json": {}})
    ],
    # A file with no client_id is refused before anything is read, for everyone.
    ("POST", "/chat/api/files"): lambda w: [
        Probe("POST", "/chat/api/files", expect(NOT_2XX), {"content": b"x"})
    ],
    ("POST", "/webhooks/telegram"): lambda w: [
        Probe("POST", "/webhooks/telegram", expect(NOT_2XX), {"json": {"update_id": 1}})
    ],
    ("POST", "/webhooks/twilio/whatsapp"): lambda w: [
        Probe("POST", "/webhooks/twilio/whatsapp", expect(NOT_2XX), {"data": {"Body": "hi"}})
    ],
    ("POST", "/webhooks/twilio/status"): lambda w: [
        Probe("POST", "/webhooks/twilio/status", expect(NOT_2XX), {"data": {"MessageSid": "x"}})
    ],
    # console: sign-in plumbing
    ("MOUNT", "/console/static"): _get("/console/static/no-such-file.css", expect(404)),
    ("GET", "/console/"): _get("/console/", expect(303), follow_redirects=False),
    ("GET", "/console/login"): _get("/console/login", expect({200, 303})),
    ("POST", "/console/login"): lambda w: [
        Probe(
            "POST",
            "/console/login",
            # Every role's client shares one address: the sixth wrong try there is throttled.
            expect(NOT_2XX | {429}),
            {"data": {"username": "nobody.here", "password": "wrong password"}},
        )
    ],
    # Without the CSRF token: refused for everyone, so nobody is signed out or switched.
    ("POST", "/console/logout"): lambda w: [
        Probe("POST", "/console/logout", expect(403), {"csrf": False})
    ],
    ("POST", "/console/language"): lambda w: [
        Probe("POST", "/console/language", expect(403), {"csrf": False, "data": {"lang": "en"}})
    ],
    # console: pages by role
    ("GET", "/console/queue"): _get(
        "/console/queue", expect(403, anonymous=303, admin=200, verifier=200)
    ),
    ("GET", "/console/inbox"): _get(
        "/console/inbox", expect(403, anonymous=303, officer=200, head=200, other=200)
    ),
    ("GET", "/console/reports"): _get("/console/reports", PAGE_STAFF_OK),
    ("GET", "/console/reports/{code}"): _reads("/console/reports", PAGE_READ_PUPR, PAGE_READ_NEW),
    ("POST", "/console/reports/{code}/actions/{action}"): lambda w: [
        Probe(
            "POST",
            f"/console/reports/{w.code('pupr_anonymous')}/actions/answer",
            expect(403, anonymous=303, officer=422, head=422, other=404),
            {"data": {"text": BLANK}},
        ),
        Probe(
            "POST",
            f"/console/reports/{w.code('new_anonymous')}/actions/verify_forward",
            expect(404, anonymous=303, admin=422, verifier=422, manager=403),
            {"data": {"agency_code": "nope"}},
        ),
    ],
    # Merging a report into itself passes the role and agency checks and fails the rule (422);
    # unmerging a report that is not merged likewise. Other agencies do not see it (404).
    ("POST", "/console/reports/{code}/merge"): lambda w: [
        Probe(
            "POST",
            f"/console/reports/{w.code(name)}/merge",
            expected,
            {"data": {"into": w.code(name)}},
        )
        for name, expected in (
            ("pupr_anonymous", expect(422, anonymous=303, manager=403, other=404)),
            ("new_anonymous", expect(404, anonymous=303, admin=422, verifier=422, manager=403)),
        )
    ],
    ("POST", "/console/reports/{code}/unmerge"): lambda w: [
        Probe(
            "POST",
            f"/console/reports/{w.code(name)}/unmerge",
            expected,
            {"data": {"text": "x"}},
        )
        for name, expected in (
            ("pupr_anonymous", expect(422, anonymous=303, manager=403, other=404)),
            ("new_anonymous", expect(404, anonymous=303, admin=422, verifier=422, manager=403)),
        )
    ],
    ("POST", "/api/v1/reports/{code}/merge"): lambda w: [
        Probe(
            "POST",
            f"/api/v1/reports/{w.code(name)}/merge",
            expected,
            {"json": {"into": w.code(name)}},
        )
        for name, expected in (
            ("pupr_anonymous", expect(422, anonymous=401, manager=403, other=404)),
            ("new_anonymous", expect(404, anonymous=401, admin=422, verifier=422, manager=403)),
        )
    ],
    ("POST", "/api/v1/reports/{code}/unmerge"): lambda w: [
        Probe(
            "POST",
            f"/api/v1/reports/{w.code(name)}/unmerge",
            expected,
            {"json": {"reason": "x"}},
        )
        for name, expected in (
            ("pupr_anonymous", expect(422, anonymous=401, manager=403, other=404)),
            ("new_anonymous", expect(404, anonymous=401, admin=422, verifier=422, manager=403)),
        )
    ],
    # Assigning nobody-that-exists: the head passes the role check and fails the rule (422), an
    # officer may assign only themself (403), another agency does not see the report (404).
    ("POST", "/console/reports/{code}/assign"): lambda w: [
        Probe(
            "POST",
            f"/console/reports/{w.code('pupr_anonymous')}/assign",
            expect(403, anonymous=303, head=422, other=404),
            {"data": {"assignee": "999999"}},
        )
    ],
    ("GET", "/console/reports/{code}/attachments/{attachment_id}"): lambda w: [
        Probe(
            "GET",
            f"/console/reports/{w.code('pupr_anonymous')}/attachments/999999",
            expect(404, anonymous=303),
        )
    ],
    # Inserting a canned answer into a draft: agency staff of the report's agency only; with
    # nothing chosen they get the page back with the reason (422), another agency a 404.
    ("POST", "/console/reports/{code}/answer-draft"): lambda w: [
        Probe(
            "POST",
            f"/console/reports/{w.code('pupr_anonymous')}/answer-draft",
            expect(403, anonymous=303, officer=422, head=422, other=404),
            {"data": {"text": "draf", "canned_id": ""}},
        )
    ],
    # Canned answers: agency staff and admins read; a blank one passes the role check of the
    # head and the admin and fails the rule (422); officers may not write (403); an unknown id
    # is "not found" to everyone who may use the page.
    ("GET", "/console/canned"): _get("/console/canned", CANNED_PAGE),
    ("POST", "/console/canned"): lambda w: [
        Probe(
            "POST",
            "/console/canned",
            expect(403, anonymous=303, admin=422, head=422),
            {"data": {"title": BLANK, "body": "x"}},
        )
    ],
    ("GET", "/console/canned/{canned_id}"): _get("/console/canned/999999", CANNED_MISSING),
    ("POST", "/console/canned/{canned_id}"): lambda w: [
        Probe(
            "POST", "/console/canned/999999", CANNED_MISSING, {"data": {"title": "t", "body": "b"}}
        )
    ],
    ("POST", "/console/canned/{canned_id}/delete"): lambda w: [
        Probe("POST", "/console/canned/999999/delete", CANNED_MISSING)
    ],
    # Profile (issue 15, officers in chat): every account links its own chats; nothing of
    # anyone else's is reachable there. A signed photo link with a bad token is a 404 to all.
    ("GET", "/console/profile"): _get("/console/profile", expect(200, anonymous=303)),
    ("POST", "/console/profile/link"): lambda w: [
        Probe("POST", "/console/profile/link", expect(200, anonymous=303))
    ],
    ("POST", "/console/profile/unlink"): lambda w: [
        Probe("POST", "/console/profile/unlink", expect(303), {"data": {"channel": "telegram"}})
    ],
    ("GET", "/media/{token}"): _get("/media/not-a-signed-token", expect(404)),
    ("GET", "/console/dashboard"): _get("/console/dashboard", DASHBOARD),
    ("GET", "/console/dashboard.csv"): _get("/console/dashboard.csv", DASHBOARD),
    ("GET", "/console/dashboard.xlsx"): _get("/console/dashboard.xlsx", DASHBOARD),
    # console: admin page (staff accounts, agencies). The POSTs carry values that pass the role
    # check and then fail a rule (short password, no such account): 422/404 prove the admin got
    # through, 403 that nobody else did, and no account changes either way.
    ("GET", "/console/admin/staff"): _get("/console/admin/staff", ADMIN_ONLY),
    ("POST", "/console/admin/staff"): lambda w: [
        Probe(
            "POST",
            "/console/admin/staff",
            expect(403, anonymous=303, admin=422),
            {
                "data": {
                    "username": "matrix.new",
                    "full_name": "M",
                    "password": "short",
                    "role": "verifier",
                }
            },
        )
    ],
    ("POST", "/console/admin/staff/{user_id}/active"): lambda w: [
        Probe(
            "POST",
            "/console/admin/staff/999999/active",
            expect(403, anonymous=303, admin=404),
            {"data": {"active": "0"}},
        )
    ],
    ("POST", "/console/admin/staff/{user_id}/role"): lambda w: [
        Probe(
            "POST",
            "/console/admin/staff/999999/role",
            expect(403, anonymous=303, admin=404),
            {"data": {"role": "admin", "agency_code": ""}},
        )
    ],
    ("POST", "/console/admin/staff/{user_id}/password"): lambda w: [
        Probe(
            "POST",
            "/console/admin/staff/999999/password",
            expect(403, anonymous=303, admin=404),
            {"data": {"password": "a long enough password"}},
        )
    ],
    # REST API
    ("GET", "/api/v1/reports"): lambda w: [
        Probe("GET", "/api/v1/reports", API_STAFF_OK, {"params": {"limit": 100}}),
        Probe("GET", "/api/v1/reports", API_STAFF_OK, {"params": {"privacy": "confidential"}}),
        Probe("GET", "/api/v1/reports", API_STAFF_OK, {"params": {"agency": "pupr"}}),
    ],
    # The export: the list's access rule (an officer's file holds their agency's reports only:
    # tests/console/test_manager_reports.py checks the rows).
    ("GET", "/api/v1/reports/export"): lambda w: [
        Probe("GET", "/api/v1/reports/export", API_STAFF_OK, {"params": {"format": "csv"}}),
        Probe("GET", "/api/v1/reports/export", API_STAFF_OK, {"params": {"format": "xlsx"}}),
        Probe(
            "GET",
            "/api/v1/reports/export",
            API_STAFF_OK,
            {"params": {"privacy": "confidential", "agency": "pupr"}},
        ),
    ],
    ("GET", "/api/v1/reports/{code}"): _reads("/api/v1/reports", API_READ_PUPR, API_READ_NEW),
    ("GET", "/api/v1/agencies"): _get("/api/v1/agencies", API_STAFF_OK),
    ("GET", "/api/v1/canned-answers"): _get(
        "/api/v1/canned-answers", expect(403, anonymous=401, officer=200, head=200, other=200)
    ),
    ("GET", "/api/v1/statistics"): _get("/api/v1/statistics", API_STAFF_OK),
    **{("POST", f"/api/v1/reports/{{code}}/{a}"): _api_action(a) for a in API_ACTIONS},
    # Open311: public reads (confidential never), intake-only writes
    ("GET", "/open311/discovery.{fmt}"): lambda w: [
        Probe("GET", "/open311/discovery.json", PUBLIC_OK),
        Probe("GET", "/open311/discovery.xml", PUBLIC_OK),
    ],
    ("GET", "/open311/v2/services.{fmt}"): _get("/open311/v2/services.json", PUBLIC_OK),
    ("GET", "/open311/v2/services/{service_code}.{fmt}"): _get(
        "/open311/v2/services/pupr-complaint.json", PUBLIC_OK
    ),
    ("GET", "/open311/v2/requests.{fmt}"): lambda w: [
        Probe("GET", "/open311/v2/requests.json", PUBLIC_OK),
        Probe("GET", "/open311/v2/requests.xml", PUBLIC_OK),
        Probe(
            "GET",
            "/open311/v2/requests.json",
            PUBLIC_OK,
            {"params": {"service_request_id": ",".join(w.scenario.codes.values())}},
        ),
    ],
    ("GET", "/open311/v2/requests/{service_request_id}.{fmt}"): _reads(
        "/open311/v2/requests", PUBLIC_OK, PUBLIC_OK, ".json"
    ),
    ("POST", "/open311/v2/requests.{fmt}"): lambda w: [
        Probe(
            "POST",
            "/open311/v2/requests.json",
            expect(403, admin=201, verifier=201),
            {
                "data": {
                    "api_key": "{token}",
                    "service_code": "pupr-complaint",
                    "description": "Got",
                    "address_string": "Jl. Mawar",
                    "device_id": "d1",
                }
            },
            token_field="api_key",
        )
    ],
    # The tracking page: everyone, the same answer (and never the content of a confidential one)
    ("GET", "/t/{code}"): lambda w: (
        [Probe("GET", f"/t/{w.code(name)}", PUBLIC_OK) for name in sorted(w.scenario.codes)]
        + [Probe("GET", "/t/SW-0000-0000", expect(404))]
    ),
    # The public list: everyone, the same page (never a confidential report, never a reporter)
    ("GET", "/laporan"): _get("/laporan", PUBLIC_OK),
    ("GET", "/laporan/peta"): _get("/laporan/peta", PUBLIC_OK),
    ("GET", "/laporan/peta.geojson"): _get("/laporan/peta.geojson", PUBLIC_OK),
    # A photo by tracking code: the scenario's reports have none, so 404 for everyone, signed in
    # or not (staff see photos on the console, never through this door).
    ("GET", "/t/{code}/photos/{attachment_id}"): lambda w: [
        Probe("GET", f"/t/{w.code(name)}/photos/1", expect(404))
        for name in sorted(w.scenario.codes)
    ],
}

# The confidential and unverified reports are 404 on Open311 for everyone: fix those expectations.
_open311_one = RULES[("GET", "/open311/v2/requests/{service_request_id}.{fmt}")]


def _open311_reads(w: World) -> list[Probe]:
    probes = _open311_one(w)
    probes += [Probe("GET", p.url.replace(".json", ".xml"), p.expected) for p in probes]
    hidden = {w.code("pupr_confidential"), "SW-0000-0000"}
    for probe in probes:
        if any(code in probe.url for code in hidden):
            probe.expected = expect(404)
    return probes


RULES[("GET", "/open311/v2/requests/{service_request_id}.{fmt}")] = _open311_reads


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route, mounts as ("MOUNT", path); HEAD is GET's twin."""
    try:
        from fastapi.routing import iter_route_contexts

        routes: list[Any] = list(iter_route_contexts(app.routes))
    except ImportError:  # FastAPI before included routers became lazy
        routes = list(app.routes)
    found: set[tuple[str, str]] = set()
    for route in routes:
        methods = getattr(route, "methods", None)
        if not methods:
            found.add(("MOUNT", route.path))
            continue
        found |= {(m, route.path) for m in methods if m != "HEAD"}
    return found


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Access rules are SQL-free or plain WHEREs; the API tests run them on PostgreSQL too."""
    return sqlite_url


@pytest.fixture
def world(
    sessions: sessionmaker[Session], clock: SlaClock, staff_users: dict[str, StaffUser]
) -> World:
    return World(build_scenario(sessions, clock, staff_users), make_tokens(sessions, staff_users))


@pytest.fixture
def clients(app: FastAPI, staff_users: dict[str, StaffUser]) -> Iterator[dict[str, Any]]:
    """role -> (client signed in through the login form, its CSRF token)."""
    opened: dict[str, Any] = {}
    try:
        for role in ROLES:
            client = TestClient(app, follow_redirects=False)
            client.__enter__()
            if role != ANON:
                sign_in(client, role)
            opened[role] = (client, page_csrf(client))
        yield opened
    finally:
        for client, _ in opened.values():
            client.__exit__(None, None, None)


# -- tests ----------------------------------------------------------------------------------------


def test_every_route_has_a_rule(app: FastAPI) -> None:
    missing = sorted(app_routes(app) - RULES.keys())
    assert not missing, (
        f"routes without a rule in tests/console/test_matrix.py RULES: {missing}. "
        "Add one saying which roles get which status."
    )


def _leaks(role: str, text: str, scenario: Scenario) -> list[str]:
    found = [
        f"reporter of {name}"
        for name in HIDDEN_REPORTER[role]
        if any(s in text for s in scenario.identities[name])
    ]
    found += [
        f"content of {name}" for name in HIDDEN_CONTENT[role] if scenario.titles[name] in text
    ]
    return found


@pytest.mark.slow  # measured over 10 s on the 2-core machine (make test-fast skips it)
def test_role_and_privacy_matrix(
    app: FastAPI, world: World, clients: dict[str, tuple[TestClient, str]]
) -> None:
    failures: list[str] = []
    probes_run = 0
    for (method, path), rule in sorted(RULES.items()):
        if (method, path) not in app_routes(app):
            continue  # a rule for a route this app does not have (yet)
        for probe in rule(world):
            for role in ROLES:
                client, csrf = clients[role]
                kwargs = {k: v for k, v in probe.kwargs.items() if k != "csrf"}
                if probe.token_field:
                    data = dict(kwargs["data"])
                    data[probe.token_field] = world.tokens.get(role, "sw_not-a-token")
                    kwargs["data"] = data
                headers = {}
                if probe.method == "POST" and probe.kwargs.get("csrf", True):
                    headers["X-CSRF-Token"] = csrf
                response = client.request(probe.method, probe.url, headers=headers, **kwargs)
                probes_run += 1
                where = f"{role:14} {probe.method} {probe.url}"
                if response.status_code not in probe.expected[role]:
                    failures.append(
                        f"{where}: got {response.status_code}, "
                        f"expected {sorted(probe.expected[role])}: {response.text[:160]!r}"
                    )
                failures += [
                    f"{where}: leaks {leak}" for leak in _leaks(role, response.text, world.scenario)
                ]
    assert probes_run > 300
    assert not failures, "\n".join(failures)
