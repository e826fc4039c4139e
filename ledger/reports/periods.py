"""Calendar arithmetic for the reports: months back from a day, month keys."""

from __future__ import annotations

from datetime import date, timedelta

COUNTBACK_MONTHS = 36  # how far the countback DSO looks back before giving a lower bound


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def previous_month_end(day: date) -> date:
    return first_of_month(day) - timedelta(days=1)


def months_back(end: date, months: int) -> list[tuple[date, date]]:
    """``months`` calendar months, oldest first; the last is [first of end's month, end]."""
    spans: list[tuple[date, date]] = []
    last = end
    for _ in range(months):
        first = first_of_month(last)
        spans.append((first, last))
        last = first - timedelta(days=1)
    return spans[::-1]


def countback_windows(end: date, months: int) -> list[tuple[date, date]]:
    """The countback's months, newest first: [first of end's month, end], then whole months."""
    return months_back(end, months)[::-1]


def week_starts(as_of: date, weeks: int) -> list[date]:
    """Forecast weeks: the first starts the day after ``as_of``; each is seven days."""
    return [as_of + timedelta(days=1 + 7 * i) for i in range(weeks)]
