"""The sweep: reminders, breaches, escalations and auto-closes, each exactly once."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from config.log import ContextFilter
from escalation.deadlines import SlaClock
from escalation.digest import queue_digest
from escalation.sweep import SWEEP_HEARTBEAT, run_sweep
from reports import lookups, staff_cases
from reports.actor import Actor
from reports.enums import Role, SlaActionKind, Status
from reports.models import Heartbeat, OutboxMessage, Report, ReportEvent, SlaAction
from tests import factories as f
from tests.conftest import wib

MON = wib(2026, 11, 23, 9, 0)
REPO = Path(__file__).resolve().parents[2]


def counts(db: Session) -> Counter[tuple[str, int]]:
    rows = db.execute(select(SlaAction.kind, SlaAction.level))
    return Counter((k.value, lv) for k, lv in rows)


def test_verification_ladder_fires_each_step_once(
    sessions: sessionmaker[Session], clock: SlaClock
) -> None:
    with sessions() as db, db.begin():
        f.staff(db, Role.VERIFIER, MON)
        f.staff(db, Role.MANAGER, MON)
        code = f.report(db, clock, MON).tracking_code  # verify due Thu 26 Nov 23:59:59 WIB

    # Nothing yet on Tuesday.
    assert run_sweep(sessions, clock=clock, now=wib(2026, 11, 24, 12)) == []
    # Thursday 00:00: the 24-hour reminder to the verifiers, once however often we sweep.
    first = run_sweep(sessions, clock=clock, now=wib(2026, 11, 26, 0, 0, 1))
    assert [(a.kind, a.level, a.notified) for a in first] == [("reminder", 1, 1)]
    assert run_sweep(sessions, clock=clock, now=wib(2026, 11, 26, 0, 0, 2)) == []
    # Friday 00:00: breached. Level 1 to verifiers and managers.
    breach = run_sweep(sessions, clock=clock, now=wib(2026, 11, 27, 0, 0, 0))
    assert [(a.kind, a.level, a.notified) for a in breach] == [("escalation", 1, 2)]
    # Level 2 after two more working days (Fri, Mon): Tuesday 00:00.
    assert run_sweep(sessions, clock=clock, now=wib(2026, 11, 30, 23, 59)) == []
    level2 = run_sweep(sessions, clock=clock, now=wib(2026, 12, 1, 0, 0, 0))
    assert [(a.kind, a.level) for a in level2] == [("escalation", 2)]
    # Level 3 goes to the configured authority (none configured: recorded, nobody to tell).
    level3 = run_sweep(sessions, clock=clock, now=wib(2026, 12, 4, 0, 0, 1))
    assert [(a.kind, a.level, a.notified) for a in level3] == [("escalation", 3, 0)]
    assert run_sweep(sessions, clock=clock, now=wib(2026, 12, 31)) == []

    with sessions() as db:
        report = lookups.get_report(db, code)
        assert report.escalation_level == 3
        assert report.next_sla_at is None
        assert counts(db) == Counter(
            {("escalation", 1): 1, ("escalation", 2): 1, ("escalation", 3): 1, ("reminder", 1): 1}
        )
        actions = [e.action for e in report.events]
        assert actions == ["submit", "breach", "escalate", "escalate"]
        templates = Counter(db.scalars(select(OutboxMessage.template)))
        assert templates["staff_reminder"] == 1
        # Level 1: the verifier and the manager; level 2: the manager; level 3: the authority.
        assert templates["staff_escalation"] == 3
        beat = db.get(Heartbeat, SWEEP_HEARTBEAT)
        # The last sweep acted "as of" a later date than today: the beat keeps the real time.
        assert beat is not None and beat.beat_at <= datetime.now(UTC)


def test_a_late_scheduler_skips_stale_reminders_but_escalates(
    sessions: sessionmaker[Session], clock: SlaClock
) -> None:
    with sessions() as db, db.begin():
        f.staff(db, Role.VERIFIER, MON)
        f.report(db, clock, MON)
    # The scheduler was down for two weeks; on restart it catches up in one sweep.
    actions = run_sweep(sessions, clock=clock, now=wib(2026, 12, 7, 9))
    assert [(a.kind, a.level, a.outcome) for a in actions] == [
        ("reminder", 1, "skipped"),
        ("escalation", 1, "done"),
        ("escalation", 2, "done"),
        ("escalation", 3, "done"),
    ]


def test_respond_stage_escalates_to_the_agency_head_and_citizen_window_auto_closes(
    sessions: sessionmaker[Session], clock: SlaClock
) -> None:
    with sessions() as db, db.begin():
        verifier = Actor.staff(f.staff(db, Role.VERIFIER, MON))
        officer = Actor.staff(f.staff(db, Role.OFFICER, MON, agency="pupr"))
        f.staff(db, Role.AGENCY_HEAD, MON, agency="pupr")
        f.staff(db, Role.AGENCY_HEAD, MON, agency="lingkungan")  # must not hear about pupr
        report = f.report(db, clock, MON)
        staff_cases.verify_and_forward(
            db, clock=clock, report=report, actor=verifier, agency_code="pupr", now=MON
        )
        code = report.tracking_code  # respond due Mon 30 Nov
    breach = run_sweep(sessions, clock=clock, now=wib(2026, 12, 1, 0, 0, 1))
    assert [(a.kind, a.level) for a in breach][-1] == ("escalation", 1)
    assert breach[-1].notified == 2  # the pupr head and the pupr officer
    with sessions() as db, db.begin():
        report = lookups.get_report(db, code)
        staff_cases.answer(
            db, clock=clock, report=report, actor=officer, text="Sudah", now=wib(2026, 12, 1, 9)
        )
        assert report.escalation_level == 0  # a new stage starts clean
        due = report.feedback_due_at
    assert due == wib(2026, 12, 15, 23, 59, 59)
    closing = run_sweep(sessions, clock=clock, now=due + timedelta(seconds=1))
    assert [a.kind for a in closing] == ["reminder", "auto_close"]
    assert [a.outcome for a in closing] == ["skipped", "done"]
    with sessions() as db:
        report = lookups.get_report(db, code)
        assert report.status is Status.FINISHED
        assert report.close_reason == "citizen window ended"
        assert report.events[-1].action == "auto_close"
        assert report.events[-1].actor_kind.value == "system"


def test_digest_goes_to_managers_once_per_working_day(
    sessions: sessionmaker[Session], clock: SlaClock
) -> None:
    with sessions() as db, db.begin():
        f.staff(db, Role.MANAGER, MON)
        f.report(db, clock, MON)
    with sessions() as db, db.begin():
        assert queue_digest(db, clock, wib(2026, 11, 24, 7, 30)) == 1
        assert queue_digest(db, clock, wib(2026, 11, 24, 7, 31)) == 0  # second scheduler
        assert queue_digest(db, clock, wib(2026, 11, 28, 7, 30)) == 0  # Saturday
        assert queue_digest(db, clock, wib(2026, 12, 25, 7, 30)) == 0  # Christmas
    with sessions() as db:
        body = db.scalars(
            select(OutboxMessage.body).where(OutboxMessage.template == "staff_digest")
        ).one()
        assert "1 laporan terbuka" in body


def test_one_bad_report_does_not_stop_the_sweep(
    sessions: sessionmaker[Session], clock: SlaClock, caplog: pytest.LogCaptureFixture
) -> None:
    with sessions() as db, db.begin():
        good = f.report(db, clock, MON).tracking_code
        bad = f.report(db, clock, MON)
        # Corrupt data (a deadline at the end of time) makes the ladder arithmetic overflow.
        bad.verify_due_at = datetime(9999, 12, 31, 12, tzinfo=UTC)
        bad_code = bad.tracking_code
    caplog.handler.addFilter(ContextFilter())  # what config.log puts on the process's handler
    with caplog.at_level(logging.ERROR, logger="escalation.sweep"):
        actions = run_sweep(sessions, clock=clock, now=wib(2026, 11, 27, 1))
    assert {a.report for a in actions} == {good}
    with sessions() as db:
        assert lookups.get_report(db, bad_code).next_sla_at is not None  # untouched, retried later
    # The failure is logged with the report's code as context (the message only has its id).
    [failure] = [r for r in caplog.records if r.name == "escalation.sweep"]
    assert failure.report == bad_code  # type: ignore[attr-defined]


# -- real concurrency and crashes (PostgreSQL, separate OS processes) ------------------------------


def _seed_many(sessions: sessionmaker[Session], clock: SlaClock, n: int) -> None:
    with sessions() as db, db.begin():
        f.staff(db, Role.VERIFIER, MON)
        f.staff(db, Role.MANAGER, MON)
        who = f.citizen(db, MON)
        for _ in range(n):
            f.report(db, clock, MON, who=who)


def _sweep_process(url: str, now: str, batch: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "SUARAWARGA_DATABASE_URL": url,
        "SUARAWARGA_SWEEP_BATCH_SIZE": str(batch),
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "webhooks.cli", "sweep", "--now", now],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.postgres
def test_the_first_heartbeat_written_by_two_sweeps_at_once(pg_url: str) -> None:
    """Neither finds a row to lock: the second insert waits on the key, fails, and updates the
    row the first one committed (keeping the later beat)."""
    import threading

    from escalation.sweep import write_heartbeat
    from reports.db import make_engine, session_factory

    engine = make_engine(pg_url)
    sessions = session_factory(engine)
    early, late = datetime(2026, 12, 7, 2, tzinfo=UTC), datetime(2026, 12, 7, 3, tzinfo=UTC)
    errors: list[BaseException] = []
    try:
        with sessions() as first, first.begin():
            first.add(Heartbeat(name=SWEEP_HEARTBEAT, beat_at=late, details={"by": "first"}))
            first.flush()  # the row exists, uncommitted: the other insert must wait for it

            def second() -> None:
                try:
                    write_heartbeat(sessions, now=early, actions=1, failed=0, started=early)
                except BaseException as exc:  # reported to the test below
                    errors.append(exc)

            thread = threading.Thread(target=second)
            thread.start()
            time.sleep(0.5)  # the second sweep is now blocked on the unique key
        thread.join(10)
        assert not thread.is_alive() and errors == []
        with sessions() as db:
            beat = db.get(Heartbeat, SWEEP_HEARTBEAT)
            assert beat is not None and beat.beat_at == late  # never moved backwards
            assert beat.details["actions"] == 1
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_two_concurrent_sweeps_act_exactly_once(pg_url: str, clock: SlaClock) -> None:
    from reports.db import make_engine, session_factory

    engine = make_engine(pg_url)
    sessions = session_factory(engine)
    try:
        n = 150
        _seed_many(sessions, clock, n)
        now = wib(2026, 12, 7, 9).isoformat()
        procs = [_sweep_process(pg_url, now, batch=20) for _ in range(2)]
        outputs = [p.communicate(timeout=240) for p in procs]
        for p, (_, err) in zip(procs, outputs, strict=True):
            assert p.returncode == 0, err
        lines = [json.loads(line) for out, _ in outputs for line in out.splitlines()]
        keys = [(a["report"], a["stage"], a["cycle"], a["kind"], a["level"]) for a in lines]
        assert len(keys) == len(set(keys)) == 4 * n  # no action printed by both processes
        assert all(len(out.splitlines()) > 0 for out, _ in outputs), (
            "both processes shared the work"
        )
        with sessions() as db:
            assert counts(db) == Counter(
                {
                    ("reminder", 1): n,
                    ("escalation", 1): n,
                    ("escalation", 2): n,
                    ("escalation", 3): n,
                }
            )
            per_key = db.execute(
                select(OutboxMessage.idempotency_key, func.count()).group_by(
                    OutboxMessage.idempotency_key
                )
            ).all()
            assert all(c == 1 for _, c in per_key)
            breaches = db.scalar(select(func.count()).where(ReportEvent.action == "breach"))
            assert breaches == n
    finally:
        from tests.conftest import _truncate

        _truncate(engine)
        engine.dispose()


@pytest.mark.postgres
def test_killed_sweep_loses_nothing_and_doubles_nothing(pg_url: str, clock: SlaClock) -> None:
    from reports.db import make_engine, session_factory

    engine = make_engine(pg_url)
    sessions = session_factory(engine)
    try:
        n = 300
        _seed_many(sessions, clock, n)
        now = wib(2026, 12, 7, 9).isoformat()
        victim = _sweep_process(pg_url, now, batch=10)
        assert victim.stdout is not None
        seen = 0
        deadline = time.monotonic() + 120
        while seen < 40 and time.monotonic() < deadline:  # printed = committed
            if victim.stdout.readline():
                seen += 1
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        with sessions() as db:
            done_before = sum(counts(db).values())
        assert seen <= done_before < 4 * n, "the kill should land mid-sweep"
        survivor = _sweep_process(pg_url, now, batch=50)
        out, err = survivor.communicate(timeout=240)
        assert survivor.returncode == 0, err
        assert len(out.splitlines()) == 4 * n - done_before  # exactly the rest
        with sessions() as db:
            assert sum(counts(db).values()) == 4 * n
            assert (
                db.scalar(
                    select(func.count()).select_from(Report).where(Report.next_sla_at.is_not(None))
                )
                == 0
            )
            per_kind = Counter(db.scalars(select(SlaAction.kind)))
            assert per_kind[SlaActionKind.ESCALATION] == 3 * n
    finally:
        from tests.conftest import _truncate

        _truncate(engine)
        engine.dispose()
