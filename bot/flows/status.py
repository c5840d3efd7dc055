"""Status: the citizen's own reports with their stage and next due date.

Only reports of the asking citizen are ever looked up, so a code that belongs to someone else gets
exactly the same answer as a code that does not exist: nothing about other people's reports can
be learned by guessing codes.
"""

from __future__ import annotations

from bot.turn import Turn
from reports import citizen_reads, tracking
from reports.enums import Status
from reports.models import Report

SHOWN = 5


def stage_text(turn: Turn, report: Report) -> str:
    name = citizen_reads.agency_name(turn.reads, report.agency_id)
    due = {
        Status.SUBMITTED: report.verify_due_at,
        Status.FORWARDED: report.response_due_at,
        Status.ANSWERED: report.feedback_due_at,
    }.get(report.status)
    return turn.tr(
        f"stage_{report.status.value}",
        due=turn.date(due),
        agency=name,
        reason=report.close_reason or "-",
    )


def _line(turn: Turn, report: Report) -> str:
    """One report: code, title and stage, then the tracking page's link (when configured)."""
    line = turn.tr(
        "status_line", code=report.tracking_code, title=report.title, stage=stage_text(turn, report)
    )
    url = turn.runtime.clock.tracking_url(report.tracking_code)
    return f"{line}\n  {url}" if url else line


def show(turn: Turn, text: str) -> None:
    code = tracking.normalize(text)
    if code and not turn.has_reports():
        turn.say("status_unknown", code=code)
        return
    if code:
        report = citizen_reads.own_report(turn.reads, turn.citizen_id, code)
        if report is None:
            turn.say("status_unknown", code=code)
        else:
            turn.say("status_header", extra=_line(turn, report), report_id=report.id)
        return
    total = turn.has_reports() and citizen_reads.count_reports(turn.reads, turn.citizen_id)
    if not total:
        turn.say("status_none")
        return
    reports = citizen_reads.latest_reports(turn.reads, turn.citizen_id, SHOWN)
    lines = [_line(turn, r) for r in reports]
    if total > SHOWN:
        lines.append(turn.tr("status_more", shown=SHOWN, total=total))
    turn.say("status_header", extra="\n".join(lines))
