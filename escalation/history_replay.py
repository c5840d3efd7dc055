"""Importing a city's earlier reports: each valid row replayed through the live use cases.

Why a replay and not an INSERT of finished rows: the deadlines, breaches, escalation levels,
events and agency assignments of an imported report must be exactly what the product would have
recorded had it been running, and the only code that knows that is the code that runs live. So
each row is submitted, forwarded, answered and closed by ``reports.citizen_cases`` and
``reports.staff_cases`` with the row's own instants as ``now``, and between those instants the
sweep (``escalation.sweep.process_report``) is run at every instant the report's ``next_sla_at``
named, exactly as the scheduler would have: a verification that came late is recorded as
breached (with its level-2 and level-3 escalations when it was that late), and a citizen window
that ended closes the report (auto-close). No deadline arithmetic lives here.

Nobody is told: the session is muted (:func:`reports.notify.mute`), so the use cases and the
sweep queue no outbox row, and imported reports have a citizen of their own with no contact, on
the ``import`` channel.

One transaction for the whole file: a crash, a kill or an unexpected error leaves nothing of the
import behind (PostgreSQL and SQLite roll the transaction back), so there is no half-imported
state to detect or resume, and no import-record table to keep. The cost is that the import holds
its transaction for its duration: on PostgreSQL that blocks nobody (the new rows are invisible
until commit, and no existing row is touched); on SQLite the file's writer lock is held, so
import before going live or at a quiet hour. Each report row carries its import key under a
unique constraint, so importing the same file again (or two imports of it at once: the second
fails on the key and rolls back) adds nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from escalation.deadlines import SlaClock
from escalation.sweep import StaffDirectory, process_report
from reports import citizen_cases, notify, staff_cases
from reports.actor import Actor
from reports.enums import ActorKind, Channel, Role, Status
from reports.history_import import HistoryRow, HistoryStatus, RowError
from reports.lifecycle import DomainError
from reports.models import Agency, Citizen, Report

log = logging.getLogger(__name__)

#: Close reasons of imported closings (data, like the live "citizen window ended").
CLOSED_REASON = "closed (imported history)"
REJECTED_REASON = "rejected (imported history)"
NOT_OUR_AUTHORITY_REASON = "not our authority (imported history)"
#: Reports per flush-and-forget: keeps the session's identity map small on long files.
CHUNK = 200
_KEY_LOOKUP = 500

#: The staff of imported history are unknown: an actor with the role, and no id.
VERIFIER = Actor(ActorKind.STAFF, None, Role.VERIFIER, None)


@dataclass
class ImportSummary:
    imported: int = 0
    already_imported: int = 0
    duplicates: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # tracking codes of the imported reports


class ImportFailed(Exception):
    """A row the validation accepted could not be replayed; nothing was imported."""

    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


def existing_keys(db: Session, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` are already on a report (the unique index answers each chunk)."""
    wanted = list(keys)
    found: set[str] = set()
    for i in range(0, len(wanted), _KEY_LOOKUP):
        chunk = wanted[i : i + _KEY_LOOKUP]
        found.update(db.scalars(select(Report.import_key).where(Report.import_key.in_(chunk))))
    return found


def catch_up(
    db: Session, clock: SlaClock, report: Report, until: datetime, staff: StaffDirectory
) -> None:
    """Run the sweep on ``report`` at each instant it had work due, up to and including ``until``.

    ``next_sla_at`` is the product's own answer to "when does the sweep next act on this
    report?"; each action is stamped at the instant it fell due, as a scheduler sweeping
    continuously would have done it.
    """
    while report.next_sla_at is not None and report.next_sla_at <= until:
        due = report.next_sla_at
        if not process_report(db, clock, report, due, staff) and report.next_sla_at == due:
            raise RuntimeError(f"sweep made no progress on {report.tracking_code} at {due}")


