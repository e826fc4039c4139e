"""`arflow serve`: the scheduler (daily cycle, dispatcher every minute) and the web app /
API (uvicorn, 127.0.0.1:8000 by default) in one process until Ctrl-C.

It prints where it listens (stdout, whatever the log level) and logs as ``logging`` says
(arflow/logs.py: quiet by default)."""

from __future__ import annotations

import asyncio

import typer

from arflow.cli.context import database, fail, settings

HOST = typer.Option("127.0.0.1", "--host", help="Address the web app and API listen on.")
PORT = typer.Option(8000, "--port", min=0, max=65535, help="Port of the web app and API.")


def serve_command(host: str = HOST, port: int = PORT) -> None:
    """Run the service: the daily cycle at the configured time, mail every minute, and the
    web app at http://HOST:PORT/ and the API at /api/v1."""
    from arflow import logs
    from arflow.jobs import check_every, cycle_time, retry_backoff
    from arflow.service import listen, serve
    from arflow.settings import SettingsError

    config = settings()
    try:
        cycle_time(config)
        retry_backoff(config)
        check_every(config)
    except SettingsError as exc:
        fail(str(exc))
    try:
        sock = listen(host, port)
    except OSError as exc:
        fail(f"--host/--port: cannot listen on {host}:{port}: {exc.strerror or exc}")
    logs.setup(config.logging)  # quiet unless logging.level says otherwise
    # not migrated here: serve migrates (under the migration lock) once the database
    # answers, so a database down at start is waited for, not an exit
    asyncio.run(serve(config, database(migrate=False), sock=sock,
                      announce=lambda line: typer.echo(line)))
