"""A corpus of realistic conversation openings, each replayed through the real engine, asserting
the bot's next question (``fixtures/openings.yml`` says what each one is and why).

Also here: the uncertain report type (asked with three buttons on every channel), made uncertain
deterministically with a threshold no prediction reaches rather than by hoping for a low score.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select

from bot.messages import t
from reports.enums import Channel, Privacy, ReportType
from reports.messages import render
from reports.models import Conversation
from reports.runtime import Runtime
from tests.bot.conftest import Chat, Out, complete, make_runtime, sqlite_only, templates, texts

OPENINGS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "openings.yml").read_text(encoding="utf-8")
)
NEXT = {"location": "bot:ask_location", "photo": "bot:ask_attachment"}
QUESTION_RECEIVED = {"bot:question_received", "bot:question_received_agency"}
TYPE_BUTTONS = ["type:complaint", "type:aspiration", "type:information_request"]


def _id(opening: dict[str, Any]) -> str:
    return f"{opening['next']}:{opening['text'][:40]}"


def conversation(chat: Chat) -> Conversation:
    with chat.runtime.sessions() as db:
        row = db.scalar(
            select(Conversation).where(
                Conversation.channel == chat.channel, Conversation.external_id == chat.user
            )
        )
        assert row is not None
        db.expunge(row)
        return row


def test_the_corpus_is_big_and_varied_enough() -> None:
    kinds = [o["next"] for o in OPENINGS]
    assert len(OPENINGS) >= 60
    for kind in ("location", "photo", "info", "menu"):
        assert kinds.count(kind) >= 5, kind
    assert sum(1 for o in OPENINGS if o.get("short")) >= 10
    assert sum(1 for o in OPENINGS if o.get("language") == "en") >= 5
    assert sum(1 for o in OPENINGS if len(o["text"]) > 250) >= 3


@sqlite_only
@pytest.mark.parametrize("opening", OPENINGS, ids=_id)
def test_opening_gets_the_right_next_question(runtime: Runtime, opening: dict[str, Any]) -> None:
    chat = Chat(runtime, user="opening")
    out = chat.send(opening["text"])
    language = opening.get("language", "id")
    expected = opening["next"]
    if expected == "info":
        _assert_short_info_flow(chat, out, language)
        return
    assert out, "no reply"
    last = out[-1]
    assert "bot:not_understood" not in templates(out)
    if expected == "menu":
        assert last.template in {"bot:welcome", "bot:help"}, texts(out)
        assert "m:report" in last.data
        return
    assert last.template == NEXT[expected], texts(out)
    assert last.body.endswith(t(NEXT[expected].removeprefix("bot:"), language)), last.body
    short = last.body.startswith(t("short_started", language, problem=opening["text"]))
    assert short == bool(opening.get("short")), last.body
    state = conversation(chat)
    draft = state.data["draft"]
    assert draft["body"].startswith(opening["text"][:100])
    assert draft["type"] in ("complaint", "aspiration")  # never guessed: decided or asked
    if expected == "photo":
        found = draft.get("location") or ""
        assert opening.get("place", "") in found or draft.get("lat") is not None, draft
        assert draft.get("location") or draft.get("lat") is not None
    else:
        assert draft.get("location") is None and draft.get("lat") is None, draft


def _assert_short_info_flow(chat: Chat, out: list[Out], language: str) -> None:
    """Submitted at once: the receipt (tracking code, due date) and where the question goes."""
    names = templates(out)
    assert "report_received" in names, texts(out)
    assert set(names) <= {"report_received", *QUESTION_RECEIVED}
    (report,) = chat.reports()
    assert report.type is ReportType.INFORMATION_REQUEST
    assert report.tracking_code in out[names.index("report_received")].body
    assert report.verify_due_at is not None
    assert report.location_text is None and report.latitude is None
    assert report.privacy is Privacy.CONFIDENTIAL
    assert report.agency_id is None  # suggested only; the verifier forwards
    assert report.nlu_agency_code  # the agency that can answer it, for the verifier
    assert conversation(chat).state == "idle"
    receipt = out[names.index("report_received")].body
    assert receipt.startswith(render("report_received", language, code="", verify_due="")[:12])
    if language == "en":
        assert any(o.body == t(o.template.removeprefix("bot:"), "en", **_agency(o)) for o in out
                   if o.template.startswith("bot:"))  # fmt: skip


def _agency(out: Out) -> dict[str, str]:
    if out.template != "bot:question_received_agency":
        return {}
    prefix, suffix = t("question_received_agency", "en", agency="\0").split("\0")
    return {"agency": out.body.removeprefix(prefix).removesuffix(suffix)}


# -- the uncertain type ---------------------------------------------------------------------------


@pytest.fixture
def unsure(engine: Engine, bot_data_dir: Path) -> Runtime:
    """A deployment whose type threshold no calibrated confidence reaches: every classification
    comes back ``confident=False``, so the citizen must be asked."""
    return make_runtime(engine, bot_data_dir, nlu_type_threshold=1.01)


UNSURE_TEXT = "Jalan di depan SDN 3 Sukamaju rusak parah, sudah sebulan tidak diperbaiki"


@sqlite_only
@pytest.mark.parametrize("channel", [Channel.WEB, Channel.TELEGRAM, Channel.WHATSAPP])
def test_an_uncertain_type_is_asked_with_three_buttons(unsure: Runtime, channel: Channel) -> None:
    user = "+6281200000001" if channel is Channel.WHATSAPP else "7"
    chat = Chat(unsure, user=user, channel=channel)
    out = chat.send(UNSURE_TEXT)
    assert templates(out) == ["bot:ask_type"]
    assert out[0].data == TYPE_BUTTONS
    assert [b["label"] for b in out[0].buttons] == [
        "Pengaduan",
        "Aspirasi",
        "Permintaan informasi",
    ]
    draft = conversation(chat).data["draft"]
    assert draft["location"] == "depan SDN 3 Sukamaju"  # the place is kept while asking
    # a button (Telegram, web), or its number typed (WhatsApp shows numbered choices)
    out = chat.send("1") if channel is Channel.WHATSAPP else chat.press("type:complaint")
    assert templates(out) == ["bot:ask_attachment"]  # the place was given: no "where?"


@sqlite_only
def test_uncertain_type_buttons_speak_english(unsure: Runtime) -> None:
    chat = Chat(unsure, user="en-unsure")
    out = chat.send("The streetlight on Melati Street has been broken for a week now")
    assert templates(out) == ["bot:ask_type"]
    assert [b["label"] for b in out[0].buttons] == [
        t("btn_type_complaint", "en"),
        t("btn_type_aspiration", "en"),
        t("btn_type_information_request", "en"),
    ]


@sqlite_only
def test_choosing_information_request_takes_the_short_flow(unsure: Runtime) -> None:
    chat = Chat(unsure, user="asks")
    out = chat.send("Bagaimana cara mengurus akta kelahiran untuk anak saya yang baru lahir?")
    assert templates(out) == ["bot:ask_type"]
    out = chat.press("type:information_request")
    _assert_short_info_flow(chat, out, "id")


@sqlite_only
def test_a_short_complaint_is_a_complaint_even_when_the_model_is_unsure(unsure: Runtime) -> None:
    chat = Chat(unsure, user="short")
    out = chat.send("jalan rusak")
    assert templates(out) == ["bot:ask_location"]


# -- the place, from the first message to the report ----------------------------------------------


@sqlite_only
def test_a_short_complaint_becomes_a_report_with_the_place_asked_once(runtime: Runtime) -> None:
    chat = Chat(runtime, user="short-flow")
    assert templates(chat.send("lampu mati")) == ["bot:ask_location"]
    assert templates(chat.send("dekat masjid Al-Ikhlas RT 03/RW 02")) == ["bot:ask_attachment"]
    complete(chat, chat.send("lewati"))
    (report,) = chat.reports()
    assert report.type is ReportType.COMPLAINT
    assert report.body == "lampu mati"
    assert report.location_text == "dekat masjid Al-Ikhlas RT 03/RW 02"


@sqlite_only
def test_a_place_named_in_the_story_is_on_the_report_and_never_asked(runtime: Runtime) -> None:
    chat = Chat(runtime, user="placed")
    out = chat.send("Saluran air di Perum Griya Asri Blok C2 mampet, kalau hujan rumah kebanjiran")
    out = complete(chat, out)
    assert "bot:ask_location" not in templates(out)
    (report,) = chat.reports()
    assert report.location_text == "Perum Griya Asri Blok C2"


@sqlite_only
def test_coordinates_in_a_message_become_the_reports_coordinates(runtime: Runtime) -> None:
    chat = Chat(runtime, user="coords")
    out = chat.send("Pipa PDAM bocor di -6.2088, 106.8456, air terbuang terus sejak pagi")
    assert templates(out)[-1] == "bot:ask_attachment"
    complete(chat, out)
    (report,) = chat.reports()
    assert (report.latitude, report.longitude) == (-6.2088, 106.8456)


@sqlite_only
def test_a_place_given_while_another_question_is_asked_fills_the_location(
    unsure: Runtime,
) -> None:
    chat = Chat(unsure, user="later")
    out = chat.send("Lampu penerangan jalan mati sudah dua minggu, gelap sekali kalau malam")
    assert templates(out) == ["bot:ask_type"]
    out = chat.send("di Jl. Kenanga No. 7")  # the place, before the type was answered
    assert templates(out) == ["bot:ask_type"]
    assert out[0].body.startswith(t("location_added", "id", location="di Jl. Kenanga No. 7"))
    out = chat.press("type:complaint")
    assert templates(out) == ["bot:ask_attachment"]
