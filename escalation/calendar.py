"""Working days in Indonesia: Monday to Friday minus public holidays and cuti bersama.

Deadlines are counted in the deployment's local time zone (WIB, WITA or WIT), because "the third
working day" is a calendar fact where the agency sits, not in UTC. Convention (domain.md): the
event's own day does not count, and N working days end at 23:59:59 local on the Nth working day
after the event's local date. Closing at the last second of a day (and not at midnight of the next)
keeps the date we print to the citizen ("paling lambat Rabu, 25 November 2026") equal to the date
we enforce.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import yaml

from config.settings import Settings

END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class HolidayOverrides:
    """Local corrections to the national list: late decrees add closed days or make days working."""

    closed: dict[date, str] = field(default_factory=dict)
    working: dict[date, str] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, path: Path) -> HolidayOverrides:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}

        def read(key: str) -> dict[date, str]:
            out: dict[date, str] = {}
            for item in raw.get(key) or []:
                day = item["date"] if isinstance(item, dict) else item
                name = item.get("name", key) if isinstance(item, dict) else key
                out[day if isinstance(day, date) else date.fromisoformat(str(day))] = str(name)
            return out

        closed, working = read("closed"), read("working")
        clash = closed.keys() & working.keys()
        if clash:
            raise ValueError(f"{path}: dates both closed and working: {sorted(clash)}")
        return cls(closed=closed, working=working)


class WorkingCalendar:
    """Answers "is this a working day?" and adds working days to an instant.

    Holiday years are loaded lazily and cached per year, so a sweep over a million reports costs
    set lookups, not calls into the ``holidays`` package.
    """

    def __init__(self, tz: ZoneInfo | str, overrides: HolidayOverrides | None = None) -> None:
        self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self.overrides = overrides or HolidayOverrides()
        self._years: dict[int, dict[date, str]] = {}

    def _holidays_of(self, year: int) -> dict[date, str]:
        if year not in self._years:
            national = holidays.country_holidays(
                "ID", categories=(holidays.PUBLIC, holidays.GOVERNMENT), years=year
            )
            self._years[year] = {d: str(n) for d, n in national.items()}
        return self._years[year]

    def holiday_name(self, day: date) -> str | None:
        """Why ``day`` is closed (holiday or override), or None when it is not a holiday."""
        if day in self.overrides.closed:
            return self.overrides.closed[day]
        return self._holidays_of(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides.working:
            return True
        if day in self.overrides.closed:
            return False
        return day.weekday() < 5 and day not in self._holidays_of(day.year)

    def local_date(self, instant: datetime) -> date:
        if instant.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware instant")
        return instant.astimezone(self.tz).date()

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself never counts)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        current, remaining = start, days
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def end_of_day(self, day: date) -> datetime:
        """23:59:59 local on ``day``, as an aware UTC instant (what the database stores)."""
        return datetime.combine(day, END_OF_DAY, tzinfo=self.tz).astimezone(UTC)

    def due(self, start: datetime, working_days: int) -> datetime:
        """The deadline ``working_days`` working days after the instant ``start``."""
        return self.end_of_day(self.add_working_days(self.local_date(start), working_days))

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after ``start``'s local date up to and including ``end``'s local date.

        This is the inverse of :meth:`due`: ``working_days_between(t, due(t, n)) == n``. It is used
        to measure what is left of a clock when it is paused and how late a breach is.
        """
        a, b = self.local_date(start), self.local_date(end)
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        count, current = 0, a
        while current < b:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return sign * count

    def working_days_in(self, days: Iterable[date]) -> int:
        return sum(1 for d in days if self.is_working_day(d))


def calendar_from_settings(settings: Settings) -> WorkingCalendar:
    """Build the deployment's calendar from its zone and override file."""
    path = settings.holidays_file
    overrides = HolidayOverrides.from_yaml(path) if path.exists() else HolidayOverrides()
    return WorkingCalendar(settings.tz, overrides)
