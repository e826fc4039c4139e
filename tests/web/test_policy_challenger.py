"""The policy page and a champion naming a challenger: an upload holds one folder, so a
draft over such a policy is refused with the challenger key's file:line and stores
nothing (both folders are changed on the server and checked with `arflow policy check`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from engine import load_policy
from ledger.models import PolicyDraft
from tests.people import make_user, web_sign_in
from tests.policies import champion_and_challenger
from tests.web.test_credit_pages import MANAGER, app_settings, web  # noqa: F401
from tests.web.test_policy_pages import upload


def test_an_upload_over_a_champion_with_a_challenger_is_refused(web, db, tmp_path  # noqa: F811
                                                               ) -> None:
    web.app.state.policy = load_policy(champion_and_challenger(
        tmp_path / "project", "{folder: rules-challenger, share: 20%}"))
    csrf = web_sign_in(web, MANAGER)
    text = web.app.state.policy.files["collection.yaml"].replace("days_to_due <= 7",
                                                                "days_to_due <= 10")
    refused = upload(web, csrf, {"collection.yaml": text})
    assert refused.status_code == 422
    assert "challenger.yaml:1" in refused.text and "arflow policy check" in refused.text
    make_user(db, "chen.jing", "credit_manager", language="zh-CN")  # in her language
    web.cookies.clear()
    chinese = upload(web, web_sign_in(web, "chen.jing"), {"collection.yaml": text})
    assert chinese.status_code == 422 and "challenger.yaml:1" in chinese.text
    assert "只能在服务器上的两个文件夹中修改" in chinese.text and "rules-challenger" in chinese.text
    with Session(db) as s:
        assert s.execute(select(PolicyDraft)).first() is None


def test_the_kpi_page_shows_each_arm_when_a_challenger_is_named(web, db, tmp_path  # noqa: F811
                                                                 ) -> None:
    web_sign_in(web, MANAGER)
    assert 'id="kpi-arms"' not in web.get("/reports/kpi").text  # no challenger: no split
    web.app.state.policy = load_policy(champion_and_challenger(
        tmp_path / "project", "{folder: rules-challenger, segment: export}"))
    shown = web.get("/reports/kpi")
    assert shown.status_code == 200 and 'id="kpi-arms"' in shown.text
    assert "challenger: segment export" in shown.text
    data = web.get("/reports/kpi?download=json").json()
    assert set(data["arms"]) == {"champion", "challenger"}
    assert data["arms"]["champion"]["start"] == data["period"]["start"]
