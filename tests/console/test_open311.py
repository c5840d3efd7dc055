"""Open311 GeoReport v2 through the real app (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from reports.enums import Channel, Privacy, Status
from reports.models import CitizenIdentity, Report
from reports.runtime import Runtime
from tests.console.api_support import Scenario
from webhooks.app import create_app

JSON = "application/json; charset=utf-8"
IDENTITY_FIELDS = {"email", "first_name", "last_name", "phone", "device_id", "account_id"}


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Plain filters on indexed columns; the API tests run the same SQL shapes on PostgreSQL."""
    return sqlite_url


def test_services_are_agency_by_type(client: TestClient) -> None:
    services = client.get("/open311/v2/services.json").json()
    codes = {s["service_code"] for s in services}
    assert {"pupr-complaint", "pupr-aspiration", "pupr-information_request"} <= codes
    assert not any(c.startswith("lainnya") or "." in c for c in codes)
    pupr = next(s for s in services if s["service_code"] == "pupr-complaint")
    assert pupr["service_name"].endswith(": pengaduan") and pupr["metadata"] is True
    english = client.get("/open311/v2/services.json", params={"lang": "en"}).json()
    assert next(s for s in english if s["service_code"] == "pupr-complaint")[
        "service_name"
    ].endswith(": complaint")
    definition = client.get("/open311/v2/services/pupr-complaint.json").json()
    assert [a["code"] for a in definition["attributes"]] == ["privacy"]
    # The first published codes (with a dot) still work, and answer with today's code.
    legacy = client.get("/open311/v2/services/pupr.complaint.json")
    assert legacy.status_code == 200 and legacy.json() == definition
    missing = client.get("/open311/v2/services/nope.json")
    assert missing.status_code == 404 and missing.headers["content-type"] == JSON
    assert missing.json() == [{"code": 404, "description": "no such service_code"}]


def test_list_shows_verified_non_confidential_reports_without_identity(
    client: TestClient, scenario: Scenario
) -> None:
    response = client.get("/open311/v2/requests.json")
    assert response.status_code == 200
    listed = {r["service_request_id"]: r for r in response.json()}
    c = scenario.codes
    assert set(listed) == {
        c["pupr_public"],
        c["pupr_anonymous"],
        c["other_public"],
        c["other_anonymous"],
    }
    for name, ids in scenario.identities.items():
        assert not any(s in response.text for s in ids), name
    doc = listed[c["pupr_anonymous"]]
    assert not IDENTITY_FIELDS & doc.keys()
    assert doc["status"] == "open" and doc["status_notes"] == "Sedang ditindaklanjuti instansi"
    assert doc["agency_responsible"] == "Dinas Pekerjaan Umum dan Penataan Ruang"
    assert doc["service_code"] == "pupr-complaint" and doc["lat"] == -6.2
    assert doc["expected_datetime"].endswith("T23:59:59+07:00")
    assert doc["requested_datetime"].endswith("+07:00")


def test_confidential_and_unverified(client: TestClient, scenario: Scenario) -> None:
    for name in ("pupr_confidential", "new_confidential"):
        code = scenario.codes[name]
        one = client.get(f"/open311/v2/requests/{code}.json")
        assert one.status_code == 404 and one.headers["content-type"] == JSON
        assert (
            client.get("/open311/v2/requests.json", params={"service_request_id": code}).json()
            == []
        )
    unknown = client.get("/open311/v2/requests/SW-0000-0000.json")
    hidden = client.get(f"/open311/v2/requests/{scenario.codes['pupr_confidential']}.json")
    assert unknown.content == hidden.content
    # Unverified: retrievable by its code (the citizen checks status), but without content.
    doc = client.get(f"/open311/v2/requests/{scenario.codes['new_anonymous']}.json").json()[0]
    assert doc["status_notes"] == "Menunggu verifikasi"
    assert doc["description"] is None and doc["lat"] is None and doc["agency_responsible"] is None
    assert doc["expected_datetime"] is not None
    english = client.get(
        f"/open311/v2/requests/{scenario.codes['new_anonymous']}.json", params={"lang": "en"}
    )
    assert english.json()[0]["status_notes"] == "Waiting for verification"


