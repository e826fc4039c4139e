"""What every command needs: settings, a migrated database, dates, the actor, and the
exit-2 rule: bad input, and every refusal of a workflow, is one line on stderr and exit 2
(``fail``; ``refusals`` maps a refusal to it, in one place for every command)."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

from arflow.days import outside
from arflow.runtime import Runtime
from arflow.settings import Settings, SettingsError, load_settings
from ledger.db import Engine, OperationalError
from workflows.errors import Refusal

err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_BAD_INPUT = 2


def fail(message: str) -> NoReturn:
    """Bad input: one clear line on stderr and exit code 2."""
    err_console.print(f"arflow: {message}", markup=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def actor() -> str:
    """How the audit log names whoever runs a command: ``cli:<os user>``."""
    return f"cli:{getpass.getuser()}"


def options_named(*fields: str) -> dict[str, str]:
    """field -> ``--field``: for a command whose options are named after the fields."""
    return {field: f"--{field}" for field in fields}


def reason(exc: BaseException, options: Mapping[str, str] | None = None) -> str:
    """A refusal's one line: its message, after the option it is about when the command
    names one for the refusal's ``field`` (``--role: 'boss' is not one of …``)."""
    if isinstance(exc, Refusal):
        option = (options or {}).get(exc.field or "")
        return f"{option}: {exc.message}" if option else exc.message
    return str(exc.args[0]) if exc.args else type(exc).__name__  # a KeyError's, unquoted


@contextmanager
def refusals(options: Mapping[str, str] | None = None) -> Iterator[None]:
    """A workflow's refusal (workflows/errors.py) is one line and exit 2; so, until every
    workflow raises the typed ones, is a plain ``LookupError`` or ``ValueError``.
    ``options``: field -> the command's option, to name it in the line."""
    try:
        yield
    except (Refusal, LookupError, ValueError) as exc:
        fail(reason(exc, options))


def run_in_session(action: Callable[[Any], Any], options: Mapping[str, str] | None = None
                   ) -> Any:
    """``action(session)`` in one transaction; a refusal rolls it back and exits 2."""
    from ledger.db import session_scope

    with refusals(options), session_scope(database()) as session:
        return action(session)


@cache
def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc))


_runtimes: list[Runtime] = []


def runtime() -> Runtime:
    """The command's runtime (arflow/runtime.py): the settings, the database made once.
    Follows ``settings()``: settings loaded anew (a test, another home) get a new one."""
    current = settings()
    if not _runtimes or _runtimes[-1].settings is not current:
        _runtimes[:] = [Runtime.from_settings(current)]
    return _runtimes[-1]


runtime.cache_clear = _runtimes.clear  # type: ignore[attr-defined]  # as settings/database


@cache
def database(migrate: bool = True) -> Engine:
    """The configured database, brought to the current schema on first use."""
    try:
        return runtime().database(migrate=migrate)
    except OperationalError as exc:
        fail(f"cannot reach the database: {str(exc.orig).strip().splitlines()[0]}")


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: not a date (YYYY-MM-DD): {value!r}")
    reason = outside(day)
    if reason is not None:
        fail(f"{option}: {reason}")
    return day


def today() -> date:
    return runtime().today()


def load_policy_or_fail(directory: Path | None,  # type: ignore[no-untyped-def]
                        buckets: list[str] | None = None):
    """The policy, or exit 2 with its problems; ``buckets``: the ageing bucket names its
    provision rates must name (a report that reads them)."""
    from engine import PolicyError, load_policy

    try:
        return load_policy(directory or settings().policy_dir, buckets)
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
