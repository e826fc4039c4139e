"""End-to-end tests: the real app under uvicorn on 127.0.0.1, driven by Debian's Chromium
through Playwright (never a downloaded browser). Each test gets its own server over the
test database of each kind; screenshots go to tests/artifacts/ (ignored by git and CI).

In CI (CI=true) a missing /usr/bin/chromium fails the run instead of skipping.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine

from arflow.settings import Settings
from arflow.web import create_app
from tests.people import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")  # not session: Playwright's loop must stop before other
def browser() -> Iterator[object]:  # tests call asyncio.run()
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=FLAGS)
        yield chromium
        chromium.close()


class LiveServer:
    """uvicorn in a thread, serving ``app`` on a free loopback port."""

    def __init__(self, app: object) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._sock = sock
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]},
                                       daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self._sock.close()


@pytest.fixture
def app_settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, database_url=db_url, policy_dir=ROOT / "rules",
                    timezone="Asia/Shanghai")


@pytest.fixture
def live(app_settings: Settings, db: Engine) -> Iterator[LiveServer]:
    with LiveServer(create_app(app_settings, db)) as server:
        yield server


@pytest.fixture
def page(browser: object, live: LiveServer) -> Iterator[object]:
    context = browser.new_context(base_url=live.url, locale="en-GB")  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def sign_in(page: object, name: str, password: str = PASSWORD) -> None:
    """Fill the sign-in form as a person would."""
    page.goto("/login")  # type: ignore[attr-defined]
    page.fill("input[name=name]", name)  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def screenshot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


@contextmanager
def english_tab(browser: object, app: object) -> Iterator[object]:
    """``app`` served live, and a page on it in a fresh English (en-GB) browser context."""
    with LiveServer(app) as live:
        context = browser.new_context(base_url=live.url, locale="en-GB")  # type: ignore[attr-defined]
        page = context.new_page()
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            context.close()


@pytest.fixture
def tab(browser: object, db_url: str, db: Engine, tmp_path: Path) -> Iterator[object]:
    """DAY's portfolio (tests/web/portfolio.py) with collector li.na, served as on DAY,
    in an English tab; a test module needing more (queued mail) overrides it."""
    from tests.web.portfolio import app_on_day, build, people

    build(db, tmp_path)
    people(db, ("li.na", "collector"))
    with english_tab(browser, app_on_day(db_url, db, tmp_path)) as page:
        yield page
