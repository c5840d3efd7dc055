"""Status: the citizen's own reports with their stage and next due date.

Only reports of the asking citizen are ever looked up, so a code that belongs to someone else gets
exactly the same answer as a code that does not exist: nothing about other people's reports can
be learned by guessing codes.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.turn import Turn
from reports import tracking
from reports.enums import Status
from reports.models import Agency, Report

SHOWN = 5


def stage_text(turn: Turn, report: Report) -> str:
    agency = turn.reads.get(Agency, report.agency_id) if report.agency_id else None
    name = agency.name if agency else "-"
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
        report = turn.reads.scalar(
            select(Report).where(Report.tracking_code == code, Report.citizen_id == turn.citizen_id)
        )
        if report is None:
            turn.say("status_unknown", code=code)
        else:
            turn.say("status_header", extra=_line(turn, report), report_id=report.id)
        return
    total = turn.has_reports() and turn.reads.scalar(
        select(func.count(Report.id)).where(Report.citizen_id == turn.citizen_id)
    )
    if not total:
        turn.say("status_none")
        return
    reports = turn.reads.scalars(
        select(Report)
        .where(Report.citizen_id == turn.citizen_id)
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(SHOWN)
    ).all()
    lines = [_line(turn, r) for r in reports]
    if total > SHOWN:
        lines.append(turn.tr("status_more", shown=SHOWN, total=total))
    turn.say("status_header", extra="\n".join(lines))
