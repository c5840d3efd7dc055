"""The reads the use cases and their callers share: a report by its tracking code, an agency by
its code, the SLA actions already taken in a report's current cycle.

Apart from ``reports.case_steps`` because they change nothing: the console, the bot, the CLI
and the sweep look rows up here without reaching into the module that performs transitions.
An unknown code is a :class:`~reports.lifecycle.DomainError`, so every caller refuses it alike.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports import tracking
from reports.lifecycle import DomainError
from reports.models import Agency, Report, SlaAction


def agency_by_code(db: Session, code: str) -> Agency:
    agency = db.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise DomainError("unknown_agency", code=code)
    return agency


def get_report(db: Session, code: str, *, for_update: bool = False) -> Report:
    canonical = tracking.normalize(code) or code.strip().upper()
    query = select(Report).where(Report.tracking_code == canonical)
    if for_update:
        query = query.with_for_update()
    report = db.scalar(query)
    if report is None:
        raise DomainError("unknown_report", code=code)
    return report


def performed_sla_keys(db: Session, report: Report) -> set[tuple[str, int, str, int]]:
    rows = db.execute(
        select(SlaAction.stage, SlaAction.cycle, SlaAction.kind, SlaAction.level).where(
            SlaAction.report_id == report.id, SlaAction.cycle == report.stage_cycle
        )
    )
    return {(s.value, c, k.value, lv) for s, c, k, lv in rows}
