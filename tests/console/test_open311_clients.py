"""The GeoReport v2 clients published on PyPI, against our app served by uvicorn on loopback.

``georeport`` 0.3.1, ``three`` 0.8.0, ``open311`` 1.1 and ``chicagorequests`` 0.0.5 are used as
they ship. ``three`` and ``open311`` are Python 2 code; the few lines below that let them run on
Python 3.11 are the smallest patches found, each one a Python 2 leftover and nothing about the
protocol:

- ``three``: ``itertools.ifilter`` (now ``filter``); ``dict.keys()[0]`` on the parsed XML; its XML
  parser ``relaxml`` calls ``Element.getchildren()`` (removed in Python 3.9).
- ``open311``: implicit relative imports (its folders are made importable by the names it uses);
  ``urlopen`` given a ``str`` body (encoded here); ``getchildren()`` again in its ``xml2dict``.

Client bugs that are not Python 2 leftovers are worked around where they are hit, not patched:
``open311`` asks for ``service/<code>`` (singular) and parses JSON lists as if they were its XML
dicts, so those calls go through its generic ``call_api``; ``chicagorequests`` has Chicago's URL
built in (its class attribute is pointed at our server) and retries a 4xx for minutes (set to 0).

Every answer is checked against the specification's shapes, and no contact a client sent ever
appears in a public response, even once its report is verified and its content is public.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import itertools
import json
import sys
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from xml.etree import ElementTree

import chicagorequests
import georeport
import httpx
import pytest
import requests
import xmltodict
from click.testing import CliRunner
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from reports import lookups, staff_cases
from reports.actor import Actor
from reports.enums import Channel, Privacy, ReportType, Status
from reports.models import CitizenIdentity, Report, StaffUser
from reports.runtime import Runtime
from tests import factories
from tests.channels.fakes.server import ThreadedServer
from tests.console.api_support import Scenario
from tests.processes import free_port
from webhooks.app import create_app

# Real clients / property-based runs: minutes on the 2-core machine (make test-fast skips them).
pytestmark = pytest.mark.slow

# -- the specification's shapes (https://wiki.open311.org/GeoReport_v2) ---------------------------

SERVICE = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
DEFINITION = {"service_code", "attributes"}
ATTRIBUTE = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
}
REQUEST = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
CREATED = {"service_request_id", "service_notice", "account_id"}
ERROR = {"code", "description"}
DISCOVERY = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT = {"specification", "url", "changeset", "type", "formats"}
FORMATS = ("json", "xml")
PARTNER_KEY = "partner-key-for-tests"
#: Verified public reports besides the scenario's: more than the old default page (100), so a
#: client that does not page shows the default of 1000; chicagorequests' test asks for more than
#: its page of 200.
EXTRA_REPORTS = 105
CHICAGO_EXTRA_REPORTS = 205


def as_list(value: Any) -> list[Any]:
    """XML parsers give one child as a dict and several as a list."""
    if value is None or value == {}:
        return []
    return value if isinstance(value, list) else [value]


def check_service(doc: dict[str, Any]) -> None:
    assert set(doc) == SERVICE, doc
    assert "." not in doc["service_code"]
    assert str(doc["metadata"]).lower() == "true" and doc["type"] == "realtime"


def check_definition(doc: dict[str, Any], code: str) -> None:
    assert set(doc) == DEFINITION and doc["service_code"] == code
    attributes = doc["attributes"]
    attribute = as_list(attributes.get("attribute") if isinstance(attributes, dict) else attributes)
    (privacy,) = attribute
    assert set(privacy) == ATTRIBUTE and privacy["code"] == "privacy"
    values = privacy["values"]
    values = as_list(values.get("value") if isinstance(values, dict) else values)
    assert [v["key"] for v in values] == ["public", "anonymous", "confidential"]


def check_request(doc: dict[str, Any]) -> None:
    assert set(doc) == REQUEST, doc
    assert doc["status"] in ("open", "closed")
    for field in ("requested_datetime", "updated_datetime"):
        assert datetime.fromisoformat(doc[field]).utcoffset() is not None, doc[field]


def check_created(doc: dict[str, Any]) -> str:
    assert set(doc) == CREATED, doc
    assert doc["service_request_id"].startswith("SW-")
    assert doc["service_request_id"] in doc["service_notice"]
    return str(doc["service_request_id"])


def check_errors(docs: list[dict[str, Any]], status: int) -> None:
    assert docs, "an error list is never empty"
    for doc in docs:
        assert set(doc) == ERROR and int(doc["code"]) == status and doc["description"]


def check_discovery(doc: dict[str, Any], base: str) -> dict[str, Any]:
    assert set(doc) == DISCOVERY
    endpoints = doc["endpoints"]
    (endpoint,) = as_list(endpoints.get("endpoint") if isinstance(endpoints, dict) else endpoints)
    assert set(endpoint) == ENDPOINT and endpoint["url"] == f"{base}/open311/v2"
    assert endpoint["type"] == "test"
    formats = endpoint["formats"]
    formats = as_list(formats.get("format") if isinstance(formats, dict) else formats)
    assert formats == ["application/json", "text/xml"]
    return dict(endpoint)


# -- the server and its data -----------------------------------------------------------------------


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def listed(
    request: pytest.FixtureRequest,
    sessions: sessionmaker[Session],
    clock: SlaClock,
    staff_users: dict[str, StaffUser],
    scenario: Scenario,
) -> set[str]:
    """Every tracking code a list should show: the scenario's public ones and the extra ones."""
    now = datetime.now(UTC) - timedelta(hours=2)
    codes = {scenario.codes[n] for n in scenario.codes if n.startswith(("pupr_", "other_"))}
    codes -= {scenario.codes["pupr_confidential"]}
    with sessions() as db, db.begin():
        citizen = factories.citizen(db, now, Channel.TELEGRAM, "tg-extra-reporter")
        for n in range(getattr(request, "param", EXTRA_REPORTS)):
            report = factories.report(
                db,
                clock,
                now,
                who=citizen,
                report_type=ReportType.ASPIRATION if n % 2 else ReportType.COMPLAINT,
                title=f"Usulan taman {n}",
                body=f"Usulan taman nomor {n}",
                location_text="Jl. Kenanga",
            )
            factories.forward(db, clock, report, staff_users["verifier"], now, "lingkungan")
            codes.add(report.tracking_code)
    return codes


