"""The words the SLA policy is written in: report types, the stages that run a clock, the kinds of
SLA action.

They live here, below ``reports``, so the calendar, the policy and the deadline arithmetic stand on
their own (layer 5 of ``architecture.md``): the policy file is keyed by report type and stage, and
a scheduled action is named by its kind. ``reports.enums`` re-exports all three, so the domain keeps
one place to import its vocabulary from and the values stored in the database are the same.
"""

from enum import StrEnum


class ReportType(StrEnum):
    COMPLAINT = "complaint"
    ASPIRATION = "aspiration"
    INFORMATION_REQUEST = "information_request"


class Stage(StrEnum):
    """The clock that is running; each status with a deadline has exactly one."""

    VERIFY = "verify"
    RESPOND = "respond"
    FEEDBACK = "feedback"


class SlaActionKind(StrEnum):
    REMINDER = "reminder"
    ESCALATION = "escalation"  # level 1 is the breach itself
    AUTO_CLOSE = "auto_close"
