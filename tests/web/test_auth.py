"""Access: bearer tokens for systems, session cookies with CSRF for people, roles."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from arflow.settings import Settings
from arflow.web import create_app
from ledger.people_store import revoke_token, set_user
from tests.factories import seed_customers
from tests.people import make_token, make_user, web_sign_in
from tests.web.conftest import TestClient

CHECK = "/api/v1/orders/check"
ORDER = {"customer": "C001", "amount": "100.00"}


def _client(settings: Settings, db: Engine) -> TestClient:
    return TestClient(create_app(settings, db))


def test_the_api_needs_credentials_that_hold(settings: Settings, db: Engine, tmp_path) -> None:
    seed_customers(db, tmp_path)
    secret = make_token(db, "erp")
    admin_secret = make_token(db, "ops", role="admin")
    with _client(settings, db) as client:
        none = client.post(CHECK, json=ORDER)
        assert none.status_code == 401 and none.json()["error"]["code"] == "unauthorized"
        assert client.post(CHECK, json=ORDER, headers={"Authorization": "Basic abc"}
                           ).status_code == 401
        assert client.post(CHECK, json=ORDER, headers={"Authorization": "Bearer arf_nope"}
                           ).status_code == 401
        assert client.post(CHECK, json=ORDER, headers={"Authorization": f"Bearer {secret}"}
                           ).status_code == 200
        forbidden = client.post(CHECK, json=ORDER,
                                headers={"Authorization": f"Bearer {admin_secret}"})
        assert forbidden.status_code == 403
        assert forbidden.json()["error"]["code"] == "forbidden"
        with Session(db) as session:
            revoke_token(session, "erp")
            session.commit()
        assert client.post(CHECK, json=ORDER, headers={"Authorization": f"Bearer {secret}"}
                           ).status_code == 401


def test_a_cookie_session_needs_the_csrf_token_to_change_anything(
        settings: Settings, db: Engine, tmp_path) -> None:
    seed_customers(db, tmp_path)
    make_user(db, "li.na", "collector")
    with _client(settings, db) as client:
        csrf = web_sign_in(client, "li.na")
        cookie = client.cookies.get("arflow_session")
        assert cookie and len(cookie) > 30
        refused = client.post(CHECK, json=ORDER)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "csrf_failed"
        assert client.post(CHECK, json=ORDER, headers={"X-CSRF-Token": "forged"}
                           ).status_code == 403
        assert client.post(CHECK, json=ORDER, headers={"X-CSRF-Token": csrf}
                           ).status_code == 200


def test_sign_in_form_is_csrf_protected_and_never_redirects_off_site(
        settings: Settings, db: Engine) -> None:
    make_user(db, "li.na", "collector")
    with _client(settings, db) as client:
        no_token = client.post("/login", data={"name": "li.na", "password": "x"},
                               follow_redirects=False)
        assert no_token.status_code == 403
        client.get("/login")
        login_csrf = client.cookies.get("arflow_login_csrf")
        ok = client.post("/login", data={"name": "li.na", "password": "correct-horse-9",
                                         "csrf_token": login_csrf,
                                         "next": "//evil.example/x"},
                         follow_redirects=False)
        assert ok.status_code == 303 and ok.headers["location"] == "/worklist"
        set_cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=lax" in set_cookie


def test_pages_send_strangers_to_sign_in_and_disabled_users_lose_their_session(
        settings: Settings, db: Engine) -> None:
    make_user(db, "li.na", "collector")
    with _client(settings, db) as client:
        response = client.get("/worklist?kind=call", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Fworklist%3Fkind%3Dcall"
        web_sign_in(client, "li.na")
        assert client.get("/", follow_redirects=False).headers["location"] == "/worklist"
        with Session(db) as session:
            set_user(session, "li.na", active=False)
            session.commit()
        assert client.get("/", follow_redirects=False).headers["location"] == "/login"