def replay_row(
    db: Session,
    clock: SlaClock,
    row: HistoryRow,
    now: datetime,
    staff: StaffDirectory,
) -> Report:
    """One row's report, through the use cases at the row's instants, swept up to ``now``."""
    citizen = Citizen(language="id", created_at=row.submitted_at)
    db.add(citizen)
    db.flush()
    report = citizen_cases.submit_report(
        db,
        clock=clock,
        citizen=citizen,
        channel=Channel.IMPORT,
        report_type=row.report_type,
        title=row.title or row.text[:80],
        body=row.text,
        now=row.submitted_at,
        privacy=row.privacy,
        location_text=row.location_text,
        latitude=row.latitude,
        longitude=row.longitude,
        agency_code=row.agency_code,
    )
    report.import_key = row.key
    if row.forwarded_at is not None:
        assert row.agency_code is not None  # validated: a forwarded row names its agency
        catch_up(db, clock, report, row.forwarded_at, staff)
        staff_cases.verify_and_forward(
            db, clock=clock, report=report, actor=VERIFIER, agency_code=row.agency_code,
            now=row.forwarded_at,
        )  # fmt: skip
    if row.answered_at is not None:
        assert row.answer is not None
        catch_up(db, clock, report, row.answered_at, staff)
        officer = Actor(ActorKind.STAFF, None, Role.OFFICER, report.agency_id)
        staff_cases.answer(
            db, clock=clock, report=report, actor=officer, text=row.answer, now=row.answered_at
        )
    if row.status is HistoryStatus.CLOSED:
        # Closed when the file says; without a date, when the citizen's window ended (the
        # sweep's auto-close), or now if that window is still open.
        at = row.closed_at or now
        catch_up(db, clock, report, at, staff)
        if report.status is Status.ANSWERED:
            officer = Actor(ActorKind.STAFF, None, Role.OFFICER, report.agency_id)
            staff_cases.finish(
                db, clock=clock, report=report, actor=officer, reason=CLOSED_REASON, now=at
            )
    elif row.status in (HistoryStatus.REJECTED, HistoryStatus.NOT_OUR_AUTHORITY):
        at = row.closed_at or row.submitted_at
        catch_up(db, clock, report, at, staff)
        if row.status is HistoryStatus.REJECTED:
            staff_cases.archive(
                db, clock=clock, report=report, actor=VERIFIER, reason=REJECTED_REASON, now=at
            )
        else:
            staff_cases.not_our_authority(
                db, clock=clock, report=report, actor=VERIFIER, reason=NOT_OUR_AUTHORITY_REASON,
                now=at,
            )  # fmt: skip
    catch_up(db, clock, report, now, staff)
    return report


def import_history(
    factory: sessionmaker[Session],
    *,
    clock: SlaClock,
    rows: Sequence[HistoryRow],
    now: datetime,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import ``rows`` (validated) in one transaction, skipping those imported before.

    A row the use cases refuse (a case the validation did not foresee) aborts the whole import
    with :class:`ImportFailed`, or with ``skip_invalid`` is left out (its savepoint rolled back)
    and listed in the summary. ``progress`` is called with the number of rows just handled.
    """
    summary = ImportSummary()
    with factory() as db, db.begin():
        notify.mute(db)
        done = existing_keys(db, (r.key for r in rows))
        staff = StaffDirectory(db)
        # The identity map holds objects weakly: without these references every use case's
        # ``db.get(Agency, ...)`` would load the agency again (3-4 queries per report).
        held: list[Agency] = list(db.scalars(select(Agency)))
        pending = 0
        for row in rows:
            if row.key in done:
                summary.already_imported += 1
            else:
                try:
                    # A savepoint only when a refused row is to be skipped: otherwise the whole
                    # transaction is rolled back anyway, and two statements per row are saved.
                    with db.begin_nested() if skip_invalid else nullcontext(), db.no_autoflush:
                        report = replay_row(db, clock, row, now, staff)
                        db.flush()
                except DomainError as exc:
                    error = RowError(row.line, f"refused by the lifecycle: {exc}")
                    if not skip_invalid:
                        raise ImportFailed(error) from exc
                    summary.errors.append(error)
                    summary.invalid += 1
                else:
                    summary.imported += 1
                    summary.codes.append(report.tracking_code)
                    done.add(row.key)
                pending += 1
                if pending >= CHUNK:
                    db.expunge_all()  # flushed already; keeps memory flat on long files
                    staff = StaffDirectory(db)
                    held[:] = db.scalars(select(Agency))
                    pending = 0
            if progress:
                progress(1)
    log.info(
        "import: %s imported, %s already imported, %s refused",
        summary.imported,
        summary.already_imported,
        summary.invalid,
    )
    return summary
