"""Photos, PDFs and shared locations through the web chat's real HTTP endpoints.

They must reach the report flow exactly as Telegram's and WhatsApp's do: stored attachments
(type decided by the bytes, size capped) and an ``InboundMessage`` of kind location.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.webchat import UPLOAD_LIMIT
from reports.models import Attachment, Report
from reports.runtime import Runtime
from tests.bot.test_webchat import STORY, Browser, app, runtime  # noqa: F401 (fixtures)

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db40000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(app) as c:
        c.get("/chat")
        yield c


def _upload(client: TestClient, data: bytes, content_type: str, name: str, client_id: str) -> Any:
    return client.post(
        "/chat/api/files",
        params={"client_id": client_id, "name": name},
        content=data,
        headers={"Content-Type": content_type},
    )


def _attachments(runtime: Runtime, report_id: int) -> list[tuple[str, str]]:  # noqa: F811
    with runtime.sessions() as db:
        rows = db.execute(
            select(Attachment.content_type, Attachment.filename).where(
                Attachment.report_id == report_id
            )
        ).all()
    return sorted((c, f) for c, f in rows)


def test_photo_pdf_and_location_end_up_on_the_report(
    client: TestClient,
    runtime: Runtime,  # noqa: F811
) -> None:
    b = Browser(client)
    b.say(STORY)
    located = b.post(latitude=-6.200123, longitude=106.816654)
    assert located["duplicate"] is False
    reply = b.fetch()
    assert reply, "the location got a reply"
    photo = _upload(client, PNG, "image/png", "lubang.png", "f1")
    assert photo.status_code == 200 and photo.json()["accepted"] is True
    assert b.fetch(), "the photo got a reply"
    # Declared as an image by the phone, but the bytes are a PDF: the bytes decide.
    pdf = _upload(client, PDF, "image/jpeg", "surat.pdf", "f2")
    assert pdf.status_code == 200 and pdf.json()["accepted"] is True
    replies = b.fetch()
    code = None
    for _ in range(5):  # answer the flow's questions with its own buttons until the receipt
        found = [re.search(r"SW-[0-9A-Z]{4}-[0-9A-Z]{4}", m["text"]) for m in replies]
        code = next((f.group(0) for f in found if f), None)
        if code:
            break
        offered = [x["data"] for m in replies for x in m.get("buttons") or []]
        choice = next((c for c in ("done", "priv:public", "confirm:send") if c in offered), None)
        assert choice is not None, replies
        replies = b.press(choice)
    receipt = replies
    assert code is not None, receipt
    assert f"/t/{code}" in " ".join(m["text"] for m in receipt)  # the tracking link
    with runtime.sessions() as db:
        report = db.scalar(select(Report).where(Report.tracking_code == code))
        assert report is not None
        assert (round(report.latitude or 0, 6), round(report.longitude or 0, 6)) == (
            -6.200123,
            106.816654,
        )
        report_id = report.id
    assert _attachments(runtime, report_id) == [
        ("application/pdf", "surat.pdf"),
        ("image/png", "lubang.png"),
    ]


def test_a_file_that_is_not_what_it_claims_is_refused_politely(
    client: TestClient,
    runtime: Runtime,  # noqa: F811
) -> None:
    b = Browser(client)
    b.say(STORY)
    with runtime.sessions() as db:
        before = db.scalar(select(Attachment.id).order_by(Attachment.id.desc()).limit(1))
    fake = _upload(client, b"<html><script>alert(1)</script>", "application/pdf", "x.pdf", "z1")
    assert fake.status_code == 200 and fake.json()["accepted"] is False
    replies = b.fetch()
    assert any("PDF" in m["text"] or "JPEG" in m["text"] for m in replies), replies
    with runtime.sessions() as db:
        after = db.scalar(select(Attachment.id).order_by(Attachment.id.desc()).limit(1))
    assert after == before  # nothing stored


def test_too_large_empty_and_resent_uploads(client: TestClient) -> None:
    big = _upload(client, b"\xff\xd8\xff" + b"0" * UPLOAD_LIMIT, "image/jpeg", "big.jpg", "b1")
    assert big.status_code == 413
    assert _upload(client, b"", "image/png", "empty.png", "e1").status_code == 422
    assert _upload(client, PNG, "image/png", "a.png", "bad id!").status_code == 422
    first = _upload(client, PNG, "image/png", "a.png", "same")
    again = _upload(client, PNG, "image/png", "a.png", "same")
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True


@pytest.mark.parametrize(
    "body",
    [
        {"latitude": -6.2},
        {"longitude": 106.8},
        {"latitude": 91, "longitude": 106.8},
        {"latitude": -6.2, "longitude": 181},
        {"latitude": "nan", "longitude": 1},
    ],
)
def test_bad_locations_are_a_clear_422(client: TestClient, body: dict[str, Any]) -> None:
    assert client.post("/chat/api/messages", json=body).status_code == 422


def test_page_offers_camera_location_and_tiles_only_when_configured(client: TestClient) -> None:
    page = client.get("/chat").text
    assert 'accept="image/*,application/pdf" capture' in page
    assert "navigator.geolocation" in page
    assert '"tileUrl": ""' in page  # the default: no tile provider contacted
    assert "Lampirkan foto atau PDF" in page and "Attach a photo or PDF" in page
