"""Every kind of policy error names file:line and says what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine import PolicyError, Problem, load_policy, load_policy_texts

Problems = Callable[..., list[str]]


def has(found: list[str], prefix: str, fragment: str) -> None:
    matches = [p for p in found if p.startswith(prefix + " ") and fragment in p]
    assert matches, f"no problem '{prefix} ...{fragment}...' in:\n" + "\n".join(found)


REMINDER = "reminders:\n  - id: a\n    when: days_overdue >= 1\n    template: {}\n"


def test_problem_and_error_format() -> None:
    problem = Problem("rules/x.yaml", 12, "boom")
    assert str(problem) == "rules/x.yaml:12: boom"
    error = PolicyError([Problem("b.yaml", 2, "two"), Problem("a.yaml", 1, "one")])
    assert str(error) == "a.yaml:1: one\nb.yaml:2: two"
    assert len(error.problems) == 2


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "nope")
    assert str(caught.value) == (
        f"{tmp_path / 'nope'}:0: policy folder not found: "
        "`arflow init DIR` writes a starting one, or set ARFLOW_POLICY_DIR")


def test_folder_without_yaml(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("stages: {}\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path}:0: no *.yaml files")


def test_yaml_syntax_error(problems: Problems) -> None:
    found = problems(c="stages:\n  overdue:\n    when: [days_overdue\n  legal: {\n")
    assert found[0].startswith("c.yaml:")
    assert "YAML syntax error" in found[0]


def test_not_utf8(policy_dir: Callable[..., Path]) -> None:
    folder = policy_dir()
    (folder / "bad.yaml").write_bytes(b"stages:\n  due_soon:\n    when: caf\xe9 > 1\n")
    with pytest.raises(PolicyError) as caught:
        load_policy(folder)
    assert str(caught.value) == f"{folder}/bad.yaml:3: not UTF-8 text: save the file as UTF-8"


def test_all_problems_of_all_files_are_collected(problems: Problems) -> None:
    found = problems(
        a="stages:\n  overdue:\n    when: days_overdu >= 1\n",
        b=REMINDER.format("0012") + "  - id: b\n    when: nope > 1\n    template: x\n",
    )
    has(found, "a.yaml:3:", "unknown fact 'days_overdu'")
    has(found, "b.yaml:4:", "octal")
    has(found, "b.yaml:6:", "unknown fact 'nope'")


def test_unknown_top_level_key(problems: Problems) -> None:
    has(problems(c="remindres: []\n"), "c.yaml:1:", "unknown top-level key 'remindres' "
                                                    "(did you mean 'reminders'?)")


def test_key_in_two_files(problems: Problems) -> None:
    found = problems(a="reminders: []\n", b="# b\nreminders: []\n")
    has(found, "b.yaml:2:", "'reminders' is already defined in ")
    assert "a.yaml:1" in found[0]


def test_file_must_be_a_mapping(problems: Problems) -> None:
    has(problems(c="- a\n- b\n"), "c.yaml:1:", "must be a mapping of top-level keys")


# --- YAML 1.1 traps ---------------------------------------------------------------


@pytest.mark.parametrize("word", ["NO", "no", "No", "yes", "YES", "on", "Off"])
def test_bool_word_as_id(problems: Problems, word: str) -> None:
    found = problems(r=f"reminders:\n  - id: {word}\n    when: days_overdue >= 1\n"
                       f"    template: x\n")
    has(found, "r.yaml:2:", f"reminders[0].id: {word} is read as the boolean")
    has(found, "r.yaml:2:", f"quotes ('{word}')")


def test_y_and_n_stay_text_in_pyyaml() -> None:
    policy = load_policy_texts({"r.yaml": REMINDER.replace("id: a", "id: n").format("y")})
    assert policy.reminders[0].id == "n"
    assert policy.reminders[0].template == "y"


def test_bool_word_as_assignee(problems: Problems) -> None:
    found = problems(c="stages:\n  escalated:\n    when: days_overdue >= 30\n    on_enter:\n"
                       "      - task: {kind: call, assign: no, due_in_days: 2}\n")
    has(found, "c.yaml:5:", "task.assign: no is read as the boolean false by YAML 1.1")


def test_bool_word_as_key(problems: Problems) -> None:
    found = problems(c=CREDIT.replace("ratings: {A: 80,", "ratings: {ON: 80,"))
    has(found, "c.yaml:6:", "key ON: ON is read as the boolean true")


def test_octal_number(problems: Problems) -> None:
    found = problems(r=REMINDER.format("0012"))
    assert found == ["r.yaml:4: 0012 is read as the octal number 10 by YAML 1.1; write it "
                     "without leading zeros, or quote it ('0012')"]


def test_octal_number_where_a_number_is_expected(problems: Problems) -> None:
    found = problems(c="stages:\n  escalated:\n    when: days_overdue >= 30\n    on_enter:\n"
                       "      - task: {kind: call, assign: collector, due_in_days: 010}\n")
    has(found, "c.yaml:5:", "010 is read as the octal number 8")


def test_date_where_text_is_expected(problems: Problems) -> None:
    has(problems(r=REMINDER.format("2024-01-05")), "r.yaml:4:",
        "reminders[0].template: 2024-01-05 is read as a date")


def test_number_where_text_is_expected(problems: Problems) -> None:
    has(problems(r=REMINDER.format("404")), "r.yaml:4:", "expected text, got the number 404")


def test_duplicate_mapping_key(problems: Problems) -> None:
    found = problems(r="reminders:\n  - id: a\n    when: days_overdue >= 1\n"
                       "    when: days_overdue >= 2\n    template: x\n")
    assert found == ["r.yaml:4: duplicate key 'when' (first at line 3)"]


def test_duplicate_top_level_key_in_one_file(problems: Problems) -> None:
    has(problems(r="reminders: []\nreminders: []\n"), "r.yaml:2:", "duplicate key 'reminders'")


# --- structure ------------------------------------------------------------------------


def test_duplicate_ids(problems: Problems) -> None:
    text = ("reminders:\n  - id: a\n    when: days_overdue >= 1\n    template: x\n"
            "  - id: a\n    when: days_overdue >= 2\n    template: y\n")
    has(problems(r=text), "r.yaml:5:", "duplicate reminder id 'a' (first at ")
    warnings = ("warnings:\n  - id: w\n    level: red\n    when: balance > 1\n"
                "  - id: w\n    scope: customer\n    level: red\n"
                "    when: customer.overdue_ratio > 0.1\n")
    has(problems(w=warnings), "w.yaml:5:", "duplicate warning id 'w'")
    checks = ("order_checks:\n  - id: c\n    when: amount > 1\n    decide: hold\n"
              "  - id: c\n    when: amount > 2\n    decide: reject\n")
    has(problems(o=checks), "o.yaml:5:", "duplicate order check id 'c'")


def test_unknown_stage(problems: Problems) -> None:
    found = problems(c="stages:\n  due_soon:\n    when: days_to_due <= 7\n"
                       "  overdeu:\n    when: days_overdue >= 1\n")
    assert found == ["c.yaml:4: unknown stage 'overdeu' (did you mean 'overdue'?); stages are "
                     "due_soon, overdue, escalated, legal"]


def test_current_is_not_a_stage_condition(problems: Problems) -> None:
    has(problems(c="stages:\n  current:\n    when: days_to_due > 7\n"), "c.yaml:2:",
        "'current' is where every receivable starts")


def test_stages_out_of_order(problems: Problems) -> None:
    found = problems(c="stages:\n  overdue:\n    when: days_overdue >= 1\n"
                       "  due_soon:\n    when: days_to_due <= 7\n")
    has(found, "c.yaml:4:", "stage 'due_soon' must come before 'overdue'")


def test_unknown_key(problems: Problems) -> None:
    found = problems(r=REMINDER.format("x") + "    tempalte: y\n")
    assert found == ["r.yaml:5: unknown key 'tempalte' in reminders[0] "
                     "(did you mean 'template'?)"]


def test_missing_key(problems: Problems) -> None:
    found = problems(r="reminders:\n  - id: a\n    when: days_overdue >= 1\n")
    assert found == ["r.yaml:2: reminders[0]: missing required key 'template'"]


def test_reminder_fields(problems: Problems) -> None:
    found = problems(r=REMINDER.format("x") + "    cc: collector\n    review: maybe\n")
    has(found, "r.yaml:5:", "reminders[0].cc: expected a list")
    has(found, "r.yaml:6:", "reminders[0].review: expected true or false, got the text 'maybe'")


def test_bad_rule_id(problems: Problems) -> None:
    found = problems(r=REMINDER.replace("id: a", "id: 'first notice'").format("x"))
    has(found, "r.yaml:2:", "may only use letters, digits")


def test_level_and_scope(problems: Problems) -> None:
    found = problems(w="warnings:\n  - id: w\n    level: blue\n    scope: world\n"
                       "    when: balance > 1\n")
    has(found, "w.yaml:3:", "warnings[0].level: must be one of 'yellow', 'orange' or 'red'; "
                            "got 'blue'")
    has(found, "w.yaml:4:", "warnings[0].scope: must be one of 'receivable' or 'customer'")


def test_decide(problems: Problems) -> None:
    found = problems(o="order_checks:\n  - id: c\n    when: amount > 1\n    decide: maybe\n")
    has(found, "o.yaml:4:", "order_checks[0].decide: must be one of 'approve', 'prepay', "
                            "'hold' or 'reject'; got 'maybe'")


def test_task_fields(problems: Problems) -> None:
    found = problems(c="stages:\n  escalated:\n    when: days_overdue >= 30\n    on_enter:\n"
                       "      - task: {kind: call, assign: collector, due_in_days: -1}\n"
                       "      - task: {kind: call, assign: collector, due_in_days: 1.5}\n"
                       "      - task: {kind: call, due_in_days: 1}\n")
    has(found, "c.yaml:5:", "task.due_in_days: must be at least 0; got -1")
    has(found, "c.yaml:6:", "task.due_in_days: expected a whole number, got the number 1.5")
    has(found, "c.yaml:7:", "on_enter[2].task: missing required key 'assign'")


def test_assign_may_be_a_user_name() -> None:
    policy = load_policy_texts({"c.yaml": (
        "stages:\n  escalated:\n    when: days_overdue >= 30\n    on_enter:\n"
        "      - task: {kind: call, assign: li.wei, due_in_days: 0}\n")})
    assert policy.stages[0].on_enter[0].assign == "li.wei"


# --- conditions -------------------------------------------------------------------------


def when_problem(problems: Problems, condition: str, scope: str = "") -> str:
    text = f"warnings:\n  - id: w\n    level: red\n{scope}    when: {condition}\n"
    found = problems(w=text)
    line = 5 if scope else 4
    assert len(found) == 1 and found[0].startswith(f"w.yaml:{line}: "), found
    return found[0].split(": ", 1)[1]


def test_unknown_fact_with_suggestion(problems: Problems) -> None:
    found = problems(collection="stages:\n  overdue:\n    when: days_overdu >= 1\n")
    assert found == ["collection.yaml:3: unknown fact 'days_overdu' in when: "
                     "(did you mean 'days_overdue'?)"]


@pytest.mark.parametrize(("condition", "fragment"), [
    ("rating == 'A'", "did you mean 'customer.rating'?"),
    ("customer.nope > 1", "unknown fact 'customer.nope'"),
    ("foo.bar > 1", "attribute access is only allowed on customer"),
    ("customer > 1", "'customer' alone is not a fact"),
    ("max(balance, 1) > 1", "function calls not allowed"),
    ("balance[0] > 1", "indexing with [...] not allowed"),
    ("'(lambda: 1)() > 0'", "function calls not allowed"),
    ("'(lambda: balance) > 0'", "lambda not allowed"),
    ("balance if disputed else amount > 1", "if/else expressions not allowed"),
    ("balance % 2 == 0", "operator not allowed (only + - * /)"),
    ("balance ** 2 > 1", "operator not allowed"),
    ("currency > 5", "cannot compare text with a number"),
    ("currency < 'EUR'", "text can only be compared with == or !="),
    ("disputed > false", "true/false can only be compared with == or !="),
    ("balance > days_overdue", "cannot compare money with a plain number"),
    ("balance + days_overdue > 1", "cannot add or subtract money and a plain number"),
    ("balance * amount > 1", "cannot multiply money by money"),
    ("currency + 1 > 1", "arithmetic needs numbers, but 'currency' is text"),
    ("balance < null", "null can only be compared with == or !="),
    ("1 / 0 > 1", "division by zero"),
    ("days_overdue", "is a number, not a condition"),
    ("currency in 'EUR'", "'in' needs a list"),
    ("currency in ['EUR', 1]", "cannot look up text"),
    ("currency in [null]", "null is not allowed in a list"),
    ("balance is null", "'is' is not allowed"),
    ("days_overdue = 1", "syntax error in when: invalid syntax (at column 14); use == to "
                         "compare"),
    ("days_overdue >= 1 && balance > 0", "use and / or"),
    ("currency <> 'EUR'", "use != for 'not equal'"),
    ("(days_overdue > 1) == true", "a condition cannot be used as a value"),
    ("exposure_after > 1", "'exposure_after' is only available in order_checks"),
    ("f'{balance}' == 'x'", "f-strings not allowed"),
])
def test_bad_conditions(problems: Problems, condition: str, fragment: str) -> None:
    assert fragment in when_problem(problems, condition)


def test_customer_scope_warning_with_receivable_fact(problems: Problems) -> None:
    message = when_problem(problems, "balance > 5", scope="    scope: customer\n")
    assert message == ("'balance' is not a customer fact: a warning with scope: customer may "
                       "only use customer.* facts")


def test_order_check_with_receivable_fact(problems: Problems) -> None:
    found = problems(o="order_checks:\n  - id: c\n    when: days_overdue > 1\n    decide: hold\n")
    has(found, "o.yaml:3:", "'days_overdue' is not available in order_checks")


def test_when_read_as_bool(problems: Problems) -> None:
    found = problems(c="stages:\n  overdue:\n    when: yes\n")
    has(found, "c.yaml:3:", "stages.overdue.when: yes is read as the boolean true")


# --- credit -----------------------------------------------------------------------------

CREDIT = """credit:
  scorecard:
    - factor: on_time_rate
      weight: 40
      points: [[0.95, 100], [0.8, 70], [0, 0]]
  ratings: {A: 80, B: 50, E: 0}
  terms:
    A: {credit_limit: 500000, payment_terms_days: 60}
    B: {credit_limit: 200000, payment_terms_days: 45}
    E: {credit_limit: 0, payment_terms_days: 0, prepayment_ratio: 1.0}
