"""Ageing buckets: named ranges of days past due, from settings.reports.ageing_buckets.

A bucket is closed at both ends (``first_day``..``last_day``); ``None`` means open. The
default is the usual ladder: current (not yet due), 1–30, 31–60, 61–90, 91–180, 181–365,
>365 days past due. Buckets must not overlap and must cover every day, or a balance could
be counted twice or vanish from the report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, case, literal
from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True)
class Bucket:
    name: str
    first_day: int | None  # None: no lower end (current holds every not-yet-due day)
    last_day: int | None  # None: no upper end

    def contains(self, days_past_due: int) -> bool:
        low_ok = self.first_day is None or days_past_due >= self.first_day
        return low_ok and (self.last_day is None or days_past_due <= self.last_day)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_BUCKETS: list[Bucket] = [
    Bucket("current", None, 0),
    Bucket("1-30", 1, 30),
    Bucket("31-60", 31, 60),
    Bucket("61-90", 61, 90),
    Bucket("91-180", 91, 180),
    Bucket("181-365", 181, 365),
    Bucket(">365", 366, None),
]


class BucketError(ValueError):
    """The configured buckets overlap, leave a gap, or are not [first, last] pairs."""


def _bound(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BucketError(f"bucket {name}: bounds are whole days or null, not {value!r}")
    return value


def buckets_from_settings(section: dict[str, Any]) -> list[Bucket]:
    """Buckets from the ``reports`` settings section (or its ``ageing_buckets`` mapping).

    Checked to be ordered, gapless and non-overlapping from -inf to +inf.
    """
    spec = section.get("ageing_buckets", section) if isinstance(section, dict) else None
    if not spec:
        return list(DEFAULT_BUCKETS)
    if not isinstance(spec, dict):
        raise BucketError("ageing_buckets maps a bucket name to [first day, last day]")
    buckets: list[Bucket] = []
    for name, pair in spec.items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise BucketError(f"bucket {name}: expected [first day, last day]")
        buckets.append(Bucket(str(name), _bound(str(name), pair[0]), _bound(str(name), pair[1])))
    check(buckets)
    return buckets


def check(buckets: list[Bucket]) -> None:
    """Every day past due falls in exactly one bucket, in order."""
    if not buckets:
        raise BucketError("no ageing buckets")
    if buckets[0].first_day is not None or buckets[-1].last_day is not None:
        raise BucketError("the first bucket must start open (null) and the last end open")
    for before, after in zip(buckets, buckets[1:], strict=False):
        if before.last_day is None or after.first_day is None:
            raise BucketError(f"only the ends may be open: {before.name}, {after.name}")
        if after.first_day != before.last_day + 1:
            raise BucketError(f"buckets {before.name} and {after.name} overlap or leave a gap")
    for bucket in buckets:
        if None not in (bucket.first_day, bucket.last_day):
            if bucket.first_day > bucket.last_day:  # type: ignore[operator]
                raise BucketError(f"bucket {bucket.name}: first day after last day")


def bucket_by_due(due: Any, as_of: date, buckets: list[Bucket]) -> ColumnElement[int]:
    """SQL: the bucket index of a due date on ``as_of``, by comparing dates (no date
    arithmetic per row): days past due <= last_day  <=>  due >= as_of - last_day."""
    whens = [
        (due >= literal(as_of - timedelta(days=b.last_day), Date), i)  # type: ignore[arg-type]
        for i, b in enumerate(buckets[:-1])
    ]
    return case(*whens, else_=literal(len(buckets) - 1))


def bucket_index(days: ColumnElement[int], buckets: list[Bucket]) -> ColumnElement[int]:
    """SQL: the index of the bucket a days-past-due value falls in (buckets are checked)."""
    whens = [(days <= b.last_day, i) for i, b in enumerate(buckets[:-1])]
    return case(*whens, else_=literal(len(buckets) - 1))
