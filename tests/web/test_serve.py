"""`arflow serve`: the API answers beside the scheduler, and Ctrl-C stops both cleanly."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
from pathlib import Path

import httpx
import pytest

from arflow import jobs
from arflow.service import listen, serve
from arflow.settings import load_settings
from tests.factories import seed_customers
from tests.people import bearer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shutil.copytree(ROOT / "config", tmp_path / "config")  # file sink for mail
    monkeypatch.setenv("ARFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("ARFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("ARFLOW_POLICY_DIR", str(ROOT / "rules"))
    jobs._settings.cache_clear()
    jobs._engine.cache_clear()
    yield tmp_path
    if jobs._engine.cache_info().currsize:
        jobs._engine().dispose()
    jobs._settings.cache_clear()
    jobs._engine.cache_clear()
    jobs.STOP.clear()


def test_serve_answers_and_stops_on_ctrl_c(home, db):
    seed_customers(db, home)
    settings = load_settings(home)
    headers = bearer(db)
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]

    async def scenario() -> dict:
        service = asyncio.create_task(serve(settings, db, sock=sock))
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                     headers=headers) as client:
            for _ in range(100):
                try:
                    if (await client.get("/api/v1/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            response = await client.post("/api/v1/orders/check",
                                         json={"customer": "C001", "amount": "10.50"})
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C
        await asyncio.wait_for(service, timeout=10)
        return response.json()

    assert asyncio.run(scenario())["exposure_after"] == 10.5
    assert jobs.STOP.is_set()  # the dispatcher was told to stop
    assert db.pool.checkedout() == 0  # the scheduler lock's connection was given back
    with pytest.raises(httpx.TransportError):  # the port is closed
        httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)


def test_a_port_in_use_is_an_error_before_anything_starts():
    taken = listen("127.0.0.1", 0)
    try:
        with pytest.raises(OSError):
            listen("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()


def test_serve_command_refuses_a_port_in_use(home):
    from typer.testing import CliRunner

    from arflow.cli import context
    from arflow.cli.main import app

    taken = listen("127.0.0.1", 0)
    port = str(taken.getsockname()[1])
    context.settings.cache_clear()
    context.database.cache_clear()
    try:
        ran = CliRunner().invoke(app, ["serve", "--host", "127.0.0.1", "--port", port])
    finally:
        taken.close()
        context.database.cache_clear()
    assert ran.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in ran.stderr


def test_the_listening_socket_says_tcp():
    """asyncio sets TCP_NODELAY only on sockets whose proto is TCP; with proto 0, Nagle and
    delayed ACKs added 40 ms to every keep-alive request."""
    sock = listen("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
