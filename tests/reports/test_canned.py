"""Canned answers per agency (``reports.canned``) on SQLite and PostgreSQL: only the agency head
(and an admin) writes them, the agency's officers read them, and another agency never sees them."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from reports import canned, lookups
from reports.actor import Actor
from reports.enums import Role
from reports.lifecycle import NotPermitted
from reports.models import CannedAnswer
from tests import factories as f
from tests.conftest import wib

MON = wib(2026, 11, 23, 9, 0)
TUE = wib(2026, 11, 24, 9, 0)


def _actors(db: Session) -> dict[str, Actor]:
    return {
        "head": Actor.staff(f.staff(db, Role.AGENCY_HEAD, MON, agency="pupr")),
        "officer": Actor.staff(f.staff(db, Role.OFFICER, MON, agency="pupr")),
        "other.head": Actor.staff(f.staff(db, Role.AGENCY_HEAD, MON, agency="lingkungan")),
        "other.officer": Actor.staff(f.staff(db, Role.OFFICER, MON, agency="lingkungan")),
        "admin": Actor.staff(f.staff(db, Role.ADMIN, MON)),
        "verifier": Actor.staff(f.staff(db, Role.VERIFIER, MON)),
        "manager": Actor.staff(f.staff(db, Role.MANAGER, MON)),
    }


def test_the_head_writes_edits_and_deletes_and_the_officer_reads(db: Session) -> None:
    who = _actors(db)
    pupr = lookups.agency_by_code(db, "pupr").id
    item = canned.create(
        db, actor=who["head"], agency_id=pupr, title="  Jadwal  perbaikan ",
        body="Perbaikan dijadwalkan pada anggaran tahun depan.\r\n", now=MON,
    )  # fmt: skip
    assert (item.title, item.body) == (
        "Jadwal perbaikan",
        "Perbaikan dijadwalkan pada anggaran tahun depan.",
    )
    assert item.created_by_id == who["head"].id and item.created_at == MON
    assert [c.title for c in canned.list_for(db, actor=who["officer"], agency_id=pupr)] == [
        "Jadwal perbaikan"
    ]
    assert canned.get(db, actor=who["officer"], canned_id=item.id).id == item.id

    edited = canned.edit(
        db, actor=who["head"], canned_id=item.id, title="Jadwal perbaikan",
        body="Perbaikan dijadwalkan bulan depan.", now=TUE,
    )  # fmt: skip
    assert edited.body == "Perbaikan dijadwalkan bulan depan."
    assert (edited.updated_by_id, edited.updated_at) == (who["head"].id, TUE)
    assert (edited.created_by_id, edited.created_at) == (who["head"].id, MON)
    # An admin manages any agency's list (as the head's stand-in).
    canned.edit(
        db, actor=who["admin"], canned_id=item.id, title="Jadwal", body="Bulan depan.", now=TUE
    )
    assert item.updated_by_id == who["admin"].id
    canned.delete(db, actor=who["head"], canned_id=item.id)
    assert canned.list_for(db, actor=who["head"], agency_id=pupr) == []


def test_officers_may_not_edit_and_other_agencies_see_nothing(db: Session) -> None:
    who = _actors(db)
    pupr = lookups.agency_by_code(db, "pupr").id
    item = canned.create(db, actor=who["head"], agency_id=pupr, title="A", body="a", now=MON)
    with pytest.raises(NotPermitted):
        canned.create(db, actor=who["officer"], agency_id=pupr, title="B", body="b", now=MON)
    with pytest.raises(NotPermitted):
        canned.edit(db, actor=who["officer"], canned_id=item.id, title="A", body="x", now=MON)
    with pytest.raises(NotPermitted):
        canned.delete(db, actor=who["officer"], canned_id=item.id)
    # Another agency's head may neither write into pupr's list nor learn its answers exist.
    with pytest.raises(NotPermitted):
        canned.create(db, actor=who["other.head"], agency_id=pupr, title="B", body="b", now=MON)
    for name in ("other.head", "other.officer", "verifier", "manager"):
        with pytest.raises(NotPermitted):
            canned.list_for(db, actor=who[name], agency_id=pupr)
        with pytest.raises(canned.CannedNotFound):
            canned.get(db, actor=who[name], canned_id=item.id)
    with pytest.raises(canned.CannedNotFound):
        canned.edit(db, actor=who["other.head"], canned_id=item.id, title="A", body="x", now=MON)
    with pytest.raises(canned.CannedNotFound):
        canned.delete(db, actor=who["other.head"], canned_id=item.id)
    assert item.body == "a"
    # Each agency's list is its own: the other head's texts never show in pupr's list.
    lingkungan = lookups.agency_by_code(db, "lingkungan").id
    canned.create(db, actor=who["other.head"], agency_id=lingkungan, title="A", body="l", now=MON)
    assert [c.body for c in canned.list_for(db, actor=who["officer"], agency_id=pupr)] == ["a"]
    assert [
        c.body for c in canned.list_for(db, actor=who["other.officer"], agency_id=lingkungan)
    ] == ["l"]


@pytest.mark.parametrize(
    ("title", "body", "code"),
    [
        ("", "text", "canned_title_required"),
        ("   ", "text", "canned_title_required"),
        ("x" * 121, "text", "canned_title_too_long"),
        ("T", " \n ", "canned_body_required"),
        ("T", "x" * 5001, "canned_body_too_long"),
        ("jadwal", "text", "canned_title_taken"),
    ],
)
def test_bad_texts_are_refused_with_a_code(db: Session, title: str, body: str, code: str) -> None:
    who = _actors(db)
    pupr = lookups.agency_by_code(db, "pupr").id
    canned.create(db, actor=who["head"], agency_id=pupr, title="Jadwal", body="x", now=MON)
    with pytest.raises(canned.CannedError) as refused:
        canned.create(db, actor=who["head"], agency_id=pupr, title=title, body=body, now=MON)
    assert refused.value.code == code
    other = canned.create(db, actor=who["head"], agency_id=pupr, title="Lain", body="y", now=MON)
    with pytest.raises(canned.CannedError) as refused:
        canned.edit(db, actor=who["head"], canned_id=other.id, title=title, body=body, now=MON)
    assert refused.value.code == code


def test_an_agency_keeps_a_bounded_list(db: Session) -> None:
    who = _actors(db)
    pupr = lookups.agency_by_code(db, "pupr").id
    for n in range(canned.MAX_PER_AGENCY):
        db.add(
            CannedAnswer(agency_id=pupr, title=f"T{n}", body="b", created_at=MON, updated_at=MON)
        )
    db.flush()
    with pytest.raises(canned.CannedError) as refused:
        canned.create(db, actor=who["head"], agency_id=pupr, title="One more", body="b", now=MON)
    assert refused.value.code == "canned_too_many"