def test_xml_variants_say_the_same(client: TestClient, scenario: Scenario) -> None:
    from xml.etree import ElementTree

    as_json = client.get("/open311/v2/requests.json").json()
    response = client.get("/open311/v2/requests.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "service_requests"
    requests = root.findall("request")
    assert [r.findtext("service_request_id") for r in requests] == [
        d["service_request_id"] for d in as_json
    ]
    assert requests[0].findtext("status_notes") == as_json[0]["status_notes"]
    for name, ids in scenario.identities.items():
        assert not any(s in response.text for s in ids), name
    hidden = client.get(f"/open311/v2/requests/{scenario.codes['pupr_confidential']}.xml")
    assert hidden.status_code == 404 and hidden.headers["content-type"].startswith("text/xml")
    error = ElementTree.fromstring(hidden.content)
    assert error.tag == "errors" and error.findtext("error/code") == "404"
    services = ElementTree.fromstring(client.get("/open311/v2/services.xml").content)
    assert services.find("service/service_code") is not None
    definition = ElementTree.fromstring(
        client.get("/open311/v2/services/pupr-complaint.xml").content
    )
    assert [v.findtext("key") for v in definition.findall("attributes/attribute/values/value")] == [
        "public",
        "anonymous",
        "confidential",
    ]
    html = client.get("/open311/v2/requests.html")
    assert html.status_code == 400 and html.json()[0]["code"] == 400
    assert html.json()[0]["description"].startswith("format: ")


def test_filters(client: TestClient, scenario: Scenario) -> None:
    def ids(**params: str) -> set[str]:
        response = client.get("/open311/v2/requests.json", params=params)
        assert response.status_code == 200, response.text
        return {r["service_request_id"] for r in response.json()}

    c = scenario.codes
    assert ids(service_code="lingkungan-complaint") == {c["other_public"], c["other_anonymous"]}
    assert ids(service_code="lingkungan.complaint,pupr-aspiration") == {
        c["other_public"],
        c["other_anonymous"],
    }
    assert ids(service_code="pupr-aspiration") == set()
    assert ids(status="closed") == set()
    assert len(ids(status="open")) == 4
    assert ids(service_request_id=f"{c['pupr_public']},{c['new_public']}") == {c["pupr_public"]}
    first, second = ids(page_size="3"), ids(page_size="3", page="2")
    assert len(first) == 3 and len(second) == 1 and first | second == ids()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert ids(start_date=tomorrow) == set()
    assert len(ids(end_date=tomorrow)) == 4
    for params, status in (
        ({"start_date": "yesterday"}, 400),
        ({"status": "pending"}, 400),
        ({"service_code": "x.y"}, 400),
        ({"page_size": "1001"}, 400),
        ({"page_size": "many"}, 400),
        ({"page": "0"}, 400),
    ):
        response = client.get("/open311/v2/requests.json", params=params)
        assert response.status_code == status, params
        assert response.headers["content-type"] == JSON
        assert [e["code"] for e in response.json()] == [status]


def test_post_creates_a_report_for_the_verifier(
    client: TestClient, sessions: sessionmaker[Session], tokens: dict[str, str]
) -> None:
    form = {
        "api_key": tokens["verifier"],
        "service_code": "pupr.complaint",  # the first published form of pupr-complaint
        "description": "Trotoar rusak di depan kantor kecamatan <b>parah</b>",
        "lat": "-6.21",
        "long": "106.85",
        "email": "Warga@Example.ID",
        "first_name": "Siti",
        "phone": "+628123456789",
    }
    response = client.post("/open311/v2/requests.json", data=form)
    assert response.status_code == 201, response.text
    code = response.json()[0]["service_request_id"]
    with sessions() as db:
        report = db.scalar(select(Report).where(Report.tracking_code == code))
        assert report is not None
        assert report.status is Status.SUBMITTED and report.channel is Channel.WEB
        assert report.privacy is Privacy.ANONYMOUS and report.agency_id is None
        assert report.nlu_agency_code == "pupr" and report.nlu_type == "complaint"
        assert report.nlu_suggestions == {"source": "open311", "service_code": "pupr-complaint"}
        assert report.latitude == -6.21 and report.title.startswith("Trotoar rusak")
        identity = db.scalar(
            select(CitizenIdentity).where(CitizenIdentity.citizen_id == report.citizen_id)
        )
        assert identity is not None and identity.external_id == "open311:email:warga@example.id"
    # The same person again: same citizen; explicit privacy attribute honoured.
    again = client.post(
        "/open311/v2/requests.json",
        data={**form, "email": "warga@example.id", "attribute[privacy]": "confidential"},
    )
    assert again.status_code == 201
    with sessions() as db:
        second = db.scalar(
            select(Report).where(Report.tracking_code == again.json()[0]["service_request_id"])
        )
        assert second is not None and second.privacy is Privacy.CONFIDENTIAL
        assert second.citizen_id == report.citizen_id
    # Not listed (unverified), and never with the submitter's identity.
    listing = client.get("/open311/v2/requests.json")
    assert code not in listing.text and "warga@example.id" not in listing.text.lower()
    one = client.get(f"/open311/v2/requests/{code}.json")
    assert one.status_code == 200 and "Siti" not in one.text and "example" not in one.text


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"api_key": "sw_not-a-token"}, 403),
        ({"api_key": "manager"}, 403),  # read-only role
        ({"api_key": "officer"}, 403),  # agencies receive reports through verification
        ({"api_key": ""}, 403),
        ({"api_key": None}, 403),
        ({"api_key": None, "service_code": None}, 403),  # the key is checked first
        ({"service_code": "lainnya-complaint"}, 404),
        ({"service_code": "pupr-nope"}, 404),
        ({"service_code": None}, 400),
        ({"lat": None, "long": None}, 400),
        ({"long": None}, 400),
        ({"lat": "91"}, 400),
        ({"email": "not-an-email"}, 400),
        ({"attribute[privacy]": "secret"}, 400),
    ],
)
def test_post_refusals(
    client: TestClient, tokens: dict[str, str], change: dict[str, str | None], status: int
) -> None:
    form: dict[str, str | None] = {
        "api_key": tokens["verifier"],
        "service_code": "pupr-complaint",
        "description": "Lampu jalan mati",
        "lat": "-6.2",
        "long": "106.8",
        "email": "a@b.id",
    }
    form.update(change)
    if form["api_key"] in tokens:
        form["api_key"] = tokens[form["api_key"]]
    data = {k: v for k, v in form.items() if v is not None}
    response = client.post("/open311/v2/requests.json", data=data)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == JSON
    assert [e["code"] for e in response.json()] == [status]
    assert tokens["verifier"] not in response.text  # the key is never echoed
    assert "a@b.id" not in response.text
    as_xml = client.post("/open311/v2/requests.xml", data=data)
    assert as_xml.status_code == status and as_xml.headers["content-type"].startswith("text/xml")
    assert as_xml.content.startswith(b"<?xml") and b"<errors><error><code>" in as_xml.content


