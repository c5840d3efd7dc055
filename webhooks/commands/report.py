"""``suarawarga report``: create and inspect reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from reports.enums import Channel, Privacy, ReportType, Status
from webhooks.commands.common import domain_error, fail, parse_instant, runtime

app = typer.Typer(help="Create and inspect reports.", no_args_is_help=True)


def _report_dict(db: Any, report: Any, calendar: Any, now: datetime) -> dict[str, Any]:
    from escalation.history import sla_history
    from reports import duplicates, groups
    from reports.suggestion import stored_suggestion

    tz = calendar.tz

    def iso(value: datetime | None) -> str | None:
        return value.astimezone(tz).isoformat() if value else None

    return {
        "tracking_code": report.tracking_code,
        "status": report.status.value,
        "stage": report.stage.value if report.stage else None,
        "type": report.type.value,
        "title": report.title,
        "body": report.body,
        "privacy": report.privacy.value,
        "channel": report.channel.value,
        "agency": report.agency.code if report.agency else None,
        "category": report.category,
        "assignee": (
            {"id": report.assignee.id, "name": report.assignee.full_name}
            if report.assignee
            else None
        ),
        "location": report.location_text,
        "suggestion": stored_suggestion(report).as_dict(),
        # One problem, many reports (issue 15): open look-alikes found at submission, best first;
        # the report this one was merged into; the reports merged into it; how many citizens.
        "possible_duplicates": [r.tracking_code for r in duplicates.current(db, report)],
        "later_duplicates": [r.tracking_code for r in duplicates.later(db, report)],
        "duplicate_of": report.duplicate_of.tracking_code if report.duplicate_of else None,
        "merged_reports": [r.tracking_code for r in groups.secondaries(db, report)],
        "reporters": groups.reporter_count(db, report),
        "deadlines": {
            "verify_due_at": iso(report.verify_due_at),
            "response_due_at": iso(report.response_due_at),
            "feedback_due_at": iso(report.feedback_due_at),
            "next_sla_at": iso(report.next_sla_at),
            "paused_stage": report.paused_stage.value if report.paused_stage else None,
            "paused_days_left": report.paused_days_left,
        },
        "escalation_level": report.escalation_level,
        "sla_history": [b.as_dict(tz) for b in sla_history(report.events, calendar, now)],
        "created_at": iso(report.created_at),
        "closed_at": iso(report.closed_at),
        "events": [
            {
                "at": iso(e.created_at),
                "action": e.action,
                "actor": e.actor_kind.value + (f":{e.actor_id}" if e.actor_id else ""),
                "from": e.from_status.value if e.from_status else None,
                "to": e.to_status.value if e.to_status else None,
                "reason": e.reason,
                "data": e.data,
            }
            for e in report.events
        ],
        "messages": [
            {
                "at": iso(m.created_at),
                "direction": m.direction.value,
                "kind": m.kind.value,
                "body": m.body,
            }
            for m in sorted(report.messages, key=lambda m: (m.created_at, m.id))
        ],
        "agencies_held": [
            {
                "agency": a.agency.code,
                "from": iso(a.assigned_at),
                "to": iso(a.released_at),
                "working_days": a.working_days_held,
            }
            for a in report.assignments
        ],
    }


@app.command("create")
def report_create(
    text: Annotated[str, typer.Argument(help="The report text (chronology).")],
    title: Annotated[
        str | None, typer.Option(help="Short title; default: start of the text.")
    ] = None,
    report_type: Annotated[
        ReportType | None, typer.Option("--type", help="Report type; default: the NLU decides.")
    ] = None,
    privacy: Annotated[
        Privacy, typer.Option(help="public, anonymous or confidential.")
    ] = Privacy.PUBLIC,
    location: Annotated[str | None, typer.Option(help="Where it happened.")] = None,
    citizen: Annotated[str, typer.Option(help="Reporter id (web-chat identity).")] = "cli-user",
    now: Annotated[str | None, typer.Option(help="Submission instant (ISO 8601).")] = None,
) -> None:
    """Submit a report on behalf of a citizen (e.g. a walk-in or a phone call)."""
    from reports.citizen_cases import NluSuggestion, get_or_create_citizen, submit_report

    rt = runtime()
    at = parse_instant(now)
    suggestion = NluSuggestion()
    if report_type is None:
        report_type, suggestion = _classify(rt, text)
    with rt.sessions() as db, db.begin():
        person = get_or_create_citizen(db, channel=Channel.WEB, external_id=citizen, now=at)
        try:
            report = submit_report(
                db, clock=rt.clock, citizen=person, channel=Channel.WEB, report_type=report_type,
                title=title or text[:80], body=text, now=at, privacy=privacy,
                location_text=location, nlu=suggestion,
            )  # fmt: skip
        except domain_error() as exc:
            fail(str(exc))
        code = report.tracking_code
        due = report.verify_due_at
    assert due is not None  # submit_report always starts the verification clock
    typer.echo(f"{code}  verify by {due.astimezone(rt.settings.tz).isoformat()}")


def _classify(rt: Any, text: str) -> tuple[ReportType, Any]:
    """The NLU's type and agency for a report made on the command line."""
    from reports.citizen_cases import NluSuggestion
    from reports.classifier import suggestion_version

    nlu = rt.classifier
    kind, agency = nlu.classify_type(text), nlu.route_agency(text)
    return ReportType(kind.label), NluSuggestion(
        type=kind.label,
        type_confidence=kind.confidence,
        agency_code=agency.label,
        agency_confidence=agency.confidence,
        ranking={"type": kind.ranking, "agency": agency.ranking},
        model_version=suggestion_version(kind, agency),
    )


