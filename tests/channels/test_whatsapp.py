"""WhatsApp via Twilio: signed form posts through the real route, replies via the real client."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.channels import split_text
from bot.channels.whatsapp import BadPayload, normalize_number, parse_form
from bot.inbound import InboundKind
from reports.enums import Channel, OutboxStatus
from reports.models import Attachment, InboundReceipt, OutboxMessage
from tests.channels.conftest import PUBLIC_BASE, Channels, twilio_fixture
from tests.channels.helpers import drain, outbox_rows

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 8
WA = "/webhooks/twilio/whatsapp"


def _receipts(channels: Channels) -> int:
    with channels.runtime.sessions() as db:
        return int(db.scalar(select(func.count()).select_from(InboundReceipt)) or 0)


# -- parsing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("whatsapp:+6281234567890", "+6281234567890"),
        ("whatsapp:+62 812-3456-7890", "+6281234567890"),
        ("+6281234567890", "+6281234567890"),
        ("whatsapp:081234567890", "+6281234567890"),  # national format, Indonesia by default
    ],
)
def test_from_is_normalised_to_e164(raw: str, e164: str) -> None:
    assert normalize_number(raw) == e164


@pytest.mark.parametrize("raw", ["", "whatsapp:", "whatsapp:abc", "whatsapp:+1"])
def test_unusable_from_is_bad_payload(raw: str) -> None:
    with pytest.raises(BadPayload):
        normalize_number(raw)


def test_form_fields_map_to_one_inbound_message() -> None:
    text = parse_form(twilio_fixture("whatsapp_text")).message
    assert text.kind is InboundKind.TEXT and text.external_user_id == "+6281234567890"
    assert text.external_message_id == "SM0c2a3f0f1b9e4c8d9a0b1c2d3e4f5a6b"
    assert text.display_name == "Budi"
    location = parse_form(twilio_fixture("whatsapp_location")).message
    assert location.kind is InboundKind.LOCATION
    assert (location.latitude, location.longitude) == (-6.9147444, 107.6098111)
    media = parse_form(
        twilio_fixture("whatsapp_media", api="https://api.twilio.com", account="AC1")
    ).media
    assert [m.content_type for m in media] == ["image/jpeg"]


def test_split_respects_the_limit_and_keeps_every_word() -> None:
    text = ("Paragraf pertama tentang jalan rusak. " * 30 + "\n\n") * 5
    parts = split_text(text, 1600)
    assert all(len(p) <= 1600 for p in parts) and len(parts) > 1
    assert " ".join(parts).split() == text.split()
    assert split_text("x" * 5000, 1600) == ["x" * 1600, "x" * 1600, "x" * 1600, "x" * 200]


# -- the route ------------------------------------------------------------------------------------


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl", "sign-other-url"])
def test_missing_or_forged_signature_is_403_and_stores_nothing(
    channels: Channels, signature: str | None
) -> None:
    params = twilio_fixture("whatsapp_text")
    if signature == "sign-other-url":
        # Signed for the internal URL the proxy forwards to, not the public one Twilio called.
        from twilio.request_validator import RequestValidator

        token = channels.settings.twilio_auth_token.get_secret_value()  # type: ignore[union-attr]
        signature = RequestValidator(token).compute_signature("http://testserver" + WA, params)
    response = channels.whatsapp(params, signature=signature)
    assert response.status_code == 403
    assert _receipts(channels) == 0 and not outbox_rows(channels.runtime)


def test_tampered_field_breaks_the_signature(channels: Channels) -> None:
    params = twilio_fixture("whatsapp_text")
    signature = channels.sign(WA, params)
    params["Body"] = "pesan yang diubah di tengah jalan"
    assert channels.whatsapp(params, signature=signature).status_code == 403


def test_signed_message_behind_a_proxy_is_accepted_and_answered_by_the_outbox(
    channels: Channels,
) -> None:
    """The test client's Host is ``testserver``; the signature covers the public URL: accepted."""
    response = channels.whatsapp(twilio_fixture("whatsapp_text"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.endswith("<Response/>")  # no reply inside TwiML
    rows = outbox_rows(channels.runtime, Channel.WHATSAPP)
    assert rows and {r.address for r in rows} == {"+6281234567890"}
    drain(channels.runtime)
    sent = channels.twilio.messages
    assert [m["To"] for m in sent] == ["whatsapp:+6281234567890"] * len(rows)
    assert all(m["From"] == "whatsapp:+14155238886" for m in sent)
    assert [m["StatusCallback"] for m in sent] == [
        f"{PUBLIC_BASE}/webhooks/twilio/status?row={r.id}" for r in rows
    ]
    for row, message in zip(rows, sent, strict=True):
        assert message["Body"].startswith(row.body)  # inside the 24-hour window: free text
        if row.payload.get("buttons"):  # no buttons on WhatsApp: a numbered list
            labels = [b["label"] for b in row.payload["buttons"]]
            assert f"1. {labels[0]}" in message["Body"]


def test_duplicate_message_sid_has_one_effect(channels: Channels) -> None:
    params = twilio_fixture("whatsapp_text")
    channels.whatsapp(params)
    count = len(outbox_rows(channels.runtime))
    assert channels.whatsapp(params).status_code == 200
    assert len(outbox_rows(channels.runtime)) == count and _receipts(channels) == 1


def test_media_is_downloaded_with_the_account_credentials(channels: Channels) -> None:
    channels.twilio.add_media("ME0001", JPEG, "image/jpeg")
    params = twilio_fixture(
        "whatsapp_media",
        api=channels.settings.twilio_api_base_url or "",
        account=channels.settings.twilio_account_sid or "",
    )
    assert channels.whatsapp(params).status_code == 200
    with channels.runtime.sessions() as db:
        [attachment] = db.scalars(select(Attachment)).all()
    assert attachment.content_type == "image/jpeg" and attachment.size_bytes == len(JPEG)
    assert channels.twilio.media_fetches == 1


def test_media_on_a_foreign_host_is_not_fetched(channels: Channels) -> None:
    params = twilio_fixture("whatsapp_media", api="http://169.254.169.254", account="AC1")
    assert channels.whatsapp(params).status_code == 200
    with channels.runtime.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Attachment)) == 0
    assert outbox_rows(channels.runtime)  # the message itself is not lost


