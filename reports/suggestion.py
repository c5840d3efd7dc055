"""The NLU's suggestion stored on a report: one reading for every surface, and one-click accept.

Why one module: the console queue, the report page, the REST API and ``suarawarga report show``
all show the same suggestion, and the rule "one click only when the calibrated confidence is high
enough" must be the same rule where the button is drawn and where the POST is checked (a page
that hides the button is not a guarantee; a hand-made POST must get the same refusal).

The suggestion is what the classifier said at intake (``Report.nlu_*`` columns); it never changes
afterwards, so a verifier's decision can later be compared with it for retraining.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from config.domain_files import UNDECIDED_AGENCY
from escalation.deadlines import SlaClock
from reports import staff_cases
from reports.actor import Actor
from reports.enums import ReportType
from reports.lifecycle import DomainError
from reports.models import Report

_TYPES: Final = frozenset(t.value for t in ReportType)


class NotConfidentEnough(DomainError):
    """A one-click accept of a suggestion below the configured threshold (or of none at all)."""


@dataclass(frozen=True, slots=True)
class StoredSuggestion:
    """The suggestion as the API and the CLI show it (``suggestion: {...}``); all None = none."""

    type: str | None
    type_confidence: float | None
    agency: str | None
    agency_confidence: float | None
    model_version: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def stored_suggestion(report: Report) -> StoredSuggestion:
    """What the classifier proposed for ``report`` at intake, exactly as stored."""
    return StoredSuggestion(
        type=report.nlu_type,
        type_confidence=report.nlu_type_confidence,
        agency=report.nlu_agency_code,
        agency_confidence=report.nlu_agency_confidence,
        model_version=report.nlu_model_version,
    )


def suggested_agency(report: Report) -> str | None:
    """The suggested agency code, or None when there is none or it is the catch-all."""
    code = report.nlu_agency_code
    return code if code and code != UNDECIDED_AGENCY else None


def suggested_type(report: Report) -> ReportType | None:
    """The suggested report type when it is one we know (an old model may have other labels)."""
    return ReportType(report.nlu_type) if report.nlu_type in _TYPES else None


def one_click_allowed(report: Report, *, threshold: float) -> bool:
    """True when the verifier may accept the suggestion and forward in one click.

    Only at or above ``threshold`` (``settings.nlu_auto_forward_threshold``) of the stored
    calibrated agency confidence; below it the verifier has to choose the agency themselves.
    """
    confidence = report.nlu_agency_confidence
    return (
        suggested_agency(report) is not None and confidence is not None and confidence >= threshold
    )


def accept_suggestion(
    db: Session,
    *,
    clock: SlaClock,
    report: Report,
    actor: Actor,
    now: datetime,
    threshold: float,
) -> Report:
    """Verify and forward to the suggested agency with the suggested type, in one step.

    Takes agency and type from the report's stored suggestion, never from the request, so the
    one-click path cannot forward anywhere the classifier did not confidently propose. Raises
    :class:`NotConfidentEnough` below ``threshold``: the verifier must then choose explicitly
    (``staff_cases.verify_and_forward`` with an agency of their choice).
    """
    if not one_click_allowed(report, threshold=threshold):
        raise NotConfidentEnough("suggestion_not_confident")
    code = suggested_agency(report)
    assert code is not None  # one_click_allowed checked it
    return staff_cases.verify_and_forward(
        db,
        clock=clock,
        report=report,
        actor=actor,
        agency_code=code,
        report_type=suggested_type(report),
        now=now,
        suggestion_accepted=True,
    )
