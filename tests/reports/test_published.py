"""What the public list and map may hold (``reports.published``), on SQLite and PostgreSQL:
verified, non-confidential reports only; the map's points carry nothing about the reporter and
a rounded place; the list and the map apply one filter."""

from __future__ import annotations

import dataclasses

from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from reports import published, staff_cases
from reports.actor import Actor
from reports.enums import Privacy, ReportType, Role, Status
from reports.models import Report
from tests import factories as f
from tests.conftest import wib

MON = wib(2026, 11, 23, 9, 0)


def _report(
    db: Session,
    clock: SlaClock,
    privacy: Privacy,
    *,
    agency: str | None = "pupr",
    where: tuple[float, float] | None = (-6.20884, 106.82273),
    area: str = "Jl. Sudirman",
) -> Report:
    report = f.report(db, clock, MON, privacy=privacy)
    report.location_text = area
    if where is not None:
        report.latitude, report.longitude = where
    if agency is not None:
        verifier = Actor.staff(f.staff(db, Role.VERIFIER, MON))
        staff_cases.verify_and_forward(
            db, clock=clock, report=report, actor=verifier, agency_code=agency, now=MON
        )
    db.flush()
    return report


def _codes(points: list[published.MapPoint]) -> set[str]:
    return {p.code for p in points}


def test_confidential_and_unverified_reports_are_never_on_the_map(
    db: Session, clock: SlaClock
) -> None:
    public = _report(db, clock, Privacy.PUBLIC)
    anonymous = _report(db, clock, Privacy.ANONYMOUS)
    confidential = _report(db, clock, Privacy.CONFIDENTIAL)
    _report(db, clock, Privacy.PUBLIC, agency=None)  # not verified yet
    _report(db, clock, Privacy.PUBLIC, where=None)  # no place: on the list, not on the map
    points, truncated = published.map_points(db, published.PublicFilters())
    assert _codes(points) == {public.tracking_code, anonymous.tracking_code}
    assert not truncated
    # No filter brings a confidential report back: not its agency, status, type or area.
    for filters in (
        published.PublicFilters(agency_id=confidential.agency_id),
        published.PublicFilters(status=Status.FORWARDED, type=ReportType.COMPLAINT),
        published.PublicFilters(area="Sudirman"),
    ):
        found, _ = published.map_points(db, filters)
        assert confidential.tracking_code not in _codes(found)
        listed = published.page(db, filters, before=0, size=50)
        assert confidential.tracking_code not in {r.tracking_code for r in listed}


def test_a_point_names_no_reporter_and_rounds_the_place(db: Session, clock: SlaClock) -> None:
    anonymous = _report(db, clock, Privacy.ANONYMOUS)
    [point], _ = published.map_points(db, published.PublicFilters())
    fields = {field.name for field in dataclasses.fields(published.MapPoint)}
    assert fields == {
        "code", "title", "type", "agency_id", "status", "area", "created_at",
        "latitude", "longitude",
    }  # fmt: skip
    assert point.code == anonymous.tracking_code
    assert (point.latitude, point.longitude) == (-6.2088, 106.8227)


def test_list_and_map_apply_the_same_filters(db: Session, clock: SlaClock) -> None:
    pupr = _report(db, clock, Privacy.PUBLIC, area="Jl. Melati")
    lh = _report(db, clock, Privacy.PUBLIC, agency="lingkungan", area="Pasar Senen")
    aspiration = _report(db, clock, Privacy.ANONYMOUS, area="Jl. Melati_2")
    aspiration.type = ReportType.ASPIRATION
    db.flush()
    cases = [
        published.PublicFilters(),
        published.PublicFilters(agency_id=lh.agency_id),
        published.PublicFilters(type=ReportType.ASPIRATION),
        published.PublicFilters(status=Status.ANSWERED),
        published.PublicFilters(area="melati"),
        published.PublicFilters(area="melati_"),  # LIKE wildcards are literal
    ]
    expected = [
        {pupr, lh, aspiration},
        {lh},
        {aspiration},
        set(),
        {pupr, aspiration},
        {aspiration},
    ]
    for filters, want in zip(cases, expected, strict=True):
        listed = {r.tracking_code for r in published.page(db, filters, before=0, size=50)}
        mapped, _ = published.map_points(db, filters)
        assert listed == _codes(mapped) == {r.tracking_code for r in want}, filters


def test_the_map_is_capped_newest_first(db: Session, clock: SlaClock) -> None:
    reports = [_report(db, clock, Privacy.PUBLIC) for _ in range(3)]
    points, truncated = published.map_points(db, published.PublicFilters(), cap=2)
    assert truncated
    assert [p.code for p in points] == [r.tracking_code for r in reversed(reports)][:2]
