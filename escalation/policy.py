"""The SLA policy (``config/sla.yml``): how long each stage may take, and who hears about it.

The numbers are policy, not code: LAPOR!'s 3/5/10 working days are only the shipped default, and
each report type may differ. Loading validates everything up front so a typo in the YAML stops the
process at start-up instead of silently skipping an escalation weeks later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from escalation.vocabulary import ReportType, Stage


class Audience(StrEnum):
    """Who a reminder or escalation is addressed to; resolved to people by the sweep."""

    CITIZEN = "citizen"
    VERIFIERS = "verifiers"
    AGENCY_OFFICERS = "agency_officers"
    AGENCY_HEAD = "agency_head"
    MANAGERS = "managers"
    AUTHORITY = "authority"


@dataclass(frozen=True, slots=True)
class Reminder:
    before_hours: int
    notify: tuple[Audience, ...]


@dataclass(frozen=True, slots=True)
class EscalationStep:
    level: int
    after_days: int  # working days after the deadline; 0 = at the breach itself
    notify: tuple[Audience, ...]


@dataclass(frozen=True, slots=True)
class StagePolicy:
    days: int
    reminders: tuple[Reminder, ...] = ()
    ladder: tuple[EscalationStep, ...] = ()


@dataclass(frozen=True, slots=True)
class TypePolicy:
    verify: StagePolicy
    respond: StagePolicy
    feedback: StagePolicy
    max_extension_days: int

    def stage(self, stage: Stage) -> StagePolicy:
        return {
            Stage.VERIFY: self.verify,
            Stage.RESPOND: self.respond,
            Stage.FEEDBACK: self.feedback,
        }[stage]


@dataclass(frozen=True, slots=True)
class Authority:
    name: str
    email: tuple[str, ...] = ()
    telegram: tuple[str, ...] = ()
    whatsapp: tuple[str, ...] = ()


@dataclass(frozen=True)
class SlaPolicy:
    types: dict[ReportType, TypePolicy]
    authority: Authority
    digest_hour: int = 7
    digest_minute: int = 30
    _default: ReportType = field(default=ReportType.COMPLAINT, repr=False)

    def for_type(self, report_type: ReportType | None) -> TypePolicy:
        """Policy of a type; an unclassified report is held to the complaint timetable."""
        return self.types[report_type or self._default]

    @classmethod
    def from_yaml(cls, path: Path) -> SlaPolicy:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        types: dict[ReportType, TypePolicy] = {}
        for name, spec in (raw.get("report_types") or {}).items():
            try:
                report_type = ReportType(name)
            except ValueError:
                raise ValueError(f"{path}: unknown report type {name!r}") from None
            types[report_type] = _type_policy(spec, where=f"{path}: {name}")
        missing = set(ReportType) - types.keys()
        if missing:
            raise ValueError(f"{path}: no policy for report types {sorted(missing)}")
        auth = raw.get("authority") or {}
        digest = raw.get("digest") or {}
        return cls(
            types=types,
            authority=Authority(
                name=str(auth.get("name", "Authority")),
                email=tuple(auth.get("email") or ()),
                telegram=tuple(str(x) for x in auth.get("telegram") or ()),
                whatsapp=tuple(auth.get("whatsapp") or ()),
            ),
            digest_hour=int(digest.get("hour", 7)),
            digest_minute=int(digest.get("minute", 30)),
        )


def _audiences(values: list[str], where: str) -> tuple[Audience, ...]:
    try:
        return tuple(Audience(v) for v in values)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}; expected one of {[a.value for a in Audience]}") from None


def _type_policy(spec: dict[str, Any], where: str) -> TypePolicy:
    reminders = spec.get("reminders") or {}
    ladders = spec.get("escalation") or {}

    def stage(key: str, days_key: str) -> StagePolicy:
        days = int(spec[days_key])
        if days < 1:
            raise ValueError(f"{where}: {days_key} must be at least 1 working day")
        ladder = tuple(
            sorted(
                (
                    EscalationStep(
                        level=int(step["level"]),
                        after_days=int(step["after_days"]),
                        notify=_audiences(step["notify"], where),
                    )
                    for step in ladders.get(key) or ()
                ),
                key=lambda s: s.level,
            )
        )
        if [s.level for s in ladder] != list(range(1, len(ladder) + 1)):
            raise ValueError(f"{where}: escalation levels for {key} must be 1, 2, 3, ...")
        if any(a.after_days > b.after_days for a, b in pairwise(ladder)):
            raise ValueError(f"{where}: escalation after_days for {key} must not decrease")
        return StagePolicy(
            days=days,
            reminders=tuple(
                Reminder(before_hours=int(r["before_hours"]), notify=_audiences(r["notify"], where))
                for r in reminders.get(key) or ()
            ),
            ladder=ladder,
        )

    return TypePolicy(
        verify=stage("verify", "verify_days"),
        respond=stage("respond", "respond_days"),
        feedback=stage("feedback", "feedback_days"),
        max_extension_days=int(spec.get("max_extension_days", 0)),
    )
