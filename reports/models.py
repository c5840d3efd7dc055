"""Database tables of the domain (SQLAlchemy 2.0 typed mappings)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from reports.enums import (
    ActorKind,
    Channel,
    InboxStatus,
    MessageDirection,
    MessageKind,
    OutboxStatus,
    Privacy,
    RecipientKind,
    ReportType,
    Role,
    SlaActionKind,
    Stage,
    Status,
)
from reports.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(enum_cls: type, name: str) -> SAEnum:
    # Plain VARCHAR without a CHECK: adding a value must not need a type migration.
    return SAEnum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Citizen(Base):
    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="id")
    created_at: Mapped[datetime]

    identities: Mapped[list[CitizenIdentity]] = relationship(back_populates="citizen")


class CitizenIdentity(Base):
    """One way to reach a citizen: a Telegram chat, a WhatsApp number, a web-chat session."""

    __tablename__ = "citizen_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(
        ForeignKey("citizens.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    external_id: Mapped[str] = mapped_column(String(120))
    # WhatsApp's 24-hour rule is counted from the citizen's last inbound message.
    last_inbound_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    citizen: Mapped[Citizen] = relationship(back_populates="identities")


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    language: Mapped[str] = mapped_column(String(5), default="id")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    agency: Mapped[Agency | None] = relationship()
    addresses: Mapped[list[StaffAddress]] = relationship(
        back_populates="staff", cascade="all, delete-orphan"
    )
    chats: Mapped[list[StaffChat]] = relationship(
        back_populates="staff", cascade="all, delete-orphan"
    )


class StaffAddress(Base):
    """Where a staff member wants notifications (reminders, escalations, digests)."""

    __tablename__ = "staff_addresses"
    __table_args__ = (UniqueConstraint("staff_id", "channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    address: Mapped[str] = mapped_column(String(200))

    staff: Mapped[StaffUser] = relationship(back_populates="addresses")


class StaffChat(Base):
    """A Telegram or WhatsApp chat linked to a staff account (``reports.officer_chat``).

    Unlike a :class:`StaffAddress` (typed in by an admin, one-way), a linked chat proved it is
    the officer's by sending a one-time code, so messages FROM it act as that account: the pair
    (channel, address) is unique, and one chat per channel per account keeps "which chat is
    mine" unambiguous. ``last_inbound_at`` counts WhatsApp's 24-hour window for the officer, as
    ``CitizenIdentity.last_inbound_at`` does for a citizen.
    """

    __tablename__ = "staff_chats"
    __table_args__ = (
        UniqueConstraint("channel", "address"),
        UniqueConstraint("staff_id", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    address: Mapped[str] = mapped_column(String(120))
    linked_at: Mapped[datetime]
    last_inbound_at: Mapped[datetime | None]

    staff: Mapped[StaffUser] = relationship(back_populates="chats")


class StaffLinkCode(Base):
    """A one-time code that links the chat it is sent from to ``staff_id`` (15 minutes).

    Only the code's SHA-256 is stored (as for API tokens), so the table cannot be replayed;
    ``used_at`` makes it single-use.
    """

    __tablename__ = "staff_link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class StaffSession(Base):
    """A signed-in console session, kept server-side so it can be ended at once.

    The cookie carries only a random secret; this row (keyed by the secret's SHA-256, so a leaked
    table cannot be replayed as cookies) is what makes it valid. Signing out deletes the row, and
    a password reset, a deactivation or a role change delete every row of the account: a copied
    cookie stops working on its next request instead of living out its 12 hours.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class LoginThrottle(Base):
    """Recent failed sign-ins per throttling key (see ``console.auth``).

    ``key`` is the SHA-256 of the key's kind and value (a client address, an account with a client
    address or trusted device, or an account alone), so the table never holds usernames or
    addresses in the clear. A row with ``blocked_until`` in the future refuses attempts under that
    key until then; rows are forgotten a while after their last failure.
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None]


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        # The sweep's only query: "what has SLA work due by now?"; a partial index keeps it small.
        Index(
            "ix_reports_next_sla_at",
            "next_sla_at",
            postgresql_where=text("next_sla_at IS NOT NULL"),
            sqlite_where=text("next_sla_at IS NOT NULL"),
        ),
        Index("ix_reports_agency_status", "agency_id", "status"),
        Index("ix_reports_status_verify_due", "status", "verify_due_at"),
        Index("ix_reports_citizen_created", "citizen_id", "created_at"),
        # Possible duplicates (``reports.duplicates``): the reports of the last 30 days on the same
        # street or area, or in the same coarse map cell, found by an index range, not a scan.
        Index(
            "ix_reports_dup_place",
            "dup_place_key",
            "created_at",
            postgresql_where=text("dup_place_key IS NOT NULL"),
            sqlite_where=text("dup_place_key IS NOT NULL"),
        ),
        Index(
            "ix_reports_dup_cell",
            "dup_cell",
            "created_at",
            postgresql_where=text("dup_cell IS NOT NULL"),
            sqlite_where=text("dup_cell IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[ReportType] = mapped_column(_enum(ReportType, "report_type"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    incident_date: Mapped[date | None] = mapped_column(Date)
    location_text: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    category: Mapped[str | None] = mapped_column(String(120))
    privacy: Mapped[Privacy] = mapped_column(_enum(Privacy, "privacy"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"))
    status: Mapped[Status] = mapped_column(_enum(Status, "status"))

    # Current deadlines (fixed design: columns recomputed at every transition).
    verify_due_at: Mapped[datetime | None]
    response_due_at: Mapped[datetime | None]
    feedback_due_at: Mapped[datetime | None]
    stage_started_at: Mapped[datetime | None]
    stage_cycle: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    next_sla_at: Mapped[datetime | None]
    paused_stage: Mapped[Stage | None] = mapped_column(_enum(Stage, "stage"))
    paused_at: Mapped[datetime | None]
    paused_days_left: Mapped[int | None] = mapped_column(Integer)

    # What the NLU suggested at intake, so the verifier sees it and training can learn from fixes.
    nlu_type: Mapped[str | None] = mapped_column(String(40))
    nlu_type_confidence: Mapped[float | None] = mapped_column(Float)
    nlu_agency_code: Mapped[str | None] = mapped_column(String(40))
    nlu_agency_confidence: Mapped[float | None] = mapped_column(Float)
    nlu_suggestions: Mapped[dict[str, Any] | None]
    # Which model made the suggestion (artifact created_at + training-data hash, or the Rasa
    # model file), so a verifier's correction can be traced to the model that erred.
    nlu_model_version: Mapped[str | None] = mapped_column(String(200))

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[str | None] = mapped_column(String(500))
    # The one officer of the agency following the report up (``reports.assignment``); their
    # notifications replace the whole agency's. Cleared when the report leaves the agency.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    # Set on reports brought in by ``suarawarga import reports``: the row's source id or content
    # hash, unique, so importing the same file again adds nothing. None for live reports.
    import_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    # One problem, many reports (``reports.merging``): the report this one was merged into. A
    # merged report has no deadlines of its own (the primary's govern) and follows the primary.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    # The place as a comparable key (normalised street, else kelurahan/desa) and a coarse map cell
    # (about 220 m square): the indexed window of the duplicate search (``reports.duplicates``).
    dup_place_key: Mapped[str | None] = mapped_column(String(80))
    dup_cell: Mapped[int | None] = mapped_column(BigInteger)
    # What the scorer compares, parsed once at submission (``duplicate_scoring.signature``): a new
    # report is compared with up to a few hundred candidates, which are then not parsed again.
    dup_sig: Mapped[str | None] = mapped_column(String(1000))
    # Found when the report was submitted, best first: [{"id": 12, "score": 0.81}, ...].
    possible_duplicates: Mapped[list[Any] | None]

    agency: Mapped[Agency | None] = relationship(foreign_keys=[agency_id])
    duplicate_of: Mapped[Report | None] = relationship(
        foreign_keys=[duplicate_of_id], remote_side=[id]
    )
    assignee: Mapped[StaffUser | None] = relationship(foreign_keys=[assignee_id])
    citizen: Mapped[Citizen] = relationship()
    events: Mapped[list[ReportEvent]] = relationship(
        back_populates="report", order_by="ReportEvent.id"
    )
    messages: Mapped[list[ReportMessage]] = relationship(
        back_populates="report", order_by="ReportMessage.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(back_populates="report")
    assignments: Mapped[list[AgencyAssignment]] = relationship(
        back_populates="report", order_by="AgencyAssignment.id"
    )

    @property
    def stage(self) -> Stage | None:
        from reports.enums import STAGE_OF_STATUS

        return STAGE_OF_STATUS.get(self.status)

    @property
    def current_due_at(self) -> datetime | None:
        return {
            Stage.VERIFY: self.verify_due_at,
            Stage.RESPOND: self.response_due_at,
            Stage.FEEDBACK: self.feedback_due_at,
            None: None,
        }[self.stage]


class ReportSupporter(Base):
    """A citizen who said "saya juga mengalami ini" (me too) about someone else's public report.

    They hear what the reporter hears from then on (the answer, the end, the rating request) and
    count among the citizens who reported the problem; they never act on the report itself.
    """

    __tablename__ = "report_supporters"
    __table_args__ = (UniqueConstraint("report_id", "citizen_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    created_at: Mapped[datetime]


class CannedAnswer(Base):
    """A stock answer of one agency (``reports.canned``): written and kept up to date by the
    agency head, inserted by its officers into their answers and edited there before sending."""

    __tablename__ = "canned_answers"
    __table_args__ = (UniqueConstraint("agency_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    # Who wrote it and who changed it last, and when: the audit of an agency-wide text that is
    # not about one report (``report_events`` belongs to reports).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    updated_at: Mapped[datetime]


class AgencyAssignment(Base):
    """Who held a report when: a re-route closes one row and opens the next."""

    __tablename__ = "agency_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    assigned_at: Mapped[datetime]
    released_at: Mapped[datetime | None]
    release_reason: Mapped[str | None] = mapped_column(String(200))
    working_days_held: Mapped[int | None] = mapped_column(Integer)

    report: Mapped[Report] = relationship(back_populates="assignments")
    agency: Mapped[Agency] = relationship()


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Null while the citizen is still composing: the conversation links it on submit.
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]

    report: Mapped[Report | None] = relationship(back_populates="attachments")


class ReportMessage(Base):
    """The thread between citizen and agency about one report."""

    __tablename__ = "report_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    direction: Mapped[MessageDirection] = mapped_column(_enum(MessageDirection, "direction"))
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind, "message_kind"))
    author_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    report: Mapped[Report] = relationship(back_populates="messages")
    author: Mapped[StaffUser | None] = relationship()


class ReportEvent(Base):
    """Append-only audit log of every transition (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    actor_kind: Mapped[ActorKind] = mapped_column(_enum(ActorKind, "actor_kind"))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    from_status: Mapped[Status | None] = mapped_column(_enum(Status, "status"))
    to_status: Mapped[Status | None] = mapped_column(_enum(Status, "status"))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]

    report: Mapped[Report] = relationship(back_populates="events")


