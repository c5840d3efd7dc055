"""The sweep: find reports with SLA work due and do it, each action exactly once.

Fixed design (architecture.md): the database is the source of truth. One indexed query selects
reports whose ``next_sla_at`` has passed; each action is recorded in ``sla_actions`` under a unique
(report, stage, cycle, kind, level) key in the same transaction as its effects (event, status
change, outbox rows). Running the sweep twice, in two processes at once (PostgreSQL row locks with
SKIP LOCKED), or again after a crash therefore acts once: a crash before commit leaves nothing
half-done, and the next sweep simply finds the same work still due.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from config.log import bind, log_context
from escalation.deadlines import ScheduledAction, SlaClock
from escalation.policy import Audience
from reports import notify
from reports.case_notices import notice_values
from reports.enums import OPEN_STATUSES, ActorKind, Channel, RecipientKind, Role, SlaActionKind
from reports.lookups import performed_sla_keys
from reports.models import Heartbeat, Report, ReportEvent, SlaAction, StaffUser
from reports.staff_cases import auto_close

log = logging.getLogger(__name__)

SWEEP_HEARTBEAT = "sweep"


@dataclass(frozen=True, slots=True)
class SweepAction:
    """One performed action, as printed by ``suarawarga sweep`` (one JSON line each)."""

    report: str
    stage: str
    cycle: int
    kind: str
    level: int
    scheduled_at: str
    outcome: str
    notified: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def select_due(
    db: Session, now: datetime, limit: int, exclude: set[int], *, lock: bool = True
) -> list[int]:
    """Ids of reports with SLA work due, oldest first, locked for this sweep.

    Only ids: the index on ``next_sla_at`` answers this on its own, and building hundreds of full
    ORM objects up front cost far more than the query (each report is loaded by primary key when
    its turn comes, inside its own savepoint). On PostgreSQL, ``FOR UPDATE SKIP LOCKED`` lets
    concurrent sweeps divide the work instead of queueing behind each other; the locks are the
    transaction's, so they hold until the batch commits. SQLite serialises writers on its own.
    """
    query = (
        select(Report.id)
        .where(Report.next_sla_at.is_not(None), Report.next_sla_at <= now)
        .order_by(Report.next_sla_at)
        .limit(limit)
    )
    if exclude:
        query = query.where(Report.id.not_in(exclude))
    if lock and db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.scalars(query))


class StaffDirectory:
    """Who holds each role, looked up once per sweep batch instead of once per report.

    A sweep after a long outage can escalate thousands of reports to the same few people; caching
    the (role, agency) lists with their addresses removes most of the per-report queries.
    """

    def __init__(self, db: Session) -> None:
        self._db = db
        self._cache: dict[tuple[Role, int | None], list[StaffUser]] = {}

    def with_role(self, role: Role, agency_id: int | None = None) -> list[StaffUser]:
        key = (role, agency_id)
        if key not in self._cache:
            people = notify.staff_with_role(self._db, role, agency_id)
            for person in people:
                _ = person.addresses  # load now, while we are here
            self._cache[key] = people
        return self._cache[key]

    def audience(self, report: Report, who: Audience) -> list[StaffUser]:
        if who is Audience.VERIFIERS:
            return self.with_role(Role.VERIFIER)
        if who is Audience.MANAGERS:
            return self.with_role(Role.MANAGER)
        if who is Audience.AGENCY_OFFICERS and report.agency_id:
            if report.assignee_id is not None:
                # The report's assignee, not the whole agency (``reports.assignment``).
                return notify.agency_officers(self._db, report)
            return self.with_role(Role.OFFICER, report.agency_id)
        if who is Audience.AGENCY_HEAD and report.agency_id:
            return self.with_role(Role.AGENCY_HEAD, report.agency_id)
        return []


def _notify(
    db: Session,
    clock: SlaClock,
    report: Report,
    action: ScheduledAction,
    now: datetime,
    staff: StaffDirectory,
) -> int:
    key = f"sla:{report.id}:{':'.join(map(str, action.key))}"
    due = clock.due_of(report, action.stage)
    values = notice_values(db, report, due=due, stage=action.stage.value, level=action.level)
    tz = clock.calendar.tz
    template = "staff_reminder" if action.kind is SlaActionKind.REMINDER else "staff_escalation"
    sent = 0
    for who in action.notify:
        if who is Audience.CITIZEN:
            row = notify.notify_citizen(
                db,
                report=report,
                template="feedback_reminder",
                key=key,
                tz=tz,
                now=now,
                values=values,
                tracking_url=clock.tracking_url(report.tracking_code),
            )
            sent += row is not None
        elif who is Audience.AUTHORITY:
            authority = clock.policy.authority
            body = notify.render_notice(template, "id", tz, values)
            for channel, addresses in (
                (Channel.EMAIL, authority.email),
                (Channel.TELEGRAM, authority.telegram),
                (Channel.WHATSAPP, authority.whatsapp),
            ):
                for address in addresses:
                    row = notify.queue(
                        db,
                        key=f"{key}:authority:{channel.value}:{address}",
                        recipient_kind=RecipientKind.EXTERNAL,
                        channel=channel,
                        address=address,
                        template=template,
                        body=body,
                        now=now,
                        report=report,
                    )
                    sent += row is not None
        else:
            sent += len(
                notify.notify_staff(
                    db,
                    staff=staff.audience(report, who),
                    report=report,
                    template=template,
                    key=key,
                    tz=tz,
                    now=now,
                    values=values,
                    clock=clock,
                )
            )
    return sent


def process_report(
    db: Session,
    clock: SlaClock,
    report: Report,
    now: datetime,
    staff: StaffDirectory | None = None,
) -> list[SweepAction]:
    """Carry out every action of ``report`` that is due at ``now`` and not done yet."""
    staff = staff or StaffDirectory(db)
    performed: list[SweepAction] = []
    done = performed_sla_keys(db, report)
    stage_due = clock.due_of(report, report.stage) if report.stage else None
    for action in clock.schedule(report):
        if action.at > now or action.key in done:
            continue
        outcome, notified = "done", 0
        if action.kind is SlaActionKind.REMINDER and stage_due is not None and now > stage_due:
            outcome = "skipped"  # the deadline already passed: the escalation speaks instead
        elif action.kind is SlaActionKind.REMINDER:
            notified = _notify(db, clock, report, action, now, staff)
        elif action.kind is SlaActionKind.ESCALATION:
            report.escalation_level = max(report.escalation_level, action.level)
            report.updated_at = now
            db.add(
                ReportEvent(
                    report_id=report.id,
                    action="escalate" if action.level > 1 else "breach",
                    actor_kind=ActorKind.SYSTEM,
                    from_status=report.status,
                    to_status=report.status,
                    reason=f"{action.stage.value} deadline missed",
                    data={
                        "stage": action.stage.value,
                        "level": action.level,
                        "due": stage_due.isoformat() if stage_due else None,
                    },
                    created_at=now,
                )
            )
            notified = _notify(db, clock, report, action, now, staff)
        db.add(
            SlaAction(
                report_id=report.id,
                stage=action.stage,
                cycle=action.cycle,
                kind=action.kind,
                level=action.level,
                scheduled_at=action.at,
                performed_at=now,
                outcome=outcome,
            )
        )
        if action.kind is SlaActionKind.AUTO_CLOSE:
            auto_close(db, clock=clock, report=report, now=now)
        db.flush()
        done.add(action.key)
        performed.append(
            SweepAction(
                report=report.tracking_code,
                stage=action.stage.value,
                cycle=action.cycle,
                kind=action.kind.value,
                level=action.level,
                scheduled_at=action.at.isoformat(),
                outcome=outcome,
                notified=notified,
            )
        )
        if action.kind is SlaActionKind.AUTO_CLOSE:
            break
    if report.status in OPEN_STATUSES:
        clock.refresh(report, done)
    else:
        report.next_sla_at = None
    return performed


def run_sweep(
    factory: sessionmaker[Session],
    *,
    clock: SlaClock,
    now: datetime,
    batch_size: int = 500,
    on_action: Callable[[SweepAction], None] | None = None,
    dry_run: bool = False,
) -> list[SweepAction]:
    """One sweep as of ``now``; returns (and reports through ``on_action``) what it did.

    Each batch is one transaction; each report runs in its own savepoint, so a report that fails
    (bad data, a bug) is logged and skipped without undoing the others or stopping the sweep.
    With ``dry_run`` the same code runs and everything is rolled back (see :func:`rehearse`).
    """
    if dry_run:
        return rehearse(factory, clock=clock, now=now, batch_size=batch_size, on_action=on_action)
    actions: list[SweepAction] = []
    failed: set[int] = set()
    started = datetime.now(now.tzinfo)
    while True:
        batch: list[SweepAction] = []
        with factory() as db, db.begin():
            due = select_due(db, now, batch_size, failed)
            staff = StaffDirectory(db)
            for report_id in due:
                # Every line about this report carries its code (config.log), failures included.
                with log_context(report=f"#{report_id}"):
                    try:
                        with db.begin_nested():
                            report = db.get_one(Report, report_id)
                            bind(report=report.tracking_code)
                            batch.extend(process_report(db, clock, report, now, staff))
                    except IntegrityError:
                        # Another sweep recorded the same action first: it is done, and so are we.
                        log.info("sweep: report %s already handled concurrently", report_id)
                        failed.add(report_id)
                    except Exception:
                        log.exception(
                            "sweep: report %s failed; continuing with the rest", report_id
                        )
                        failed.add(report_id)
        # Reported only once committed: what is printed has happened.
        actions.extend(batch)
        if on_action:
            for action in batch:
                on_action(action)
        if len(due) < batch_size:
            break
    write_heartbeat(factory, now=now, actions=len(actions), failed=len(failed), started=started)
    return actions


def rehearse(
    factory: sessionmaker[Session],
    *,
    clock: SlaClock,
    now: datetime,
    batch_size: int = 500,
    on_action: Callable[[SweepAction], None] | None = None,
) -> list[SweepAction]:
    """What a sweep at ``now`` would do, by doing it in one transaction that is rolled back.

    The real code runs (so the answer cannot drift from what a sweep does), nothing is committed,
    no row is locked against the real sweeps, and no heartbeat is written: a rehearsal says
    nothing about whether the scheduler is alive.
    """
    actions: list[SweepAction] = []
    seen: set[int] = set()
    with factory() as db:
        db.begin()
        try:
            while True:
                due = select_due(db, now, batch_size, seen, lock=False)
                staff = StaffDirectory(db)
                for report_id in due:
                    seen.add(report_id)
                    try:
                        with db.begin_nested():
                            batch = process_report(
                                db, clock, db.get_one(Report, report_id), now, staff
                            )
                    except Exception:
                        log.exception("sweep rehearsal: report %s would fail", report_id)
                        continue
                    actions.extend(batch)
                    if on_action:
                        for action in batch:
                            on_action(action)
                if len(due) < batch_size:
                    break
        finally:
            db.rollback()
    return actions


def write_heartbeat(
    factory: sessionmaker[Session], *, now: datetime, actions: int, failed: int, started: datetime
) -> None:
    """Record that a sweep ran, at the real time it ran, never later.

    ``now`` is the instant the sweep acted *as of*; a sweep "as if" in the future once stored
    that future instant, and ``/health`` reported a live scheduler (with a negative age) for
    months. The beat is ``min(now, the clock)``, never moves backwards, and a beat already in the
    future (written before this rule) is replaced.
    """
    wall = datetime.now(UTC)
    beat_at = min(now, wall)
    details = {
        "actions": actions,
        "failed": failed,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "duration_ms": round((datetime.now(started.tzinfo) - started).total_seconds() * 1000, 1),
    }
    with factory() as db, db.begin():
        beat = db.get(Heartbeat, SWEEP_HEARTBEAT, with_for_update=True)
        if beat is None:
            # Two first sweeps at once both find no row to lock: one insert wins, the other
            # waits for it on the key, fails, and updates the row it then finds.
            try:
                with db.begin_nested():
                    db.add(Heartbeat(name=SWEEP_HEARTBEAT, beat_at=beat_at, details=details))
                return
            except IntegrityError:
                beat = db.get(
                    Heartbeat, SWEEP_HEARTBEAT, with_for_update=True, populate_existing=True
                )
                assert beat is not None
        beat.beat_at = beat_at if beat.beat_at > wall else max(beat.beat_at, beat_at)
        beat.details = details


def count_open(db: Session) -> int:
    return (
        db.scalar(select(func.count()).select_from(Report).where(Report.status.in_(OPEN_STATUSES)))
        or 0
    )