@app.command("show")
def report_show(
    code: Annotated[str, typer.Argument(help="Tracking code, e.g. SW-7KQ4-M2XD.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show one report with its deadlines and its full event log."""
    from reports.lookups import get_report

    rt = runtime()
    with rt.sessions() as db:
        try:
            report = get_report(db, code)
        except domain_error() as exc:
            fail(str(exc))
        data = _report_dict(db, report, rt.clock.calendar, datetime.now(UTC))
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    typer.echo(
        f"{data['tracking_code']}  {data['status']}  {data['type']}  agency={data['agency']}"
    )
    typer.echo(f"  {data['title']}")
    for name, value in data["deadlines"].items():
        if value is not None:
            typer.echo(f"  {name}: {value}")
    for e in data["events"]:
        typer.echo(
            f"  {e['at']}  {e['action']:<20} {e['from'] or '-':>14} -> {e['to']}  "
            f"{e['reason'] or ''}"
        )


def _staff_actor(db: Any, username: str) -> Any:
    from sqlalchemy import select

    from reports.actor import Actor
    from reports.models import StaffUser

    user = db.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is None or not user.active:
        fail(f"no active staff account {username!r}")
    return Actor.staff(user)


@app.command("merge")
def report_merge(
    code: Annotated[str, typer.Argument(help="The duplicate report's tracking code.")],
    into: Annotated[str, typer.Option(help="The tracking code of the report it joins.")],
    staff: Annotated[str, typer.Option(help="The verifier (or officer) acting.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).")] = "",
    now: Annotated[str | None, typer.Option(help="The instant (ISO 8601).")] = None,
) -> None:
    """Mark a report as a duplicate of another: its citizen follows the other from now on."""
    from reports import merging
    from reports.lookups import get_report

    rt = runtime()
    at = parse_instant(now)
    with rt.sessions() as db, db.begin():
        try:
            actor = _staff_actor(db, staff)
            report, primary = get_report(db, code, for_update=True), get_report(db, into)
            merging.merge(
                db, clock=rt.clock, report=report, into=primary, actor=actor, now=at, reason=reason
            )
        except domain_error() as exc:
            fail(str(exc))
        typer.echo(f"{report.tracking_code} merged into {primary.tracking_code}")


@app.command("unmerge")
def report_unmerge(
    code: Annotated[str, typer.Argument(help="The merged report's tracking code.")],
    staff: Annotated[str, typer.Option(help="The verifier (or officer) acting.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).")],
    now: Annotated[str | None, typer.Option(help="The instant (ISO 8601).")] = None,
) -> None:
    """Take a merged report out of its group again (audited); its own deadlines restart."""
    from reports import merging
    from reports.lookups import get_report

    rt = runtime()
    at = parse_instant(now)
    with rt.sessions() as db, db.begin():
        try:
            actor = _staff_actor(db, staff)
            report = get_report(db, code, for_update=True)
            merging.unmerge(db, clock=rt.clock, report=report, actor=actor, reason=reason, now=at)
        except domain_error() as exc:
            fail(str(exc))
        typer.echo(f"{report.tracking_code} unmerged")


@app.command("list")
def report_list(
    status: Annotated[Status | None, typer.Option(help="Only this status.")] = None,
    agency: Annotated[str | None, typer.Option(help="Only this agency code.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
) -> None:
    """List reports, newest first."""
    from sqlalchemy import select

    from reports.models import Agency, Report

    rt = runtime()
    with rt.sessions() as db:
        query = select(Report).order_by(Report.id.desc()).limit(limit)
        if status:
            query = query.where(Report.status == status)
        if agency:
            query = query.join(Agency, Report.agency_id == Agency.id).where(Agency.code == agency)
        for r in db.scalars(query):
            due = r.current_due_at
            due_text = due.astimezone(rt.settings.tz).strftime("%Y-%m-%d") if due else "-"
            typer.echo(
                f"{r.tracking_code}  {r.status.value:<15} {r.type.value:<20} "
                f"{(r.agency.code if r.agency else '-'):<14} "
                f"{due_text:<10}  {r.title[:50]}"
            )
