"""Which stages of a report were breached, and by how many working days (``sla_history``).

The report's own columns only describe the clock that runs now: after a late answer the
escalation level returns to 0 and the deadline columns move on to the next stage, so nothing on the
report said it had been late. The append-only event log keeps what happened: the sweep writes a
``breach`` event (level 1, with the deadline it missed) and ``escalate`` events for higher levels,
and every use case that stops a stage's clock writes its own event. This module reads those events
back into one record per breach; it is pure (no database, ``now`` as a parameter) so the same
function serves ``report show --json``, the API, the console and the export.

Rules (design decisions, stated here because the event log alone cannot say them):
- A breach ends when the stage's clock stops: for verification, the report is forwarded, put on
  hold (the citizen is asked for information), or archived; for the agency's follow-up, the report
  is answered, put on hold, returned to the verifier, re-routed or archived.
- How late: working days after the missed deadline's local date up to the end's local date (the
  calendar's ``working_days_between``, the same measure as every other window). An answer given on
  the weekend after a Friday deadline is late by 0 working days but still listed: it was breached.
- A breach still running is measured up to ``now`` and marked ``ongoing``.
- An extension granted after a breach does not erase it: the escalation already happened.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol

from escalation.calendar import WorkingCalendar
from escalation.vocabulary import Stage

#: Event actions that stop each stage's clock (see the module docstring).
STAGE_ENDS: Final[dict[Stage, frozenset[str]]] = {
    Stage.VERIFY: frozenset({"verify_forward", "request_info", "not_our_authority", "archive"}),
    Stage.RESPOND: frozenset(
        {"answer", "request_info", "return_to_verifier", "reroute", "archive"}
    ),
}


class LoggedEvent(Protocol):
    """What this module needs of an event (``reports.models.ReportEvent`` fits)."""

    @property
    def action(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def data(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class StageBreach:
    """One missed deadline of one stage."""

    stage: Stage
    due: datetime
    breached_at: datetime
    ended_at: datetime | None
    working_days_late: int
    max_level: int

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None

    def as_dict(self, tz: Any = None) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            if value is None:
                return None
            return (value.astimezone(tz) if tz else value).isoformat()

        return {
            "stage": self.stage.value,
            "due": iso(self.due),
            "breached_at": iso(self.breached_at),
            "ended_at": iso(self.ended_at),
            "working_days_late": self.working_days_late,
            "max_level": self.max_level,
            "ongoing": self.ongoing,
        }


def _stage_of(data: Mapping[str, Any]) -> Stage | None:
    try:
        return Stage(str(data.get("stage")))
    except ValueError:
        return None


def _due_of(data: Mapping[str, Any], fallback: datetime) -> datetime:
    raw = data.get("due")
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            pass
    return fallback


def sla_history(
    events: Iterable[LoggedEvent], calendar: WorkingCalendar, now: datetime
) -> list[StageBreach]:
    """Every breach recorded in ``events`` (in log order), with how late each stage ended."""
    ordered = sorted(events, key=lambda e: e.created_at)
    breaches: list[StageBreach] = []
    for i, event in enumerate(ordered):
        if event.action != "breach":
            continue
        data = event.data or {}
        stage = _stage_of(data)
        if stage is None or stage not in STAGE_ENDS:
            continue
        due = _due_of(data, event.created_at)
        level, ended_at = int(data.get("level") or 1), None
        for later in ordered[i + 1 :]:
            if later.action in STAGE_ENDS[stage]:
                ended_at = later.created_at
                break
            if later.action == "escalate" and _stage_of(later.data or {}) is stage:
                level = max(level, int((later.data or {}).get("level") or level))
        end = ended_at or now
        breaches.append(
            StageBreach(
                stage=stage,
                due=due,
                breached_at=event.created_at,
                ended_at=ended_at,
                working_days_late=max(calendar.working_days_between(due, end), 0),
                max_level=level,
            )
        )
    return breaches


def late_days_by_stage(breaches: Iterable[StageBreach]) -> dict[Stage, int]:
    """The export's columns: per stage, the working days late summed over its breaches."""
    totals: dict[Stage, int] = {}
    for b in breaches:
        totals[b.stage] = totals.get(b.stage, 0) + b.working_days_late
    return totals
