"""What every command needs: settings, a migrated database, dates, and the exit-2 rule."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from arflow.settings import Settings, SettingsError, load_settings

err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_BAD_INPUT = 2


def fail(message: str) -> NoReturn:
    """Bad input: one clear line on stderr and exit code 2."""
    err_console.print(f"arflow: {message}", markup=False)
    raise typer.Exit(EXIT_BAD_INPUT)


@cache
def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc))


@cache
def database(migrate: bool = True) -> Engine:
    """The configured database, brought to the current schema on first use."""
    from ledger.db import make_engine
    from ledger.migrate import is_current, upgrade

    engine = make_engine(settings().database_url)
    if migrate:
        try:
            if not is_current(engine):
                upgrade(engine)
        except OperationalError as exc:
            fail(f"cannot reach the database: {str(exc.orig).strip().splitlines()[0]}")
    return engine


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: not a date (YYYY-MM-DD): {value!r}")


def today() -> date:
    return settings().today()


def load_policy_or_fail(directory: Path | None):  # type: ignore[no-untyped-def]
    from engine import PolicyError, load_policy

    try:
        return load_policy(directory or settings().policy_dir)
    except PolicyError as exc:
        fail(
            str(exc).splitlines()[0]
            if len(exc.problems) == 1
            else f"{len(exc.problems)} policy errors:\n" + str(exc)
        )


def mail_setup_or_fail():  # type: ignore[no-untyped-def]
    """Templates, calendar and sender details for the cycle's reminder emails."""
    from arflow.mailing import mail_setup

    try:
        return mail_setup(settings())
    except SettingsError as exc:
        fail(str(exc))
