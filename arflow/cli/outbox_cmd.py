"""`arflow outbox` (list, show, approve, cancel) and `arflow dispatch`."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime

import typer

from arflow.cli.context import database, err_console, fail, refusals, settings, today
from arflow.cli.output import console, emit_json, table
from ledger.outbox_store import STATUSES

app = typer.Typer(help="Reminder emails waiting, sent or failed.", invoke_without_command=True)



@app.callback()
def outbox_list(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help=" | ".join(STATUSES)),
    limit: int | None = typer.Option(None, "--limit", min=1),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array for scripts."),
) -> None:
    """List messages (oldest first)."""
    if ctx.invoked_subcommand is not None:
        return
    from ledger import queries
    from ledger.db import session_scope

    if status and status not in STATUSES:
        fail(f"--status: unknown status {status!r} (one of {', '.join(STATUSES)})")
    with session_scope(database()) as session:
        rows = queries.outbox(session, status, limit)
    if as_json:
        emit_json(rows)
        return
    table(
        f"outbox ({len(rows)})",
        ["id", "for", "customer", "to", "template", "lang", "items", "status", "tries", "error"],
        [
            [
                r["id"],
                r["for_date"],
                r["customer_code"],
                r["to"],
                r["template"],
                r["language"],
                len(r["items"]),
                r["status"],
                r["attempts"],
                r["last_error"][:40],
            ]
            for r in rows
        ],
    )


@app.command("show")
def outbox_show(
    message_id: int = typer.Argument(..., help="Outbox id."),
    as_json: bool = typer.Option(False, "--json"),
    eml: bool = typer.Option(False, "--eml", help="The whole MIME message, as on the wire."),
) -> None:
    """Print one message as sent (headers, text part)."""
    from ledger import queries
    from ledger.db import session_scope

    with session_scope(database()) as session:
        message = queries.outbox_message(session, message_id)
    if message is None:
        fail(f"no message {message_id}")
    if as_json:
        emit_json(message)
        return
    if eml:
        from arflow.mailing import sender_address
        from notifiers.base import OutgoingMessage, wire_bytes

        mime = wire_bytes(
            OutgoingMessage(
                key=message["key"],
                message_id=message["message_id"],
                sender=sender_address(settings()),
                to=(message["to"],),
                cc=tuple(message["cc"]),
                subject=message["subject"],
                text=message["text"],
                html=message["html"],
            ),
            date=_aware(message["sent_at"]),
        )
        typer.echo(mime.decode("ascii").replace("\r\n", "\n"), nl=False)
        return
    cc = f"\nCc: {', '.join(message['cc'])}" if message["cc"] else ""
    error = f", {message['last_error']}" if message["last_error"] else ""
    console.print(
        f"Message-ID: {message['message_id']}\nTo: {message['to']}{cc}\n"
        f"Subject: {message['subject']}\nStatus: {message['status']} "
        f"(attempts {message['attempts']}{error})\n",
        markup=False,
        highlight=False,
    )
    console.print(message["text"], markup=False, highlight=False)


def _aware(moment: datetime | None) -> datetime | None:
    """Stored times are UTC; SQLite hands them back without the offset."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _decide(message_id: int, approve: bool) -> None:
    from ledger.db import session_scope
    from workflows.outbox import decide

    with refusals(), session_scope(database()) as session:
        status = decide(session, message_id, approve=approve, actor=_actor(), on=today())
    console.print(f"message {message_id}: {status}")


@app.command("approve")
def outbox_approve(message_id: int = typer.Argument(...)) -> None:
    """Release a message that waits for review (a final or legal notice)."""
    _decide(message_id, True)


@app.command("cancel")
def outbox_cancel(message_id: int = typer.Argument(...)) -> None:
    """Cancel a message that has not gone out; its steps stay done."""
    _decide(message_id, False)


@app.command("retry")
def outbox_retry(message_id: int = typer.Argument(...)) -> None:
    """Queue a failed message again (after fixing the address or the SMTP settings)."""
    from ledger.db import session_scope
    from workflows.outbox import requeue

    with refusals(), session_scope(database()) as session:
        requeue(session, message_id, actor=_actor(), on=today())
    console.print(f"message {message_id}: pending")


def _actor() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"


def dispatch_command(
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Send the pending mail once (for cron users); `arflow serve` does it every minute."""
    from arflow import mailing
    from arflow.settings import SettingsError
    from ledger.db import DatabaseError

    config = settings()
    try:
        dispatcher = mailing.dispatcher(config, database())
    except SettingsError as exc:
        fail(str(exc))

    async def run() -> dict[str, int]:
        stop = asyncio.Event()  # Ctrl-C: finish the message in hand, give the rest back
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with dispatcher.notifier:
            return (await dispatcher.run_once(stop)).as_dict()

    try:
        summary = asyncio.run(run())
    except DatabaseError as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        err_console.print(
            f"arflow: the database is unreachable ({first}); nothing was sent, "
            "dispatch again when it is back",
            markup=False,
        )
        raise typer.Exit(1) from None
    if as_json:
        emit_json(summary)
    else:
        table(
            "dispatch",
            ["", "count"],
            [[k, v] for k, v in summary.items() if not str(k).endswith("_error")],
            right=["count"],
        )
    for key, what in (("server_error", "the mail server is unavailable"),
                      ("database_error", "the database went away mid-run")):
        if summary[key]:
            err_console.print(f"arflow: {what} ({summary[key]}); what was sent is recorded, "
                              "the rest is tried again on the next dispatch", markup=False)
    if summary["configuration_error"]:
        err_console.print(
            f"arflow: the mail server refused our sender or login "
            f"({summary['configuration_error']}); nothing was failed, fix the "
            "smtp settings and dispatch again",
            markup=False,
        )
        raise typer.Exit(1)
