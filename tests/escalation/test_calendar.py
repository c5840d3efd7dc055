"""Deadline arithmetic on real 2026 and 2027 dates: weekends, holidays, cuti bersama, zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from escalation.calendar import HolidayOverrides, WorkingCalendar

WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")


def local(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)  # type: ignore[misc, arg-type]


@pytest.fixture(scope="module")
def jakarta() -> WorkingCalendar:
    return WorkingCalendar(WIB)


@pytest.mark.parametrize(
    ("start", "days", "expected", "why"),
    [
        ((2026, 11, 23, 9), 3, date(2026, 11, 26), "plain week: Mon -> Thu"),
        ((2026, 11, 27, 15), 1, date(2026, 11, 30), "Friday -> Monday over the weekend"),
        ((2026, 11, 28, 10), 3, date(2026, 12, 2), "a Saturday report: Mon, Tue, Wed"),
        ((2026, 12, 22, 9), 3, date(2026, 12, 29), "Christmas + cuti bersama 24 Dec"),
        ((2026, 3, 17, 8), 3, date(2026, 3, 27), "Nyepi + Idul Fitri 2026 with cuti bersama"),
        ((2026, 3, 17, 8), 5, date(2026, 3, 31), "same, 5 days"),
        ((2026, 5, 13, 8), 2, date(2026, 5, 19), "Ascension 14 May + cuti bersama 15 May"),
        ((2026, 8, 14, 8), 1, date(2026, 8, 18), "Independence Day Monday 17 Aug"),
        ((2026, 12, 31, 8), 1, date(2027, 1, 4), "New Year over the year boundary"),
        ((2027, 3, 5, 8), 2, date(2027, 3, 17), "Nyepi 8 Mar + Idul Fitri 2027 leave"),
        ((2026, 11, 23, 9), 10, date(2026, 12, 7), "the citizen's 10-day window"),
        ((2026, 11, 23, 9), 0, date(2026, 11, 23), "zero days ends the same day"),
    ],
)
def test_due_dates_in_wib(
    jakarta: WorkingCalendar, start: tuple[int, ...], days: int, expected: date, why: str
) -> None:
    due = jakarta.due(local(WIB, *start), days)
    assert due.tzinfo is UTC
    assert due.astimezone(WIB) == local(
        WIB, expected.year, expected.month, expected.day, 23, 59, 59
    ), why


def test_cuti_bersama_are_not_working_days(jakarta: WorkingCalendar) -> None:
    for day in [date(2026, 12, 24), date(2026, 3, 20), date(2026, 3, 23), date(2026, 5, 15)]:
        assert day.weekday() < 5
        assert not jakarta.is_working_day(day), day
        assert jakarta.holiday_name(day)


def test_same_instant_gives_different_local_deadlines_per_zone() -> None:
    """Monday 23:30 in Jakarta is already Tuesday in Makassar and Jayapura."""
    instant = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)
    assert WorkingCalendar(WIB).due(instant, 3) == local(WIB, 2026, 11, 26, 23, 59, 59)
    assert WorkingCalendar(WITA).due(instant, 3) == local(WITA, 2026, 11, 27, 23, 59, 59)
    assert WorkingCalendar(WIT).due(instant, 3) == local(WIT, 2026, 11, 27, 23, 59, 59)
    # ...and each deadline is the last second of the local day.
    assert WorkingCalendar(WIT).due(instant, 3) == datetime(2026, 11, 27, 14, 59, 59, tzinfo=UTC)


def test_overrides_close_and_open_days() -> None:
    closed = WorkingCalendar(WIB, HolidayOverrides(closed={date(2026, 11, 25): "Pilkada"}))
    assert closed.due(local(WIB, 2026, 11, 23, 9), 3).date() == date(2026, 11, 27)
    opened = WorkingCalendar(WIB, HolidayOverrides(working={date(2026, 11, 28): "ganti"}))
    assert opened.due(local(WIB, 2026, 11, 25, 9), 3).astimezone(WIB).date() == date(2026, 11, 28)
    # A national holiday made a working day by a late decree:
    moved = WorkingCalendar(WIB, HolidayOverrides(working={date(2026, 12, 24): "dibatalkan"}))
    assert moved.due(local(WIB, 2026, 12, 22, 9), 3).astimezone(WIB).date() == date(2026, 12, 28)


def test_overrides_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "holidays.yml"
    path.write_text(
        "closed:\n  - {date: 2026-11-25, name: Pilkada serentak}\nworking:\n  - 2026-11-28\n"
    )
    overrides = HolidayOverrides.from_yaml(path)
    assert overrides.closed == {date(2026, 11, 25): "Pilkada serentak"}
    assert date(2026, 11, 28) in overrides.working
    path.write_text("closed: [2026-11-25]\nworking: [2026-11-25]\n")
    with pytest.raises(ValueError, match="both closed and working"):
        HolidayOverrides.from_yaml(path)


def test_working_days_between_inverts_due(jakarta: WorkingCalendar) -> None:
    start = local(WIB, 2026, 12, 18, 14)
    for n in range(0, 25):
        assert jakarta.working_days_between(start, jakarta.due(start, n)) == n
    assert jakarta.working_days_between(jakarta.due(start, 4), start) == -4


def test_naive_datetimes_are_refused(jakarta: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        jakarta.due(datetime(2026, 11, 23, 9), 3)


def test_every_deadline_is_end_of_a_working_day(jakarta: WorkingCalendar) -> None:
    start = local(WIB, 2026, 1, 1, 0)
    for hours in range(0, 24 * 730, 37):
        instant = start + timedelta(hours=hours)
        due = jakarta.due(instant, 3).astimezone(WIB)
        assert due.time().isoformat() == "23:59:59"
        assert jakarta.is_working_day(due.date())
        assert jakarta.working_days_between(instant, due) == 3
