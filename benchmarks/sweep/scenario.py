"""The sweep benchmark's data model: the instants it uses and the SQL that loads and ages reports.

Every report is a public complaint submitted over Telegram by one citizen, waiting for
verification (status ``submitted``, stage cycle 1), with its verification deadline on one of the
next three working days and ``next_sla_at`` at its reminder (in the future). "Due" reports are made
so by an UPDATE of the same rows, half of them in the reminder window (deadline tonight: the sweep
sends the verifier reminder) and half one day late (reminder already recorded in ``sla_actions``:
the sweep records the first escalation, an event and notifies verifiers and managers). Each due
report thus has exactly one action to do, like in a sweep that runs every minute. Due reports are
spread evenly over the table (every k-th id), not clustered.

:func:`check_scenario` proves with the real SLA clock that this SQL sets ``next_sla_at`` as the
application would, so the bench measures the sweep on data the application could have written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from escalation.deadlines import SlaClock
from reports.enums import ReportType, SlaActionKind, Stage, Status
from reports.models import Report

#: A fixed "now" (Wednesday 25 November 2026, 10:00 WIB) so that runs are comparable: a working
#: day with working days before and after it.
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Deadlines:
    """The instants the load uses, all derived from the real calendar and ``NOW``."""

    now: datetime
    future: tuple[datetime, datetime, datetime]  # verification deadlines of non-due reports
    tonight: datetime  # deadline of reports in the reminder window
    yesterday: datetime  # deadline of reports one working day late

    @classmethod
    def build(cls, clock: SlaClock, now: datetime) -> Deadlines:
        cal = clock.calendar
        today = cal.local_date(now)
        if not cal.is_working_day(today):
            raise SystemExit(f"NOW={now} must fall on a working day")
        previous = today - timedelta(days=1)
        while not cal.is_working_day(previous):
            previous -= timedelta(days=1)
        return cls(
            now=now,
            future=(cal.due(now, 1), cal.due(now, 2), cal.due(now, 3)),
            tonight=cal.end_of_day(today),
            yesterday=cal.end_of_day(previous),
        )

    def params(self) -> dict[str, datetime]:
        return {
            "now": self.now,
            "f0": self.future[0],
            "f1": self.future[1],
            "f2": self.future[2],
            "tonight": self.tonight,
            "yesterday": self.yesterday,
        }


def check_scenario(clock: SlaClock, dl: Deadlines) -> dict[str, str]:
    """Prove with the real clock that the SQL below sets ``next_sla_at`` as the app would."""
    reminder_hours = clock.policy.for_type(ReportType.COMPLAINT).stage(Stage.VERIFY).reminders
    if len(reminder_hours) != 1:
        raise SystemExit("the scenario assumes exactly one verify reminder in sla.yml")
    before = timedelta(hours=reminder_hours[0].before_hours)

    def report(due: datetime) -> Report:
        return Report(
            type=ReportType.COMPLAINT,
            status=Status.SUBMITTED,
            verify_due_at=due,
            stage_cycle=1,
            escalation_level=0,
        )

    reminder_key = (Stage.VERIFY.value, 1, SlaActionKind.REMINDER.value, 1)
    checks = {
        "future": (report(dl.future[0]), set(), dl.future[0] - before),
        "reminder_due": (report(dl.tonight), set(), dl.tonight - before),
        "escalation_due": (report(dl.yesterday), {reminder_key}, dl.yesterday + timedelta(0, 1)),
    }
    out: dict[str, str] = {}
    for name, (rep, done, expected) in checks.items():
        got = clock.next_action_at(rep, done)
        if got != expected:
            raise SystemExit(
                f"scenario {name}: clock says next action at {got}, SQL uses {expected}"
            )
        due_now = [a for a in clock.schedule(rep) if a.at <= dl.now and a.key not in done]
        out[name] = f"next_sla_at={got.isoformat()} actions_due_now={len(due_now)}"
        expected_due = 0 if name == "future" else 1
        if len(due_now) != expected_due:
            raise SystemExit(
                f"scenario {name}: {len(due_now)} actions due, expected {expected_due}"
            )
    if before != timedelta(hours=24):
        raise SystemExit("the SQL below assumes the verify reminder 24 hours before the deadline")
    return out


# Column expressions of a report as a function of its id (``{i}``), shared by the bulk load and the
# reset to the baseline after a sweep. Bind parameters come from ``Deadlines.params()``.
_BASE_VERIFY_DUE = "(CASE {i} % 3 WHEN 0 THEN :f0 WHEN 1 THEN :f1 ELSE :f2 END)"
_BASE_CREATED = "(:now - make_interval(secs => ({i} % 172800)::double precision))"

LOAD_SQL = f"""
INSERT INTO reports (
    id, tracking_code, type, title, body, incident_date, location_text, latitude, longitude,
    agency_id, category, privacy, channel, citizen_id, status,
    verify_due_at, response_due_at, feedback_due_at, stage_started_at,
    stage_cycle, escalation_level, extension_days, next_sla_at,
    paused_stage, paused_at, paused_days_left,
    nlu_type, nlu_type_confidence, nlu_agency_code, nlu_agency_confidence, nlu_suggestions,
    created_at, updated_at, verified_at, verified_by_id, answered_at, closed_at, close_reason
)
SELECT
    i,
    'SW-' || upper(substr(h, 1, 4)) || '-' || upper(substr(h, 5, 4)),
    'complaint',
    'Jalan berlubang di RT ' || (i % 20 + 1) || ' #' || i,
    'Jalan di depan pasar berlubang besar, sudah 2 minggu belum diperbaiki. Mohon segera '
        || 'ditindaklanjuti karena membahayakan pengendara motor. (laporan ' || i || ')',
    (:now - make_interval(days => (i % 14)))::date,
    'Kelurahan ' || (i % 97 + 1) || ', Kecamatan ' || (i % 13 + 1),
    -6.2 + (i % 1000) / 10000.0,
    106.8 + (i % 1000) / 10000.0,
    NULL,
    NULL,
    'public',
    'telegram',
    :citizen_id,
    'submitted',
    {_BASE_VERIFY_DUE.format(i="i")}, NULL, NULL, {_BASE_CREATED.format(i="i")},
    1, 0, 0, {_BASE_VERIFY_DUE.format(i="i")} - interval '24 hours',
    NULL, NULL, NULL,
    'complaint', 0.9, NULL, NULL, NULL,
    {_BASE_CREATED.format(i="i")}, {_BASE_CREATED.format(i="i")}, NULL, NULL, NULL, NULL, NULL
