"""Business days: China's public holidays and make-up working days (调休) from the
``holidays`` package, ordinary weekends, settings overrides and settings errors."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import holidays
import pytest
import yaml

from workflows import calendar as calendar_module
from workflows.calendar import BusinessCalendar

CN = BusinessCalendar()


def _days(start: date, end: date) -> list[date]:
    """Every day from start to end, both included."""
    return [start + timedelta(n) for n in range((end - start).days + 1)]


# --- National Day -------------------------------------------------------------------


def test_national_day_week_2026_is_closed() -> None:
    for day in _days(date(2026, 10, 1), date(2026, 10, 7)):
        assert not CN.is_business_day(day), day
    assert CN.is_business_day(date(2026, 10, 8))  # Thursday, back to work


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 9, 20),  # Sunday, worked for National Day 2026
        date(2026, 10, 10),  # Saturday, worked for National Day 2026
        date(2025, 9, 28),  # Sunday, worked for National Day 2025
        date(2025, 10, 11),  # Saturday, worked for National Day 2025
    ],
)
def test_make_up_weekend_days_around_national_day_are_business_days(day: date) -> None:
    assert day.weekday() >= 5
    assert CN.is_business_day(day)


def test_next_business_day_after_national_day() -> None:
    assert CN.next_business_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert CN.next_business_day(date(2025, 10, 1)) == date(2025, 10, 9)
    # The make-up Saturday is itself a business day.
    assert CN.next_business_day(date(2026, 10, 10)) == date(2026, 10, 10)
    assert CN.next_business_day(date(2026, 10, 11)) == date(2026, 10, 12)


def test_previous_business_day_is_strictly_before() -> None:
    assert CN.previous_business_day(date(2026, 10, 8)) == date(2026, 9, 30)
    assert CN.previous_business_day(date(2026, 10, 12)) == date(2026, 10, 10)  # make-up Sat
    assert CN.previous_business_day(date(2026, 10, 9)) == date(2026, 10, 8)


# --- Spring Festival ----------------------------------------------------------------


def test_spring_festival_2026() -> None:
    # Sunday Feb 15 (New Year's Eve eve) to Monday Feb 23: nine days off.
    for day in _days(date(2026, 2, 15), date(2026, 2, 23)):
        assert not CN.is_business_day(day), day
    assert CN.is_business_day(date(2026, 2, 14))  # Saturday, worked
    assert CN.is_business_day(date(2026, 2, 28))  # Saturday, worked
    assert CN.next_business_day(date(2026, 2, 16)) == date(2026, 2, 24)
    assert CN.previous_business_day(date(2026, 2, 16)) == date(2026, 2, 14)


# --- straight from the package, not hard-coded ---------------------------------------


def test_every_make_up_day_the_package_lists_is_a_business_day() -> None:
    table = holidays.country_holidays("CN", years=2026)
    make_up = [d for d in table.weekend_workdays if d.year == 2026]
    assert date(2026, 9, 20) in make_up and date(2026, 10, 10) in make_up
    for day in make_up:
        assert CN.is_business_day(day), day


def test_cross_year_make_up_day() -> None:
    # 2001-12-29 (Saturday) was worked for the 2002 New Year; the package files it
    # under 2002, the day itself is in 2001.
    assert date(2001, 12, 29).weekday() == 5
    assert CN.is_business_day(date(2001, 12, 29))


def test_agrees_with_the_package_for_every_day() -> None:
    table = holidays.country_holidays("CN", years=range(2001, 2028))
    for day in _days(date(2001, 1, 1), date(2027, 12, 31)):
        assert CN.is_business_day(day) == table.is_working_day(day), day


# --- ordinary weeks -----------------------------------------------------------------


def test_ordinary_weekend() -> None:
    saturday, sunday, monday = date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)
    assert not CN.is_business_day(saturday)
    assert not CN.is_business_day(sunday)
    assert CN.is_business_day(monday)
    assert CN.is_business_day(date(2026, 3, 6))  # Friday
    assert CN.next_business_day(saturday) == monday
    assert CN.next_business_day(monday) == monday
    assert CN.previous_business_day(monday) == date(2026, 3, 6)


def test_business_days_between_is_half_open() -> None:
    start, end = date(2026, 9, 28), date(2026, 10, 12)
    # Sep 28-30, Oct 8, 9 and the make-up Saturday Oct 10.
    assert CN.business_days_between(start, end) == 6
    assert CN.business_days_between(end, start) == -6
    assert CN.business_days_between(start, start) == 0
    middle = date(2026, 10, 5)
    assert CN.business_days_between(start, middle) + CN.business_days_between(
        middle, end
    ) == CN.business_days_between(start, end)


def test_datetime_is_refused() -> None:
    with pytest.raises(TypeError):
        CN.is_business_day(datetime(2026, 10, 1, 9, 0))
    with pytest.raises(TypeError):
        CN.previous_business_day(datetime(2026, 10, 8, 9, 0))


def test_ten_years_of_days_is_fast() -> None:
    calendar_module._year.cache_clear()  # include building the per-year tables
    started = time.perf_counter()
    days = _days(date(2020, 1, 1), date(2029, 12, 31))
    open_days = sum(CN.is_business_day(day) for day in days)
    elapsed = time.perf_counter() - started
    assert 2400 < open_days < 2600
    assert elapsed < 1.0, f"{elapsed:.3f}s for {len(days)} days"


# --- settings -----------------------------------------------------------------------


def test_from_settings_none_is_china_without_extras() -> None:
    assert BusinessCalendar.from_settings(None) == BusinessCalendar()
    assert BusinessCalendar.from_settings({}) == BusinessCalendar()


def test_extras_from_yaml_settings_override_the_package() -> None:
    section = yaml.safe_load(
        """
        calendar:
          country: cn
          extra_holidays: [2026-12-31, "2026-12-30", 2026-10-10]
          extra_working_days: [2026-10-07, "2026-03-07", 2026-12-31]
        """
    )["calendar"]
    cal = BusinessCalendar.from_settings(section)
    assert cal.country == "CN"
    assert not cal.is_business_day(date(2026, 12, 30))  # extra holiday (ISO string)
    assert not cal.is_business_day(date(2026, 10, 10))  # beats the package's make-up day
    assert cal.is_business_day(date(2026, 10, 7))  # extra working day beats a holiday
    assert cal.is_business_day(date(2026, 3, 7))  # extra working Saturday
    assert cal.is_business_day(date(2026, 12, 31))  # in both lists: working day wins
    assert cal.next_business_day(date(2026, 10, 1)) == date(2026, 10, 7)
    # The default calendar is untouched by another calendar's extras.
    assert not CN.is_business_day(date(2026, 10, 7))


def test_other_country() -> None:
    us = BusinessCalendar.from_settings({"country": "US"})
    assert not us.is_business_day(date(2026, 7, 3))  # Independence Day, observed
    assert us.is_business_day(date(2026, 10, 1))  # not a US holiday
    assert not us.is_business_day(date(2026, 9, 20))  # a plain Sunday outside China


def test_calendar_is_hashable() -> None:
    cal = BusinessCalendar(extra_holidays=frozenset({date(2026, 12, 31)}))
    assert {cal: 1}[BusinessCalendar(extra_holidays=frozenset({date(2026, 12, 31)}))] == 1


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"country": "XX"}, "unknown country code 'XX'"),
        ({"country": 86}, "calendar.country"),
        ({"extra_holidays": ["2026-13-01"]}, "bad date '2026-13-01'"),
        ({"extra_holidays": ["31/12/2026"]}, "bad date"),
        ({"extra_working_days": [20261231]}, "bad date 20261231"),
        ({"extra_holidays": "2026-12-31"}, "expected a list of dates"),
        ({"extra_holidays": date(2026, 12, 31)}, "expected a list of dates"),
        ({"extra_holidays": [datetime(2026, 12, 31, 10, 0)]}, "without a time"),
        ({"extra_holiday": ["2026-12-31"]}, "unknown setting(s) extra_holiday"),
        (["CN"], "expected a mapping"),
    ],
)
def test_from_settings_errors(data: object, fragment: str) -> None:
    with pytest.raises(ValueError) as raised:
        BusinessCalendar.from_settings(data)  # type: ignore[arg-type]
    message = str(raised.value)
    assert fragment in message
    assert "\n" not in message


def test_unknown_country_in_constructor() -> None:
    with pytest.raises(ValueError, match="unknown country code"):
        BusinessCalendar(country="ZZ")
