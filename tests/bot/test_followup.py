"""After submission: agency answers, information requests, closing and rating, reopening.

Staff act through the real use cases; the citizen only talks to the bot. What the bot expects from
the citizen is derived from the database, so these scenarios also prove that an officer's action
taken elsewhere is understood by the conversation.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from escalation.sweep import run_sweep
from reports import attachments, lookups, satisfaction, staff_cases
from reports.actor import Actor
from reports.enums import MessageKind, Role, Status
from reports.models import (
    Attachment,
    Conversation,
    Report,
    ReportEvent,
    ReportMessage,
    SatisfactionRating,
)
from tests import factories
from tests.bot.conftest import Chat, sqlite_only, templates, texts
from tests.conftest import wib

STORY = "Jalan di Jl. Melati No. 5 rusak parah dan berlubang sejak sebulan, sudah ada motor jatuh."


def file_report(chat: Chat, story: str = STORY) -> str:
    chat.send(story)
    chat.send("lewati")
    chat.send("1")
    out = chat.send("ya")
    assert templates(out) == ["report_received"], texts(out)
    return chat.reports()[-1].tracking_code


def forward(chat: Chat, code: str, *, agency: str = "pupr", days: int = 1) -> None:
    at = chat.now + timedelta(days=days)
    with chat.runtime.sessions() as db, db.begin():
        verifier = factories.staff(db, Role.VERIFIER, at)
        report = lookups.get_report(db, code)
        staff_cases.verify_and_forward(
            db, clock=chat.runtime.clock, report=report, actor=Actor.staff(verifier),
            agency_code=agency, now=at,
        )  # fmt: skip
    chat.now = at


def answer(
    chat: Chat, code: str, text: str = "Jalan sudah kami tambal.", *, hours: int = 24
) -> None:
    at = chat.now + timedelta(hours=hours)
    with chat.runtime.sessions() as db, db.begin():
        report = lookups.get_report(db, code)
        officer = factories.staff(db, Role.OFFICER, at, agency="pupr")
        staff_cases.answer(
            db, clock=chat.runtime.clock, report=report, actor=Actor.staff(officer),
            text=text, now=at,
        )  # fmt: skip
    chat.now = at


def request_info(chat: Chat, code: str, question: str = "Di sisi jalan sebelah mana?") -> None:
    at = chat.now + timedelta(hours=2)
    with chat.runtime.sessions() as db, db.begin():
        report = lookups.get_report(db, code)
        verifier = factories.staff(db, Role.VERIFIER, at)
        staff_cases.request_info(
            db, clock=chat.runtime.clock, report=report, actor=Actor.staff(verifier),
            question=question, now=at,
        )  # fmt: skip
    chat.now = at


def report_of(chat: Chat, code: str) -> Report:
    with chat.runtime.sessions() as db:
        report = lookups.get_report(db, code)
        db.expunge_all()
        return report


def ratings(chat: Chat, code: str) -> dict[str, int]:
    with chat.runtime.sessions() as db:
        report = lookups.get_report(db, code)
        rows = db.scalars(
            select(SatisfactionRating).where(SatisfactionRating.report_id == report.id)
        )
        return {r.element: r.score for r in rows}


def test_answer_accepted_with_1_then_rated_on_each_element(chat: Chat) -> None:
    code = file_report(chat)
    forward(chat, code)
    answer(chat, code)
    notices = chat.inbox()
    assert templates(notices) == ["report_forwarded", "agency_answer"]
    assert "Balas 1 jika Anda puas" in notices[1].body
    out = chat.send("1")
    assert templates(out) == ["report_finished", "rating_request"]  # queued by the domain
    assert report_of(chat, code).status is Status.FINISHED
    out = chat.send("4")  # answers the rating request: complaint handling
    assert out[0].template == "bot:rating_question_completion_time"
    assert out[0].data[:4] == [f"rate:{code}:{n}" for n in range(1, 5)]
    assert chat.send("3")[0].template == "bot:rating_question_staff_behaviour"
    assert chat.press(f"rate:{code}:2")[0].template == "bot:rating_question_product"
    assert chat.send("4")[0].template == "bot:rating_thanks"
    assert ratings(chat, code) == {
        "complaint_handling": 4, "completion_time": 3, "staff_behaviour": 2, "product": 4,
    }  # fmt: skip
    with chat.runtime.sessions() as db:
        index = satisfaction.agency_index(db, agency_id=report_of(chat, code).agency_id)
    assert index.responses == 1 and index.ikm == 81.25


def test_response_to_an_answer_goes_back_to_the_agency(chat: Chat) -> None:
    code = file_report(chat)
    forward(chat, code)
    answer(chat, code)
    chat.inbox()
    assert chat.send("terima kasih")[0].template == "bot:thanks_reply"  # thanks is not a reply
    assert report_of(chat, code).status is Status.ANSWERED
    # The chat moved on since the answer: free text might be a new report, so the bot asks.
    story = "Baru ditambal sebagian, sisi utara masih berlubang dalam."
    out = chat.send(story)
    assert templates(out) == ["bot:which_report"]
    assert out[0].data == [f"pick:{code}", "pick:new"]
    assert report_of(chat, code).status is Status.ANSWERED
    out = chat.press(f"pick:{code}")
    assert templates(out) == ["bot:response_sent"]
    report = report_of(chat, code)
    assert report.status is Status.FORWARDED
    assert report.response_due_at is not None and report.response_due_at > chat.now
    assert "Dinas Pekerjaan Umum" in out[0].body
    with chat.runtime.sessions() as db:
        kinds = db.scalars(
            select(ReportMessage.kind).where(ReportMessage.report_id == report.id)
        ).all()
    assert MessageKind.CITIZEN_RESPONSE in kinds


def test_respond_button_then_text(chat: Chat) -> None:
    code = file_report(chat)
    forward(chat, code)
    answer(chat, code)
    chat.inbox()
    assert chat.press(f"rsp:{code}")[0].template == "bot:ask_response"
    assert chat.send("belum")[0].template == "bot:response_sent"
    assert report_of(chat, code).status is Status.FORWARDED


def test_information_request_answered_in_chat_resumes_the_clock(chat: Chat) -> None:
    code = file_report(chat)
    request_info(chat, code)
    assert templates(chat.inbox()) == ["info_requested"]
    paused = report_of(chat, code)
    assert paused.status is Status.INFO_REQUESTED and paused.next_sla_at is None
    chat.now = wib(2026, 11, 25, 10, 0)  # answered on Wednesday
    out = chat.send("Sebelah utara, depan warung Bu Sri")
    assert templates(out) == ["bot:info_sent"]
    resumed = report_of(chat, code)
    assert resumed.status is Status.SUBMITTED
    assert resumed.paused_stage is None and resumed.next_sla_at is not None
    # 3 working days less the few hours used before the pause: due again 3 days after the answer.
    assert resumed.verify_due_at == wib(2026, 11, 30, 23, 59, 59)
    assert "Senin, 30 November 2026" in out[0].body
    with chat.runtime.sessions() as db:
        actions = db.scalars(
            select(ReportEvent.action).where(ReportEvent.report_id == resumed.id)
        ).all()
    assert "provide_info" in actions


@sqlite_only
def test_several_pending_reports_ask_which_one(chat: Chat) -> None:
    first = file_report(chat)
    second = file_report(chat, "Lampu jalan di Jl. Kenanga mati total sejak seminggu, gelap.")
    request_info(chat, first)
    request_info(chat, second, "Tiang nomor berapa?")
    chat.inbox()
    out = chat.send("Tiang nomor 12 dekat pos ronda")
    assert templates(out) == ["bot:which_report"]
    assert set(out[0].data) == {f"pick:{first}", f"pick:{second}", "pick:new"}
    assert templates(chat.send("2" if out[0].data[1] == f"pick:{second}" else "1")) == [
        "bot:info_sent"
    ]
    assert report_of(chat, second).status is Status.SUBMITTED
    assert report_of(chat, first).status is Status.INFO_REQUESTED


def test_auto_close_by_the_sweep_then_rating(chat: Chat) -> None:
    code = file_report(chat)
    forward(chat, code)
    answer(chat, code)
    due = report_of(chat, code).feedback_due_at
    assert due is not None
    run_sweep(chat.runtime.sessions, clock=chat.runtime.clock, now=due + timedelta(seconds=1))
    assert report_of(chat, code).status is Status.FINISHED
    assert "rating_request" in templates(chat.inbox())
    chat.now = due + timedelta(hours=1)
    assert chat.send("3")[0].template == "bot:rating_question_completion_time"
    assert chat.send("lewati")[0].template == "bot:rating_thanks"
    assert ratings(chat, code) == {"complaint_handling": 3}
    # The survey is over: a digit now means nothing special and rates nothing again.
    assert chat.send("2")[0].template == "bot:not_understood"
    assert ratings(chat, code) == {"complaint_handling": 3}


@sqlite_only
def test_reopen_after_accepting_too_quickly(chat: Chat) -> None:
    code = file_report(chat)
    forward(chat, code)
    answer(chat, code)
    chat.send("puas")
    assert report_of(chat, code).status is Status.FINISHED
    chat.inbox()
    out = chat.send(f"buka kembali {code} ternyata lubangnya muncul lagi setelah hujan")
    assert templates(out) == ["bot:reopened"]
    assert report_of(chat, code).status is Status.FORWARDED
    # Nothing else can be reopened now; the same answer for any code.
    assert chat.send("buka kembali")[0].template == "bot:reopen_none"


def test_a_report_finished_again_after_a_reopen_can_be_rated_again(chat: Chat) -> None:
    """The second handling is rated too: the second request starts the questions, and the new
    scores replace the first ones (one rating per citizen per report in the index)."""
    code = file_report(chat)
    forward(chat, code)
    answer(chat, code)
    chat.inbox()
    assert templates(chat.send("1")) == ["report_finished", "rating_request"]
    for score in ("2", "2", "2", "2"):
        chat.send(score)
    assert ratings(chat, code)["complaint_handling"] == 2
    chat.inbox()
    chat.send(f"buka kembali {code} ternyata lubangnya muncul lagi setelah hujan")
    answer(chat, code)
    chat.inbox()
    assert templates(chat.send("1")) == ["report_finished", "rating_request"]
    assert chat.send("4")[0].template == "bot:rating_question_completion_time"
    for score in ("4", "4", "4"):
        chat.send(score)
    assert ratings(chat, code) == {
        "complaint_handling": 4, "completion_time": 4, "staff_behaviour": 4, "product": 4,
    }  # fmt: skip


@sqlite_only
def test_buttons_for_someone_elses_report_change_nothing(chat: Chat) -> None:
    code = file_report(chat)
    forward(chat, code)
    answer(chat, code)
    intruder = Chat(chat.runtime, user="intruder")
    intruder.now = chat.now
    out = intruder.press(f"acc:{code}")
    assert templates(out) == ["bot:status_unknown"]
    assert report_of(chat, code).status is Status.ANSWERED
    assert intruder.send(f"cek {code}")[0].body == out[0].body


@sqlite_only
def test_answer_arriving_during_a_new_draft_is_answered_and_the_draft_kept(chat: Chat) -> None:
    code = file_report(chat)
    forward(chat, code)
    chat.send("Lampu jalan di Jl. Kenanga mati total sejak seminggu, gelap sekali malam hari.")
    answer(chat, code, hours=2)
    assert templates(chat.inbox()) == ["agency_answer"]
    out = chat.send("1")  # for the answer that just arrived, not for the draft's question
    assert templates(out) == ["report_finished", "rating_request", "bot:ask_attachment"]
    assert report_of(chat, code).status is Status.FINISHED
    assert chat.send("lewati")[0].template == "bot:ask_privacy"  # the draft goes on


@sqlite_only
def test_direct_reply_responds_but_a_later_new_story_can_be_a_new_report(chat: Chat) -> None:
    code = file_report(chat)
    forward(chat, code)
    answer(chat, code)
    chat.inbox()
    out = chat.send("Belum selesai, lubang di sisi utara masih ada.")  # right after the answer
    assert templates(out) == ["bot:response_sent"]
    answer(chat, code, "Sisi utara sudah kami tambal juga.")
    chat.inbox()
    assert chat.send("status")[0].template == "bot:status_header"  # the chat moves on
    out = chat.send("Lampu jalan di Jl. Kenanga mati total sejak seminggu, gelap sekali.")
    assert templates(out) == ["bot:which_report"]
    out = chat.press("pick:new")
    assert out[0].template in {"bot:ask_attachment", "bot:ask_type"}
    assert report_of(chat, code).status is Status.ANSWERED


@sqlite_only
def test_english_citizen_gets_the_answer_accepts_and_rates_in_english(chat: Chat) -> None:
    chat.send("english")
    out = chat.send("The bridge on Jl. Sudirman has a big hole, it is dangerous for motorbikes")
    assert out[0].body.startswith("Do you have a photo")
    chat.send("skip")
    chat.send("1")
    receipt = chat.send("yes")
    assert "It will be verified by Thursday, 26 November 2026" in receipt[0].body
    code = chat.reports()[-1].tracking_code
    forward(chat, code)
    answer(chat, code, "We repaired the bridge deck yesterday.")
    notices = chat.inbox()
    assert "Reply 1 if you are satisfied" in notices[-1].body
    out = chat.send("satisfied")
    assert templates(out) == ["report_finished", "rating_request"]
    assert "Rate from 1 (poor) to 4 (very good)" in out[1].body
    assert chat.send("4")[0].body.startswith("How timely was the completion")
    assert chat.send("skip")[0].body == f"Thank you for rating report {code}!"
    assert ratings(chat, code) == {"complaint_handling": 4}


@sqlite_only
def test_whatsapp_numbered_answer_choices(chat: Chat) -> None:
    """On WhatsApp the accept / respond choices are a numbered list: "2" asks for the text."""
    code = file_report(chat)
    forward(chat, code)
    answer(chat, code)
    chat.inbox()
    assert chat.send("2")[0].template == "bot:ask_response"
    assert report_of(chat, code).status is Status.ANSWERED
    assert chat.send("Masih berlubang di sisi utara.")[0].template == "bot:response_sent"
    with chat.runtime.sessions() as db:
        report = lookups.get_report(db, code)
        bodies = [m.body for m in report.messages if m.kind is MessageKind.CITIZEN_RESPONSE]
    assert bodies == ["Masih berlubang di sisi utara."]


@sqlite_only
@pytest.mark.parametrize(
    "text", ["ya puas", "Ya, puas!", "yes, satisfied", "Yes, I'm satisfied", "ya saya puas"]
)
def test_a_worded_yes_accepts_the_answer(chat: Chat, text: str) -> None:
    """Taking "yes, satisfied" as a complaint about the answer would send the report back to the
    agency: the costly direction."""
    code = file_report(chat)
    forward(chat, code)
    answer(chat, code)
    chat.inbox()
    assert templates(chat.send(text)) == ["report_finished", "rating_request"]
    assert report_of(chat, code).status is Status.FINISHED


def test_photo_sent_for_an_information_request_answers_it(chat: Chat, tmp_path: Path) -> None:
    """The officer asked for a photo: it lands on that report, the clock resumes, no new draft."""
    code = file_report(chat)
    request_info(chat, code, "Mohon kirim foto lubangnya.")
    assert templates(chat.inbox()) == ["info_requested"]
    mine_id = _stored_photo(chat, tmp_path / "att", "lubang.jpg")
    theirs_id = _stored_photo(chat, tmp_path / "att", "bukan.jpg", owned=False)
    Chat(chat.runtime, user="other-person").photo(theirs_id)  # now another citizen's file
    forged = chat.photo(theirs_id)  # someone else's file id answers nothing
    assert templates(forged) == ["bot:media_rejected"]
    assert report_of(chat, code).status is Status.INFO_REQUESTED
    out = chat.photo(mine_id)
    assert templates(out) == ["bot:info_sent"], texts(out)
    report = report_of(chat, code)
    assert report.status is Status.SUBMITTED and report.next_sla_at is not None
    assert len(chat.reports()) == 1  # no second report, no draft holding the photo
    with chat.runtime.sessions() as db:
        linked = db.scalars(select(Attachment.id).where(Attachment.report_id == report.id)).all()
        reply = db.scalars(
            select(ReportMessage.body).where(
                ReportMessage.report_id == report.id, ReportMessage.kind == MessageKind.INFO_REPLY
            )
        ).one()
    assert linked == [mine_id]
    assert "lubang.jpg" in reply


def _stored_photo(chat: Chat, root: Path, name: str, *, owned: bool = True) -> int:
    """A stored JPEG, the chat citizen's (or nobody's yet: the next sender claims it)."""
    owner = chat.citizen().id if owned else None
    with chat.runtime.sessions() as db, db.begin():
        stored = attachments.store(
            db, root=root, data=b"\xff\xd8\xff\xe0 " + name.encode(), content_type="image/jpeg",
            filename=name, citizen_id=owner, now=chat.now,
        )  # fmt: skip
        return stored.id


def two_information_requests(chat: Chat) -> tuple[str, str]:
    """Two reports of one citizen, each waiting for a photo; the citizen's inbox read."""
    first = file_report(chat)
    second = file_report(chat, "Lampu jalan di Jl. Kenanga mati total sejak dua minggu, gelap.")
    request_info(chat, first, "Mohon kirim foto lubangnya.")
    request_info(chat, second, "Mohon kirim foto tiang lampunya.")
    chat.inbox()
    return first, second