def test_shared_location_is_accepted(channels: Channels) -> None:
    assert channels.whatsapp(twilio_fixture("whatsapp_location")).status_code == 200
    assert _receipts(channels) == 1 and outbox_rows(channels.runtime)


def test_status_callback_records_delivery_and_never_goes_backwards(channels: Channels) -> None:
    channels.whatsapp(twilio_fixture("whatsapp_text"))
    drain(channels.runtime)
    first = outbox_rows(channels.runtime, Channel.WHATSAPP)[0]
    assert first.status is OutboxStatus.SENT and first.provider_message_id
    sid = first.provider_message_id
    status_path = "/webhooks/twilio/status"
    delivered = twilio_fixture("status_delivered", sid=sid)
    assert channels.post_twilio(status_path, delivered).status_code == 204
    late_sent = {**delivered, "MessageStatus": "sent", "SmsStatus": "sent"}
    assert channels.post_twilio(status_path, late_sent).status_code == 204
    with channels.runtime.sessions() as db:
        assert db.get(OutboxMessage, first.id).provider_status == "delivered"  # type: ignore[union-attr]
    forged = {**delivered, "MessageStatus": "read"}
    assert channels.post_twilio(status_path, forged, signature="Zm9yZ2Vk").status_code == 403
    unknown = twilio_fixture("status_delivered", sid="SM" + "0" * 32)
    assert channels.post_twilio(status_path, unknown).status_code == 204


def test_status_callback_without_fields_is_400(channels: Channels) -> None:
    assert channels.post_twilio("/webhooks/twilio/status", {"Foo": "bar"}).status_code == 400


def test_template_variables_are_json(channels: Channels) -> None:
    """Sanity of what the real client posts for a template (used by the 24-hour rule)."""
    from bot.channels import Outgoing
    from bot.channels.whatsapp import WhatsAppSender

    sender = WhatsAppSender(channels.settings)
    out = Outgoing(
        row_id=1,
        channel=Channel.WHATSAPP,
        address="+6281234567890",
        text="x",
        content_sid="HX123",
        content_variables={"1": "SW-AAAA-BBBB", "2": "Jawaban"},
    )
    import asyncio

    asyncio.run(sender.send(out, "", last=True))
    [message] = channels.twilio.messages
    assert message["ContentSid"] == "HX123" and "Body" not in message
    assert json.loads(message["ContentVariables"]) == {"1": "SW-AAAA-BBBB", "2": "Jawaban"}


def test_a_sticker_is_answered_as_a_sticker_not_stored_as_a_photo(channels: Channels) -> None:
    """Issue 12.6: WhatsApp sends a sticker as a webp in MediaUrl0 with MessageType=sticker; it
    became an attachment (the start of a report). Now it gets the sticker answer, as on Telegram."""
    channels.twilio.add_media("ME0001", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp")
    params = twilio_fixture(
        "whatsapp_media",
        api=channels.settings.twilio_api_base_url or "",
        account=channels.settings.twilio_account_sid or "",
    )
    params.update({"MessageType": "sticker", "MediaContentType0": "image/webp", "Body": ""})
    assert channels.whatsapp(params).status_code == 200
    assert channels.twilio.media_fetches == 0
    with channels.runtime.sessions() as db:
        assert db.scalar(select(func.count()).select_from(Attachment)) == 0
    [reply] = outbox_rows(channels.runtime, Channel.WHATSAPP)
    assert "stiker" in reply.body.lower()


def test_a_quick_reply_without_payload_is_read_by_its_label() -> None:
    params = twilio_fixture("whatsapp_text")
    params.update({"Body": "", "MessageType": "button", "ButtonText": "Status laporan"})
    parsed = parse_form(params)
    assert parsed.message.kind is InboundKind.TEXT
    assert parsed.message.text == "Status laporan"
