"""The admin's users page on both databases: add, change, disable/enable, reset a password,
revoke a token, each audited; refusals with a stable code; others kept out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from arflow.auth.passwords import verify_password
from arflow.settings import Settings
from arflow.web import create_app
from ledger.models import Activity, ApiToken, User
from tests.people import make_token, make_user, web_sign_in
from tests.web.conftest import TestClient

ADMIN = "admin.zhao"


@pytest.fixture
def web(settings: Settings, db: Engine) -> Iterator[TestClient]:
    make_user(db, ADMIN, "admin")
    make_user(db, "li.na", "collector")
    with TestClient(create_app(settings, db)) as client:
        yield client


def post(client: TestClient, url: str, csrf: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)


def user(db: Engine, name: str) -> User:
    with Session(db) as s:
        return s.execute(select(User).where(User.name == name)).scalar_one()


def test_an_admin_manages_users_and_tokens_audited(web, db) -> None:
    make_token(db, "erp")
    csrf = web_sign_in(web, ADMIN)
    listing = web.get("/admin/users")
    assert listing.status_code == 200
    assert 'id="user-li.na"' in listing.text and 'id="token-erp"' in listing.text
    added = post(web, "/admin/users", csrf, name="wang.wei", role="collector", language="en",
                 password="first-password-1")
    assert added.status_code == 303
    assert (user(db, "wang.wei").role, user(db, "wang.wei").language) == ("collector", "en")
    assert post(web, "/admin/users/wang.wei", csrf, role="credit_manager",
                language="zh-CN").status_code == 303
    assert (user(db, "wang.wei").role, user(db, "wang.wei").language) == (
        "credit_manager", "zh-CN")
    assert post(web, "/admin/users/wang.wei/active", csrf, active="0").status_code == 303
    assert not user(db, "wang.wei").active
    assert post(web, "/admin/users/wang.wei/active", csrf, active="1").status_code == 303
    assert post(web, "/admin/users/wang.wei/password", csrf,
                password="second-password-2").status_code == 303
    assert verify_password(user(db, "wang.wei").password_hash, "second-password-2")
    assert post(web, "/admin/tokens/erp/revoke", csrf).status_code == 303
    with Session(db) as s:
        assert s.execute(select(ApiToken.revoked_at)).scalar_one() is not None
        audit = s.execute(select(Activity.action, Activity.entity, Activity.subject,
                                 Activity.actor).order_by(Activity.id)).all()
    assert [tuple(a) for a in audit] == [
        ("user_added", "user", "wang.wei", "web:admin.zhao"),
        ("user_changed", "user", "wang.wei", "web:admin.zhao"),
        ("user_disabled", "user", "wang.wei", "web:admin.zhao"),
        ("user_enabled", "user", "wang.wei", "web:admin.zhao"),
        ("password_reset", "user", "wang.wei", "web:admin.zhao"),
        ("token_revoked", "token", "erp", "web:admin.zhao"),
    ]


@pytest.mark.parametrize(("url", "data", "status", "code"), [
    ("/admin/users", {"name": "x y", "role": "collector", "password": "long-enough-1"},
     422, "invalid_name"),
    ("/admin/users", {"name": "x", "role": "boss", "password": "long-enough-1"},
     422, "invalid_role"),
    ("/admin/users", {"name": "x", "role": "collector", "password": "short"},
     422, "weak_password"),
    ("/admin/users", {"name": "li.na", "role": "collector", "password": "long-enough-1"},
     409, "conflict"),
    ("/admin/users/admin.zhao/active", {"active": "0"}, 409, "self_lockout"),
    ("/admin/users/admin.zhao", {"role": "collector"}, 409, "self_lockout"),
    ("/admin/users/nobody/password", {"password": "long-enough-1"}, 404, "not_found"),
    ("/admin/tokens/nothing/revoke", {}, 404, "not_found"),
])
def test_bad_requests_are_refused_and_change_nothing(web, db, url, data, status, code) -> None:
    csrf = web_sign_in(web, ADMIN)
    refused = post(web, url, csrf, **data)
    assert refused.status_code == status and code in refused.text
    with Session(db) as s:
        assert s.execute(select(Activity)).first() is None
        assert sorted(s.execute(select(User.name)).scalars()) == [ADMIN, "li.na"]
    assert user(db, ADMIN).active and user(db, ADMIN).role == "admin"


def test_only_admins_reach_the_users_page(web, db) -> None:
    make_user(db, "zhou.min", "credit_manager")
    csrf = web_sign_in(web, "zhou.min")
    assert web.get("/admin/users").status_code == 403
    assert post(web, "/admin/users/li.na/active", csrf, active="0").status_code == 403
    assert user(db, "li.na").active
