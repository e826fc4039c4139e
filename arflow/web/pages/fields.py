"""What a form's text fields mean: a day, an amount. A value that is not one is a 422
naming the field, shown beside it on the form (pages/forms.submit), as is a day outside
the dates arflow works with (arflow/days); whether the amount is acceptable (its sign,
its size) is the workflow's to judge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from arflow.days import outside
from arflow.web.errors import ApiError
from ledger.money import parse_money


def form_day(value: str, field: str, what: str = "") -> date:
    """``value`` as a day (YYYY-MM-DD); ``what`` says which row of a repeated field."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(422, "invalid_date", f"{what}not a date (YYYY-MM-DD): {value!r}",
                       field) from None
    reason = outside(day)
    if reason is not None:
        raise ApiError(422, "invalid_date", f"{what}{reason}", field)
    return day


def optional_day(value: str, field: str) -> date | None:
    """A day, or None for an empty field."""
    return form_day(value, field) if value.strip() else None


def form_amount(value: str, field: str = "amount", what: str = "") -> Decimal:
    """``value`` as an amount (thousands separators allowed)."""
    try:
        return parse_money(value, allow_negative=True)  # the sign is the workflow's to judge
    except ValueError as exc:
        raise ApiError(422, "invalid_amount", f"{what}{exc}", field) from None


def optional_amount(value: str, field: str = "amount") -> Decimal | None:
    """An amount, or None for an empty field (the workflow's default: the whole balance)."""
    return form_amount(value, field) if value.strip() else None
