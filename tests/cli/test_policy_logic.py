"""Issue 16, part 1: `arflow policy check` finds the logic errors a credit manager makes
(each file:line in plain words, all at once, exit 2; warnings exit 0), reads .yml files, and
says which word or character of a syntax error is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import ROOT, Ran, invoke

GOOD = """\
stages:
  due_soon:
    when: days_to_due <= 7
  overdue:
    when: days_overdue >= 1
  escalated:
    when: days_overdue >= 30
  legal:
    when: days_overdue >= 90
reminders:
  - id: courtesy
    when: days_to_due <= 5
    template: pre_due
  - id: first-notice
    when: days_overdue >= 1
    template: overdue_first
  - id: final-notice
    when: days_overdue >= 21
    template: overdue_final
provision:
  current: 0.005
  1-30: 0.01
"""


@pytest.fixture(autouse=True)
def repository_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings and mail templates of the checkout (config/), read only."""
    for name in ("ARFLOW_POLICY_DIR", "ARFLOW_CONFIG", "ARFLOW_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ARFLOW_HOME", str(ROOT))


def check(tmp_path: Path, text: str, name: str = "collection.yaml",
          **others: str) -> tuple[Ran, Path]:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    for other, other_text in others.items():
        (folder / other.replace("_", ".")).write_text(other_text, encoding="utf-8")
    return invoke("policy", "check", str(folder)), folder / name