@pytest.fixture
def base(runtime: Runtime) -> Iterator[str]:
    """Our app under uvicorn on a free loopback port; its discovery names that address."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = runtime.settings.model_copy(
        update={"public_base_url": url, "open311_api_keys": SecretStr(PARTNER_KEY)}
    )
    served = replace(runtime, settings=settings)
    app = create_app(runtime=served)
    app.state.runtime = served  # the helper runs uvicorn without the lifespan that sets it
    with ThreadedServer(app, port=port):
        yield url


def posted(sessions: sessionmaker[Session], code: str) -> tuple[Report, str]:
    with sessions() as db:
        report = db.scalar(select(Report).where(Report.tracking_code == code))
        assert report is not None
        identity = db.scalar(
            select(CitizenIdentity).where(CitizenIdentity.citizen_id == report.citizen_id)
        )
        assert identity is not None
        db.expunge(report)
        return report, identity.external_id


# -- every optional combination of a POST ------------------------------------------------------

CONTACTS: list[dict[str, str]] = [
    {},
    {"phone": "0812-5550-{n:04d}"},
    {"email": "siti.{n}@contoh.id"},
    {"device_id": "hp-rahasia-{n}"},
    {
        "email": "budi.{n}@contoh.id",
        "phone": "+62 813 5550 {n:04d}",
        "first_name": "Budi{n}",
        "last_name": "Santoso{n}",
        "account_id": "akun-{n}",
    },
]
LOCATIONS: list[dict[str, str]] = [
    {"lat": "-6.21", "long": "106.85"},
    {"address_string": "Jl. Mawar 3"},
    {"address_id": "RT05-RW02"},
]
DESCRIPTIONS: list[str | None] = [None, "Lampu jalan mati sejak Senin"]


def combinations(start: int) -> Iterator[tuple[int, dict[str, str], str]]:
    """(n, form fields, expected identity prefix) for each contact x location x description."""
    combos = itertools.product(CONTACTS, LOCATIONS, DESCRIPTIONS)
    for n, (contact, location, description) in enumerate(combos, start):
        fields = {k: v.format(n=n) for k, v in contact.items()} | location
        if description is not None:
            fields["description"] = f"{description} ({n})"
        if n % 3 == 0:
            fields["attribute[privacy]"] = "public"
        if n % 4 == 0:
            fields["media_url"] = f"https://foto.contoh.id/{n}.jpg"
        if "email" in fields:
            expected = f"open311:email:{fields['email']}"
        elif "device_id" in fields:
            expected = f"open311:device:{fields['device_id']}"
        elif "phone" in fields:
            expected = "open311:phone:+62"
        else:
            expected = "open311:none:"
        yield n, fields, expected


def check_stored(
    sessions: sessionmaker[Session], code: str, fields: dict[str, str], expected: str
) -> None:
    report, external_id = posted(sessions, code)
    assert external_id.startswith(expected), (external_id, expected)
    assert report.status is Status.SUBMITTED and report.nlu_type in ("complaint", "aspiration")
    assert report.privacy is (
        Privacy.PUBLIC if "attribute[privacy]" in fields else Privacy.ANONYMOUS
    )
    if "description" in fields:
        assert report.body == fields["description"]
    else:
        assert "Open311" in report.body  # the verifier learns what it is and where it came from
    assert report.location_text == (fields.get("address_string") or fields.get("address_id"))


def contacts_of(fields: dict[str, str]) -> list[str]:
    keys = ("email", "phone", "device_id", "first_name", "last_name", "account_id")
    return [fields[k] for k in keys if k in fields]


def assert_contacts_private(
    base: str,
    sessions: sessionmaker[Session],
    clock: SlaClock,
    staff_users: dict[str, StaffUser],
    created: dict[str, dict[str, str]],
) -> None:
    """Verify the posted reports (their content becomes public) and read every public document."""
    now = datetime.now(UTC)
    with sessions() as db, db.begin():
        verifier = Actor.staff(db.merge(staff_users["verifier"]))
        for code in created:
            report = lookups.get_report(db, code, for_update=True)
            staff_cases.verify_and_forward(
                db, clock=clock, report=report, actor=verifier, agency_code="pupr", now=now
            )
    secrets = [s for fields in created.values() for s in contacts_of(fields)]
    assert secrets
    with httpx.Client(base_url=base) as http:
        bodies = [http.get(f"/open311/v2/requests.{fmt}").text for fmt in FORMATS]
        bodies += [
            http.get(f"/open311/v2/requests/{code}.{fmt}").text
            for code in created
            for fmt in FORMATS
        ]
    described = [f["description"] for f in created.values() if "description" in f]
    assert any(d in bodies[0] for d in described)  # the content is public now
    for body in bodies:
        leaked = [s for s in secrets if s.lower() in body.lower()]
        assert not leaked, leaked


# -- georeport 0.3.1 -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_georeport(base: str, listed: set[str], scenario: Scenario, fmt: str) -> None:
    """georeport has no POST: services, definitions, lists (it never pages), filters, errors."""
    client = georeport.GeoReport(f"{base}/open311/v2", output_format=fmt)
    services = client.get_service_list()
    for doc in services:
        check_service(doc)
    assert "pupr-complaint" in {s["service_code"] for s in services}
    check_definition(client.get_service_definition("pupr-complaint"), "pupr-complaint")
    check_definition(client.get_service_definition("pupr.complaint"), "pupr-complaint")

    everything = as_list(client.get_service_requests())
    for doc in everything:
        check_request(doc)
    # No paging in this client: the specification's first 1000 hold them all.
    assert {d["service_request_id"] for d in everything} == listed
    requested = [datetime.fromisoformat(d["requested_datetime"]) for d in everything]
    assert requested == sorted(requested, reverse=True)

    def ids(**filters: str) -> set[str]:
        try:
            found = client.get_service_requests(**filters)
        except TypeError:
            # The client's XML mode reads an empty <service_requests/> as None["request"].
            assert fmt == "xml"
            found = []
        return {d["service_request_id"] for d in as_list(found)}

    c = scenario.codes
    assert ids(service_code="pupr-complaint") == {c["pupr_public"], c["pupr_anonymous"]}
    assert ids(service_code="pupr.complaint,pupr-aspiration") == {
        c["pupr_public"],
        c["pupr_anonymous"],
    }
    assert ids(status="closed") == set() and ids(status="open,closed") == listed
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=tomorrow) == set()
    assert ids(end_date=tomorrow) == listed
    assert ids(service_request_id=f"{c['pupr_public']},{c['pupr_confidential']}") == {
        c["pupr_public"]
    }
    one = client.get_service_request(c["pupr_anonymous"])
    check_request(one)
    assert one["service_code"] == "pupr-complaint"

    probes: tuple[tuple[Callable[[], object], int], ...] = (
        (lambda: client.get_service_definition("nope"), 404),
        (lambda: client.get_service_request(c["pupr_confidential"]), 404),
        (lambda: client.get_service_requests(status="pending"), 400),
        (lambda: client.get_service_requests(start_date="yesterday"), 400),
    )
    for call, status in probes:
        with pytest.raises(requests.HTTPError) as raised:
            call()
        response = raised.value.response
        assert response is not None
        assert response.status_code == status
        if fmt == "json":
            assert response.headers["content-type"] == "application/json; charset=utf-8"
            check_errors(response.json(), status)
        else:
            check_errors(as_list(xmltodict.parse(response.content)["errors"]["error"]), status)


# -- three 0.8.0 ---------------------------------------------------------------------------------


class _Element(ElementTree.Element):
    """An element with Python 2's ``getchildren()``."""

    def getchildren(self) -> list[ElementTree.Element]:
        return list(self)


