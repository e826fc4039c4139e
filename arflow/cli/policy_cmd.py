"""`arflow policy check [DIR]`: validate the credit managers' YAML."""

from __future__ import annotations

from pathlib import Path

import typer

from arflow.cli.context import err_console, settings
from arflow.cli.output import console

app = typer.Typer(help="The YAML policy in rules/.", no_args_is_help=True)


@app.command()
def check(
    directory: Path | None = typer.Argument(None, help="Policy folder (default rules/)."),
) -> None:
    """Validate a policy; errors are printed as file:line: message, exit code 2."""
    from engine import PolicyError, load_policy
    from notifiers.templates import Templates

    folder = directory or settings().policy_dir
    try:
        policy = load_policy(folder)
    except PolicyError as exc:
        for problem in exc.problems:
            err_console.print(str(problem), markup=False)
        raise typer.Exit(2) from None
    # a template that is missing or names an unknown variable fails here, not at 8 am
    names = sorted({step.template for step in policy.reminders})
    problems = Templates(settings().templates_dir).check(names)
    for problem in problems:
        steps = [s for s in policy.reminders if f"/{s.template}.j2" in problem]
        where = "".join(f"{s.source}: reminder '{s.id}': " for s in steps[:1])
        err_console.print(f"{where}{problem}", markup=False)
    if problems:
        raise typer.Exit(2)
    console.print(
        f"policy ok: {folder} (hash {policy.hash[:12]}) — {len(policy.stages)} stages, "
        f"{len(policy.reminders)} reminder steps, {len(policy.warnings)} warnings, "
        f"{len(policy.order_checks)} order checks"
    )
