"""The deadline clock shown next to every report: on time / due today / overdue by N working days.

Counted with the deployment's :class:`WorkingCalendar`, so "overdue by 2" after a long weekend
means two *working* days, the unit of every LAPOR! deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from escalation.calendar import WorkingCalendar
from reports.enums import Stage
from reports.models import Report


@dataclass(frozen=True, slots=True)
class DueState:
    kind: str  # on_time | due_today | overdue | paused | citizen_window | none
    days: int = 0
    due_at: datetime | None = None

    @property
    def message_key(self) -> str:
        return self.kind if self.kind.startswith("due_") else f"due_{self.kind}"


def due_state(calendar: WorkingCalendar, report: Report, now: datetime) -> DueState:
    if report.paused_stage is not None:
        return DueState("paused", report.paused_days_left or 0)
    due = report.current_due_at
    if due is None:
        return DueState("none")
    if report.stage is Stage.FEEDBACK:
        # The citizen's window to respond, not a staff deadline: never shown as "overdue".
        return DueState("citizen_window", max(calendar.working_days_between(now, due), 0), due)
    if now > due:
        # Due at 23:59:59 of day D and now on the next working day: overdue by 1.
        return DueState("overdue", max(calendar.working_days_between(due, now), 1), due)
    if calendar.local_date(now) == calendar.local_date(due):
        return DueState("due_today", 0, due)
    return DueState("on_time", calendar.working_days_between(now, due), due)
