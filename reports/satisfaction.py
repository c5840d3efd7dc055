"""Citizen satisfaction per Permenpan RB 14/2017 (SKM / IKM).

Nine elements on a 1-4 scale; per element NRR = mean score; IKM = 25 x sum(NRR x 1/9) over the
elements. After a complaint is handled we ask only the elements a citizen can judge from the
handling of a report, so the index is computed over the elements that have ratings, with equal
weights (the regulation's weighting generalised to the elements actually asked).

A rating is one citizen's score of one element of one finished report. The citizens who may rate
a report are its reporter and, on a primary report, those who joined its group ("saya juga
mengalami ini", ``report_supporters``): they have no report of their own, so they rate the
primary as themselves. (A citizen whose own report was merged rates that report, which closed
with the primary.) Each citizen scores an element once (a second score replaces the first), so
every citizen of a group counts once in the element means; nothing about who else rated is
shown to anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from reports.enums import Status
from reports.lifecycle import DomainError
from reports.models import Report, ReportSupporter, SatisfactionRating

#: All nine SKM elements, keyed by name (implementations disagree on the order of the last two).
ELEMENTS: Final = (
    "requirements",
    "procedure",
    "completion_time",
    "cost",
    "product",
    "staff_competence",
    "staff_behaviour",
    "complaint_handling",
    "facilities",
)

#: The elements a citizen can judge from how their report was handled; asked by the bot in order.
ASKED_AFTER_REPORT: Final = ("completion_time", "staff_behaviour", "complaint_handling", "product")

GRADES: Final = (
    (88.31, "A", "Sangat Baik"),
    (76.61, "B", "Baik"),
    (65.00, "C", "Kurang Baik"),
    (25.00, "D", "Tidak Baik"),
)


@dataclass(frozen=True, slots=True)
class Index:
    ikm: float | None  # 25..100, None without ratings
    grade: str | None
    label: str | None
    responses: int  # finished reports with at least one rating
    nrr: dict[str, float]


def grade(ikm: float) -> tuple[str, str]:
    for threshold, letter, label in GRADES:
        if ikm >= threshold - 1e-9:
            return letter, label
    return "D", "Tidak Baik"


def compute_index(nrr: dict[str, float], responses: int) -> Index:
    if not nrr:
        return Index(None, None, None, responses, {})
    value = round(25 * sum(nrr.values()) / len(nrr), 2)
    letter, label = grade(value)
    return Index(value, letter, label, responses, nrr)


def rateable_by(citizen_id: int) -> ColumnElement[bool]:
    """The reports ``citizen_id`` may rate, as a condition on ``Report``: their own, and the
    primaries of the groups they joined (a supporter row on the primary or on a report merged
    into it: the row stays where it was made when that report is merged later). A supporter
    whose own report was merged into the same primary rates that report instead, so they
    count once in the group."""
    joined = select(ReportSupporter.report_id).where(ReportSupporter.citizen_id == citizen_id)
    own_merged_into = select(Report.duplicate_of_id).where(
        Report.citizen_id == citizen_id, Report.duplicate_of_id.is_not(None)
    )
    return or_(
        Report.citizen_id == citizen_id,
        and_(
            Report.duplicate_of_id.is_(None),
            Report.id.not_in(own_merged_into),
            or_(
                Report.id.in_(joined),
                Report.id.in_(
                    select(Report.duplicate_of_id).where(
                        Report.id.in_(joined), Report.duplicate_of_id.is_not(None)
                    )
                ),
            ),
        ),
    )


def may_rate(db: Session, report: Report, citizen_id: int) -> bool:
    if report.citizen_id == citizen_id:
        return True
    return (
        db.scalar(select(Report.id).where(Report.id == report.id, rateable_by(citizen_id)))
        is not None
    )


def record_rating(
    db: Session, *, report: Report, citizen_id: int, element: str, score: int, now: datetime
) -> SatisfactionRating:
    """Store one citizen's score of one element; their second score of it replaces the first."""
    if not may_rate(db, report, citizen_id):
        raise DomainError("rate_reporter_only")
    if report.status is not Status.FINISHED:
        raise DomainError("rate_not_finished")
    if element not in ELEMENTS:
        raise DomainError("unknown_element", element=element)
    if not 1 <= score <= 4:
        raise DomainError("bad_score", score=score)
    existing = db.scalar(
        select(SatisfactionRating).where(
            SatisfactionRating.report_id == report.id,
            SatisfactionRating.citizen_id == citizen_id,
            SatisfactionRating.element == element,
        )
    )
    if existing is not None:
        existing.score, existing.created_at = score, now
        return existing
    rating = SatisfactionRating(
        report_id=report.id,
        citizen_id=citizen_id,
        agency_id=report.agency_id,
        element=element,
        score=score,
        created_at=now,
    )
    db.add(rating)
    db.flush()
    return rating


def agency_index(
    db: Session,
    *,
    agency_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Index:
    """The IKM of one agency (or of all, with ``agency_id=None``) over a period."""
    query = select(SatisfactionRating.element, func.avg(SatisfactionRating.score)).group_by(
        SatisfactionRating.element
    )
    count_q = select(func.count(func.distinct(SatisfactionRating.report_id)))
    for cond in (
        SatisfactionRating.agency_id == agency_id if agency_id is not None else None,
        SatisfactionRating.created_at >= since if since else None,
        SatisfactionRating.created_at < until if until else None,
    ):
        if cond is not None:
            query, count_q = query.where(cond), count_q.where(cond)
    nrr = {element: float(avg) for element, avg in db.execute(query)}
    return compute_index(nrr, db.scalar(count_q) or 0)
