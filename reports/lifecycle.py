"""The report lifecycle as one explicit table of allowed transitions.

Every change of a report's status goes through :func:`target_status`; anything not in the table is
refused with :class:`IllegalTransition`, whose message says what *is* possible from here, so an
officer clicking a stale page learns why nothing happened.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from config.catalogue import placeholders
from reports.enums import Role, Status
from reports.messages import ERRORS


class Action(StrEnum):
    SUBMIT = "submit"
    VERIFY_FORWARD = "verify_forward"  # verifikasi + disposisi
    REQUEST_INFO = "request_info"  # tunda: ask the citizen for more information
    PROVIDE_INFO = "provide_info"  # the citizen answers; the paused clock resumes
    NOT_OUR_AUTHORITY = "not_our_authority"  # verifier: outside the government's authority
    ARCHIVE = "archive"  # verifier: spam, too general, wrong format, ...
    RETURN_TO_VERIFIER = "return_to_verifier"  # agency: not our authority, verifier re-routes
    REROUTE = "reroute"  # verifier moves a forwarded report to another agency
    ANSWER = "answer"  # agency follow-up (tindak lanjut)
    CITIZEN_RESPOND = "citizen_respond"  # citizen is not satisfied: back to the agency
    CITIZEN_ACCEPT = "citizen_accept"  # citizen is satisfied
    AUTO_CLOSE = "auto_close"  # the citizen's window ended
    FINISH = "finish"  # staff close an answered report (e.g. citizen confirmed by phone)
    EXTEND_DEADLINE = "extend_deadline"
    REOPEN = "reopen"  # citizen reopens a finished report within their window


RESUME: Final = "resume"  # PROVIDE_INFO returns to whichever stage was paused

S = Status
#: (from status, action) -> to status. ``None`` as the source means "a new report".
TRANSITIONS: Final[dict[tuple[Status | None, Action], Status | str]] = {
    (None,               Action.SUBMIT):             S.SUBMITTED,
    (S.SUBMITTED,        Action.VERIFY_FORWARD):     S.FORWARDED,
    (S.SUBMITTED,        Action.REQUEST_INFO):       S.INFO_REQUESTED,
    (S.SUBMITTED,        Action.NOT_OUR_AUTHORITY):  S.ARCHIVED,
    (S.SUBMITTED,        Action.ARCHIVE):            S.ARCHIVED,
    (S.SUBMITTED,        Action.EXTEND_DEADLINE):    S.SUBMITTED,
    (S.INFO_REQUESTED,   Action.PROVIDE_INFO):       RESUME,
    (S.INFO_REQUESTED,   Action.ARCHIVE):            S.ARCHIVED,
    (S.FORWARDED,        Action.REQUEST_INFO):       S.INFO_REQUESTED,
    (S.FORWARDED,        Action.RETURN_TO_VERIFIER): S.SUBMITTED,
    (S.FORWARDED,        Action.REROUTE):            S.FORWARDED,
    (S.FORWARDED,        Action.ANSWER):             S.ANSWERED,
    (S.FORWARDED,        Action.EXTEND_DEADLINE):    S.FORWARDED,
    (S.ANSWERED,         Action.CITIZEN_RESPOND):    S.FORWARDED,
    (S.ANSWERED,         Action.CITIZEN_ACCEPT):     S.FINISHED,
    (S.ANSWERED,         Action.AUTO_CLOSE):         S.FINISHED,
    (S.ANSWERED,         Action.FINISH):             S.FINISHED,
    (S.FINISHED,         Action.REOPEN):             S.FORWARDED,
}  # fmt: skip

V, OF, H, A = Role.VERIFIER, Role.OFFICER, Role.AGENCY_HEAD, Role.ADMIN
#: Which staff roles may take each staff action. Officers and heads only on their own agency's
#: reports (checked in the use cases). Managers watch; they act on nothing.
STAFF_ROLES: Final[dict[Action, frozenset[Role]]] = {
    Action.VERIFY_FORWARD:     frozenset({V, A}),
    Action.REQUEST_INFO:       frozenset({V, A, OF, H}),
    Action.NOT_OUR_AUTHORITY:  frozenset({V, A}),
    Action.ARCHIVE:            frozenset({V, A}),
    Action.RETURN_TO_VERIFIER: frozenset({OF, H}),
    Action.REROUTE:            frozenset({V, A}),
    Action.ANSWER:             frozenset({OF, H}),
    Action.FINISH:             frozenset({OF, H, V, A}),
    Action.EXTEND_DEADLINE:    frozenset({OF, H, V, A}),
}  # fmt: skip

CITIZEN_ACTIONS: Final = frozenset(
    {
        Action.SUBMIT,
        Action.PROVIDE_INFO,
        Action.CITIZEN_RESPOND,
        Action.CITIZEN_ACCEPT,
        Action.REOPEN,
    }
)


class DomainError(Exception):
    """A request the domain refuses, as a code and the values that explain it.

    As zulip's ``JsonableError``: the code is a key of the refusals' catalogue
    (``reports.messages.ERRORS``, one text per language), so the console, the API's problem
    documents and Open311 each translate the code, never an English sentence; rewording a text
    cannot break a translation. ``str()`` is the English text (logs, the CLI), with any value the
    text does not show appended, so a log line still says which field or value it was.
    """

    def __init__(self, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def text(self, language: str | None = "en") -> str:
        """The refusal in ``language`` (the code itself for a code the catalogue lacks)."""
        if self.code not in ERRORS:
            return self.code
        return ERRORS.text(self.code, language, **self.params)

    def __str__(self) -> str:
        text = self.text("en")
        shown = placeholders(ERRORS.template(self.code, "en")) if self.code in ERRORS else set()
        rest = {k: v for k, v in self.params.items() if k not in shown}
        if not rest:
            return text
        return f"{text} ({', '.join(f'{k}={v!r}' for k, v in rest.items())})"


class IllegalTransition(DomainError):
    def __init__(self, status: Status | None, action: Action) -> None:
        allowed = sorted(a.value for (s, a) in TRANSITIONS if s == status)
        where = status.value if status else "new"
        super().__init__(
            "illegal_transition",
            action=action.value,
            status=where,
            allowed=", ".join(allowed) or "nothing (the report is closed)",
        )
        self.status = status
        self.action = action


class NotPermitted(DomainError):
    """The actor's role or agency does not allow this action on this report."""


def target_status(status: Status | None, action: Action) -> Status | str:
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(status, action) from None


def allowed_actions(status: Status | None) -> list[Action]:
    """What can happen next; the console shows exactly these buttons."""
    return [a for (s, a) in TRANSITIONS if s == status]