def test_a_photo_with_two_information_requests_asks_which_report(
    chat: Chat, tmp_path: Path
) -> None:
    """Two reports wait for information: the photo goes to the one the citizen picks."""
    first, second = two_information_requests(chat)
    photo = _stored_photo(chat, tmp_path / "att", "tiang.jpg")
    asked = chat.photo(photo, caption="ini fotonya")
    assert templates(asked) == ["bot:which_report"]
    assert set(asked[0].data) == {f"pick:{first}", f"pick:{second}", "pick:new"}
    assert report_of(chat, first).status is Status.INFO_REQUESTED  # nothing decided yet
    out = chat.press(f"pick:{second}")
    assert templates(out) == ["bot:info_sent"], texts(out)
    assert report_of(chat, second).status is Status.SUBMITTED
    assert report_of(chat, first).status is Status.INFO_REQUESTED
    second_id = report_of(chat, second).id
    with chat.runtime.sessions() as db:
        linked = db.scalars(select(Attachment.id).where(Attachment.report_id == second_id)).all()
        reply = db.scalars(
            select(ReportMessage.body).where(
                ReportMessage.report_id == second_id,
                ReportMessage.kind == MessageKind.INFO_REPLY,
            )
        ).one()
    assert linked == [photo]
    assert "ini fotonya" in reply and "tiang.jpg" in reply


def test_a_photo_with_two_information_requests_can_start_a_new_report(
    chat: Chat, tmp_path: Path
) -> None:
    first, second = two_information_requests(chat)
    photo = _stored_photo(chat, tmp_path / "att", "banjir.jpg")
    assert templates(chat.photo(photo)) == ["bot:which_report"]
    out = chat.press("pick:new")
    # A new draft holding the photo asks for its description; both requests still wait.
    assert templates(out) == ["bot:ask_description_for_media"], texts(out)
    assert report_of(chat, first).status is Status.INFO_REQUESTED
    assert report_of(chat, second).status is Status.INFO_REQUESTED
    with chat.runtime.sessions() as db:
        data = db.scalars(select(Conversation.data).where(Conversation.external_id == chat.user))
        assert photo in data.one()["draft"]["attachments"]