"""


def test_credit_base_loads() -> None:
    credit = load_policy_texts({"c.yaml": CREDIT}).credit
    assert credit is not None
    assert list(credit.ratings) == ["A", "B", "E"]
    assert str(credit.terms["E"].prepayment_ratio) == "1.0"


@pytest.mark.parametrize(("old", "new", "line", "fragment"), [
    ("weight: 40", "weight: 0", 4, "scorecard[0].weight: must be greater than 0; got 0"),
    ("weight: 40", "weight: -3", 4, "must be greater than 0"),
    ("[[0.95, 100], [0.8, 70], [0, 0]]", "[]", 5, "scorecard[0].points: needs at least 1 item"),
    ("[0.8, 70]", "[0.8]", 5, "points[1]: each row of points must be [threshold, points]"),
    ("[0.8, 70]", "[0.8, 170]", 5, "points must be between 0 and 100; got 170"),
    ("[0.8, 70]", "[0.99, 70]", 5, "rows must go from highest to lowest threshold"),
    ("factor: on_time_rate", "factor: on_time", 3, "unknown scorecard factor 'on_time' "
                                                    "(did you mean 'on_time_rate'?)"),
    ("weight: 40", "weight: 40\n      better: worse", 5, "must be one of 'higher' or 'lower'"),
    ("E: 0}", "E: 10}", 6, "no rating starts at 0"),
    ("B: 50,", "B: 80,", 6, "ratings 'A' and 'B' both start at 80"),
    ("B: 50,", "B: 150,", 6, "credit.ratings.B: must be at most 100"),
    ("    B: {credit_limit: 200000, payment_terms_days: 45}\n", "", 7,
     "credit.terms has no entry for rating 'B'"),
    ("    E: {credit_limit: 0,", "    F: {credit_limit: 0,", 10, "terms for 'F', which is not "
                                                                "a rating"),
    ("credit_limit: 500000", "credit_limit: -1", 8, "terms.A.credit_limit: must be at least 0"),
    ("payment_terms_days: 60", "payment_terms_days: 60.5", 8, "expected a whole number"),
    ("prepayment_ratio: 1.0", "prepayment_ratio: 1.5", 10, "must be at most 1"),
    ("A: {credit_limit", "A: {limit: 1, credit_limit", 8, "unknown key 'limit'"),
])
def test_credit_problems(problems: Problems, old: str, new: str, line: int,
                         fragment: str) -> None:
    assert old in CREDIT
    has(problems(c=CREDIT.replace(old, new, 1)), f"c.yaml:{line}:", fragment)


def test_points_ascending_for_better_lower(problems: Problems) -> None:
    text = CREDIT.replace("weight: 40\n      points: [[0.95, 100], [0.8, 70], [0, 0]]",
                          "weight: 40\n      better: lower\n      points: [[10, 100], [5, 0]]")
    has(problems(c=text), "c.yaml:6:", "rows must go from lowest to highest threshold "
                                       "(better: lower); 5 comes after 10")


# --- texts ------------------------------------------------------------------------------


def test_load_policy_texts_validates_the_same() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_texts({"collection.yaml": "stages:\n  overdue:\n    when: nope > 1\n"})
    assert str(caught.value).startswith("collection.yaml:3: unknown fact 'nope'")


def test_load_policy_texts_file_names() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_texts({"../x.yaml": "stages: {}\n", "notes.txt": ""})
    assert len(caught.value.problems) == 2
    with pytest.raises(PolicyError):
        load_policy_texts({})


def test_alias_bomb_is_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        name, previous = chr(97 + i), chr(96 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    with pytest.raises(PolicyError) as caught:
        load_policy_texts({"bomb.yaml": "\n".join(lines) + "\n"})
    assert str(caught.value.problems[0]).startswith("bomb.yaml:")
    assert "the document is too large" in str(caught.value)


def test_empty_key(problems: Problems) -> None:
    has(problems(r="reminders:\n  - ~: 1\n"), "r.yaml:2:", "a key is empty")
