"""Report flow scenarios in Indonesian and English, through ``process_inbound``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.inbound import InboundKind, InboundMedia
from reports import attachments
from reports.enums import Channel, Privacy, ReportType, Status
from reports.models import Attachment, OutboxMessage
from tests.bot.conftest import Chat, make_runtime, sqlite_only, templates

STORY = (
    "Jalan di Jl. Melati No. 5 RT 03 rusak parah dan berlubang sejak sebulan, "
    "kemarin ada motor jatuh di situ."
)


@pytest.fixture
def sure_chat(engine: Engine, bot_data_dir: Path) -> Chat:
    """The type classifier is always trusted (threshold 0): no type question."""
    return Chat(make_runtime(engine, bot_data_dir, nlu_type_threshold=0.0))


@pytest.fixture
def unsure_chat(engine: Engine, bot_data_dir: Path) -> Chat:
    """The type classifier is never trusted: the citizen always chooses the type."""
    return Chat(
        make_runtime(engine, bot_data_dir, nlu_type_threshold=1.01),
        user="+6281234567890",
        channel=Channel.WHATSAPP,
    )


def test_whole_report_in_one_message_gets_a_tracking_code(sure_chat: Chat) -> None:
    chat = sure_chat
    out = chat.send(STORY)
    # The address was in the text and the type was clear: only the attachment is asked next.
    assert templates(out) == ["bot:ask_attachment"]
    assert chat.send("lewati")[0].template == "bot:ask_privacy"
    summary = chat.send("anonim")
    assert templates(summary) == ["bot:summary"]
    assert "Jl. Melati No. 5" in summary[0].body and "anonim" in summary[0].body
    assert summary[0].data == ["confirm:send", "confirm:edit", "confirm:cancel"]
    done = chat.press("confirm:send")
    # The domain's receipt is the answer; the engine adds nothing that would repeat it.
    assert templates(done) == ["report_received"]
    [report] = chat.reports()
    assert report.tracking_code in done[0].body
    assert "diverifikasi paling lambat Kamis, 26 November 2026" in done[0].body
    assert report.status is Status.SUBMITTED
    assert report.privacy is Privacy.ANONYMOUS
    assert report.channel is Channel.WEB
    assert report.location_text and "Jl. Melati No. 5" in report.location_text
    assert report.body == STORY
    assert report.title.startswith("Jalan di Jl. Melati")
    assert report.type.value == report.nlu_type
    # The verifier sees the classifier's top suggestions; the agency is theirs to decide, so no
    # agency's officers see the report before it is verified and forwarded.
    assert report.nlu_suggestions and report.nlu_suggestions["type"]
    assert report.nlu_suggestions["agency"][0][0] == report.nlu_agency_code
    assert report.agency_id is None
    # A later message starts fresh: the draft is gone.
    assert chat.send("status")[0].template == "bot:status_header"


def test_unsure_type_is_asked_and_numbers_answer_the_choices(
    unsure_chat: Chat, tmp_path: Path
) -> None:
    chat = unsure_chat
    out = chat.send("jalan depan rumah saya rusak parah sekali")
    assert templates(out) == ["bot:ask_type"]
    assert out[0].data == ["type:complaint", "type:aspiration", "type:information_request"]
    assert chat.send("2")[0].template == "bot:ask_location"  # WhatsApp: numbered list
    assert chat.send("lewati")[0].template == "bot:ask_attachment"
    with chat.runtime.sessions() as db, db.begin():
        stored = attachments.store(
            db,
            root=tmp_path / "att",
            data=b"\xff\xd8\xff\xe0 fake jpeg",
            content_type="image/jpeg",
            filename="lubang.jpg",
            citizen_id=chat.citizen().id,
            now=chat.now,
        )
        attachment_id = stored.id
    received = chat.photo(attachment_id)
    assert templates(received) == ["bot:attachment_received"]
    assert "(1)" in received[0].body
    assert chat.send("selesai")[0].template == "bot:ask_privacy"
    summary = chat.send("3")
    assert "Lampiran: 1" in summary[0].body and "rahasia" in summary[0].body
    assert "aspirasi" in summary[0].body
    assert templates(chat.send("ya")) == ["report_received"]
    [report] = chat.reports()
    assert report.type is ReportType.ASPIRATION
    assert report.privacy is Privacy.CONFIDENTIAL
    assert report.location_text is None
    with chat.runtime.sessions() as db:
        assert db.get(Attachment, attachment_id).report_id == report.id  # type: ignore[union-attr]
        # Replies go back on the channel and address the message came from.
        rows = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert {(r.channel, r.address) for r in rows} == {(Channel.WHATSAPP, "+6281234567890")}
        # Every choice carries its buttons for the channel to render.
        assert rows[0].payload["buttons"][1] == {"label": "Aspirasi", "data": "type:aspiration"}


@sqlite_only
def test_english_on_request_and_by_detection(sure_chat: Chat, engine: Engine) -> None:
    chat = sure_chat
    assert chat.send("english")[0].body == "OK, we will continue in English."
    out = chat.send("The street light on Jl. Kenanga has been broken for two weeks")
    assert templates(out) == ["bot:ask_attachment"]
    assert "photo or document" in out[0].body
    assert chat.press("skip")[0].template == "bot:ask_privacy"
    summary = chat.press("priv:public")
    assert "Send this report?" in summary[0].body
    receipt = chat.press("confirm:send")
    assert "It will be verified by Thursday, 26 November 2026" in receipt[0].body
    # Someone else simply writes in English: the bot answers in English.
    other = Chat(chat.runtime, user="english-writer")
    first = other.send("Hello, the garbage near my house has not been collected for a week")
    # "near my house" is no place an officer can find: the next question is where, in English.
    assert templates(first) == ["bot:ask_location"]
    assert first[0].body.startswith("Where is it?")
    assert other.citizen().language == "en"


@sqlite_only
def test_edit_then_cancel_creates_nothing(sure_chat: Chat) -> None:
    chat = sure_chat
    chat.send(STORY)
    chat.send("lewati")
    chat.send("biasa")
    assert chat.press("confirm:edit")[0].data == [
        "edit:body", "edit:type", "edit:location", "edit:privacy",
    ]  # fmt: skip
    assert chat.press("edit:location")[0].template == "bot:ask_location"
    summary = chat.send("Gang Mawar dekat masjid, Kelurahan Sukajadi")
    assert "Gang Mawar dekat masjid" in summary[0].body
    assert chat.send("ubah")[0].template == "bot:ask_edit_what"
    assert chat.send("privasi")[0].template == "bot:ask_privacy"
    assert chat.send("rahasia")[0].template == "bot:summary"
    assert chat.send("batal")[0].template == "bot:cancelled"
    assert chat.reports() == []
    assert chat.send("batal")[0].template == "bot:nothing_to_cancel"


@sqlite_only
def test_shared_location_then_description(sure_chat: Chat) -> None:
    chat = sure_chat
    assert templates(chat.location(-6.2, 106.8)) == ["bot:location_received"]
    out = chat.send("Pohon tumbang menutup jalan sejak tadi pagi, mobil tidak bisa lewat")
    assert templates(out) == ["bot:ask_attachment"]  # the location is not asked again
    chat.send("lewati")
    summary = chat.send("1")
    assert "-6.20000, 106.80000" in summary[0].body
    chat.send("kirim")
    [report] = chat.reports()
    assert (report.latitude, report.longitude) == (-6.2, 106.8)


@sqlite_only
def test_media_first_then_caption_and_rejected_files(sure_chat: Chat, tmp_path: Path) -> None:
    chat = sure_chat
    chat.send("halo")
    rejected = chat.deliver(
        chat.message(
            InboundKind.DOCUMENT,
            media=(InboundMedia("document", "application/x-msdownload", "virus.exe", None),),
        )
    )
    assert "virus.exe" in rejected[0].body and "PDF" in rejected[0].body
    with chat.runtime.sessions() as db, db.begin():
        att = attachments.store(
            db, root=tmp_path / "a", data=b"%PDF-1.4 x", content_type="application/pdf",
            filename="surat.pdf", citizen_id=chat.citizen().id, now=chat.now,
        )  # fmt: skip
        att_id = att.id
    out = chat.photo(att_id, caption="")
    assert templates(out) == ["bot:ask_description_for_media"]
    out = chat.send("Sampah menumpuk di TPS Kelurahan Mekarsari sudah dua minggu tidak diangkut")
    assert templates(out) == ["bot:ask_privacy"]  # location found, attachment already there
    chat.send("1")
    chat.send("ya")
    [report] = chat.reports()
    with chat.runtime.sessions() as db:
        assert db.get(Attachment, att_id).report_id == report.id  # type: ignore[union-attr]


@sqlite_only
def test_too_short_and_unknown_words_get_guidance(sure_chat: Chat) -> None:
    chat = sure_chat
    assert chat.send("rusak")[0].template == "bot:not_understood"  # what is?
    assert chat.send("lapor")[0].template == "bot:ask_report"
    assert chat.send("rusak")[0].template == "bot:too_short"
    # a short complaint is enough to go on: the place is asked next (issue 11)
    assert chat.send("jalan rusak")[0].template == "bot:ask_location"
    assert chat.send("Jembatan gantung di Desa Sukamaju putus sejak banjir kemarin")[
        0
    ].template in {"bot:ask_attachment", "bot:ask_location"}


def test_a_story_told_in_several_messages_is_kept_whole(sure_chat: Chat) -> None:
    """A WhatsApp chronology often arrives in parts: a long text that answers none of the
    questions is added to the description, never taken as the address or dropped."""
    chat = sure_chat
    opening = "Selamat siang pak, saya mau melapor soal jalan rusak di kampung kami"
    more = (
        "Sudah tiga bulan jalannya berlubang besar dan kalau hujan tergenang, "
        "sudah ada dua pengendara motor yang jatuh minggu lalu"
    )
    later = "Kalau malam gelap sekali karena lampu jalannya juga mati, jadi makin berbahaya"
    assert templates(chat.send(opening)) == ["bot:ask_location"]
    added = chat.send(more)  # taken, said so, and the question again: one message
    assert templates(added) == ["bot:ask_location"]
    assert added[0].body.startswith("Baik, saya tambahkan ke isi laporan Anda.")
    assert templates(chat.send("Jl. Cendana RT 05 RW 02 Kelurahan Sukamaju")) == [
        "bot:ask_attachment"
    ]
    assert templates(chat.send("lewati")) == ["bot:ask_privacy"]
    assert templates(chat.send(later)) == ["bot:ask_privacy"]
    assert templates(chat.send("biasa")) == ["bot:summary"]
    assert templates(chat.press("confirm:send")) == ["report_received"]
    [report] = chat.reports()
    assert report.body == f"{opening}\n{more}\n{later}"
    assert report.location_text == "Jl. Cendana RT 05 RW 02 Kelurahan Sukamaju"
    # The suggestion is the classifier's reading of the whole story, not of its first message.
    nlu = chat.runtime.classifier
    whole = nlu.route_agency(report.body)
    assert (report.nlu_agency_code, report.nlu_agency_confidence) == (
        whole.label,
        pytest.approx(whole.confidence),
    )
    assert nlu.route_agency(opening).confidence != pytest.approx(whole.confidence)


@pytest.mark.parametrize(
    "place",
    [
        "di depan SDN 3 dekat pertigaan lampu merah arah ke pasar lama",
        "Lokasinya persis sebelum jembatan besi yang menuju ke pasar ikan",
        "near the big mosque, right before the bridge over the river",
    ],
)
def test_a_long_place_description_is_still_the_location(sure_chat: Chat, place: str) -> None:
    chat = sure_chat
    chat.send("Selamat siang pak, saya mau melapor soal jalan rusak di kampung kami")
    assert templates(chat.send(place)) == ["bot:ask_attachment"]
    chat.send("lewati")
    chat.send("biasa")
    chat.press("confirm:send")
    [report] = chat.reports()
    assert report.location_text == place


def test_an_address_sent_after_the_location_question_fills_it(sure_chat: Chat) -> None:
    chat = sure_chat
    chat.send("Selamat siang pak, saya mau melapor soal jalan rusak di kampung kami")
    assert templates(chat.send("lewati")) == ["bot:ask_attachment"]  # no location, they said
    out = chat.send("Jl. Cendana RT 05 Kelurahan Sukamaju")  # ... then they found it after all
    assert templates(out) == ["bot:ask_attachment"]
    assert out[0].body.startswith("Lokasi dicatat: Jl. Cendana RT 05 Kelurahan Sukamaju.")
    # Short and no address: the question again.
    assert templates(chat.send("oke")) == ["bot:ask_attachment"]


@sqlite_only
def test_first_message_a_photo_stored_before_the_citizen_existed(
    sure_chat: Chat, tmp_path: Path
) -> None:
    """Adapters store files before the pipeline creates the citizen: the report still gets them."""
    chat = sure_chat
    with chat.runtime.sessions() as db, db.begin():
        mine = attachments.store(
            db, root=tmp_path / "a", data=b"\x89PNG mine", content_type="image/png",
            filename="a.png", citizen_id=None, now=chat.now,
        )  # fmt: skip
        theirs = attachments.store(
            db, root=tmp_path / "a", data=b"\x89PNG theirs", content_type="image/png",
            filename="b.png", citizen_id=None, now=chat.now,
        )  # fmt: skip
        mine_id, theirs_id = mine.id, theirs.id
    other = Chat(chat.runtime, user="other-person")
    other.photo(theirs_id)
    out = chat.photo(mine_id, caption=STORY)
    assert templates(out) == ["bot:ask_privacy"]
    forged = chat.photo(theirs_id)  # another contact's file id: refused like a bad file
    assert templates(forged) == ["bot:media_rejected", "bot:ask_privacy"]
    chat.press("priv:public")
    chat.press("confirm:send")
    # Someone else's file id sent by this contact is not taken over.
    [report] = chat.reports()
    with chat.runtime.sessions() as db:
        assert db.get(Attachment, mine_id).report_id == report.id  # type: ignore[union-attr]
        assert db.get(Attachment, theirs_id).report_id is None  # type: ignore[union-attr]
