"""The shape of the policy files as pydantic models, and pydantic's errors turned into
file:line problems a credit manager can act on.

Models are strict (YAML 1.1 would otherwise turn ``NO`` into a string 'False' or ``7.0``
into days) and forbid unknown keys (a typo must not silently do nothing).
"""

from __future__ import annotations

import difflib
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from engine.errors import Problem
from engine.yaml_source import Path, YamlDoc, explain_scalar


def _number(value: Any) -> Decimal:
    """YAML numbers to Decimal (floats by their shortest repr, so 0.3 is 0.3)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError(f"expected a number, got {_describe(value)}")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("expected a finite number")
        return Decimal(repr(value))
    return Decimal(value)


Number = Annotated[Decimal, BeforeValidator(_number)]
Text = Annotated[str, Field(min_length=1)]
RuleId = Annotated[str, Field(min_length=1, max_length=64,
                              pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
Days = Annotated[int, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TaskModel(_Model):
    kind: Text
    assign: Text
    due_in_days: Days


class OnEnterModel(_Model):
    task: TaskModel


class StageModel(_Model):
    when: str
    on_enter: list[OnEnterModel] = []


class ReminderModel(_Model):
    id: RuleId
    when: str
    template: Text
    cc: list[Text] = []
    review: bool = False
    attach: Literal["statement"] | None = None  # the statement of account as a PDF


class WarningModel(_Model):
    id: RuleId
    level: Literal["yellow", "orange", "red"]
    when: str
    scope: Literal["receivable", "customer"] = "receivable"


class OrderCheckModel(_Model):
    id: RuleId
    when: str
    decide: Literal["approve", "prepay", "hold", "reject"]


class FactorModel(_Model):
    factor: Text
    weight: Annotated[Number, Field(gt=0)]
    better: Literal["higher", "lower"] = "higher"
    points: Annotated[list[Annotated[list[Number], Field(min_length=2, max_length=2)]],
                      Field(min_length=1)]


class TermsModel(_Model):
    credit_limit: Annotated[Number, Field(ge=0)]
    payment_terms_days: Days
    prepayment_ratio: Annotated[Number, Field(ge=0, le=1)] = Decimal(0)


class CreditModel(_Model):
    scorecard: Annotated[list[FactorModel], Field(min_length=1)]
    ratings: Annotated[dict[Text, Annotated[Number, Field(ge=0, le=100)]], Field(min_length=1)]
    terms: dict[Text, TermsModel]


_KEYS = sorted({name for model in (TaskModel, OnEnterModel, StageModel, ReminderModel,
                                   WarningModel, OrderCheckModel, FactorModel, TermsModel,
                                   CreditModel) for name in model.model_fields})

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any, doc: YamlDoc, path: Path
             ) -> tuple[M | None, list[Problem]]:
    """Validate ``data`` (found at ``path`` in ``doc``); problems carry file:line."""
    try:
        return model.model_validate(data), []
    except ValidationError as error:
        found = (_problem(doc, path, item) for item in error.errors())
        return None, [problem for problem in found if problem is not None]


def label(path: Path) -> str:
    """``reminders[1].template`` for a path, as a credit manager reads the file."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _problem(doc: YamlDoc, base: Path, item: Any) -> Problem | None:
    loc = tuple(part for part in item["loc"] if part != "[key]")
    path = (*base, *loc)
    if path in doc.trapped:
        return None  # already explained (octal / base-60 number) by the YAML reader
    kind, value, ctx = item["type"], item.get("input"), item.get("ctx") or {}
    where = label(path)
    if kind == "missing":
        return doc.problem(path[:-1], f"{label(path[:-1])}: missing required key '{path[-1]}'")
    if kind == "extra_forbidden":
        guess = difflib.get_close_matches(str(path[-1]), _KEYS, n=1, cutoff=0.6)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        return doc.problem(path, f"unknown key '{path[-1]}' in {label(path[:-1])}{hint}")
    if kind in ("string_type", "literal_error") and not isinstance(value, str):
        why = explain_scalar(doc.scalars.get(path), value)
        if why:
            return doc.problem(path, f"{where}: {why}")
    messages = {
        "string_type": lambda: f"expected text, got {_describe(value)}",
        "string_too_short": lambda: "must not be empty",
        "string_too_long": lambda: f"too long (at most {ctx.get('max_length')} characters)",
        "string_pattern_mismatch": lambda: (f"{value!r} may only use letters, digits, "
                                            f"'_', '-' and '.', starting with a letter or digit"),
        "literal_error": lambda: f"must be one of {ctx.get('expected')}; got {value!r}",
        "int_type": lambda: f"expected a whole number, got {_describe(value)}",
        "bool_type": lambda: f"expected true or false, got {_describe(value)}",
        "list_type": lambda: f"expected a list, got {_describe(value)}",
        "model_type": lambda: f"expected a mapping (key: value), got {_describe(value)}",
        "model_attributes_type": lambda: f"expected a mapping (key: value), got "
                                         f"{_describe(value)}",
        "dict_type": lambda: f"expected a mapping (key: value), got {_describe(value)}",
        "greater_than": lambda: f"must be greater than {ctx.get('gt')}; got {value}",
        "greater_than_equal": lambda: f"must be at least {ctx.get('ge')}; got {value}",
        "less_than_equal": lambda: f"must be at most {ctx.get('le')}; got {value}",
        "too_short": lambda: (f"needs at least {ctx.get('min_length')} "
                              f"item{'s' if ctx.get('min_length') != 1 else ''}"),
        "too_long": lambda: f"has more than {ctx.get('max_length')} items",
        "value_error": lambda: str(item["msg"]).removeprefix("Value error, "),
    }
    text = messages[kind]() if kind in messages else str(item["msg"])
    if kind in ("too_short", "too_long") and len(path) >= 2 and path[-2] == "points":
        text = "each row of points must be [threshold, points]"
    if kind in ("int_type", "bool_type") and doc.scalars.get(path) is not None:
        scalar = doc.scalars[path]
        if scalar.tag == "timestamp":
            text += f" ({scalar.raw} is read as a date by YAML)"
    return doc.problem(path, f"{where}: {text}")


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float | Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{type(value).__name__} {value}"
