"""Closed vocabularies of the domain, as ``StrEnum`` so they read well in the database and JSON."""

from enum import StrEnum

# Defined below ``reports`` (the SLA policy and the deadline arithmetic are written in them);
# re-exported so the domain's vocabulary is imported from one place.
from escalation.vocabulary import ReportType as ReportType
from escalation.vocabulary import SlaActionKind as SlaActionKind
from escalation.vocabulary import Stage as Stage


class Privacy(StrEnum):
    PUBLIC = "public"  # biasa
    ANONYMOUS = "anonymous"  # anonim: identity hidden from agency and public
    CONFIDENTIAL = "confidential"  # rahasia: whole report hidden from the public


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    WEB = "web"
    EMAIL = "email"
    CLI = "cli"
    IMPORT = "import"  # a city's earlier reports, brought in by ``suarawarga import reports``


class Status(StrEnum):
    SUBMITTED = "submitted"  # waiting for the verifier
    INFO_REQUESTED = "info_requested"  # waiting for the citizen; the clock is paused
    FORWARDED = "forwarded"  # verified and with the responsible agency
    ANSWERED = "answered"  # the agency answered; the citizen's window runs
    FINISHED = "finished"  # selesai
    ARCHIVED = "archived"  # closed without follow-up, with a reason


OPEN_STATUSES = frozenset(
    {Status.SUBMITTED, Status.INFO_REQUESTED, Status.FORWARDED, Status.ANSWERED}
)


STAGE_OF_STATUS: dict[Status, Stage] = {
    Status.SUBMITTED: Stage.VERIFY,
    Status.FORWARDED: Stage.RESPOND,
    Status.ANSWERED: Stage.FEEDBACK,
}


class Role(StrEnum):
    ADMIN = "admin"
    VERIFIER = "verifier"
    OFFICER = "officer"
    AGENCY_HEAD = "agency_head"
    MANAGER = "manager"


AGENCY_ROLES = frozenset({Role.OFFICER, Role.AGENCY_HEAD})


class ActorKind(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"
    SYSTEM = "system"


class MessageDirection(StrEnum):
    CITIZEN_TO_AGENCY = "citizen_to_agency"
    AGENCY_TO_CITIZEN = "agency_to_citizen"


class MessageKind(StrEnum):
    REPORT = "report"  # the original submission
    ANSWER = "answer"  # the agency's follow-up (tindak lanjut)
    INFO_REQUEST = "info_request"  # verifier or agency asks for more information
    INFO_REPLY = "info_reply"
    CITIZEN_RESPONSE = "citizen_response"  # citizen's reaction to an answer
    NOTE = "note"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the retry budget; visible to staff
    CANCELLED = "cancelled"


class InboxStatus(StrEnum):
    PENDING = "pending"  # acknowledged to the provider, not processed yet (or waiting to retry)
    DONE = "done"  # processed: its effects and replies committed with this status
    DEAD = "dead"  # kept failing: set aside (logged, counted in /health) so the chat moves on


class RecipientKind(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"
    EXTERNAL = "external"  # e.g. the configured higher authority
