"""Issue 16, part 1, on the web (both databases): an upload with a logic error or a syntax
slip is refused (422) with file:line and the same message as `arflow policy check`, in the
user's language; warnings are shown on the draft, which stays usable."""

from __future__ import annotations

import html

from sqlalchemy import select
from sqlmodel import Session

from ledger.models import PolicyDraft
from tests.people import make_user, web_sign_in
from tests.web.test_credit_pages import MANAGER, app_settings, text_of, web  # noqa: F401
from tests.web.test_policy_pages import upload

CHINESE_MANAGER = "wang.fang"


def _refused(web, user: str, files: dict[str, str]) -> str:  # noqa: F811
    csrf = web_sign_in(web, user)
    refused = upload(web, csrf, files)
    assert refused.status_code == 422
    return html.unescape(text_of(refused.text))


def test_a_stage_out_of_order_in_english_and_in_chinese(web, db) -> None:  # noqa: F811
    make_user(db, CHINESE_MANAGER, "credit_manager", language="zh-CN")
    text = web.app.state.policy.files["collection.yaml"]
    bad = text.replace("days_overdue >= 90 and days_in_stage >= 30", "days_overdue >= 10")
    line = text.splitlines().index("  legal:") + 1
    english = _refused(web, MANAGER, {"collection.yaml": bad})
    assert (f"collection.yaml:{line}: legal starts at 10 days overdue, before escalated (at 15 "
            f"days overdue): stages go current → due_soon → overdue → escalated → legal"
            ) in english
    web.cookies.clear()
    chinese = _refused(web, CHINESE_MANAGER, {"collection.yaml": bad})
    assert (f"collection.yaml:{line}: legal 在逾期 10 天时就开始，早于 escalated（在逾期 15 天时）"
            ) in chinese
    with Session(db) as s:
        assert s.execute(select(PolicyDraft)).first() is None


def test_syntax_hints_and_an_unknown_bucket_in_chinese(web, db) -> None:  # noqa: F811
    make_user(db, CHINESE_MANAGER, "credit_manager", language="zh-CN")
    text = web.app.state.policy.files["collection.yaml"]
    bad = (text.replace("days_overdue >= 21", "days_overdue >= 21 adn balance > 50000")
           .replace("  91-180: 0.10", "  91-190: 0.10")
           .replace("    template: pre_due", "\ttemplate: pre_due"))
    chinese = _refused(web, CHINESE_MANAGER, {"collection.yaml": bad})
    line = text.splitlines().index("    template: pre_due") + 1
    assert f"collection.yaml:{line}: YAML 语法错误：含有制表符（Tab）：缩进只能用空格" in chinese
    fixed = bad.replace("\ttemplate: pre_due", "    template: pre_due")
    chinese = _refused(web, CHINESE_MANAGER, {"collection.yaml": fixed})
    when = text.splitlines().index("    when: days_overdue >= 21") + 1
    bucket = text.splitlines().index("  91-180: 0.10") + 1
    assert (f"collection.yaml:{when}: when 条件语法错误：不认识的词“adn”（第 20 列）："
            f"是否想写“and”？") in chinese
    assert (f"collection.yaml:{bucket}: 坏账准备中的账龄段“91-190”不存在（是否想写“91-180”？）"
            ) in chinese
    only_comma = fixed.replace("21 adn balance > 50000", "21 and balance > 50,000")
    chinese = _refused(web, CHINESE_MANAGER, {"collection.yaml": only_comma})
    assert "数字不要写千位分隔符：请写 50000，而不是 50,000" in chinese


def test_warnings_are_shown_on_the_draft_which_can_still_be_published(web, db) -> None:  # noqa: F811
    csrf = web_sign_in(web, MANAGER)
    text = web.app.state.policy.files["warnings.yaml"]
    assert "    when: customer.overdue_ratio > 0.2\n" in text
    twice = text.replace("    when: customer.overdue_ratio > 0.2\n",
                         "    when: customer.overdue_ratio > 0.2 or customer.overdue_ratio > 0.2"
                         "\n")
    sent = upload(web, csrf, {"warnings.yaml": twice})
    assert sent.status_code == 303
    draft = web.get(sent.headers["location"])
    assert draft.status_code == 200
    page = html.unescape(text_of(draft.text))
    assert "1 warning(s): the policy works, but check these" in page
    assert "'customer.overdue_ratio > 0.2' is written twice in its condition" in page
    assert 'id="form-publish"' in draft.text
