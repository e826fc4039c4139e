"""Signing in and out in a real browser; the session cookie's flags."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.e2e.conftest import sign_in
from tests.people import make_user


def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_it(page, db: Engine, live) -> None:
    make_user(db, "admin.zhao", "admin")
    sign_in(page, "admin.zhao")
    assert page.url.endswith("/admin/users") or "admin.zhao" in page.content()
    cookie = next(c for c in page.context.cookies() if c["name"] == "arflow_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.goto("/")
    assert "/login" in page.url  # the session is gone on the server, not just the cookie


def test_wrong_password_is_refused(page, db: Engine) -> None:
    make_user(db, "li.na", "collector")
    sign_in(page, "li.na", "wrong-password")
    assert "/login" in page.url
    assert page.locator("[role=alert]").inner_text() == "Wrong name or password."
