""" "Saya juga mengalami ini": joining someone else's public report from a chat, through the real
pipeline (the tracking page's ready-made message and Telegram's ``/start join_...`` link)."""

from __future__ import annotations

from datetime import timedelta

from reports import groups, lookups, staff_cases
from reports.actor import Actor
from reports.enums import Role
from reports.runtime import Runtime
from tests import factories
from tests.bot.conftest import MONDAY_9, Chat, complete, sqlite_only, templates

STORY = "Jalan di Jl. Melati No. 5 rusak parah dan berlubang sejak sebulan, sudah ada motor jatuh."


@sqlite_only
def test_a_neighbour_joins_a_published_report_once_and_hears_its_answer(
    chat: Chat, runtime: Runtime
) -> None:
    complete(chat, chat.send(STORY))
    [report] = chat.reports()
    code = report.tracking_code
    neighbour = Chat(runtime, user="tetangga")

    # Not published yet (unverified): the same reply as for a code that does not exist.
    assert templates(neighbour.send(f"saya juga {code}")) == ["bot:join_unknown"]
    assert templates(neighbour.send("saya juga SW-0000-0000")) == ["bot:join_unknown"]

    with runtime.sessions() as db, db.begin():
        verifier = factories.staff(db, Role.VERIFIER, MONDAY_9)
        officer = factories.staff(db, Role.OFFICER, MONDAY_9, agency="pupr")
        staff_cases.verify_and_forward(
            db, clock=runtime.clock, report=lookups.get_report(db, code),
            actor=Actor.staff(verifier), agency_code="pupr", now=MONDAY_9 + timedelta(hours=1),
        )  # fmt: skip
    compact = code.replace("-", "")
    joined = neighbour.send(f"/start join_{compact}")
    assert templates(joined) == ["report_joined"] and code in joined[0].body
    assert templates(neighbour.send(f"saya juga mengalami ini {code}")) == ["bot:join_already"]
    # The reporter joining their own report changes nothing.
    chat.inbox()  # (the forwarding notice they got meanwhile)
    assert templates(chat.send(f"saya juga {code}")) == ["bot:join_unknown"]
    with runtime.sessions() as db:
        assert groups.reporter_count(db, lookups.get_report(db, code)) == 2

    with runtime.sessions() as db, db.begin():
        staff_cases.answer(
            db, clock=runtime.clock, report=lookups.get_report(db, code),
            actor=Actor.staff(officer), text="Sudah ditambal.",
            now=MONDAY_9 + timedelta(days=1),
        )  # fmt: skip
    heard = neighbour.inbox()
    assert templates(heard) == ["group_answer"] and "Sudah ditambal." in heard[0].body