@pytest.mark.parametrize(
    "contact",
    [
        {},  # nobody to reach: the reporter chose that
        {"phone": "0812-3456-7890"},
        {"device_id": "device-7"},
        {"email": "Warga@Example.ID", "phone": "+62 812 3456 7890"},
    ],
)
def test_post_optional_fields(
    client: TestClient,
    sessions: sessionmaker[Session],
    tokens: dict[str, str],
    contact: dict[str, str],
) -> None:
    """The specification's optional fields are optional: no description, any or no contact, and
    the api_key in the query string (the ``open311`` client) instead of the body."""
    form = {"service_code": "lingkungan-aspiration", "address_string": "Taman Kota", **contact}
    response = client.post(
        "/open311/v2/requests.json", params={"api_key": tokens["verifier"]}, data=form
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == JSON
    created = response.json()[0]
    assert created["service_notice"].startswith("Laporan diterima")
    assert created["service_request_id"] in created["service_notice"]
    with sessions() as db:
        report = db.scalar(
            select(Report).where(Report.tracking_code == created["service_request_id"])
        )
        assert report is not None and report.body.endswith("dikirim lewat aplikasi mitra Open311)")
        identity = db.scalar(
            select(CitizenIdentity).where(CitizenIdentity.citizen_id == report.citizen_id)
        )
        assert identity is not None
        expected = {
            (): "open311:none:",
            ("phone",): "open311:phone:+6281234567890",
            ("device_id",): "open311:device:device-7",
            ("email", "phone"): "open311:email:warga@example.id",
        }[tuple(sorted(contact))]
        assert identity.external_id.startswith(expected)
    one = client.get(f"/open311/v2/requests/{created['service_request_id']}.json")
    assert one.status_code == 200
    assert not any(v.lower() in one.text.lower() for v in contact.values())
    again = client.post(
        "/open311/v2/requests.json", params={"api_key": tokens["verifier"]}, data=form
    )
    with sessions() as db:
        second = db.scalar(
            select(Report).where(Report.tracking_code == again.json()[0]["service_request_id"])
        )
        assert second is not None
        # A reachable reporter is one citizen across requests; an unreachable one is never
        # merged with another.
        assert (second.citizen_id == report.citizen_id) is bool(contact)


def test_discovery(client: TestClient) -> None:
    from xml.etree import ElementTree

    response = client.get("/open311/discovery.json")
    assert response.status_code == 200 and response.headers["content-type"] == JSON
    document = response.json()
    assert set(document) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = document["endpoints"]
    assert endpoint["url"] == "http://127.0.0.1:8000/open311/v2" and endpoint["type"] == "test"
    assert endpoint["formats"] == ["application/json", "text/xml"]
    assert document["changeset"].endswith("Z")
    root = ElementTree.fromstring(client.get("/open311/discovery.xml").content)
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "application/json",
        "text/xml",
    ]
    assert client.get("/open311/discovery.yaml").status_code == 400


