"""Sign-in throttling (issue 15): after repeated failures, per account and per address,
sign-in answers 429 with Retry-After and a message in the user's language, without
running Argon2; passwords are checked a few at a time in threads of their own."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from arflow.auth import passwords
from arflow.auth.passwords import ChecksBusy, PasswordChecks
from arflow.settings import Settings, WebSettings
from arflow.web import create_app
from arflow.web.pages import session
from arflow.web.signin_throttle import KNOWN_FOR, SigninThrottle
from tests.people import PASSWORD, make_user
from tests.web.conftest import ROOT, TestClient

WEB = {"signin_failures_per_account": 3, "signin_failures_per_address": 6,
       "signin_window_minutes": 15, "password_checks": 1}


class Argon2Calls:
    """Counts the password checks that really ran (and where)."""

    def __init__(self, real: object) -> None:
        self.real, self.count, self.threads = real, 0, set()
        self._lock = threading.Lock()

    def __call__(self, stored_hash: str, password: str) -> bool:
        with self._lock:
            self.count += 1
            self.threads.add(threading.current_thread().name)
        return self.real(stored_hash, password)  # type: ignore[operator,no-any-return]


def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> Argon2Calls:
    """Real Argon2 with cheap parameters (the real ones take ~0.5 s a check on a busy
    2-CPU box), counted: the users' hashes and the unknown name's stand-in alike."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_HASHER", cheap)
    monkeypatch.setattr(session, "DUMMY_HASH", cheap.hash("not-a-real-password"))
    calls = Argon2Calls(passwords.verify_password)
    monkeypatch.setattr(passwords, "verify_password", calls)
    return calls


@pytest.fixture
def argon2(monkeypatch: pytest.MonkeyPatch) -> Argon2Calls:
    return cheap_argon2(monkeypatch)


@pytest.fixture
def web(db_url: str, db: Engine, tmp_path: Path, argon2: Argon2Calls) -> Iterator[TestClient]:
    settings = Settings(home=tmp_path, database_url=db_url, policy_dir=ROOT / "rules",
                        timezone="Asia/Shanghai", data={"web": WEB})
    make_user(db, "li.na", "collector")
    with TestClient(create_app(settings, db)) as client:
        yield client


def _try(client: TestClient, name: str, password: str, **headers: str):  # type: ignore[no-untyped-def]
    form = client.get("/login", headers=headers)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": token},
                       headers=headers, follow_redirects=False)


def _alert(response) -> str:  # type: ignore[no-untyped-def]
    return re.search(r'role="alert">([^<]+)<', response.text).group(1)  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["li.na", "nobody.here"])  # no enumeration: the same
def test_an_account_is_refused_after_its_failures_without_argon2(
        web: TestClient, argon2: Argon2Calls, name: str) -> None:
    for _ in range(3):
        assert _try(web, name, "wrong-password", **{"accept-language": "en"}).status_code == 401
    assert argon2.count == 3
    refused = _try(web, name, PASSWORD, **{"accept-language": "en"})  # even the right one
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert _alert(refused) == "Too many failed sign-ins. Try again in 15 min."
    assert 'name="password"' in refused.text  # the form again, inline
    assert argon2.count == 3  # the refused attempt cost no password check
    chinese = _try(web, name, "wrong-password", **{"accept-language": "zh-CN"})
    assert chinese.status_code == 429 and _alert(chinese).startswith("登录失败次数过多")
    as_json = _try(web, name, "wrong-password", accept="application/json")
    assert as_json.status_code == 429 and "retry-after" in as_json.headers
    assert as_json.json()["error"]["code"] == "too_many_attempts"
    assert argon2.count == 3
    assert _try(web, "someone.else", "wrong-password").status_code == 401  # another account


def test_an_address_is_refused_after_failures_on_any_accounts(
        web: TestClient, argon2: Argon2Calls) -> None:
    for i in range(5):
        assert _try(web, f"guess-{i}", "wrong-password").status_code == 401
    assert _try(web, "li.na", PASSWORD).status_code == 303  # a success: not counted
    assert _try(web, "guess-5", "wrong-password").status_code == 401  # the 6th failure
    refused = _try(web, "li.na", PASSWORD)  # its own account is fine; the address is not
    assert refused.status_code == 429 and "retry-after" in refused.headers
    assert argon2.count == 7
    assert argon2.threads and all(t.startswith("password-check") for t in argon2.threads)


def test_a_success_clears_the_accounts_own_count(web: TestClient, argon2: Argon2Calls) -> None:
    for _ in range(2):
        assert _try(web, "li.na", "wrong-password").status_code == 401
    assert _try(web, "li.na", PASSWORD).status_code == 303
    elsewhere = TestClient(web.app, client=("198.51.100.7", 50000))  # held to the account's
    for _ in range(3):  # a fresh budget of 3
        assert _try(elsewhere, "li.na", "wrong-password").status_code == 401
    assert _try(elsewhere, "li.na", "wrong-password").status_code == 429


def test_a_locked_account_still_signs_in_from_where_it_signed_in_before(
        web: TestClient, argon2: Argon2Calls) -> None:
    home = web  # the user's usual address ("testclient")
    assert _try(home, "li.na", PASSWORD).status_code == 303
    attacker = TestClient(web.app, client=("203.0.113.9", 50000))
    for _ in range(3):  # "LI.NA " is the same account
        assert _try(attacker, "LI.NA ", "wrong-password").status_code == 401
    assert _try(attacker, "li.na", PASSWORD).status_code == 429
    elsewhere = TestClient(web.app, client=("198.51.100.7", 50000))
    assert _try(elsewhere, "li.na", PASSWORD).status_code == 429  # locked for the rest
    checked = argon2.count
    assert _try(home, "li.na", "wrong-password").status_code == 401  # checked, not refused
    assert argon2.count == checked + 1
    assert _try(home, "li.na", PASSWORD).status_code == 303
    for _ in range(5):  # the known address is still held to its own budget (6)
        assert _try(home, "li.na", "wrong-password").status_code == 401
    assert _try(home, "li.na", PASSWORD).status_code == 429


def test_an_address_is_known_for_an_account_for_thirty_days() -> None:
    throttle = SigninThrottle(WebSettings(**WEB))
    account = throttle._account_key("li.na")
    throttle._remember(account, "192.0.2.1", 1000.0)
    throttle._remember(account, "", 1000.0)  # no address: nothing to know
    assert throttle._is_known(account, "192.0.2.1", 1000.0 + KNOWN_FOR - 1)
    assert not throttle._is_known(account, "192.0.2.1", 1000.0 + KNOWN_FOR)
    assert not throttle._is_known(account, "192.0.2.2", 1000.0)
    assert not throttle._is_known(account, "", 1000.0)
    assert not throttle._is_known(throttle._account_key("boss"), "192.0.2.1", 1000.0)


def test_password_checks_run_a_few_at_a_time_and_refuse_past_a_short_queue(
        monkeypatch: pytest.MonkeyPatch) -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def slow(stored_hash: str, password: str) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return False

    monkeypatch.setattr(passwords, "verify_password", slow)
    checks = PasswordChecks(workers=2, queue=3)

    async def flood() -> list[object]:
        return await asyncio.gather(*(checks.verify("h", "p") for _ in range(8)),
                                    return_exceptions=True)

    outcomes = asyncio.run(flood())
    assert outcomes.count(False) == 5  # 2 running + 3 waiting
    assert sum(isinstance(o, ChecksBusy) for o in outcomes) == 3  # refused at once
    assert most == 2
    assert asyncio.run(flood()).count(False) == 5  # the places are given back
