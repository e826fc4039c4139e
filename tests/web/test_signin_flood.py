"""The sign-in flood (issue 15): 60 wrong sign-ins at once against the real server
(uvicorn on a loopback port) leave ``GET /api/v1/customers`` answering within a small
multiple of its usual time (before: 15-24 s, every shared-pool thread waiting on Argon2);
the throttle refuses the rest with 429 and Argon2 runs no more often than the budget."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from arflow.auth import passwords
from arflow.settings import Settings
from arflow.web import create_app
from tests.e2e.conftest import LiveServer
from tests.factories import seed_customers
from tests.people import make_token, make_user
from tests.web.conftest import ROOT

PER_ADDRESS = 10  # real Argon2 (64 MiB) each: ~0.1-0.5 s a check on a 2-CPU box
WEB = {"signin_failures_per_account": 5, "signin_failures_per_address": PER_ADDRESS,
       "password_checks": 2}


class Checks:
    """Counts the Argon2 checks that ran, and how many at once at most."""

    def __init__(self) -> None:
        self.real = passwords.verify_password
        self.count = self.running = self.most = 0
        self._lock = threading.Lock()

    def __call__(self, stored_hash: str, password: str) -> bool:
        with self._lock:
            self.count += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return self.real(stored_hash, password)
        finally:
            with self._lock:
                self.running -= 1


async def _timed(client: httpx.AsyncClient, headers: dict[str, str]) -> float:
    start = time.perf_counter()
    response = await client.get("/api/v1/customers", headers=headers)
    assert response.status_code == 200
    return time.perf_counter() - start


def test_a_sign_in_flood_leaves_other_requests_their_usual_time(
        db_url: str, db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_customers(db, tmp_path)
    make_user(db, "li.na", "collector")
    api = {"Authorization": f"Bearer {make_token(db)}"}
    checks = Checks()
    monkeypatch.setattr(passwords, "verify_password", checks)
    settings = Settings(home=tmp_path, database_url=db_url, policy_dir=ROOT / "rules",
                        timezone="Asia/Shanghai", data={"web": WEB})

    async def scenario(url: str) -> tuple[float, list[float], list[int], list[int]]:
        async with httpx.AsyncClient(base_url=url, timeout=60,
                                     limits=httpx.Limits(max_connections=100)) as client:
            usual = sorted([await _timed(client, api) for _ in range(7)])[3]  # the median
            form = await client.get("/login")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]

            async def guess(i: int) -> int:
                names = ("li.na", *(f"guess-{n}" for n in range(11)))
                response = await client.post(
                    "/login", data={"name": names[i % len(names)], "password": f"wrong-{i}",
                                    "csrf_token": csrf}, follow_redirects=False)
                return response.status_code

            flood = [asyncio.create_task(guess(i)) for i in range(60)]
            await asyncio.sleep(0.05)  # the flood is in
            during = []
            while not all(task.done() for task in flood) or not during:
                during.append(await _timed(client, api))
            first = await asyncio.gather(*flood)
            again = await asyncio.gather(*(guess(i) for i in range(20)))  # past the throttle
            return usual, during, first, again

    with LiveServer(create_app(settings, db)) as live:
        usual, during, first, again = asyncio.run(scenario(live.url))
    bound = max(2.0, 10 * usual)  # robust on a loaded 2-CPU box; before the fix: 15-24 s
    print(f"usual {usual * 1000:.0f} ms; under the flood: max {max(during) * 1000:.0f} ms "
          f"over {len(during)} requests; Argon2 ran {checks.count} times, "
          f"at most {checks.most} at once")
    assert max(during) < bound, (usual, during)
    assert first.count(401) == PER_ADDRESS and first.count(429) == 60 - PER_ADDRESS
    assert again == [429] * 20
    assert checks.count == PER_ADDRESS  # the throttle's budget, not 80
    assert checks.most <= 2  # settings.web.password_checks