def test_api_keeps_problem_json(client: TestClient) -> None:
    """Only /open311 speaks the GeoReport error list; the REST API keeps RFC 9457."""
    response = client.get("/api/v1/reports")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_configured_open311_key(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(
        update={"open311_api_keys": SecretStr("partner-one, partner-two")}
    )
    app = create_app(runtime=replace(runtime, settings=settings))
    form = {
        "service_code": "lingkungan.aspiration",
        "description": "Mohon tambah tempat sampah di taman kota",
        "address_string": "Taman Kota, Jl. Merdeka",
        "device_id": "device-42",
    }
    with TestClient(app) as client:
        ok = client.post("/open311/v2/requests.xml", data={**form, "api_key": "partner-two"})
        assert ok.status_code == 201, ok.text
        assert b"<service_requests><request><service_request_id>SW-" in ok.content
        bad = client.post("/open311/v2/requests.json", data={**form, "api_key": "partner"})
        assert bad.status_code == 403


def test_discovery_from_settings(runtime: Runtime) -> None:
    from config.settings import Open311Endpoint

    settings = runtime.settings.model_copy(
        update={
            "open311_contact": "open311@pemkot.example.go.id",
            "open311_changeset": datetime(2027, 1, 4, 9, 30, tzinfo=UTC),
            "open311_endpoints": [
                Open311Endpoint(url="https://lapor.example.go.id/open311/v2", type="production"),
                Open311Endpoint(
                    url="https://uji.example.go.id/open311/v2",
                    type="test",
                    changeset=datetime(2027, 2, 1, tzinfo=UTC),
                ),
            ],
        }
    )
    app = create_app(runtime=replace(runtime, settings=settings))
    with TestClient(app) as client:
        document = client.get("/open311/discovery.json").json()
    assert document["contact"] == "open311@pemkot.example.go.id"
    assert document["changeset"] == "2027-01-04T09:30:00Z"
    assert [(e["url"], e["type"], e["changeset"]) for e in document["endpoints"]] == [
        ("https://lapor.example.go.id/open311/v2", "production", "2027-01-04T09:30:00Z"),
        ("https://uji.example.go.id/open311/v2", "test", "2027-02-01T00:00:00Z"),
    ]