FROM (
    SELECT i, lpad(to_hex(i), 8, '0') AS h FROM generate_series(1, CAST(:n AS integer)) AS i
) AS s
"""

#: History: the receipt every report's citizen got at submission (already sent), so the outbox
#: has the size and statistics of a deployment that has been running, not of an empty table.
OUTBOX_HISTORY_SQL = f"""
INSERT INTO outbox (
    idempotency_key, recipient_kind, citizen_id, staff_id, report_id, channel, address, template,
    body, payload, status, attempts, next_attempt_at, locked_until, last_error,
    provider_message_id, provider_status, created_at, sent_at
)
SELECT
    'event:' || i || ':' || 'citizen', 'citizen', :citizen_id, NULL, i, 'telegram', 'bench-citizen',
    'report_received', 'Laporan Anda sudah kami terima. Kode pelacakan: SW-' || i, '{{}}',
    'sent', 1, {_BASE_CREATED.format(i="i")}, NULL, NULL, 'tg-' || i, 'delivered',
    {_BASE_CREATED.format(i="i")}, {_BASE_CREATED.format(i="i")}
FROM generate_series(1, CAST(:n AS integer)) AS i
"""

#: The due set: every ``step``-th id, ``count`` of them; even ones in the reminder window, odd
#: ones one working day late with the reminder already recorded.
_DUE_WHERE = "id % CAST(:step AS integer) = 0 AND id <= CAST(:last AS integer)"
_IS_REMINDER = "(id / CAST(:step AS integer)) % 2 = 0"

RESET_SQL = f"""
UPDATE reports SET
    status = 'submitted',
    verify_due_at = {_BASE_VERIFY_DUE.format(i="id")},
    next_sla_at = {_BASE_VERIFY_DUE.format(i="id")} - interval '24 hours',
    escalation_level = 0,
    updated_at = {_BASE_CREATED.format(i="id")},
    closed_at = NULL,
    close_reason = NULL
WHERE {_DUE_WHERE}
"""

MAKE_DUE_SQL = f"""
UPDATE reports SET
    stage_cycle = stage_cycle + 1,
    verify_due_at = CASE WHEN {_IS_REMINDER} THEN :tonight ELSE :yesterday END,
    next_sla_at = CASE WHEN {_IS_REMINDER} THEN :tonight - interval '24 hours'
                       ELSE :yesterday + interval '1 second' END
WHERE {_DUE_WHERE}
"""

DONE_REMINDERS_SQL = f"""
INSERT INTO sla_actions (report_id, stage, cycle, kind, level, scheduled_at, performed_at, outcome)
SELECT id, 'verify', stage_cycle, 'reminder', 1, :yesterday - interval '24 hours',
       :yesterday - interval '24 hours', 'done'
FROM reports WHERE {_DUE_WHERE} AND NOT {_IS_REMINDER}
"""