class _ElementTreeWithGetchildren:
    """What old XML-to-dict helpers import as ``etree``/``ET``: only ``fromstring`` is used."""

    @staticmethod
    def fromstring(text: str | bytes) -> ElementTree.Element:
        parser = ElementTree.XMLParser(target=ElementTree.TreeBuilder(element_factory=_Element))
        parser.feed(text)
        return parser.close()


class _Py2Keys(dict[str, Any]):
    """A dict whose ``keys()`` is a list, as Python 2's was (``three`` indexes it)."""

    def keys(self) -> list[str]:  # type: ignore[override]
        return list(super().keys())


@pytest.fixture
def three(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setattr(itertools, "ifilter", filter, raising=False)
    monkeypatch.delenv("OPEN311_API_KEY", raising=False)
    monkeypatch.delenv("OPEN311_CITY_INFO", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in old regular expressions
        module = importlib.import_module("three")
        relaxml = importlib.import_module("relaxml.converter")
    monkeypatch.setattr(relaxml, "etree", _ElementTreeWithGetchildren)
    monkeypatch.setattr(module.core, "xml", lambda data: _Py2Keys(relaxml.xml(data)))
    return module


def _three_list(data: Any, fmt: str, item: str) -> list[dict[str, Any]]:
    # three's XML: the root's content, e.g. {"request": [...]} for <service_requests>.
    return as_list(data.get(item)) if fmt == "xml" else list(data)


@pytest.mark.parametrize("fmt", FORMATS)
def test_three(
    base: str,
    listed: set[str],
    scenario: Scenario,
    tokens: dict[str, str],
    sessions: sessionmaker[Session],
    clock: SlaClock,
    staff_users: dict[str, StaffUser],
    three: ModuleType,
    fmt: str,
) -> None:
    """Discovery, services, lists with filters and paging, POSTs as its README shows them."""
    discovered = three.Three(discovery=f"{base}/open311/discovery.{fmt}", format=fmt).discovery()
    endpoint = check_discovery(discovered["discovery"] if fmt == "xml" else discovered, base)
    client = three.Three(endpoint["url"], format=fmt, api_key=tokens["verifier"])

    services = _three_list(client.services(), fmt, "service")
    for doc in services:
        check_service(doc)
    definition = client.services("pupr-complaint")
    if fmt == "xml":
        definition = {k: v for k, v in definition.items()}
    check_definition(definition, "pupr-complaint")

    everything = _three_list(client.requests(), fmt, "request")
    for doc in everything:
        check_request({k: (v if v != {} else None) for k, v in doc.items()})
    assert {d["service_request_id"] for d in everything} == listed

    pages = [_three_list(client.requests(count=50, page=p), fmt, "request") for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [50, 50, len(listed) - 100]
    assert {d["service_request_id"] for p in pages for d in p} == listed
    c = scenario.codes
    by_code = _three_list(client.requests("lingkungan-complaint"), fmt, "request")
    assert {c["other_public"], c["other_anonymous"]} <= {d["service_request_id"] for d in by_code}
    today = datetime.now(UTC)
    window = (
        (today - timedelta(days=3)).strftime("%m-%d-%Y"),
        (today + timedelta(days=1)).strftime("%m-%d-%Y"),
    )
    between = _three_list(client.requests(between=window, status="open"), fmt, "request")
    assert {d["service_request_id"] for d in between} == listed
    one = _three_list(client.request(c["pupr_public"]), fmt, "request")
    assert [d["service_request_id"] for d in one] == [c["pupr_public"]]

    # The README's own call: a name, a phone, no e-mail and no device id.
    data = client.post(
        "pupr-complaint",
        address="Jl. Melati 12",
        name="Zach Williams",
        phone="555-5555",
        description="Lubang besar di jalan",
    )
    assert client.post_response.status_code == 201, client.post_response.text
    created: dict[str, dict[str, str]] = {}
    (doc,) = _three_list(data, fmt, "request")
    code = check_created({k: (v if v != {} else None) for k, v in doc.items()})
    readme = {"address_string": "Jl. Melati 12", "description": "Lubang besar di jalan"}
    check_stored(sessions, code, readme, "open311:phone:")
    created[code] = {"first_name": "Zach", "last_name": "Williams", "phone": "555-5555", **readme}

    # With a photo, as its README shows: a multipart body (the file itself is not kept).
    data = client.post(
        "pupr-complaint", address="Jl. Melati 14", media=io.BytesIO(b"\x89PNG fake photo")
    )
    assert client.post_response.status_code == 201, client.post_response.text
    assert client.post_response.request.headers["content-type"].startswith("multipart/form-data")
    (doc,) = _three_list(data, fmt, "request")
    check_created({k: (v if v != {} else None) for k, v in doc.items()})

    start = 1000 if fmt == "json" else 2000
    for _n, fields, expected in combinations(start):
        three_fields = dict(fields)
        if "address_string" in three_fields:
            three_fields["address"] = three_fields.pop("address_string")
        if "first_name" in three_fields:
            names = (three_fields.pop("first_name"), three_fields.pop("last_name"))
            three_fields["name"] = " ".join(names)  # three splits it on the space
        data = client.post("pupr-complaint", **three_fields)
        assert client.post_response.status_code == 201, (fields, client.post_response.text)
        (doc,) = _three_list(data, fmt, "request")
        code = check_created({k: (v if v != {} else None) for k, v in doc.items()})
        check_stored(sessions, code, fields, expected)
        created[code] = fields

    # Errors come back as data in this client: the specification's list, in the asked format.
    def error_list(result: Any) -> list[dict[str, Any]]:
        return as_list(result.get("error")) if fmt == "xml" else list(result)

    location = {"address": "Jl. Melati 1"}
    for post_kwargs, status in (
        ({"api_key": "sw_wrong", **location}, 403),
        ({"api_key": "", **location}, 403),
        ({"api_key": tokens["manager"], **location}, 403),
        ({"description": "tanpa lokasi"}, 400),
        ({"lat": "-6.2", **location}, 400),
    ):
        result = client.post("pupr-complaint", **post_kwargs)
        assert client.post_response.status_code == status, post_kwargs
        check_errors(error_list(result), status)
        assert tokens["verifier"] not in client.post_response.text
    result = client.post("lainnya-complaint", **location)
    assert client.post_response.status_code == 404
    check_errors(error_list(result), 404)
    result = client.services("nope")
    assert client._request.status_code == 404
    check_errors(error_list(result), 404)
    result = client.requests(count=5000)
    assert client._request.status_code == 400
    check_errors(error_list(result), 400)
    # A format we do not speak: three hands back the bytes; they are the JSON error list.
    raw = three.Three(endpoint["url"], format="yaml").services()
    check_errors(json.loads(raw), 400)

    assert_contacts_private(base, sessions, clock, staff_users, created)


# -- open311 1.1 ---------------------------------------------------------------------------------


@pytest.fixture
def open311(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The ``open311`` package's modules, imported by the names its Python 2 code uses."""
    spec = importlib.util.find_spec("open311")
    assert spec is not None and spec.origin is not None
    package = Path(spec.origin).parent
    before = set(sys.modules)
    # ``from object_dict import ...`` and ``from xml2dict import ...`` (implicit relative imports)
    monkeypatch.syspath_prepend(str(package / "api" / "xml2dict"))
    monkeypatch.syspath_prepend(str(package / "api"))
    # ``from api import API`` in both open311.py and api/__init__.py (which imports itself)
    api = ModuleType("api")
    api.__path__ = [str(package / "api")]
    monkeypatch.setitem(sys.modules, "api", api)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in old regular expressions
        api_module = importlib.import_module("api.api")
        api.API = api_module.API  # type: ignore[attr-defined]
        loader_spec = importlib.util.spec_from_file_location("open311_py2", package / "open311.py")
        assert loader_spec is not None and loader_spec.loader is not None
        module = importlib.util.module_from_spec(loader_spec)
        loader_spec.loader.exec_module(module)
    monkeypatch.setattr(sys.modules["xml2dict.xml2dict"], "ET", _ElementTreeWithGetchildren)

    def urlopen(url: str, data: str | bytes | None = None) -> Any:
        body = data.encode() if isinstance(data, str) else data  # Python 2 sent str
        return urllib.request.urlopen(url, body, timeout=30)

    monkeypatch.setattr(module, "urlopen", urlopen)
    monkeypatch.setattr(api_module, "urlopen", urlopen)
    yield module
    for name in set(sys.modules) - before - {"api"}:  # monkeypatch takes "api" back
        del sys.modules[name]


@pytest.mark.parametrize("fmt", FORMATS)
def test_open311(
    base: str,
    listed: set[str],
    scenario: Scenario,
    tokens: dict[str, str],
    sessions: sessionmaker[Session],
    clock: SlaClock,
    staff_users: dict[str, StaffUser],
    open311: ModuleType,
    fmt: str,
) -> None:
    """POSTs with the api_key in the query string; reads in both formats; errors as it sees them."""
    client = open311.Open311(
        endpoint=f"{base}/open311/v2", format=fmt, api_key=PARTNER_KEY, jurisdiction="kota"
    )

    def get(path: str, **params: str) -> Any:
        # service/<code> (singular) and parsing JSON lists as XML dicts are this client's bugs.
        return client.call_api(f"{path}.{fmt}", jurisdiction_id="kota", **params)

    def items(data: Any, item: str) -> list[dict[str, Any]]:
        return as_list(next(iter(data.values())).get(item)) if fmt == "xml" else list(data)

    # service_list() asks for services.xml whatever the format
    services = client.service_list() if fmt == "xml" else get("services")
    for doc in services:
        check_service(doc)
    definition = get("services/pupr-complaint")
    check_definition(
        definition["service_definition"] if fmt == "xml" else definition, "pupr-complaint"
    )

    everything = client.service_requests() if fmt == "xml" else get("requests")
    for doc in everything:
        check_request(doc)
    assert {d["service_request_id"] for d in everything} == listed
    page = items(get("requests", page_size="10", page="2"), "request")
    assert len(page) == 10 and {d["service_request_id"] for d in page} < listed
    c = scenario.codes
    one = items(client.get_service_request(c["other_anonymous"]), "request")
    assert [d["service_code"] for d in one] == ["lingkungan-complaint"]
    filtered = items(get("requests", service_code="lingkungan.complaint", status="open"), "request")
    assert {c["other_public"], c["other_anonymous"]} <= {d["service_request_id"] for d in filtered}

    created: dict[str, dict[str, str]] = {}
    start = 3000 if fmt == "json" else 4000
    for _n, fields, expected in combinations(start):
        data = client.post_service_request(service_code="lingkungan-aspiration", **fields)
        (doc,) = items(data, "request")
        code = check_created(doc)
        check_stored(sessions, code, fields, expected)
        created[code] = fields

    def refused(client: Any, **fields: str) -> tuple[int, list[dict[str, Any]]]:
        with pytest.raises(urllib.error.HTTPError) as raised:
            client.post_service_request(**fields)
        error = raised.value
        data = client._format_data(fmt, error.read())
        error.close()
        return error.code, items(data, "error")

    location = {"address_string": "Jl. Anggrek 2"}
    stranger = open311.Open311(endpoint=f"{base}/open311/v2", format=fmt, api_key="wrong")
    keyless = open311.Open311(endpoint=f"{base}/open311/v2", format=fmt)
    officer = open311.Open311(endpoint=f"{base}/open311/v2", format=fmt, api_key=tokens["officer"])
    for who, fields, status in (
        (stranger, {"service_code": "pupr-complaint", **location}, 403),
        (keyless, {"service_code": "pupr-complaint", **location}, 403),
        (officer, {"service_code": "pupr-complaint", **location}, 403),
        (client, {"service_code": "nope", **location}, 404),
        (client, {"service_code": "pupr-complaint"}, 400),
        (client, {**location}, 400),  # no service_code
        (client, {"service_code": "pupr-complaint", "lat": "95", "long": "1", **location}, 400),
        (client, {"service_code": "pupr-complaint", "email": "bukan-email", **location}, 400),
    ):
        got, errors = refused(who, **fields)
        assert got == status, fields
        check_errors(errors, status)
    with pytest.raises(urllib.error.HTTPError) as raised:
        client.get_service_request(c["pupr_confidential"])
    assert raised.value.code == 404
    check_errors(items(client._format_data(fmt, raised.value.read()), "error"), 404)
    raised.value.close()

    assert_contacts_private(base, sessions, clock, staff_users, created)


# -- chicagorequests 0.0.5 -----------------------------------------------------------------------


@pytest.mark.parametrize("listed", [CHICAGO_EXTRA_REPORTS], indirect=True)
def test_chicagorequests(
    base: str, listed: set[str], scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its command line as a user runs it: a day at a time, pages of 200, JSON lines out."""
    monkeypatch.setattr(chicagorequests.Downloader, "BASE_URL", f"{base}/open311/v2/requests.json")
    today = datetime.now(UTC).date()
    result = CliRunner().invoke(
        chicagorequests.main,
        ["-s", (today - timedelta(days=3)).isoformat(), "-e", today.isoformat()],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    for doc in lines:
        check_request(doc)
    # More than 200 were filed on one day: that day took two pages.
    assert {d["service_request_id"] for d in lines} == listed
    assert len(lines) == len(listed)

    # An unknown request type is a 400 with the error list; the client warns and goes on.
    downloader = chicagorequests.Downloader(request_type=["nope"])
    downloader.session.retry_attempts = 0
    start = datetime.now(UTC) - timedelta(days=1)
    with pytest.warns(UserWarning, match="Could not load"):
        assert downloader((start, datetime.now(UTC))) == []
    response = requests.get(
        chicagorequests.Downloader.BASE_URL,
        params=downloader.prepare_args(start, datetime.now(UTC), 200),
        timeout=30,
    )
    assert response.status_code == 400
    check_errors(response.json(), 400)
