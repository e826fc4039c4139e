"""Issue 15 on the policy upload page, both databases: a file name that is not a plain
``name.yaml`` and a policy nested hundreds of levels deep are refused inline (422, in the
user's language for the name), never a 500, and nothing is stored."""

from __future__ import annotations

import html

from sqlalchemy import select
from sqlmodel import Session

from ledger.models import PolicyDraft
from tests.people import make_user, web_sign_in
from tests.web.test_credit_pages import MANAGER, app_settings, web  # noqa: F401
from tests.web.test_policy_pages import upload
from workflows.policy_publish import good_file_name

GOOD = "warnings:\n  - id: w1\n    level: red\n    when: days_overdue > 1\n"
BAD_NAMES = ["bad\x00.yaml", "../x.yaml", "a/b.yaml", "a\\b.yaml", ".hidden.yaml", "x.txt",
             "x.yaml.txt", "-x.yaml", "n" * 296 + ".yaml"]


def _drafts(db) -> list[object]:  # type: ignore[no-untyped-def]
    with Session(db) as s:
        return list(s.execute(select(PolicyDraft)).all())


def test_a_file_name_that_is_not_plain_yaml_is_refused_inline(web, db) -> None:  # noqa: F811
    csrf = web_sign_in(web, MANAGER)
    for name in BAD_NAMES:
        refused = upload(web, csrf, {name: GOOD})
        if "\x00" in name and refused.status_code == 400:  # the NUL guard before every route
            assert "NUL" in refused.text
        else:
            assert refused.status_code == 422, (name, refused.text)
            assert "is not a policy file name: use letters, digits" in html.unescape(
                refused.text)
    assert _drafts(db) == []


def test_the_name_refusal_speaks_the_users_language(web, db) -> None:  # noqa: F811
    make_user(db, "wu.fang", "credit_manager", "zh-CN")
    csrf = web_sign_in(web, "wu.fang")
    refused = upload(web, csrf, {"../x.yaml": GOOD, "warnings.yaml": GOOD})
    assert refused.status_code == 422
    assert "“../x.yaml”不是有效的政策文件名" in html.unescape(refused.text)
    assert _drafts(db) == []
    assert upload(web, csrf, {"warnings.yaml": GOOD}).status_code == 303  # a plain name is fine


def test_plain_names_are_accepted() -> None:
    assert all(map(good_file_name, ["collection.yaml", "credit_2026.v2.yml", "_x.yaml"]))
    assert not any(map(good_file_name, BAD_NAMES))


DEEP = [
    ("warnings:\n  - id: w1\n    level: red\n    when: " + "not " * 400 + "days_overdue > 1\n",
     4, "condition nested too deeply (at most 50 levels)"),
    ("warnings:\n  - id: w1\n    level: red\n    when: " + "(" * 400 + "days_overdue > 1"
     + ")" * 400 + "\n", 4, "condition nested too deeply (at most 50 levels)"),
    ("warnings:\n  - id: w1\n    level: red\n    when: days_overdue > 1\n    x: "
     + "[" * 400 + "]" * 400 + "\n", 5, "YAML nested too deeply (at most 50 levels)"),
]  # (not, brackets, YAML lists): the file, its line, what is wrong


def test_deep_nesting_is_a_file_line_problem_not_a_500(web, db) -> None:  # noqa: F811
    csrf = web_sign_in(web, MANAGER)
    for text, line, what in DEEP:
        refused = upload(web, csrf, {"warnings.yaml": text})
        assert refused.status_code == 422
        assert f"warnings.yaml:{line}: {what}" in html.unescape(refused.text)
    assert _drafts(db) == []
