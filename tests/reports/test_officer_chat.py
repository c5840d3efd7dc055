"""Linking codes and what linked chats receive (``reports.officer_chat``), on SQLite and
PostgreSQL: codes are single use, stored hashed and replaced by a new one; heads and managers get
breach and escalation alerts and the digest with the dashboard link; a confidential report's
content reaches only its own agency's chats."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from escalation.digest import queue_digest
from escalation.sweep import process_report
from reports import officer_chat, staff_cases
from reports.actor import Actor
from reports.enums import Channel, Privacy, Role
from reports.lifecycle import DomainError
from reports.models import OutboxMessage, StaffLinkCode, StaffUser
from tests import factories as f
from tests.conftest import wib

MON = wib(2026, 11, 23, 9, 0)
BASE = "https://suarawarga.example.go.id"


def _linked(db: Session, person: StaffUser, channel: Channel, address: str) -> None:
    issued = officer_chat.new_link_code(db, staff=person, now=MON)
    assert officer_chat.redeem(db, channel=channel, address=address, code=issued.code, now=MON)


def test_a_code_is_stored_hashed_works_once_and_a_new_one_replaces_it(db: Session) -> None:
    officer = f.staff(db, Role.OFFICER, MON, agency="pupr")
    first = officer_chat.new_link_code(db, staff=officer, now=MON)
    assert first.expires_at == MON + timedelta(minutes=15)
    stored = db.scalars(select(StaffLinkCode.code_hash)).all()
    assert stored == [officer_chat.hash_code(first.code)] and first.code not in stored[0]
    second = officer_chat.new_link_code(db, staff=officer, now=MON)
    assert second.code != first.code
    # The first code stopped working when the second was made; the second works once.
    assert officer_chat.redeem(db, channel=Channel.TELEGRAM, address="1", code=first.code,
                               now=MON) is None  # fmt: skip
    # Typed in lower case with spaces, as a person may: still the code.
    typed = f"{second.code[:5].lower()} {second.code[5:]}"
    assert officer_chat.redeem(db, channel=Channel.TELEGRAM, address="1", code=typed,
                               now=MON) is officer  # fmt: skip
    assert officer_chat.redeem(db, channel=Channel.TELEGRAM, address="2", code=second.code,
                               now=MON) is None  # fmt: skip
    officer.active = False
    with pytest.raises(DomainError) as refused:
        officer_chat.new_link_code(db, staff=officer, now=MON)
    assert refused.value.code == "staff_inactive"


def test_heads_and_managers_get_alerts_and_the_digest_confidential_only_to_the_agency(
    db: Session, clock: SlaClock
) -> None:
    sla = replace(clock, public_base_url=BASE)
    head = f.staff(db, Role.AGENCY_HEAD, MON, agency="pupr")
    manager = f.staff(db, Role.MANAGER, MON)
    _linked(db, head, Channel.TELEGRAM, "9001")
    _linked(db, manager, Channel.WHATSAPP, "+6281200000001")
    verifier = Actor.staff(f.staff(db, Role.VERIFIER, MON))
    report = f.report(db, sla, MON, privacy=Privacy.CONFIDENTIAL)
    staff_cases.verify_and_forward(
        db, clock=sla, report=report, actor=verifier, agency_code="pupr", now=MON
    )
    assert report.response_due_at is not None
    late = sla.calendar.due(report.response_due_at, 3)  # level 1 and level 2 are due
    process_report(db, sla, report, late)

    def chat_rows(address: str) -> list[OutboxMessage]:
        return list(
            db.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.address == address, OutboxMessage.template != "officer:linked")
                .order_by(OutboxMessage.id)
            )
        )

    to_head = [r for r in chat_rows("9001") if r.template == "staff_escalation"]
    to_manager = [r for r in chat_rows("+6281200000001") if r.template == "staff_escalation"]
    assert to_head and to_manager
    # The agency's head reads the report (its title), with its page and the agency's inbox (the
    # dashboard is the managers').
    assert all(report.title in r.body and f"{BASE}/console/inbox" in r.body for r in to_head)
    assert f"{BASE}/console/reports/{report.tracking_code}" in to_head[0].body
    # The manager is of no agency: a confidential report is named by its code only.
    for row in to_manager:
        assert report.title not in row.body and report.body[:20] not in row.body
        assert report.tracking_code in row.body and f"{BASE}/console/dashboard" in row.body

    assert queue_digest(db, sla, MON + timedelta(days=1)) >= 1
    digest = [r for r in chat_rows("+6281200000001") if r.template == "staff_digest"]
    assert len(digest) == 1 and f"{BASE}/console/dashboard" in digest[0].body
