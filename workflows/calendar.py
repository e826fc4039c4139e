"""Business days: reminders go out only on days the customer's office is open.

A day is a business day unless it is a weekend or a public holiday of the calendar's
country (from the ``holidays`` package). China moves working days onto weekends around
long holidays (调休); the package lists those make-up working days in
``HolidayBase.weekend_workdays`` and they count as business days here. Config can add
holidays the package does not know (a company closure) and working days it does not
know (a make-up day announced after the installed ``holidays`` release).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import holidays

_ONE_DAY = timedelta(days=1)
_SETTINGS_KEYS = frozenset({"country", "extra_holidays", "extra_working_days"})


@dataclass(frozen=True)
class _Year:
    """One country's year, reduced to plain date sets so a lookup is a set membership."""

    holidays: frozenset[date]
    workdays: frozenset[date]  # make-up working days (调休) that fall in this year


@lru_cache(maxsize=256)
def _year(country: str, year: int) -> _Year:
    """Build a year once per (country, year): constructing a ``holidays`` object is slow."""
    # expand=False: a lookup outside `year` must not grow a shared, cached object.
    table = holidays.country_holidays(country, years=year, expand=False)
    # weekend_workdays also holds cross-year make-up days (e.g. 2001-12-29 for the
    # 2002 New Year), which the package adds to every instance; keep this year's only.
    return _Year(
        holidays=frozenset(table),
        workdays=frozenset(d for d in table.weekend_workdays if d.year == year),
    )


@lru_cache(maxsize=1)
def _supported_countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries(include_aliases=True))


def _check_day(day: date) -> date:
    # A datetime never equals a date in a set, so it would silently miss every holiday;
    # the caller must pick the local calendar date itself (timezones).
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a datetime.date, got {type(day).__name__}")
    return day


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days reminders may go out on; hashable, so it can be shared and cached."""

    country: str = "CN"
    extra_holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        country = self.country.strip().upper() if isinstance(self.country, str) else ""
        if country not in _supported_countries():
            raise ValueError(
                f"calendar.country: unknown country code {self.country!r} "
                "(expected an ISO 3166 code the holidays package supports, e.g. CN)"
            )
        object.__setattr__(self, "country", country)
        # Accept any iterable of dates but keep the instance hashable and immutable.
        object.__setattr__(self, "extra_holidays", frozenset(self.extra_holidays))
        object.__setattr__(self, "extra_working_days", frozenset(self.extra_working_days))

    @classmethod
    def from_settings(cls, data: Mapping[str, Any] | None) -> BusinessCalendar:
        """Read the ``calendar:`` settings section; no section means China, no extras.

        Dates may be ``date`` objects (PyYAML parses ``2026-12-31``) or ISO strings.
        Anything unreadable raises ValueError with a one-line message, so a typo in the
        settings stops the run instead of sending reminders on a holiday.
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError(f"calendar: expected a mapping of settings, got {type(data).__name__}")
        unknown = sorted(str(key) for key in data if key not in _SETTINGS_KEYS)
        if unknown:
            raise ValueError(
                f"calendar: unknown setting(s) {', '.join(unknown)} "
                f"(expected {', '.join(sorted(_SETTINGS_KEYS))})"
            )
        country = data.get("country")
        if country is None:
            country = "CN"
        elif not isinstance(country, str):
            raise ValueError(f"calendar.country: expected a country code, got {country!r}")
        return cls(
            country=country,
            extra_holidays=_parse_dates("extra_holidays", data.get("extra_holidays")),
            extra_working_days=_parse_dates("extra_working_days", data.get("extra_working_days")),
        )

    def is_business_day(self, day: date) -> bool:
        """Configured extras win over the package, whose make-up days win over its holidays."""
        _check_day(day)
        if day in self.extra_working_days:
            return True
        if day in self.extra_holidays:
            return False
        year = _year(self.country, day.year)
        if day in year.workdays:
            return True
        if day in year.holidays:
            return False
        return day.weekday() < 5  # Monday..Friday

    def next_business_day(self, day: date) -> date:
        """``day`` itself if it is a business day, else the first business day after it."""
        while not self.is_business_day(day):
            day += _ONE_DAY
        return day

    def previous_business_day(self, day: date) -> date:
        """The last business day strictly before ``day``."""
        day = _check_day(day) - _ONE_DAY
        while not self.is_business_day(day):
            day -= _ONE_DAY
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days in the half-open range [start, end); negative if end < start.

        Half-open so that counts add up: between(a, b) + between(b, c) == between(a, c).
        """
        _check_day(start)
        _check_day(end)
        if end < start:
            return -self.business_days_between(end, start)
        count = 0
        day = start
        while day < end:
            count += self.is_business_day(day)
            day += _ONE_DAY
        return count


def _parse_dates(key: str, values: Any) -> frozenset[date]:
    """Settings list → dates; a lone value (not a list) is an error, not a one-item list."""
    if values is None:
        return frozenset()
    if isinstance(values, (str, bytes, date)) or not isinstance(values, Iterable):
        raise ValueError(f"calendar.{key}: expected a list of dates, got {values!r}")
    return frozenset(_parse_date(key, value) for value in values)


def _parse_date(key: str, value: Any) -> date:
    if isinstance(value, datetime):  # PyYAML turns "2026-12-31 10:00" into a datetime
        raise ValueError(f"calendar.{key}: expected a date without a time, got {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"calendar.{key}: bad date {value!r} (expected YYYY-MM-DD)")
