"""`arflow report summary [--as-of DAY] [--send] [--force]`: the weekly management summary
by hand — a preview of the email's text, or the email itself to ``reports.summary.to``.

The scheduler sends it once per ISO week; ``--send`` goes through the same once-a-week
record, so sending by hand on Monday morning and the scheduler's run do not both go out.
``--force`` sends again (a correction, or a recipient who lost it).
"""

from __future__ import annotations

import asyncio

import typer

from arflow.cli.context import actor, database, err_console, fail, parse_day, settings, today
from arflow.cli.output import console


def summary_command(
    as_of: str | None = typer.Option(None, "--as-of", help="Figures as of this day (YYYY-MM-DD)."),
    send: bool = typer.Option(False, "--send", help="Send it to reports.summary.to."),
    force: bool = typer.Option(False, "--force", help="With --send: even if this week's went."),
) -> None:
    """The weekly management summary: preview it, or --send it."""
    from arflow import mailing
    from arflow.settings import SettingsError
    from arflow.summary import build_summary, recipients, send_summary, summary_message
    from ledger.db import session_scope
    from notifiers.base import PermanentFailure, TransientFailure
    from notifiers.templates import TemplateProblem, Templates

    day = parse_day(as_of, "--as-of") or today()
    config = settings()
    try:
        to, language = recipients(config)
    except SettingsError as exc:
        fail(str(exc))
    engine = database()
    if not send:
        with session_scope(engine) as session:
            summary = build_summary(session, day, config.section("reports"))
        try:
            message = summary_message(
                summary, Templates(config.templates_dir), language, to=to,
                sender=mailing.sender_address(config),
                domain=str(config.section("mail").get("domain") or "arflow.local"))
        except TemplateProblem as exc:
            fail(str(exc))
        console.print(f"To: {', '.join(to)}\nSubject: {message.subject}\n", markup=False)
        console.print(message.text, markup=False, highlight=False)
        err_console.print(f"{len(message.images)} charts inline; --send to send it")
        return

    async def go():  # type: ignore[no-untyped-def]
        async with mailing.notifier(config) as notifier:
            return await send_summary(engine, config, day, notifier,
                                      actor=actor(), force=force)

    try:
        delivery = asyncio.run(go())
    except (TransientFailure, PermanentFailure) as exc:
        err_console.print(f"arflow: not sent: {exc.reply}", markup=False)
        raise typer.Exit(1) from None
    except TemplateProblem as exc:
        fail(str(exc))
    if delivery.outcome == "already_sent":
        console.print(f"{delivery.key} has gone out already (--force to send it again)")
    elif delivery.outcome == "in_progress":
        console.print(f"{delivery.key} is being sent by another run")
    else:
        refused = f"; refused: {delivery.refused}" if delivery.refused else ""
        console.print(f"{delivery.key} sent to {', '.join(delivery.to)}{refused}")
