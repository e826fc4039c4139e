"""`arflow init DIR`: a starting project folder from the packaged defaults (the policy in
rules/, config/settings.yaml, the email templates), so a pip-installed arflow has a folder to
run in; it says what to do next."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from arflow.cli.context import fail
from arflow.defaults import RULES, SETTINGS, TEMPLATES, project_files


def init_command(
    directory: Path = typer.Argument(..., help="The project folder to write (made if missing)."),
    force: bool = typer.Option(False, "--force", help="Overwrite files that already exist."),
) -> None:
    """Write rules/, config/settings.yaml and config/templates/ into DIR."""
    files = project_files()
    # checked before writing anything: a refusal leaves the folder as it was
    for name, _ in files:
        for folder in reversed((directory / name).parents):
            if folder.exists() and not folder.is_dir():
                fail(f"{folder}: not a folder")
    existing = [name for name, _ in files if (directory / name).exists()]
    if existing and not force:
        more = f" and {len(existing) - 1} more files" if len(existing) > 1 else ""
        fail(f"{directory / existing[0]}{more} already there: arflow init does not overwrite "
             "(--force replaces them with the defaults)")
    for name, source in files:
        target = directory / name
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        except OSError as exc:
            fail(f"{target}: cannot write it: {exc.strerror or exc}")
    typer.echo(next_steps(directory, [name for name, _ in files], replaced=len(existing)))


def next_steps(directory: Path, written: list[str], replaced: int = 0) -> str:
    """What ``init`` wrote and what to do next, for someone who has just installed arflow."""
    rules = sum(name.startswith(f"{RULES}/") for name in written)
    templates = sum(name.startswith(f"{TEMPLATES}/") for name in written)
    replacing = f" ({replaced} replaced)" if replaced else ""
    return "\n".join([
        f"wrote {directory}{replacing}: {RULES}/ ({rules} policy files), {SETTINGS}, "
        f"{TEMPLATES}/ ({templates} email templates)",
        "next:",
        f"  cd {directory}   (or export ARFLOW_HOME={directory.resolve()})",
        "  arflow db upgrade                    # the database: var/arflow.db, or "
        "ARFLOW_DATABASE_URL",
        "  arflow demo                          # to try it: a demo portfolio and today's cycle",
        "  arflow user add NAME --role admin    # a person for the web app (password prompted)",
        "  arflow serve                         # the daily cycle, mail, the web app on "
        "http://127.0.0.1:8000/",
        f"Then make it yours: {SETTINGS} (SMTP, sender, schedule) and the policy in {RULES}/ "
        "(arflow policy check).",
    ])
