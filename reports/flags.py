"""Marks a report keeps in every list once the citizen pushed back on it.

A report the citizen sent back as not satisfied (``citizen_respond``) or reopened (``reopen``)
is back in the agency's pile looking like any new one; LAPOR! staff asked to see at a glance that
the citizen already had an answer and rejected it. The marks are read from the audit log (the
events are the truth and no column can drift from them), for a page of reports in one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.lifecycle import Action
from reports.models import ReportEvent

#: event action -> flag name shown in the lists
FLAG_OF_ACTION: Final = {
    Action.CITIZEN_RESPOND.value: "not_satisfied",
    Action.REOPEN.value: "reopened",
}


def flags_of(db: Session, report_ids: Iterable[int]) -> dict[int, list[str]]:
    """Report id -> its flags, in a fixed order (reports without any are left out)."""
    ids = list(set(report_ids))
    if not ids:
        return {}
    rows = db.execute(
        select(ReportEvent.report_id, ReportEvent.action)
        .where(ReportEvent.report_id.in_(ids), ReportEvent.action.in_(list(FLAG_OF_ACTION)))
        .distinct()
    ).all()
    found: dict[int, set[str]] = {}
    for report_id, action in rows:
        found.setdefault(report_id, set()).add(FLAG_OF_ACTION[action])
    order = list(FLAG_OF_ACTION.values())
    return {rid: [f for f in order if f in flags] for rid, flags in found.items()}
