"""A policy problem in the user's language: its code's catalog text, or the English message.

Problems carry a code and plain values (engine/errors.py); a few values are themselves
words to translate: a day around the due date (``at``, ``earlier_at``: "at 10 days
overdue"), a kind of rule (``kind``: stage, reminder ...) and a spelling guess (``guess``).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation

from arflow.web.i18n import Translator
from engine import Problem

DAYS = ("at", "earlier_at")  # values that are a day relative to the due date


def when_day(t: Translator, value: str) -> str:
    """``10`` -> "at 10 days overdue"; ``0`` -> "on the due date"; ``-Infinity`` -> "on any
    day" (the engine's policy_checks.when_day, in the user's language)."""
    try:
        day = Decimal(value)
    except InvalidOperation:
        return value
    if not day.is_finite():
        return t("policy.when.any")
    if day == 0:
        return t("policy.when.due")
    key = "policy.when.overdue" if day > 0 else "policy.when.before"
    n = abs(int(day))
    return t(key + "_one") if n == 1 else t(key, n=n)


def values(t: Translator, problem: Problem) -> dict[str, str]:
    found = problem.values
    for name in DAYS:
        if name in found:
            found[name] = when_day(t, found[name])
    if "kind" in found:
        found["kind"] = t(f"policy.rule_kind.{found['kind']}")
    if "guess" in found:
        found["guess"] = t("policy.did_you_mean", word=found["guess"]) if found["guess"] else ""
    return found


def translated(t: Translator, problems: list[Problem]) -> list[Problem]:
    """Problems whose code the catalogs know, in the user's language; the rest as they are."""
    out = []
    for problem in problems:
        text = t(problem.code, **values(t, problem)) if problem.code else None
        out.append(replace(problem, message=text) if text and text != problem.code
                   else problem)
    return out
