"""Request and response bodies of the REST API ``/api/v1``.

Responses are built only from what the caller may see (``reports.access``): ``reporter`` is
present only when the caller may see the reporter's identity, and a citizen's id never appears in
the event log otherwise (an id would let an agency link an anonymous reporter's reports).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from reports.enums import (
    ActorKind,
    Channel,
    MessageDirection,
    MessageKind,
    Privacy,
    ReportType,
    Stage,
    Status,
)

CODE_EXAMPLE = "SW-7KQ4-M2XD"


class AssigneeView(BaseModel):
    """The officer following the report up (``reports.assignment``)."""

    id: int = Field(description="staff id; filter with ?assignee=<id>", examples=[12])
    name: str = Field(description="display name", examples=["Agus (Dinas PUPR)"])


class ReportSummary(BaseModel):
    code: str = Field(examples=[CODE_EXAMPLE])
    type: ReportType
    title: str
    status: Status
    stage: Stage | None = Field(description="the clock that runs; null when paused or closed")
    privacy: Privacy
    agency: str | None = Field(description="code of the agency holding it", examples=["pupr"])
    category: str | None
    channel: Channel
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None = Field(description="deadline of the running stage")
    overdue: bool = Field(description="verification or agency follow-up deadline passed")
    paused: bool = Field(description="waiting for the citizen's information; clock stopped")
    escalation_level: int
    assignee: AssigneeView | None = Field(
        description="the officer of the holding agency who follows it up; null: unassigned"
    )


class ReportPage(BaseModel):
    items: list[ReportSummary]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null: done")
    limit: int


class Location(BaseModel):
    text: str | None
    latitude: float | None
    longitude: float | None


class NluView(BaseModel):
    type: str | None
    type_confidence: float | None
    agency: str | None
    agency_confidence: float | None


class SuggestionView(BaseModel):
    """What the classifier proposed at intake; every field null when there was no suggestion."""

    type: str | None = Field(description="suggested report type", examples=["complaint"])
    type_confidence: float | None = Field(
        description="calibrated probability of the type, 0-1", examples=[0.93]
    )
    agency: str | None = Field(description="suggested agency code", examples=["pupr"])
    agency_confidence: float | None = Field(
        description="calibrated probability of the agency, 0-1", examples=[0.87]
    )
    model_version: str | None = Field(
        description="the model(s) that made the suggestion: the embedded models' creation time "
        "and training-data hash, or the Rasa model file",
        examples=["embedded report_type@2026-12-01T08:00:00+00:00#3f9a1c2e7b10"],
    )


class EventView(BaseModel):
    id: int
    action: str
    actor_kind: ActorKind
    actor_id: int | None = Field(description="staff id; a citizen's only for who may see them")
    from_status: Status | None
    to_status: Status | None
    reason: str | None
    data: dict[str, Any]
    created_at: datetime


class MessageView(BaseModel):
    id: int
    direction: MessageDirection
    kind: MessageKind
    body: str
    author: str | None = Field(description="the staff member's name for staff messages")
    created_at: datetime


class AttachmentView(BaseModel):
    id: int
    filename: str
    content_type: str
    size_bytes: int
    created_at: datetime


class IdentityView(BaseModel):
    channel: Channel
    external_id: str


class ReporterView(BaseModel):
    citizen_id: int
    display_name: str | None
    language: str
    identities: list[IdentityView]


class BreachView(BaseModel):
    """One missed deadline, kept after the clock moved on (``escalation.history``)."""

    stage: Stage = Field(description="verify or respond")
    due: datetime = Field(description="the deadline that was missed")
    breached_at: datetime = Field(description="when the sweep recorded the breach")
    ended_at: datetime | None = Field(description="when the stage ended; null: still running")
    working_days_late: int = Field(
        description="working days after the deadline's date up to the end (or now)", examples=[3]
    )
    max_level: int = Field(description="highest escalation level reached", examples=[2])
    ongoing: bool


class ReportDetail(ReportSummary):
    body: str
    incident_date: date | None
    location: Location
    verified_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    verify_due_at: datetime | None
    response_due_at: datetime | None
    feedback_due_at: datetime | None
    nlu: NluView = Field(description="deprecated: the same as suggestion, without model_version")
    suggestion: SuggestionView
    allowed_actions: list[str] = Field(
        description="actions the caller's role may try from this status (the agency is checked "
        "when acting)",
        examples=[["answer", "request_info", "return_to_verifier", "extend_deadline"]],
    )
    reporter: ReporterView | None = Field(
        description="present only for roles allowed to see the reporter of this report"
    )
    sla_history: list[BreachView] = Field(
        description="every stage whose deadline was missed, and by how many working days"
    )
    events: list[EventView]
    thread: list[MessageView]
    attachments: list[AttachmentView]
    possible_duplicates: list[str] = Field(
        default_factory=list,
        description="open reports (visible to you) that look like the same problem at the same "
        "place, found at submission, best first",
        examples=[["SW-7KQ4-M2XD"]],
    )
    later_duplicates: list[str] = Field(
        default_factory=list,
        description="open reports (visible to you) submitted after this one that list it among "
        "their possible duplicates, best first",
        examples=[["SW-9TQ2-H4WB"]],
    )
    duplicate_of: str | None = Field(
        default=None, description="the report this one was merged into; null: not merged"
    )
    merged_reports: list[str] = Field(
        default_factory=list, description="the reports merged into this one"
    )
    reporters: int = Field(
        default=1,
        description="citizens who reported the problem: the reporter, merged reports' "
        "reporters and citizens who joined",
    )


class AgencyView(BaseModel):
    code: str = Field(examples=["pupr"])
    name: str
    active: bool


# -- action bodies --------------------------------------------------------------------------------

Reason = Field(min_length=1, max_length=500, examples=["Laporan tidak terkait pelayanan publik"])
LongText = Field(min_length=1, max_length=20_000)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VerifyForwardIn(_Body):
    agency: str = Field(max_length=40, examples=["pupr"])
    type: ReportType | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    category: str | None = Field(default=None, max_length=120)
    privacy: Privacy | None = None


class QuestionIn(_Body):
    question: str = LongText


class ReasonIn(_Body):
    reason: str = Reason


class RerouteIn(_Body):
    agency: str = Field(max_length=40, examples=["lingkungan"])
    reason: str = Reason


class AnswerIn(_Body):
    text: str = Field(
        min_length=1,
        max_length=20_000,
        examples=["Perbaikan jalan dijadwalkan hari Senin, 30 November 2026."],
    )


class MergeIn(_Body):
    into: str = Field(
        min_length=1, max_length=40, description="tracking code of the report it joins",
        examples=[CODE_EXAMPLE],
    )  # fmt: skip
    reason: str = Field(default="", max_length=500)


class ExtendIn(_Body):
    days: int = Field(ge=1, le=60, examples=[5])
    reason: str = Reason


# -- statistics -----------------------------------------------------------------------------------


class StatsQuery(BaseModel):
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    agency: str | None = None


Order = Literal["newest", "due"]