def edited(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def test_the_good_policy_and_the_shipped_rules_pass_without_warnings(tmp_path: Path) -> None:
    ran, _ = check(tmp_path, GOOD)
    assert ran.exit_code == 0, ran.stderr
    assert "policy ok" in ran.stdout and ran.stderr == ""
    shipped = invoke("policy", "check", str(ROOT / "rules"))
    assert shipped.exit_code == 0, shipped.stderr
    assert shipped.stderr == "" and "warning(s)" not in shipped.stdout


def test_a_later_stage_starting_before_an_earlier_one(tmp_path: Path) -> None:
    ran, path = check(tmp_path, edited("days_overdue >= 90", "days_overdue >= 10"))
    assert ran.exit_code == 2
    assert (f"{path}:8: legal starts at 10 days overdue, before escalated (at 30 days "
            f"overdue): stages go current → due_soon → overdue → escalated → legal"
            ) in ran.stderr


def test_due_soon_after_the_due_date(tmp_path: Path) -> None:
    ran, path = check(tmp_path, edited("days_to_due <= 7", "days_overdue >= 5"))
    assert ran.exit_code == 2
    assert (f"{path}:2: due_soon starts at 5 days overdue, after the due date: due_soon comes "
            f"before the due date") in ran.stderr
    assert "overdue starts" not in ran.stderr  # one finding, where the mistake is


def test_reminder_steps_out_of_order_and_all_errors_at_once(tmp_path: Path) -> None:
    text = edited("days_overdue >= 21", "days_overdue >= 0").replace(
        "days_overdue >= 90", "days_overdue >= 10")
    ran, path = check(tmp_path, text)
    assert ran.exit_code == 2
    lines = ran.stderr.splitlines()
    assert f"{path}:8: legal starts at 10 days overdue" in lines[0]
    assert lines[1] == (
        f"{path}:17: reminder 'final-notice' can go out on any day, before 'first-notice' "
        f"(at 1 day overdue) above it: reminder steps are a sequence, in the order they are "
        f"written")


@pytest.mark.parametrize(("condition", "line", "message"), [
    ("days_overdue > 30 and days_overdue < 10", 4,
     "stage 'overdue' can never apply: no value meets 'days_overdue > 30 and days_overdue < "
     "10' (its parts exclude each other)"),
    ("days_to_due >= 3 and days_overdue >= 1", 4,
     "stage 'overdue' can never apply"),
    ("balance < 0 and balance > 100", 4, "stage 'overdue' can never apply"),
    ("days_overdue >= 0 or days_overdue < 0", 4,
     "stage 'overdue' always applies: 'days_overdue >= 0 or days_overdue < 0' is true for "
     "every receivable"),
    ("days_overdue >= 0", 4, "stage 'overdue' always applies"),
])
def test_a_stage_that_never_or_always_applies(tmp_path: Path, condition: str, line: int,
                                               message: str) -> None:
    ran, path = check(tmp_path, edited("days_overdue >= 1\n  escalated",
                                       f"{condition}\n  escalated"))
    assert ran.exit_code == 2
    assert f"{path}:{line}: {message}" in ran.stderr


def test_a_warning_that_never_fires_is_a_warning(tmp_path: Path) -> None:
    warnings = ("warnings:\n  - id: odd\n    level: red\n"
                "    when: balance > 100 and balance < 50\n")
    ran, _ = check(tmp_path, GOOD, warnings_yaml=warnings)
    assert ran.exit_code == 0, ran.stderr
    where = tmp_path / "rules" / "warnings.yaml"
    assert (f"{where}:2: warning: warning 'odd' can never apply: no value meets 'balance > "
            f"100 and balance < 50' (its parts exclude each other)") in ran.stderr
    assert "1 warning(s)" in ran.stdout


def test_duplicate_conditions_are_warnings(tmp_path: Path) -> None:
    warnings = ("warnings:\n"
                "  - id: big\n    level: red\n    when: balance > 5 and days_overdue > 60\n"
                "  - id: same\n    level: orange\n    when: days_overdue > 60 and balance > 5\n"
                "  - id: twice\n    level: red\n"
                "    when: days_overdue > 9 and balance > 1 and days_overdue > 9\n")
    ran, _ = check(tmp_path, GOOD, warnings_yaml=warnings)
    assert ran.exit_code == 0, ran.stderr
    where = tmp_path / "rules" / "warnings.yaml"
    assert (f"{where}:5: warning: warning 'same' has the same condition as 'big' "
            f"({where}:2)") in ran.stderr
    assert (f"{where}:8: warning: warning 'twice': 'days_overdue > 9' is written twice in "
            f"its condition") in ran.stderr


def test_a_provision_bucket_that_is_not_an_ageing_bucket(tmp_path: Path) -> None:
    ran, path = check(tmp_path, GOOD + "  91-190: 0.1\n")
    assert ran.exit_code == 2
    assert (f"{path}:23: provision bucket '91-190' is not an ageing bucket (did you mean "
            f"'91-180'?); the buckets in settings (reports.ageing_buckets) are: current, "
            f"1-30, 31-60, 61-90, 91-180, 181-365, >365") in ran.stderr


def test_yml_files_are_read_and_one_name_twice_is_an_error(tmp_path: Path) -> None:
    ran, _ = check(tmp_path, edited("days_overdue >= 90", "days_overdue >= 10"),
                   name="collection.yml")
    assert ran.exit_code == 2  # read, so its mistake is found
    assert "collection.yml:8: legal starts at 10 days overdue" in ran.stderr
    (tmp_path / "rules" / "collection.yml").write_text(GOOD, encoding="utf-8")
    assert invoke("policy", "check", str(tmp_path / "rules")).exit_code == 0
    ran, _ = check(tmp_path, "tolerance: {CNY: 10}\n", name="collection.yaml")
    assert ran.exit_code == 2
    assert (f"{tmp_path / 'rules' / 'collection.yml'}:0: collection.yml and collection.yaml "
            f"are both in the policy folder (a .yml file is read like .yaml): keep one of "
            f"them") in ran.stderr


@pytest.mark.parametrize(("condition", "message"), [
    ("days_overdue >= 1 adn balance > 0",
     "syntax error in when: unknown word 'adn' (at column 19): did you mean 'and'?"),
    ("days_overdue >= 1 OR balance > 0",
     "syntax error in when: 'OR' (at column 19): write 'or' in lower case"),
    ("balance > 50,000", "syntax error in when: write numbers without separators: 50000, "
                         "not 50,000"),
    ("days_overdue => 1", "syntax error in when: write >=, not =>"),
])
def test_syntax_errors_name_the_word_and_the_fix(tmp_path: Path, condition: str,
                                                 message: str) -> None:
    ran, path = check(tmp_path, edited("days_overdue >= 1\n  escalated",
                                       f"{condition}\n  escalated"))
    assert ran.exit_code == 2
    assert ran.stderr.splitlines() == [f"{path}:5: {message}"]


@pytest.mark.parametrize(("old", "new", "line", "message"), [
    ("  overdue:\n", "   overdue:\n", 4,
     "this line is indented differently from the lines above it; keys of one section must "
     "start in the same column"),
    ("  overdue:\n", "\toverdue:\n", 4, "a tab character: indent with spaces only, never tabs"),
    ("    template: pre_due\n", "    template pre_due\n", 13,
     "a key without its ':' (write key: value)"),
    ("    template: pre_due\n", "    template: 'pre_due\n", 13,
     "the quote opened on this line is never closed"),
    ("    template: pre_due\n", "    template: pre_due\n    cc: [collector\n", 14,
     "the '[' opened on this line is never closed with ']'"),
])
def test_yaml_errors_in_plain_words(tmp_path: Path, old: str, new: str, line: int,
                                    message: str) -> None:
    ran, path = check(tmp_path, edited(old, new))
    assert ran.exit_code == 2
    assert ran.stderr.startswith(f"{path}:{line}: YAML syntax error: {message}"), ran.stderr


def test_rules_that_never_meet_the_same_receivable_are_not_compared(tmp_path: Path) -> None:
    """A big-balance final notice at 30 days and a small-balance one at 21 are in order:
    no receivable meets both (issue 16 review, t1); the same for stages."""
    text = edited("  - id: final-notice\n    when: days_overdue >= 21\n",
                  "  - id: big-final\n    when: days_overdue >= 30 and balance >= 100000\n"
                  "    template: overdue_final\n"
                  "  - id: small-final\n    when: days_overdue >= 21 and balance < 100000\n")
    text = text.replace("days_overdue >= 30\n  legal",
                        "days_overdue >= 30 and balance >= 100000\n  legal").replace(
        "days_overdue >= 90", "days_overdue >= 60 and balance < 100000")
    ran, _ = check(tmp_path, text)
    assert ran.exit_code == 0, ran.stderr
    assert ran.stderr == ""


def test_a_stage_before_an_earlier_one_for_some_balances(tmp_path: Path) -> None:
    """Escalated starts at 15 only for big balances, at 30 for the rest; legal at 20 for the
    rest comes before escalated for them (review t2)."""
    text = edited("days_overdue >= 30\n",
                  "days_overdue >= 30 or (days_overdue >= 15 and balance >= 100000)\n").replace(
        "days_overdue >= 90", "days_overdue >= 20 and balance < 100000")
    ran, path = check(tmp_path, text)
    assert ran.exit_code == 2
    assert ran.stderr.splitlines() == [
        f"{path}:8: legal starts at 20 days overdue, before escalated (at 30 days overdue): "
        f"stages go current → due_soon → overdue → escalated → legal"]


@pytest.mark.parametrize(("stage", "condition", "line", "part"), [
    ("escalated", "balance >= 100000", 6, "it has"),  # review v4
    ("legal", "days_overdue >= 90 or balance > 1000000", 8,
     "one of its 'or' parts has"),  # review v2
])
def test_a_stage_without_a_day_can_apply_before_the_due_date(
        tmp_path: Path, stage: str, condition: str, line: int, part: str) -> None:
    old = "days_overdue >= 30\n" if stage == "escalated" else "days_overdue >= 90\n"
    ran, path = check(tmp_path, edited(old, condition + "\n"))
    assert ran.exit_code == 2
    assert ran.stderr.splitlines() == [
        f"{path}:{line}: {stage} can apply before the due date ({part} no condition on days, "
        f"e.g. days_overdue >= 30)"]


def test_a_stage_gated_by_the_stage_before_needs_no_day(tmp_path: Path) -> None:
    ran, _ = check(tmp_path, edited("days_overdue >= 90",
                                    "stage == 'escalated' and days_in_stage >= 60"))
    assert ran.exit_code == 0, ran.stderr


def test_check_prints_the_challengers_hash_beside_the_champions(tmp_path: Path) -> None:
    """Editing only the challenger changes a printed hash (issue 16 review)."""
    from tests.policies import champion_and_challenger

    folder = champion_and_challenger(tmp_path, "{folder: rules-challenger, share: 20%}")
    first = invoke("policy", "check", str(folder))
    assert first.exit_code == 0, first.stderr
    assert "; challenger rules-challenger (hash " in first.stdout
    assert "for 20% of customers by code)" in first.stdout
    with (tmp_path / "rules-challenger" / "warnings.yaml").open("a", encoding="utf-8") as f:
        f.write("# edited\n")
    again = invoke("policy", "check", str(folder))
    assert again.exit_code == 0 and again.stdout != first.stdout
