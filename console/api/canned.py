"""``GET /api/v1/canned-answers``: the caller's agency's canned answers (``reports.canned``).

For an officer's or head's client (an answer composer, a chat integration) to offer the agency's
stock texts. Only the caller's own agency: there is no parameter to ask for another one, and roles
without an agency (verifier, manager, admin) are refused with a 403.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from console.api.reports import PROBLEMS
from console.deps import CurrentStaff, SessionDep, actor_of
from console.problems import Problem, documented, domain_errors
from reports import canned
from reports.enums import AGENCY_ROLES

router = APIRouter(tags=["canned answers"], responses=PROBLEMS)


class CannedAnswerView(BaseModel):
    id: int
    title: str = Field(examples=["Jadwal perbaikan"])
    body: str = Field(
        description="the text to insert into an answer (adapt it before sending)",
        examples=["Perbaikan dijadwalkan pada anggaran tahun depan."],
    )
    updated_at: datetime


@router.get(
    "/canned-answers",
    response_model=list[CannedAnswerView],
    summary="Your agency's canned answers",
    responses=documented(403, s403="only an agency's officers and head have canned answers"),
)
def list_canned_answers(db: SessionDep, staff: CurrentStaff) -> list[CannedAnswerView]:
    """The canned answers of the caller's agency, by title. Written by the agency head in the
    console (``/console/canned``); insert one into ``POST /reports/{code}/answer``'s text."""
    if staff.role not in AGENCY_ROLES:
        raise Problem(
            403, "not-permitted", "Not permitted",
            "only an agency's officers and head have canned answers",
        )  # fmt: skip
    with domain_errors():
        items = canned.list_for(db, actor=actor_of(staff), agency_id=staff.agency_id)
    return [
        CannedAnswerView(id=c.id, title=c.title, body=c.body, updated_at=c.updated_at)
        for c in items
    ]
