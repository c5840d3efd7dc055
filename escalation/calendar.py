"""Working days in Indonesia: Monday to Friday minus public holidays and cuti bersama.

Deadlines are counted in the deployment's local time zone (WIB, WITA or WIT), because "the third
working day" is a calendar fact where the agency sits, not in UTC. Convention (domain.md): the
event's own day does not count, and N working days end at 23:59:59 local on the Nth working day
after the event's local date. Closing at the last second of a day (and not at midnight of the next)
keeps the date we print to the citizen ("paling lambat Rabu, 25 November 2026") equal to the date
we enforce.
"""

from __future__ import annotations

from bisect import bisect_right
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

    Counting is closed-form, not a loop over days: the console shows "overdue by N working days"
    next to every report, and reports overdue by two years made a day loop cost ~3 ms each (650 ms
    for one inbox page). Working days in a span are its weekdays (whole weeks x 5 + remainder)
    corrected by the year's *special days*: weekdays that are closed (holiday, cuti bersama,
    ``closed`` override) count -1, weekend days made working (``working`` override) count +1. The
    special days of a year are a sorted list with prefix sums, so a span costs two bisects per
    calendar year it touches. The correction is derived from :meth:`is_working_day` itself, so
    both answers agree by construction (and a test compares them on thousands of random spans).
    """

    def __init__(self, tz: ZoneInfo | str, overrides: HolidayOverrides | None = None) -> None:
        self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self.overrides = overrides or HolidayOverrides()
        self._years: dict[int, dict[date, str]] = {}
        # year -> (ordinals of its special days, sorted; prefix sums of their corrections, len+1)
        self._specials: dict[int, tuple[list[int], list[int]]] = {}

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

    def _specials_of(self, year: int) -> tuple[list[int], list[int]]:
        """The year's special days (ordinals) and the prefix sums of their corrections.

        A day's correction is ``is_working_day(day) - (weekday < 5)``: it can only be non-zero
        on a national holiday or an override date, so those are the only candidates looked at.
        """
        cached = self._specials.get(year)
        if cached is not None:
            return cached
        candidates = set(self._holidays_of(year))
        candidates.update(d for d in self.overrides.closed if d.year == year)
        candidates.update(d for d in self.overrides.working if d.year == year)
        ordinals: list[int] = []
        prefix = [0]
        for day in sorted(candidates):
            correction = int(self.is_working_day(day)) - int(day.weekday() < 5)
            if correction:
                ordinals.append(day.toordinal())
                prefix.append(prefix[-1] + correction)
        self._specials[year] = (ordinals, prefix)
        return ordinals, prefix

    def count_working_days(self, after: date, through: date) -> int:
        """Working days ``d`` with ``after < d <= through`` (0 when ``through <= after``)."""
        if through <= after:
            return 0
        a, b = after.toordinal(), through.toordinal()
        count = _weekdays_through(b) - _weekdays_through(a)
        for year in range(after.year, through.year + 1):
            ordinals, prefix = self._specials_of(year)
            count += prefix[bisect_right(ordinals, b)] - prefix[bisect_right(ordinals, a)]
        return count

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself never counts).

        Jumps straight to the ``days``-th *weekday* (closed form), then walks only as far as the
        special days in between require: forward over closed weekdays, back over extra working
        weekend days. Extensions of 14 or 60 working days cost the same as 3.
        """
        if days < 0:
            raise ValueError("days must be >= 0")
        if days == 0:
            return start
        target = _weekdays_through(start.toordinal()) + days
        current = date.fromordinal((target - 1) // 5 * 7 + (target - 1) % 5 + 1)
        counted = self.count_working_days(start, current)
        one = timedelta(days=1)
        while counted < days:
            current += one
            if self.is_working_day(current):
                counted += 1
        # Now at least ``days`` are counted: step back to the earliest day that reaches ``days``.
        while counted > days or not self.is_working_day(current):
            if self.is_working_day(current):
                counted -= 1
            current -= one
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
        if b < a:
            return -self.count_working_days(b, a)
        return self.count_working_days(a, b)

    def working_days_in(self, days: Iterable[date]) -> int:
        return sum(1 for d in days if self.is_working_day(d))


def _weekdays_through(ordinal: int) -> int:
    """Monday-to-Friday days among ordinals ``1..ordinal`` (ordinal 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def calendar_from_settings(settings: Settings) -> WorkingCalendar:
    """Build the deployment's calendar from its zone and override file."""
    path = settings.holidays_file
    overrides = HolidayOverrides.from_yaml(path) if path.exists() else HolidayOverrides()
    return WorkingCalendar(settings.tz, overrides)