class SlaAction(Base):
    """One reminder, escalation or auto-close, performed once: the unique key is the lock."""

    __tablename__ = "sla_actions"
    __table_args__ = (UniqueConstraint("report_id", "stage", "cycle", "kind", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    stage: Mapped[Stage] = mapped_column(_enum(Stage, "stage"))
    cycle: Mapped[int] = mapped_column(Integer)
    kind: Mapped[SlaActionKind] = mapped_column(_enum(SlaActionKind, "sla_action_kind"))
    level: Mapped[int] = mapped_column(Integer)
    scheduled_at: Mapped[datetime]
    performed_at: Mapped[datetime]
    # "done", or "skipped" for a reminder made moot (the scheduler was down past the deadline).
    outcome: Mapped[str] = mapped_column(String(20), default="done")


class OutboxMessage(Base):
    """Every message the system will send; delivered by the outbox sender, never in a request."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # A recipient's rows: the engine's last message to a contact, the sender's order check.
        Index("ix_outbox_recipient", "channel", "address", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient_kind: Mapped[RecipientKind] = mapped_column(_enum(RecipientKind, "recipient_kind"))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    address: Mapped[str] = mapped_column(String(200))
    template: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus, "outbox_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(120))
    provider_status: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class InboundReceipt(Base):
    """Providers retry deliveries: (channel, external message id) is processed once."""

    __tablename__ = "inbound_receipts"
    __table_args__ = (UniqueConstraint("channel", "external_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    external_message_id: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime]


class InboxUpdate(Base):
    """A provider update acknowledged with a 200 but maybe not processed yet: the durable inbox.

    The webhook route stores the raw update in one INSERT and commits before it answers, so a
    redelivery of the same (channel, external message id) is a no-op and nothing acknowledged
    can be lost. ``bot.inbox`` processes pending rows in order per chat (``chat_id``), one
    transaction each, and clears ``payload`` once done (the row stays as the dedupe key and
    keeps no message text). ``claim_token``/``claimed_until`` are the processor's lease.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "external_message_id"),
        # Pending rows only: the claim, the per-chat order and /health's backlog read these.
        Index(
            "ix_inbox_pending",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index(
            "ix_inbox_pending_chat",
            "channel",
            "chat_id",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index(
            "ix_inbox_dead",
            "id",
            postgresql_where=text("status = 'dead'"),
            sqlite_where=text("status = 'dead'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    external_message_id: Mapped[str] = mapped_column(String(120))
    chat_id: Mapped[str] = mapped_column(String(120))
    payload: Mapped[str | None] = mapped_column(Text)
    status: Mapped[InboxStatus] = mapped_column(
        _enum(InboxStatus, "inbox_status"), default=InboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None]
    processed_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class Conversation(Base):
    """The conversation state per contact, in the database so any process can continue it."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    external_id: Mapped[str] = mapped_column(String(120))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    state: Mapped[str] = mapped_column(String(40), default="idle")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    language: Mapped[str] = mapped_column(String(5), default="id")
    updated_at: Mapped[datetime]


class SatisfactionRating(Base):
    """One SKM element score (1-4) for a finished report, by one citizen: its reporter or a
    citizen who joined it (``reports.satisfaction``); each citizen scores an element once."""

    __tablename__ = "satisfaction_ratings"
    __table_args__ = (UniqueConstraint("report_id", "citizen_id", "element"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    # Null for rows from before 0015 whose report has no citizen, or if a citizen's record is ever
    # removed: their scores stay in the agency's index, no longer tied to anyone.
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id", ondelete="SET NULL"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    element: Mapped[str] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class Heartbeat(Base):
    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    beat_at: Mapped[datetime]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
