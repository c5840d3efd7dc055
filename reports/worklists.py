"""The staff's worklists: the verification queue and an agency's inbox, most urgent first.

Reads only. The queue ranges over what the viewer may see (:func:`reports.access.visible_filter`);
an inbox is always one agency's (the console passes the staff member's own, and has no
parameter to ask for another one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from reports import access
from reports.actor import Actor
from reports.enums import Stage, Status
from reports.models import Report

#: The inbox's views: everything, assigned to me, assigned to nobody, past the follow-up deadline.
INBOX_VIEWS: Final = ("all", "mine", "unassigned", "overdue")


@dataclass(frozen=True, slots=True)
class VerificationQueue:
    new: Sequence[Report]  # submitted, the first ``limit`` by verification deadline
    new_total: int  # all submitted ones the viewer may see
    waiting: Sequence[Report]  # waiting for the citizen's information, at the verify stage


def verification_queue(db: Session, *, actor: Actor, limit: int) -> VerificationQueue:
    # A report merged into another waits for nothing: its primary is the one to handle.
    visible = access.visible_filter(actor) & Report.duplicate_of_id.is_(None)
    new_reports = db.scalars(
        select(Report)
        .where(Report.status == Status.SUBMITTED, visible)
        .order_by(Report.verify_due_at, Report.id)
        .limit(limit)
    ).all()
    new_total = db.scalar(select(func.count()).where(Report.status == Status.SUBMITTED, visible))
    waiting = db.scalars(
        select(Report)
        .where(Report.status == Status.INFO_REQUESTED, Report.paused_stage == Stage.VERIFY, visible)
        .order_by(Report.paused_at, Report.id)
        .limit(limit)
    ).all()
    return VerificationQueue(new_reports, new_total or 0, waiting)


def _narrowed(view: str, staff_id: int, now: datetime) -> ColumnElement[bool]:
    if view == "mine":
        return Report.assignee_id == staff_id
    if view == "unassigned":
        return Report.assignee_id.is_(None)
    if view == "overdue":
        # Only the agency's own deadline counts: waiting for the citizen is not overdue.
        overdue: ColumnElement[bool] = (Report.status == Status.FORWARDED) & (
            Report.response_due_at < now
        )
        return overdue
    return true()


@dataclass(frozen=True, slots=True)
class Inbox:
    to_answer: Sequence[Report]  # forwarded, by follow-up deadline
    waiting: Sequence[Report]  # waiting for the citizen's information, at the respond stage
    answered: Sequence[Report]  # answered, by the citizen's response deadline


def agency_inbox(
    db: Session, *, agency_id: int | None, view: str, staff_id: int, now: datetime, limit: int
) -> Inbox:
    """One agency's reports in the three sections of its inbox, narrowed to ``view``."""
    mine = (
        (Report.agency_id == agency_id)
        & _narrowed(view, staff_id, now)
        & Report.duplicate_of_id.is_(None)  # merged: its primary is the one to answer
    )
    to_answer = db.scalars(
        select(Report)
        .where(mine, Report.status == Status.FORWARDED)
        .order_by(Report.response_due_at, Report.id)
        .limit(limit)
    ).all()
    waiting = db.scalars(
        select(Report)
        .where(mine, Report.status == Status.INFO_REQUESTED, Report.paused_stage == Stage.RESPOND)
        .order_by(Report.paused_at, Report.id)
        .limit(limit)
    ).all()
    answered = db.scalars(
        select(Report)
        .where(mine, Report.status == Status.ANSWERED)
        .order_by(Report.feedback_due_at, Report.id)
        .limit(limit)
    ).all()
    return Inbox(to_answer, waiting, answered)
