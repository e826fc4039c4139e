"""`arflow serve` as operations see it, run for real in a process of its own: it prints
where it listens (the real port, with --port 0), migrates a new database at start, answers
the probes and the metrics (the cycle it ran counted), and logs nothing at INFO by default
(on both databases); the logging set-up itself (arflow/logs.py) in this process: text or
one JSON object a line."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml

from arflow import logs
from arflow.settings import LogSettings
from tests.ledger.test_migration_lock import empty_url  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parent.parent
SERVING = re.compile(r"^arflow serving on http://127\.0\.0\.1:(\d+)/ "
                     r"\(API /api/v1, health /healthz, metrics /metrics\)$")
COMPLETED = 'arflow_cycles_total{outcome="completed"} 1.0'


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An ARFLOW_HOME whose day is due from 00:00, so serve runs today's cycle at start
    (and whose weekly summary is not due: Sunday 23:59)."""
    shutil.copytree(ROOT / "config", tmp_path / "config")  # file sink for mail
    path = tmp_path / "config" / "settings.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["schedule"] = {**data["schedule"], "cycle_at": "00:00"}
    data["reports"]["summary"] = {**data["reports"]["summary"], "day": "sun", "at": "23:59"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return tmp_path


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int = 0
    stdout: str = ""
    stderr: str = ""


@contextmanager
def serving(home: Path, url: str, **env: str) -> Iterator[Served]:
    """``arflow serve --port 0`` over ``url``, on the port its first line of output names;
    stopped with Ctrl-C (SIGINT) after, its output kept."""
    environment = {**os.environ, "ARFLOW_HOME": str(home), "ARFLOW_DATABASE_URL": url,
                   "ARFLOW_POLICY_DIR": str(ROOT / "rules"), **env}
    for name in ("ARFLOW_LOG_LEVEL", "ARFLOW_LOG_FORMAT"):
        if name not in env:
            environment.pop(name, None)
    served = Served(subprocess.Popen(
        [sys.executable, "-c", "from arflow.cli.main import app; app()",
         "serve", "--host", "127.0.0.1", "--port", "0"],
        cwd=home, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    process = served.process
    try:
        assert process.stdout is not None
        first = process.stdout.readline().rstrip("\n")
        listening = SERVING.match(first)
        assert listening, first  # the process's stderr is in the report below
        served.port = int(listening.group(1))
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            served.stdout, served.stderr = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            served.stdout, served.stderr = process.communicate()
            raise
        finally:
            sys.stderr.write(served.stderr)  # shown by pytest when the test fails


def until_cycle_counted(port: int, timeout: float = 30) -> None:
    """Ready (migrated, policy loaded) and today's cycle run and counted in /metrics."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        while time.monotonic() < deadline:
            if client.get("/readyz").status_code == 200 \
                    and COMPLETED in client.get("/metrics").text:
                return
            time.sleep(0.1)
    raise AssertionError(f"no completed cycle in /metrics within {timeout} s")


def test_serve_prints_its_url_migrates_answers_and_stays_quiet(home: Path,
                                                               empty_url: str) -> None:  # noqa: F811
    """A new database: ready only once serve has migrated it; today's cycle counted in
    /metrics; at the default level not one INFO line, each line one JSON object."""
    with serving(home, empty_url, ARFLOW_LOG_FORMAT="json") as served:
        until_cycle_counted(served.port)
    assert served.process.returncode == 0
    assert served.stdout == ""  # the one line read at start, nothing after
    lines = [json.loads(line) for line in served.stderr.splitlines() if line.strip()]
    assert not [line for line in lines if line["level"] in ("INFO", "DEBUG")]


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """The process's logging as it was before ``logs.setup`` (pytest's capture included)."""
    root, chatty = logging.getLogger(), logging.getLogger("apscheduler")
    handlers, level, chatty_level = list(root.handlers), root.level, chatty.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    chatty.setLevel(chatty_level)
    logging.captureWarnings(False)


def test_logs_are_quiet_by_default_and_json_lines_with_the_setting(
        logging_restored: None, capsys: pytest.CaptureFixture[str]) -> None:
    log = logging.getLogger("arflow.jobs")
    logs.setup(LogSettings())  # warning, text
    log.info("cycle 2026-11-23: {}")
    logging.getLogger("apscheduler.executors.default").warning("a job was missed")
    log.warning("database unreachable (%s); trying again in %s", "refused", "15 s")
    text_lines = capsys.readouterr().err.splitlines()
    assert len(text_lines) == 2 and "INFO" not in "".join(text_lines)
    assert text_lines[1].endswith(
        "WARNING arflow.jobs database unreachable (refused); trying again in 15 s")

    logs.setup(LogSettings(level="info", format="json"))  # set up again: replaces, not adds
    log.info("cycle %s: %s", "2026-11-23", {"evaluated": 3}, extra={"day": "2026-11-23"})
    logging.getLogger("apscheduler.executors.default").info("Running job dispatch")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("dispatch failed")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(line["level"], line["logger"]) for line in lines] == [
        ("INFO", "arflow.jobs"), ("ERROR", "arflow.jobs")]
    first = lines[0]
    assert first["message"] == "cycle 2026-11-23: {'evaluated': 3}"
    assert first["day"] == "2026-11-23" and first["time"].endswith("Z")
    assert "ValueError: boom" in lines[1]["exc_info"]  # the traceback inside the one line
