"""Sending the report draft to the domain: ``reports.citizen_cases.submit_report``.

Kept apart from the dialogue (``bot.flows.report``): this is where the draft becomes a report,
with the classifier's suggestion attached and the domain's refusal turned into a reply.
"""

from __future__ import annotations

from bot import limits
from bot.flows import report_draft, report_words
from bot.flows.report_draft import draft
from bot.turn import Turn
from reports import citizen_cases, citizen_reads
from reports.enums import Privacy, ReportType
from reports.lifecycle import DomainError


def submit_question(turn: Turn) -> None:
    """An information request, submitted as soon as its type is known.

    A question needs no place, photo or privacy choice: it goes in as ``information_request``,
    confidential (it may quote the citizen's own case, and nobody else needs to read it), with
    the agency that can answer it as the classifier's suggestion; the verifier confirms and
    forwards, as for every report. The domain's receipt gives the tracking code and due date.
    """
    d = draft(turn)
    report_draft.refresh(turn, d)
    code = report_draft.confident_agency(turn, d)
    agency = citizen_reads.agency_with_code(turn.reads, code) if code else None
    d["privacy"] = Privacy.CONFIDENTIAL.value
    if submit(turn):
        if agency is not None:
            turn.say("question_received_agency", agency=agency.name)
        else:
            turn.say("question_received")


def submit(turn: Turn) -> bool:
    """Submit the draft; the domain queues the receipt (tracking code + verification due date).
    False when it could not be (the citizen was told why)."""
    if not limits.may_report(turn):
        turn.reset()
        return False
    d = draft(turn)
    report_draft.refresh(turn, d)
    # The agency is only suggested (nlu_agency_*): the verifier decides and forwards. Setting
    # it here would show an unverified report to that agency's officers before verification.
    suggestion = citizen_cases.NluSuggestion(
        type=d.get("nlu_type"),
        type_confidence=d.get("nlu_type_conf"),
        agency_code=d.get("nlu_agency"),
        agency_confidence=d.get("nlu_agency_conf"),
        ranking=d.get("ranking") or {},
        model_version=d.get("nlu_model"),
    )
    citizen = turn.citizen
    # The receipt is written in the citizen's stored language; this turn may have just changed
    # it (a first message in English), and the pipeline only saves it after the turn.
    citizen.language = turn.language
    try:
        citizen_cases.submit_report(
            turn.db,
            clock=turn.runtime.clock,
            citizen=citizen,
            channel=turn.message.channel,
            report_type=ReportType(d["type"]),
            title=report_words.make_title(d["body"]),
            body=d["body"],
            now=turn.now,
            privacy=Privacy(d["privacy"]),
            location_text=d.get("location"),
            latitude=d.get("lat"),
            longitude=d.get("lon"),
            nlu=suggestion,
            attachment_ids=list(d["attachments"]),
        )
    except DomainError:
        turn.reset()
        turn.say("too_short")
        return False
    turn.new_citizen = False  # they have a report now
    turn.reset()
    return True
