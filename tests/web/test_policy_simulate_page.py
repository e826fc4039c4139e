"""The policy simulation page on both databases: a draft replayed over the hand-built
history of tests/workflows/test_simulate.py beside the policy in force (rules/); a bad
period is shown beside its field in the user's language; nothing is written."""

from __future__ import annotations

import re

from tests.factories import load, write
from tests.people import make_user, web_sign_in
from tests.web.test_credit_pages import MANAGER, app_settings, text_of, web  # noqa: F401
from tests.web.test_policy_pages import upload
from tests.workflows.test_simulate import PAYMENTS, RECEIVABLES, row_counts

ESCALATE = "days_overdue >= 30 or (days_overdue >= 15 and balance >= 100000)"
PERIOD = "from=2026-03-02&to=2026-03-15"


def _draft(web, db, tmp_path) -> str:  # type: ignore[no-untyped-def]  # noqa: F811
    load(db, "receivables", write(tmp_path / "r.csv", RECEIVABLES))
    load(db, "payments", write(tmp_path / "p.csv", PAYMENTS))
    csrf = web_sign_in(web, MANAGER)
    text = web.app.state.policy.files["collection.yaml"].replace(ESCALATE, "days_overdue >= 20")
    url = upload(web, csrf, {"collection.yaml": text}).headers["location"]
    assert f'href="{url}/simulate"' in web.get(url).text  # the draft page links to it
    return f"{url}/simulate"


def test_a_draft_replayed_shows_the_counts_and_writes_nothing(web, db, tmp_path) -> None:  # noqa: F811
    url = _draft(web, db, tmp_path)
    form = web.get(url)
    assert form.status_code == 200 and 'id="form-simulate"' in form.text
    before = row_counts(db)
    shown = web.get(f"{url}?{PERIOD}")
    assert shown.status_code == 200
    assert {k: v for k, v in row_counts(db).items() if k != "web_session"} == {
        k: v for k, v in before.items() if k != "web_session"}
    page = text_of(shown.text)
    assert "Receivables entering each stage" in page and "Nothing was written." in page
    # in force: INV-1 escalates at 30 days (03-07); the draft at 20: INV-1 and INV-2
    assert re.search(r"escalated 1 2 \+1", page)
    assert "Customers per rating on" in page


def test_a_bad_period_is_shown_beside_its_field(web, db, tmp_path) -> None:  # noqa: F811
    url = _draft(web, db, tmp_path)
    backwards = web.get(f"{url}?from=2026-03-15&to=2026-03-02")
    assert backwards.status_code == 422
    assert 'id="simulate-to-error"' in backwards.text and "is before" in backwards.text
    assert web.get(f"{url}?from=2026-13-01&to=2026-03-02").status_code == 422
    make_user(db, "wu.li", "credit_manager", language="zh-CN")
    web_sign_in(web, "wu.li")
    future = web.get(f"{url}?from=2026-03-02&to=2199-12-01")
    assert future.status_code == 422 and "只能回放历史" in future.text
    assert web.get("/policy/drafts/999/simulate").status_code == 404
