"""`arflow statement C [--as-of D] [--output F.pdf]`: a customer's statement of account as
a PDF (notifiers/statement.py), in the customer's language; prints where it wrote it."""

from __future__ import annotations

from pathlib import Path

import typer

from arflow import statements
from arflow.cli.context import database, fail, load_policy_or_fail, parse_day, settings, today
from arflow.cli.output import console
from notifiers.statement_pdf import FontMissing


def statement_command(
    code: str = typer.Argument(..., help="The customer's code."),
    as_of: str | None = typer.Option(None, "--as-of", help="The statement date (YYYY-MM-DD); "
                                                           "default today."),
    output: Path | None = typer.Option(None, "--output", "-o", help="The PDF to write; default "
                                       "statement-<code>-<date>.pdf in the current folder."),
) -> None:
    """Write a customer's statement of account (对账单) as a PDF."""
    day = parse_day(as_of, "--as-of") or today()
    maker = statements.maker(settings(), database(), load_policy_or_fail(None))
    try:
        built = maker.for_code(code, day)
    except FontMissing as exc:
        fail(str(exc))
    if built is None:
        fail(f"no customer {code!r}")
    target = output or Path(f"statement-{code}-{day.isoformat()}.pdf")
    try:
        target.write_bytes(built.data)
    except OSError as exc:
        fail(f"--output: cannot write {target}: {exc.strerror or exc}")
    console.print(f"statement of {code} as of {day.isoformat()} written to {target}",
                  highlight=False, soft_wrap=True)
