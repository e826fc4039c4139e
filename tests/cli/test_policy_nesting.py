"""Issue 15: a policy nested hundreds of levels deep (a condition or the YAML itself) is
one file:line problem from `arflow policy check` (exit 2), never a RecursionError."""

from __future__ import annotations

import shutil

import pytest

from engine import PolicyError, load_policy_texts
from engine.nesting import MAX_DEPTH
from tests.cli.conftest import ROOT

WHEN = "    when: days_to_due <= 7\n"  # rules/collection.yaml, line 6
DEEP = {
    "not": (WHEN.replace("days", "not " * 400 + "days"), 6, "condition"),
    "minus": (WHEN.replace("7", "-" * 400 + "7"), 6, "condition"),
    "brackets": (WHEN.replace("days_to_due <= 7", "(" * 400 + "days_to_due <= 7" + ")" * 400),
                 6, "condition"),
    "sum": (WHEN.replace("7", " + ".join(["1"] * 400)), 6, "condition"),
    "yaml lists": (WHEN + "    x: " + "[" * 400 + "]" * 400 + "\n", 7, "YAML"),
    "yaml mappings": (WHEN + "    x: " + "{a: " * 400 + "1" + "}" * 400 + "\n", 7, "YAML"),
}


def test_policy_check_names_the_line_of_deep_nesting(arflow, tmp_path):  # noqa: F811
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    path = folder / "collection.yaml"
    original = path.read_text(encoding="utf-8")
    for kind, (text, line, what) in DEEP.items():
        path.write_text(original.replace(WHEN, text, 1), encoding="utf-8")
        ran = arflow("policy", "check", str(folder))
        assert ran.exit_code == 2, (kind, ran.stdout)
        assert f"{path}:{line}: {what} nested too deeply (at most 50 levels)" in ran.stderr
        assert "Traceback" not in ran.stderr + ran.stdout


def _problems(text: str) -> str:
    try:
        load_policy_texts({"p.yaml": text})
    except PolicyError as error:
        return str(error)
    return ""


@pytest.mark.parametrize("depth, ok", [(MAX_DEPTH, True), (MAX_DEPTH + 1, False)])
def test_the_limit_is_fifty_levels(depth, ok) -> None:
    stage = "stages:\n  due_soon:\n    when: "
    yaml_deep = stage + "days_to_due <= 7\nx: " + "[" * depth + "]" * depth
    brackets = stage + "(" * depth + "days_to_due <= 7" + ")" * depth
    for text in (yaml_deep, brackets):
        assert ("nested too deeply" not in _problems(text)) is ok
