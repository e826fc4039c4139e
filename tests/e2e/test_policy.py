"""A credit manager in real Chromium: uploads a policy with an error and sees file:line,
fixes it, previews what it would change today, publishes, and sees it in force."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from arflow.settings import Settings
from tests.e2e.conftest import ROOT, screenshot, sign_in
from tests.factories import load, seed_customers, write
from tests.people import make_user


@pytest.fixture
def app_settings(db_url: str, tmp_path: Path) -> Settings:
    """A copy of rules/: publishing writes into the policy folder."""
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return Settings(home=tmp_path, database_url=db_url, policy_dir=tmp_path / "rules",
                    timezone="Asia/Shanghai")


def _choose(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.set_input_files("input[name=files]", files=[
        {"name": "collection.yaml", "mimeType": "application/x-yaml",
         "buffer": text.encode("utf-8")}])
    page.click("#upload button[type=submit]")
    page.wait_for_load_state()


def test_upload_error_fix_preview_publish(page, db: Engine, live, app_settings) -> None:
    make_user(db, "zhou.min", "credit_manager")
    seed_customers(db, app_settings.home)
    due = app_settings.today() + timedelta(days=9)  # due_soon only under the draft
    load(db, "receivables", write(app_settings.home / "r.csv", (
        "number,customer_code,issue_date,due_date,amount,currency\n"
        f"INV-9,C001,{due - timedelta(days=30)},{due},5000.00,CNY\n")))
    sign_in(page, "zhou.min")
    page.goto("/policy")
    good = (app_settings.policy_dir / "collection.yaml").read_text(encoding="utf-8")
    broken = good.replace("  due_soon:\n", "  due_soon:\n    colour: amber\n", 1)
    line = broken.splitlines().index("    colour: amber") + 1
    _choose(page, broken)
    alert = page.locator("#problems")
    assert f"collection.yaml:{line}" in alert.inner_text()
    fixed = good.replace("days_to_due <= 7", "days_to_due <= 10")
    _choose(page, fixed)
    page.wait_for_url("**/policy/drafts/*")
    assert "+ INV-9" in page.locator("#kind-stage").inner_text()
    assert "collection.yaml" in page.content()
    screenshot(page, "policy-preview")
    page.click("text=Publish")
    page.wait_for_url("**/policy?done=*")
    new_hash = live.server.config.app.state.policy.hash
    assert "days_to_due <= 10" in (app_settings.policy_dir / "collection.yaml").read_text()
    assert new_hash in page.locator("#active").inner_text()
    assert "Published by zhou.min" in page.locator("#published").inner_text()
