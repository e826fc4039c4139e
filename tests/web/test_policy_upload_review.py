"""Issue 16 review, on the web (both databases): an uploaded ``x.yml`` replaces the
``x.yaml`` in force (and is published as the one file of that name); the challenger key's
problems, a duplicate rule id and a stage without a day show in Chinese too."""

from __future__ import annotations

import html

from sqlalchemy import select
from sqlmodel import Session

from engine import load_policy
from ledger.models import Activity, PolicyDraft
from tests.people import make_user, web_sign_in
from tests.web.test_credit_pages import MANAGER, app_settings, text_of, web  # noqa: F401
from tests.web.test_policy_pages import upload

CHINESE_MANAGER = "wang.fang"


def test_an_uploaded_yml_replaces_the_yaml_in_force(web, db, app_settings) -> None:  # noqa: F811
    csrf = web_sign_in(web, MANAGER)
    old = web.app.state.policy
    assert "warnings.yaml" in old.files
    text = old.files["warnings.yaml"].replace("balance > 50000", "balance > 60000")
    sent = upload(web, csrf, {"warnings.yml": text})
    assert sent.status_code == 303, html.unescape(text_of(sent.text))
    draft_url = sent.headers["location"]
    with Session(db) as s:
        draft = s.execute(select(PolicyDraft)).scalar_one()
    assert "warnings.yml" in draft.files and "warnings.yaml" not in draft.files
    published = web.post(f"{draft_url}/publish", data={"csrf_token": csrf},
                         follow_redirects=False)
    assert published.status_code == 303
    folder = app_settings.policy_dir
    assert (folder / "warnings.yml").is_file() and not (folder / "warnings.yaml").exists()
    in_force = load_policy(folder)  # one file of that name: it loads, as the cycle will
    assert in_force.hash == web.app.state.policy.hash
    assert "balance > 60000" in in_force.files["warnings.yml"]
    with Session(db) as s:
        audit = s.execute(select(Activity).where(Activity.action == "policy_published")
                          ).scalar_one()
    assert audit.details["files_removed"] == ["warnings.yaml"]
    # and back: a .yaml replaces the .yml
    back = upload(web, csrf, {"warnings.yaml": text})
    assert back.status_code == 303


def _refused(web, user: str, files: dict[str, str]) -> str:  # noqa: F811
    csrf = web_sign_in(web, user)
    refused = upload(web, csrf, files)
    assert refused.status_code == 422
    web.cookies.clear()
    return html.unescape(text_of(refused.text))


def test_challenger_duplicate_id_and_dayless_stage_in_chinese(web, db) -> None:  # noqa: F811
    make_user(db, CHINESE_MANAGER, "credit_manager", language="zh-CN")
    files = web.app.state.policy.files
    collection = files["collection.yaml"]
    bad_share = {"collection.yaml": collection + "\nchallenger: {folder: nowhere, share: 10}\n"}
    line = len(collection.splitlines()) + 2
    assert (f"collection.yaml:{line}: challenger.share: 10 is not a share"
            in _refused(web, MANAGER, bad_share))
    assert (f"collection.yaml:{line}: challenger.share：10 不是比例"
            in _refused(web, CHINESE_MANAGER, bad_share))
    assert "challenger：不认识的键“colour”" in _refused(
        web, CHINESE_MANAGER,
        {"collection.yaml": collection + "\nchallenger: {folder: x, share: 10%, colour: red}\n"})
    warnings = files["warnings.yaml"]
    first_id = next(row for row in warnings.splitlines() if row.strip().startswith("- id:"))
    twice = warnings + "\n" + first_id.replace("- id:", "- id:") + "\n    level: red\n" \
        "    when: balance > 1\n"
    assert "id“" + first_id.split(":", 1)[1].strip() + "”重复" in _refused(
        web, CHINESE_MANAGER, {"warnings.yaml": twice})
    dayless = collection.replace(
        "days_overdue >= 30 or (days_overdue >= 15 and balance >= 100000)", "balance >= 100000")
    assert "escalated 可能在到期日之前就生效" in _refused(
        web, CHINESE_MANAGER, {"collection.yaml": dayless})
