"""The closed-form working-day counts agree with a plain day loop, on thousands of random spans.

The calendar counts spans with weekday arithmetic plus a sorted list of special days; the
reference below is the obvious loop over every day, written here on purpose so the test does not
trust the code it checks. Spans cover 2025-2028 (cuti bersama of every decreed year, year
boundaries), both signs, the three Indonesian time zones with instants near local midnight, and
overrides of every kind: a closed weekday, a closed weekend day, a weekend made working, a
national holiday made working, and a plain weekday "made working" (a no-op).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalation.calendar import HolidayOverrides, WorkingCalendar

ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
FIRST, LAST = date(2025, 1, 1), date(2028, 12, 31)
SPAN_DAYS = (LAST - FIRST).days

OVERRIDES = HolidayOverrides(
    closed={
        date(2025, 11, 26): "Pilkada (weekday)",
        date(2026, 11, 25): "Pilkada serentak",
        date(2027, 2, 13): "closed Saturday (no effect)",
        date(2028, 6, 7): "cuti bersama tambahan",
    },
    working={
        date(2025, 12, 27): "Saturday made working",
        date(2026, 1, 3): "hari kerja pengganti",
        date(2026, 12, 24): "cuti bersama dibatalkan",  # a national GOVERNMENT day
        date(2027, 8, 17): "Independence Day (a Tuesday) made working",
        date(2028, 3, 5): "Sunday made working",
        date(2026, 6, 10): "plain Wednesday (no effect)",
    },
)


def reference_between(cal: WorkingCalendar, start: datetime, end: datetime) -> int:
    """The definition, one day at a time: working days after start's local date through end's."""
    a, b = start.astimezone(cal.tz).date(), end.astimezone(cal.tz).date()
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    count, day = 0, a
    while day < b:
        day += timedelta(days=1)
        count += cal.is_working_day(day)
    return sign * count


def reference_add(cal: WorkingCalendar, start: date, days: int) -> date:
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            left -= 1
    return day


def random_instant(rng: random.Random, tz: ZoneInfo) -> datetime:
    day = FIRST + timedelta(days=rng.randrange(SPAN_DAYS + 1))
    # Half of the instants within an hour of local midnight, where a UTC slip would show.
    if rng.random() < 0.5:
        hour, minute = rng.choice((0, 23)), rng.randrange(60)
    else:
        hour, minute = rng.randrange(24), rng.randrange(60)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz).astimezone(UTC)


@pytest.fixture(scope="module", params=[None, OVERRIDES], ids=["national", "overrides"])
def calendars(request: pytest.FixtureRequest) -> list[WorkingCalendar]:
    return [WorkingCalendar(zone, request.param) for zone in ZONES]


def test_cuti_bersama_and_overrides_are_in_play(calendars: list[WorkingCalendar]) -> None:
    """Guard the test itself: the years hold weekday holidays, so spans cross special days."""
    cal = calendars[0]
    closed_weekdays = [
        FIRST + timedelta(days=i)
        for i in range(SPAN_DAYS + 1)
        if (FIRST + timedelta(days=i)).weekday() < 5
        and not cal.is_working_day(FIRST + timedelta(days=i))
    ]
    assert len(closed_weekdays) > 60
    assert not cal.is_working_day(date(2026, 3, 20))  # cuti bersama Idul Fitri 2026
    if cal.overrides.working:
        assert cal.is_working_day(date(2026, 12, 24))
        assert cal.is_working_day(date(2028, 3, 5))
        assert not cal.is_working_day(date(2026, 11, 25))


@pytest.mark.slow  # 4,000 random spans checked against a day-by-day loop: seconds of CPU
def test_working_days_between_matches_day_loop(calendars: list[WorkingCalendar]) -> None:
    rng = random.Random(20261123)
    for i in range(4000):
        cal = calendars[i % len(calendars)]
        start, end = random_instant(rng, cal.tz), random_instant(rng, cal.tz)
        if i % 4 == 0:  # short spans too: same day, a few days, across one weekend
            end = start + timedelta(hours=rng.randrange(-24 * 12, 24 * 12))
        assert cal.working_days_between(start, end) == reference_between(cal, start, end), (
            cal.tz,
            start,
            end,
        )


def test_count_is_additive_and_zero_for_empty_spans(calendars: list[WorkingCalendar]) -> None:
    cal = calendars[0]
    rng = random.Random(7)
    for _ in range(500):
        a, b, c = sorted(FIRST + timedelta(days=rng.randrange(SPAN_DAYS)) for _ in range(3))
        assert cal.count_working_days(a, c) == cal.count_working_days(
            a, b
        ) + cal.count_working_days(b, c)
        assert cal.count_working_days(c, a) == 0
        assert cal.count_working_days(a, a) == 0


def test_add_working_days_matches_day_loop(calendars: list[WorkingCalendar]) -> None:
    rng = random.Random(5)
    for i in range(3000):
        cal = calendars[i % len(calendars)]
        start = FIRST + timedelta(days=rng.randrange(SPAN_DAYS - 120))
        days = rng.choice((0, 1, 2, 3, 5, 10, 14, 60, rng.randrange(0, 90)))
        expected = reference_add(cal, start, days)
        assert cal.add_working_days(start, days) == expected, (cal.tz, start, days)


def test_due_and_between_stay_inverse(calendars: list[WorkingCalendar]) -> None:
    rng = random.Random(11)
    for i in range(1500):
        cal = calendars[i % len(calendars)]
        start = random_instant(rng, cal.tz)
        days = rng.randrange(0, 70)
        due = cal.due(start, days)
        assert cal.working_days_between(start, due) == days
        assert cal.is_working_day(cal.local_date(due)) or days == 0


def test_spans_over_many_years_load_each_year() -> None:
    """A report overdue since 2019 (imported history) is counted like the loop counts it."""
    cal = WorkingCalendar("Asia/Jakarta")
    start = datetime(2019, 6, 3, 9, tzinfo=UTC)
    end = datetime(2027, 6, 3, 9, tzinfo=UTC)
    assert cal.working_days_between(start, end) == reference_between(cal, start, end)
    assert cal.working_days_between(end, start) == -reference_between(cal, start, end)
