"""One problem, many reports: possible duplicates at submission, merging, unmerging, joining
(issue 15), through the real use cases on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation.deadlines import SlaClock
from escalation.sweep import process_report, select_due
from reports import (
    citizen_cases,
    citizen_reads,
    duplicate_scoring,
    duplicates,
    groups,
    merging,
    satisfaction,
    staff_cases,
)
from reports.actor import Actor
from reports.enums import Channel, Role, Status
from reports.lifecycle import DomainError, NotPermitted
from reports.models import (
    Citizen,
    OutboxMessage,
    Report,
    ReportEvent,
    SatisfactionRating,
    SlaAction,
)
from reports.stats import metrics
from reports.stats.figures import StatsFilter
from tests import factories as f
from tests.conftest import wib

MON = wib(2026, 11, 23, 9, 0)

POTHOLE = [
    ("Jalan berlubang besar di Jl. Melati Raya, Kel. Sukamaju, sudah 2 minggu.", None),
    ("jln melati kelurahan sukamaju aspalnya bolong2 bahaya buat motor", None),
    ("Lubang di jalan Melati (Sukamaju) makin dalam, tolong ditambal", None),
]


def submit(
    db: Session,
    clock: SlaClock,
    text: str,
    now: object = MON,
    *,
    who: Citizen | None = None,
    lat: float | None = None,
    lon: float | None = None,
    location: str | None = None,
    channel: Channel = Channel.TELEGRAM,
) -> Report:
    return f.report(
        db,
        clock,
        now,  # type: ignore[arg-type]
        who=who or f.citizen(db, MON, channel),
        channel=channel,
        title=text[:60],
        body=text,
        location_text=location,
        latitude=lat,
        longitude=lon,
    )


@pytest.fixture
def people(db: Session) -> dict[str, Actor]:
    return {
        "verifier": Actor.staff(f.staff(db, Role.VERIFIER, MON)),
        "pupr": Actor.staff(f.staff(db, Role.OFFICER, MON, agency="pupr")),
        "dlh": Actor.staff(f.staff(db, Role.OFFICER, MON, agency="lingkungan")),
        "manager": Actor.staff(f.staff(db, Role.MANAGER, MON)),
    }


def test_similar_reports_at_the_same_place_are_suggested_best_first(
    db: Session, clock: SlaClock
) -> None:
    first = submit(db, clock, POTHOLE[0][0])
    other_problem = submit(db, clock, "Lampu PJU di Jl. Melati Kel. Sukamaju mati total")
    elsewhere = submit(db, clock, "Jalan berlubang besar di Jl. Mawar Kel. Sukamaju")
    second = submit(db, clock, POTHOLE[1][0], MON + timedelta(hours=1))
    assert [r.id for r in duplicates.current(db, second)] == [first.id]
    assert other_problem.id not in [r.id for r in duplicates.current(db, second)]
    assert elsewhere.id not in [r.id for r in duplicates.current(db, second)]
    # The third finds both earlier ones, and nothing older than 30 days is a candidate.
    third = submit(db, clock, POTHOLE[2][0], MON + timedelta(hours=2))
    assert {r.id for r in duplicates.current(db, third)} == {first.id, second.id}
    late = submit(db, clock, POTHOLE[0][0], MON + timedelta(days=31))
    assert duplicates.current(db, late) == []
    # The other direction: the first report's later twins, best first; none for the others.
    assert {r.id for r in duplicates.later(db, first)} == {second.id, third.id}
    assert [r.id for r in duplicates.later(db, second)] == [third.id]
    assert duplicates.later(db, other_problem) == duplicates.later(db, late) == []


def test_coordinates_within_200_m_match_without_a_street(db: Session, clock: SlaClock) -> None:
    a = submit(db, clock, "Sampah menumpuk di pinggir jalan, bau busuk", lat=-6.2001, lon=106.8166)
    near = submit(db, clock, "tumpukan sampah bau banget dekat pasar", lat=-6.2010, lon=106.8170)
    far = submit(db, clock, "sampah menumpuk bau sekali", lat=-6.2100, lon=106.8170)
    assert [r.id for r in duplicates.current(db, near)] == [a.id]
    assert a.id not in [r.id for r in duplicates.current(db, far)]
    assert [r.id for r in duplicates.later(db, a)] == [near.id]  # by the map cells alone


def test_scorer_separates_problems_at_one_place() -> None:
    pothole = duplicate_scoring.Facts("Jalan berlubang di Jl. Melati, Kel. Sukamaju")
    same = duplicate_scoring.Facts("aspal bolong di jln melati kelurahan sukamaju")
    light = duplicate_scoring.Facts("Lampu PJU padam di Jl. Melati, Kel. Sukamaju")
    assert duplicate_scoring.score(pothole, same) > 0.5
    assert duplicate_scoring.score(pothole, light) == 0.0
    assert duplicate_scoring.place_keys("Jl. Jend. Sudirman No. 5").street == "sudirman"
    assert duplicate_scoring.place_keys("jalan rusak parah").street is None


def _group(db: Session, clock: SlaClock, people: dict[str, Actor]) -> list[Report]:
    reports = [
        submit(db, clock, text, MON + timedelta(minutes=i)) for i, (text, _) in enumerate(POTHOLE)
    ]
    primary, *others = reports
    for other in others:
        merging.merge(
            db, clock=clock, report=other, into=primary, actor=people["verifier"], now=MON
        )
    return reports


def test_a_merged_group_is_answered_once_and_every_citizen_hears_and_rates(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    primary, second, third = _group(db, clock, people)
    assert second.duplicate_of_id == primary.id and second.next_sla_at is None
    assert groups.reporter_count(db, primary) == 3
    merged_notes = db.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "report_merged")
    ).all()
    assert {m.report_id for m in merged_notes} == {second.id, third.id}
    assert all(primary.tracking_code in m.body for m in merged_notes)

    day1 = MON + timedelta(days=1)
    staff_cases.verify_and_forward(
        db, clock=clock, report=primary, actor=people["verifier"], agency_code="pupr", now=day1
    )
    staff_cases.answer(
        db, clock=clock, report=primary, actor=people["pupr"], text="Sudah ditambal.", now=day1
    )
    answers = db.scalars(
        select(OutboxMessage).where(OutboxMessage.template.in_(["agency_answer", "group_answer"]))
    ).all()
    by_report = {m.report_id: m for m in answers}
    assert set(by_report) == {primary.id, second.id, third.id}
    assert all("Sudah ditambal." in m.body for m in answers)
    assert {by_report[r.id].address for r in (primary, second, third)} == {
        i.external_id for r in (primary, second, third) for i in r.citizen.identities
    }

    # The primary finishes: the group finishes with it and each citizen rates their own report.
    staff_cases.finish(db, clock=clock, report=primary, actor=people["pupr"], reason="ok", now=day1)
    for report in (second, third):
        db.refresh(report)
        assert report.status is Status.FINISHED and report.agency_id == primary.agency_id
    asks = db.scalars(select(OutboxMessage).where(OutboxMessage.template == "rating_request")).all()
    assert {m.report_id for m in asks} == {primary.id, second.id, third.id}
    for report in (primary, second, third):
        satisfaction.record_rating(
            db,
            report=report,
            citizen_id=report.citizen_id,
            element="completion_time",
            score=4,
            now=day1,
        )


def test_merged_reports_do_not_breach_on_their_own(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    primary, second, third = _group(db, clock, people)
    later = MON + timedelta(days=10)
    due = select_due(db, later, 100, set())
    assert primary.id in due and not set(due) & {second.id, third.id}
    for report_id in due:
        report = db.get(Report, report_id)
        assert report is not None
        process_report(db, clock, report, later)
    acted = set(db.scalars(select(SlaAction.report_id)))
    assert primary.id in acted and not acted & {second.id, third.id}


def test_the_dashboard_counts_a_merged_group_as_one_open_report(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    """Managers watch open work: a problem reported three times and merged is one report to
    handle (the reporters are counted on the primary, ``groups.reporter_count``)."""
    _group(db, clock, people)
    assert metrics.open_by_stage(db, filters=StatsFilter())[Status.SUBMITTED] == 1


def test_refusals(db: Session, clock: SlaClock, people: dict[str, Actor]) -> None:
    primary, second, _ = _group(db, clock, people)
    lone = submit(db, clock, "Pohon tumbang di Jl. Kenanga")
    v = people["verifier"]
    with pytest.raises(DomainError) as err:
        merging.merge(db, clock=clock, report=lone, into=lone, actor=v, now=MON)
    assert err.value.code == "merge_into_itself"
    with pytest.raises(DomainError) as err:
        merging.merge(db, clock=clock, report=primary, into=second, actor=v, now=MON)
    assert err.value.code == "merge_cycle"
    with pytest.raises(DomainError) as err:
        merging.merge(db, clock=clock, report=lone, into=second, actor=v, now=MON)
    assert err.value.code == "merge_into_merged"
    with pytest.raises(DomainError) as err:
        staff_cases.verify_and_forward(
            db, clock=clock, report=second, actor=v, agency_code="pupr", now=MON
        )
    assert err.value.code == "report_merged"
    closed = submit(db, clock, "Sampah di Jl. Kenanga")
    staff_cases.archive(db, clock=clock, report=closed, actor=v, reason="spam", now=MON)
    with pytest.raises(DomainError) as err:
        merging.merge(db, clock=clock, report=lone, into=closed, actor=v, now=MON)
    assert err.value.code == "merge_into_closed"
    with pytest.raises(NotPermitted):
        merging.merge(db, clock=clock, report=lone, into=primary, actor=people["manager"], now=MON)
    # Another agency's officer can neither merge nor unmerge the pupr group.
    for r in (primary, lone):
        staff_cases.verify_and_forward(
            db, clock=clock, report=r, actor=v, agency_code="pupr", now=MON
        )
    with pytest.raises(NotPermitted) as denied:
        merging.merge(db, clock=clock, report=lone, into=primary, actor=people["dlh"], now=MON)
    assert denied.value.code == "not_your_agency"
    with pytest.raises(NotPermitted):
        merging.unmerge(db, clock=clock, report=second, actor=people["dlh"], reason="beda", now=MON)


def test_unmerge_is_audited_and_restarts_the_clock(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    primary, second, _ = _group(db, clock, people)
    later = MON + timedelta(days=2)
    with pytest.raises(DomainError):
        merging.unmerge(
            db, clock=clock, report=second, actor=people["verifier"], reason=" ", now=later
        )
    merging.unmerge(
        db, clock=clock, report=second, actor=people["verifier"], reason="beda lubang", now=later
    )
    assert second.duplicate_of_id is None and second.verify_due_at is not None
    assert second.verify_due_at > later and second.next_sla_at is not None
    audit = db.scalars(
        select(ReportEvent).where(ReportEvent.action.in_(["unmerge", "unmerge_released"]))
    ).all()
    assert {(e.report_id, e.reason) for e in audit} == {
        (second.id, "beda lubang"),
        (primary.id, "beda lubang"),
    }
    assert groups.reporter_count(db, primary) == 2
    with pytest.raises(DomainError) as err:
        merging.unmerge(
            db, clock=clock, report=second, actor=people["verifier"], reason="x", now=later
        )
    assert err.value.code == "not_merged"


def test_a_citizen_joins_a_public_report(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    report = submit(db, clock, POTHOLE[0][0])
    joiner = f.citizen(db, MON, Channel.WHATSAPP)
    with pytest.raises(DomainError) as err:  # not published yet (unverified)
        merging.join(
            db, clock=clock, report=report, citizen=joiner, channel=Channel.WHATSAPP, now=MON
        )
    assert err.value.code == "join_not_open"
    staff_cases.verify_and_forward(
        db, clock=clock, report=report, actor=people["verifier"], agency_code="pupr", now=MON
    )
    joined, added = merging.join(
        db, clock=clock, report=report, citizen=joiner, channel=Channel.WHATSAPP, now=MON
    )
    assert added and joined.id == report.id
    again = merging.join(
        db, clock=clock, report=report, citizen=joiner, channel=Channel.WHATSAPP, now=MON
    )
    assert again == (report, False)
    assert groups.reporter_count(db, report) == 2
    staff_cases.answer(
        db, clock=clock, report=report, actor=people["pupr"], text="Sudah ditambal.", now=MON
    )
    heard = db.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.citizen_id == joiner.id)
        .order_by(OutboxMessage.id)
    ).all()
    assert [m.template for m in heard] == ["report_joined", "group_answer"]


def test_merging_a_primary_moves_its_group_and_closed_groups_stay_closed(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    primary, second, third = _group(db, clock, people)
    other = submit(db, clock, "Jalan berlubang di Jl. Melati, Kel. Sukamaju, dekat masjid")
    v = people["verifier"]
    merging.merge(db, clock=clock, report=primary, into=other, actor=v, now=MON)
    # One level deep: the old primary's reports now follow the new one directly.
    assert {r.duplicate_of_id for r in (primary, second, third)} == {other.id}
    assert groups.reporter_count(db, other) == 4
    told = db.scalars(
        select(OutboxMessage.report_id).where(
            OutboxMessage.template == "report_merged",
            OutboxMessage.body.contains(other.tracking_code),
        )
    ).all()
    assert set(told) == {primary.id, second.id, third.id}
    staff_cases.archive(db, clock=clock, report=other, actor=v, reason="sudah diperbaiki", now=MON)
    assert {r.status for r in (primary, second, third)} == {Status.ARCHIVED}
    with pytest.raises(DomainError) as err:
        merging.unmerge(db, clock=clock, report=second, actor=v, reason="x", now=MON)
    assert err.value.code == "unmerge_closed"


def _answered_group(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> tuple[Report, list[Report], Citizen]:
    """A primary with two merged reports and one citizen who joined it, answered by pupr."""
    primary, second, third = _group(db, clock, people)
    staff_cases.verify_and_forward(
        db, clock=clock, report=primary, actor=people["verifier"], agency_code="pupr", now=MON
    )
    joiner = f.citizen(db, MON, Channel.WHATSAPP)
    merging.join(db, clock=clock, report=primary, citizen=joiner, channel=Channel.WHATSAPP, now=MON)
    staff_cases.answer(
        db, clock=clock, report=primary, actor=people["pupr"], text="Sudah ditambal.", now=MON
    )
    return primary, [second, third], joiner


def _asks(db: Session, template: str) -> list[tuple[int | None, int | None]]:
    """(citizen, report) of every ``template`` notice queued, oldest first."""
    rows = db.scalars(
        select(OutboxMessage).where(OutboxMessage.template == template).order_by(OutboxMessage.id)
    )
    return [(m.citizen_id, m.report_id) for m in rows]


def test_a_citizen_who_joined_rates_the_primary_once_as_themselves(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    primary, merged, joiner = _answered_group(db, clock, people)
    second = merged[0]
    lone = submit(db, clock, "Pohon tumbang di Jl. Kenanga")
    day1 = MON + timedelta(days=1)
    staff_cases.finish(db, clock=clock, report=primary, actor=people["pupr"], reason="ok", now=day1)
    v = people["verifier"]
    staff_cases.archive(db, clock=clock, report=lone, actor=v, reason="x", now=day1)

    # Asked to rate the primary, in their own channel, like every other citizen of the group.
    asks = _asks(db, "rating_request")
    assert sorted(asks) == sorted(
        [(r.citizen_id, r.id) for r in (primary, *merged)] + [(joiner.id, primary.id)]
    )
    ask = db.scalars(
        select(OutboxMessage).where(
            OutboxMessage.template == "rating_request", OutboxMessage.citizen_id == joiner.id
        )
    ).one()
    assert ask.payload["expects"] == "rating" and primary.tracking_code in ask.body
    since = MON
    assert citizen_reads.latest_unrated(db, joiner.id, since) == primary

    def rate(report: Report, who: int, score: int) -> None:
        satisfaction.record_rating(
            db, report=report, citizen_id=who, element="complaint_handling", score=score, now=day1
        )

    rate(primary, primary.citizen_id, 4)
    rate(primary, joiner.id, 1)
    rate(primary, joiner.id, 2)  # a second score replaces their first: one rating per citizen
    assert citizen_reads.latest_unrated(db, joiner.id, since) is None
    scores = db.execute(
        select(SatisfactionRating.citizen_id, SatisfactionRating.score).where(
            SatisfactionRating.report_id == primary.id
        )
    ).all()
    assert sorted(scores) == sorted([(primary.citizen_id, 4), (joiner.id, 2)])
    index = satisfaction.agency_index(db, agency_id=primary.agency_id)
    assert index.nrr == {"complaint_handling": 3.0}
    by_agency = metrics.satisfaction_by_agency(db, filters=StatsFilter())
    assert [row.index.nrr for row in by_agency] == [{"complaint_handling": 3.0}]

    # Neither a report of someone else's group nor a merged report is theirs to rate.
    for other in (lone, second):
        with pytest.raises(DomainError) as err:
            rate(other, joiner.id, 4)
        assert err.value.code == "rate_reporter_only"
    assert citizen_reads.rateable_report(db, joiner.id, second.tracking_code) is None
    assert citizen_reads.rateable_report(db, joiner.id, primary.tracking_code) == primary


def test_reopening_a_primary_brings_its_group_back_and_asks_everyone_again(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    primary, merged, joiner = _answered_group(db, clock, people)
    reporter = Actor.citizen(primary.citizen_id)
    others = {*((r.citizen_id, r.id) for r in merged), (joiner.id, primary.id)}

    # Objecting to the answer: the agency works on it again and the group hears so.
    t1 = MON + timedelta(hours=2)
    citizen_cases.citizen_respond(
        db, clock=clock, report=primary, actor=reporter, text="Belum, masih berlubang.", now=t1
    )
    assert set(_asks(db, "group_reopened")) == others
    staff_cases.answer(
        db, clock=clock, report=primary, actor=people["pupr"], text="Sudah diaspal.", now=t1
    )

    # Accepting, then reopening within the window: the merged report reopens with the primary.
    t2 = t1 + timedelta(hours=1)
    citizen_cases.citizen_accept(db, clock=clock, report=primary, actor=reporter, now=t2)
    assert {r.status for r in merged} == {Status.FINISHED}
    assert len(_asks(db, "rating_request")) == 4
    citizen_cases.reopen(
        db, clock=clock, report=primary, actor=reporter, text="Berlubang lagi.", now=t2
    )
    assert {r.status for r in (primary, *merged)} == {Status.FORWARDED}
    assert all(r.closed_at is None and r.duplicate_of_id == primary.id for r in merged)
    assert sorted(
        db.scalars(select(ReportEvent.report_id).where(ReportEvent.action == "reopen_with_primary"))
    ) == [r.id for r in merged]
    told = _asks(db, "group_reopened")
    assert len(told) == 6 and set(told) == others
    notes = db.scalars(
        select(OutboxMessage.body).where(OutboxMessage.template == "group_reopened")
    ).all()
    assert all(primary.tracking_code in body for body in notes)

    # Closing again closes the group again and asks everyone to rate again, as the reporter is.
    t3 = t2 + timedelta(days=1)
    staff_cases.answer(
        db, clock=clock, report=primary, actor=people["pupr"], text="Ditambal ulang.", now=t3
    )
    staff_cases.finish(db, clock=clock, report=primary, actor=people["pupr"], reason="ok", now=t3)
    assert {r.status for r in merged} == {Status.FINISHED}
    asks = _asks(db, "rating_request")
    assert len(asks) == 8 and set(asks) == {(primary.citizen_id, primary.id), *others}


def test_a_supporter_whose_own_report_was_merged_rates_only_their_report(
    db: Session, clock: SlaClock, people: dict[str, Actor]
) -> None:
    """Joined first, then their own report of the same problem was merged: one rating each."""
    primary = submit(db, clock, POTHOLE[0][0])
    staff_cases.verify_and_forward(
        db, clock=clock, report=primary, actor=people["verifier"], agency_code="pupr", now=MON
    )
    both = f.citizen(db, MON, Channel.TELEGRAM)
    merging.join(db, clock=clock, report=primary, citizen=both, channel=Channel.TELEGRAM, now=MON)
    own = submit(db, clock, POTHOLE[1][0], who=both)
    merging.merge(db, clock=clock, report=own, into=primary, actor=people["verifier"], now=MON)
    staff_cases.answer(
        db, clock=clock, report=primary, actor=people["pupr"], text="Sudah ditambal.", now=MON
    )
    staff_cases.finish(db, clock=clock, report=primary, actor=people["pupr"], reason="ok", now=MON)
    assert [a for a in _asks(db, "rating_request") if a[0] == both.id] == [(both.id, own.id)]
    assert citizen_reads.rateable_report(db, both.id, primary.tracking_code) is None
    assert citizen_reads.latest_unrated(db, both.id, MON) == own
    satisfaction.record_rating(
        db, report=own, citizen_id=both.id, element="product", score=3, now=MON
    )
    assert citizen_reads.latest_unrated(db, both.id, MON) is None
    with pytest.raises(DomainError):
        satisfaction.record_rating(
            db, report=primary, citizen_id=both.id, element="product", score=3, now=MON
        )
