"""Run `arflow` in-process against a test database of each kind."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from arflow.cli import context
from arflow.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def invoke(*args: str, input: str | None = None) -> Ran:
    """`arflow ARGS` in-process, reading its settings, database and runtime afresh (from the
    environment as it is now): for a command that needs no database, without `arflow`."""
    context.settings.cache_clear()
    context.database.cache_clear()
    context.runtime.cache_clear()
    result = CliRunner().invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def arflow(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Ran]:
    shutil.copytree(ROOT / "config", tmp_path / "config")  # settings and mail templates
    monkeypatch.setenv("ARFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("ARFLOW_DATABASE_URL", db_url)
    monkeypatch.setenv("ARFLOW_POLICY_DIR", str(ROOT / "rules"))
    monkeypatch.setenv("COLUMNS", "200")
    yield invoke
    context.database.cache_clear()
    context.runtime.cache_clear()


def built(arflow: Callable[..., Ran], db_url: str, tmp_path: Path,
          build: Callable[[Any, Path], object]) -> Callable[..., Ran]:
    """`arflow` against the test database after ``build(engine, tmp_path)`` filled it."""
    from ledger.db import make_engine

    engine = make_engine(db_url)
    build(engine, tmp_path)
    engine.dispose()
    return arflow
