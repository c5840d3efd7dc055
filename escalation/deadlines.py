"""Deadline arithmetic for one report: start, pause, resume and extend a stage's clock, and the
schedule of reminders, escalations and the auto-close that the sweep will carry out.

All functions mutate the report's deadline columns only; the use cases in ``reports.citizen_cases``
and ``reports.staff_cases`` decide when to call them and record the events. They see a report
through :class:`DeadlineFields` (the ORM model ``reports.models.Report`` fits), so this arithmetic
sits below the domain core and imports no model: the clock is tested and reused without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from config.settings import Settings
from escalation.calendar import WorkingCalendar, calendar_from_settings
from escalation.policy import Audience, SlaPolicy
from escalation.vocabulary import ReportType, SlaActionKind, Stage

ONE_SECOND = timedelta(seconds=1)


class DeadlineFields(Protocol):
    """What the clock reads and writes of a report: its type, running stage and deadline columns."""

    @property
    def type(self) -> ReportType | None: ...

    @property
    def stage(self) -> Stage | None: ...  # derived from the status by the domain

    verify_due_at: datetime | None
    response_due_at: datetime | None
    feedback_due_at: datetime | None
    stage_started_at: datetime | None
    stage_cycle: int
    escalation_level: int
    extension_days: int
    next_sla_at: datetime | None
    paused_stage: Stage | None
    paused_at: datetime | None
    paused_days_left: int | None


@dataclass(frozen=True, slots=True)
class ScheduledAction:
    """One thing the sweep must do at ``at``; (stage, cycle, kind, level) is its unique key."""

    at: datetime
    stage: Stage
    cycle: int
    kind: SlaActionKind
    level: int
    notify: tuple[Audience, ...]

    @property
    def key(self) -> tuple[str, int, str, int]:
        return (self.stage.value, self.cycle, self.kind.value, self.level)


@dataclass(frozen=True)
class SlaClock:
    """The deployment's calendar and policy together: everything deadline code needs."""

    calendar: WorkingCalendar
    policy: SlaPolicy
    #: Where citizens open ``/t/{code}`` (``settings.public_base_url``). It rides with the clock
    #: because every use case that announces a transition already receives the clock, and the
    #: link must be rendered into the outbox row when it is queued. Empty: notices carry no link.
    public_base_url: str = ""

    def tracking_url(self, code: str) -> str | None:
        """The public tracking page of ``code``, or None when no public address is configured."""
        base = self.public_base_url.rstrip("/")
        return f"{base}/t/{code}" if base else None

    # -- stage clocks -------------------------------------------------------------------------

    def start(self, report: DeadlineFields, stage: Stage, now: datetime) -> None:
        """Start a fresh clock for ``stage`` (a new cycle: reminders and escalations start over)."""
        days = self.policy.for_type(report.type).stage(stage).days
        self._set_due(report, stage, self.calendar.due(now, days))
        report.stage_started_at = now
        report.stage_cycle = (report.stage_cycle or 0) + 1
        report.escalation_level = 0
        if stage is Stage.RESPOND:
            report.extension_days = 0
        report.paused_stage = report.paused_at = report.paused_days_left = None

    def pause(self, report: DeadlineFields, stage: Stage, now: datetime) -> None:
        """Stop the clock while we wait for the citizen, remembering the working days left."""
        due = self.due_of(report, stage)
        left = self.calendar.working_days_between(now, due) if due else 0
        report.paused_stage = stage
        report.paused_at = now
        report.paused_days_left = max(left, 0)
        report.next_sla_at = None

    def resume(self, report: DeadlineFields, now: datetime) -> Stage:
        """Restart the paused clock with the working days that were left (at least one)."""
        stage = report.paused_stage
        if stage is None:
            raise ValueError("report is not paused")
        left = max(report.paused_days_left or 0, 1)
        self._set_due(report, stage, self.calendar.due(now, left))
        report.stage_started_at = now
        report.stage_cycle = (report.stage_cycle or 0) + 1
        report.escalation_level = 0
        report.paused_stage = report.paused_at = report.paused_days_left = None
        return stage

    def extend(self, report: DeadlineFields, stage: Stage, days: int) -> datetime:
        """Push the current deadline ``days`` working days later, within the policy's bound."""
        limit = self.policy.for_type(report.type).max_extension_days
        if days < 1:
            raise ValueError("an extension is at least 1 working day")
        if stage is Stage.RESPOND and report.extension_days + days > limit:
            raise ValueError(
                f"the policy allows at most {limit} working days of extension in total; "
                f"{report.extension_days} already used"
            )
        due = self.due_of(report, stage)
        if due is None:
            raise ValueError(f"no {stage.value} deadline to extend")
        new_due = self.calendar.due(due, days)
        self._set_due(report, stage, new_due)
        if stage is Stage.RESPOND:
            report.extension_days += days
        return new_due

    @staticmethod
    def due_of(report: DeadlineFields, stage: Stage) -> datetime | None:
        return {
            Stage.VERIFY: report.verify_due_at,
            Stage.RESPOND: report.response_due_at,
            Stage.FEEDBACK: report.feedback_due_at,
        }[stage]

    @staticmethod
    def set_due(report: DeadlineFields, stage: Stage, due: datetime) -> None:
        """Store a deadline re-derived from the log (``reports.recompute``)."""
        SlaClock._set_due(report, stage, due)

    @staticmethod
    def _set_due(report: DeadlineFields, stage: Stage, due: datetime) -> None:
        if stage is Stage.VERIFY:
            report.verify_due_at = due
        elif stage is Stage.RESPOND:
            report.response_due_at = due
        else:
            report.feedback_due_at = due

    # -- what the sweep will do ---------------------------------------------------------------

    def schedule(self, report: DeadlineFields) -> list[ScheduledAction]:
        """Every reminder, escalation and auto-close of the running clock, in time order."""
        stage = report.stage
        if stage is None or report.paused_stage is not None:
            return []
        due = self.due_of(report, stage)
        if due is None:
            return []
        policy = self.policy.for_type(report.type).stage(stage)
        cycle = report.stage_cycle
        actions = [
            ScheduledAction(
                at=due - timedelta(hours=r.before_hours),
                stage=stage,
                cycle=cycle,
                kind=SlaActionKind.REMINDER,
                level=i,
                notify=r.notify,
            )
            for i, r in enumerate(policy.reminders, start=1)
        ]
        if stage is Stage.FEEDBACK:
            actions.append(
                ScheduledAction(due + ONE_SECOND, stage, cycle, SlaActionKind.AUTO_CLOSE, 0, ())
            )
        else:
            actions.extend(
                ScheduledAction(
                    at=self.calendar.due(due, step.after_days) + ONE_SECOND,
                    stage=stage,
                    cycle=cycle,
                    kind=SlaActionKind.ESCALATION,
                    level=step.level,
                    notify=step.notify,
                )
                for step in policy.ladder
            )
        return sorted(actions, key=lambda a: (a.at, a.kind != SlaActionKind.REMINDER, a.level))

    def next_action_at(
        self, report: DeadlineFields, done: set[tuple[str, int, str, int]]
    ) -> datetime | None:
        """When the sweep next has work for this report (the indexed ``next_sla_at`` column)."""
        pending = [a.at for a in self.schedule(report) if a.key not in done]
        return min(pending) if pending else None

    def refresh(
        self, report: DeadlineFields, done: set[tuple[str, int, str, int]] | None = None
    ) -> None:
        report.next_sla_at = self.next_action_at(report, done or set())


def clock_from_settings(settings: Settings) -> SlaClock:
    """The deployment's clock: its zone, holiday overrides and SLA policy file."""
    return SlaClock(
        calendar_from_settings(settings),
        SlaPolicy.from_yaml(settings.sla_file),
        public_base_url=settings.public_base_url,
    )
