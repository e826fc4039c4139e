"""The optional `insurance:` and `prepayments:` keys: defaults, values, and bad values
named with file:line."""

from __future__ import annotations

from collections.abc import Callable

from engine import load_policy_texts
from engine.policy import PREPAYMENT_WARNING_DAYS, InsuranceTerms

Problems = Callable[..., list[str]]


def test_absent_keys_mean_no_insurer_and_the_default_prepayment_days() -> None:
    policy = load_policy_texts({"a.yaml": "tolerance: {CNY: 1}\n"})
    assert policy.insurance is None
    assert policy.prepayment_warning_days == PREPAYMENT_WARNING_DAYS == 30


def test_values_are_read() -> None:
    policy = load_policy_texts({"a.yaml": "insurance: {report_overdue_after_days: 60}\n"
                                          "prepayments: {warning_days: 45}\n"})
    assert policy.insurance == InsuranceTerms(60, 10)
    assert policy.prepayment_warning_days == 45
    policy = load_policy_texts({"a.yaml": "insurance:\n  report_overdue_after_days: 90\n"
                                          "  notify_days_before: 5\n"})
    assert policy.insurance == InsuranceTerms(90, 5)


def test_bad_values_name_file_and_line(problems: Problems) -> None:
    found = problems(c="# insurer\ninsurance:\n  report_overdue_after_days: sixty\n"
                       "  notify_days_befor: 5\n"
                       "prepayments: {warning_days: yes}\n")
    assert found == [
        "c.yaml:3: insurance.report_overdue_after_days must be a whole number of days >= 0, "
        "got 'sixty'",
        "c.yaml:4: insurance: unknown key 'notify_days_befor'; allowed: "
        "report_overdue_after_days, notify_days_before",
        "c.yaml:5: prepayments.warning_days must be a whole number of days >= 0, got True",
    ]


def test_missing_and_zero_deadline(problems: Problems) -> None:
    assert problems(c="insurance: {notify_days_before: 5}\n") == [
        "c.yaml:1: insurance: 'report_overdue_after_days' is missing"]
    assert problems(c="insurance: {report_overdue_after_days: 0}\n") == [
        "c.yaml:1: insurance.report_overdue_after_days must be at least 1"]
    assert problems(c="insurance: 60\n") == [
        "c.yaml:1: insurance must be a mapping like {report_overdue_after_days: 30}"]
