"""`arflow db upgrade|current`: schema migrations."""

from __future__ import annotations

import typer

from arflow.cli.context import database

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database schema up to date (one process at a time: an `arflow serve`
    migrating the same database first is waited for)."""
    from ledger.migrate import current_revision
    from ledger.migrate import upgrade as run_upgrade

    engine = database(migrate=False)
    run_upgrade(engine, revision, on_wait=lambda: typer.echo(
        "another process is migrating the database; waiting for it to finish", err=True))
    typer.echo(f"database at revision {current_revision(engine)} ({engine.url.render_as_string()})")


@app.command()
def current() -> None:
    """Print the schema revision of the database."""
    from ledger.migrate import current_revision

    typer.echo(current_revision(database(migrate=False)) or "empty")
