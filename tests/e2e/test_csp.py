"""The pages keep working under the Content-Security-Policy (issue 15): the API docs
(Swagger UI from the package, its start script by nonce) and the language menu (its
script now in /static/app.js), with no CSP violation reported by the browser."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.e2e.conftest import screenshot, sign_in
from tests.people import make_user


def _violations(page: object) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)  # type: ignore[attr-defined]
            if "Content Security Policy" in message.text else None)
    return found


def test_api_docs_render_under_their_policy(page, db: Engine) -> None:
    make_user(db, "chen.credit", "credit_manager")
    violations = _violations(page)
    page.goto("/api/v1/docs")
    assert "/login" in page.url  # signed out: sent to sign in
    sign_in(page, "chen.credit")
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() > 40  # every operation, from the document
    assert page.locator("button.authorize").count() == 1  # bearerAuth declared
    screenshot(page, "api-docs")
    assert violations == []


def test_language_menu_switches_without_an_inline_script(page, db: Engine) -> None:
    make_user(db, "chen.credit", "credit_manager")
    violations = _violations(page)
    sign_in(page, "chen.credit")
    page.goto("/dashboard")
    page.select_option("select[name=language]", "zh-CN")
    page.wait_for_load_state()
    page.wait_for_selector("html[lang=zh-CN]")
    screenshot(page, "dashboard-csp")
    assert violations == []
