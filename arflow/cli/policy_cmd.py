"""`arflow policy check [DIR]`: validate the credit managers' YAML; `arflow policy simulate
DIR --from D --to D`: what a candidate would have done over past days."""

from __future__ import annotations

from pathlib import Path

import typer

from arflow.cli.context import err_console, settings
from arflow.cli.output import console

app = typer.Typer(help="The YAML policy in rules/.", no_args_is_help=True)


def _load_or_exit(folder: Path):  # type: ignore[no-untyped-def]
    """The policy in ``folder``, or every problem printed as file:line: message and exit 2.
    Its provision rates must name the ageing buckets this installation reports on."""
    from engine import PolicyError, load_policy

    try:
        return load_policy(folder, settings().reports.bucket_names)
    except PolicyError as exc:
        for problem in exc.problems:
            err_console.print(str(problem), markup=False)
        raise typer.Exit(2) from None


@app.command()
def check(
    directory: Path | None = typer.Argument(None, help="Policy folder (default rules/)."),
) -> None:
    """Validate a policy; errors are printed as file:line: message, exit code 2; warnings
    (file:line: warning: message) leave it usable, exit code 0."""
    from notifiers.templates import Templates

    folder = directory or settings().policy_dir
    policy = _load_or_exit(folder)
    # a template that is missing or names an unknown variable fails here, not at 8 am
    names = sorted({step.template for step in policy.reminders})
    problems = Templates(settings().templates_dir).check(names)
    for problem in problems:
        steps = [s for s in policy.reminders if f"/{s.template}.j2" in problem]
        where = "".join(f"{s.source}: reminder '{s.id}': " for s in steps[:1])
        err_console.print(f"{where}{problem}", markup=False)
    if problems:
        raise typer.Exit(2)
    for advisory in policy.advisories:
        err_console.print(f"{advisory.file}:{advisory.line}: warning: {advisory.message}",
                          markup=False)
    chosen = policy.challenger_policy
    challenger = "" if chosen is None or policy.challenger is None else (
        f"; challenger {policy.challenger.folder} (hash {chosen.hash[:12]}) for "
        f"{policy.challenger.describe()}")
    console.print(
        f"policy ok: {folder} (hash {policy.hash[:12]}{challenger}) — {len(policy.stages)} stages, "
        f"{len(policy.reminders)} reminder steps, {len(policy.warnings)} warnings, "
        f"{len(policy.order_checks)} order checks"
        + (f"; {len(policy.advisories)} warning(s)" if policy.advisories else "")
    )


@app.command()
def simulate(
    directory: Path = typer.Argument(..., help="The candidate policy folder."),
    start: str = typer.Option(..., "--from", help="First day replayed (YYYY-MM-DD)."),
    end: str = typer.Option(..., "--to", help="Last day replayed, at the latest today."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
    detail: bool = typer.Option(False, "--detail", help="List the receivables that differ."),
) -> None:
    """Replay the ledger's history under the candidate and the policy in force; nothing is
    written. Compares stage moves, reminders, tasks, warnings, orders and credit terms."""
    from arflow.cli.context import database, fail, parse_day, refusals, runtime, today
    from arflow.cli.output import emit_json, progress_bar
    from arflow.cli.simulate_view import print_simulation
    from workflows.simulate import check_period
    from workflows.simulate import simulate as replay

    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    assert first is not None and last is not None
    options = {"from": "--from", "to": "--to"}
    with refusals(options):
        check_period(first, last, today())
    candidate = _load_or_exit(directory)  # checked as 'policy check' checks it
    engine = database()
    active = runtime().policy()
    if active is None:
        fail("no policy in force to compare with: check the policy folder (arflow policy check)")
    with progress_bar(as_json) as progress, refusals(options):
        task = progress.add_task("simulate (days)", total=None)
        result = replay(engine, active, candidate, first, last, today=today(),
                        calendar=settings().calendar, detail=detail,
                        progress=lambda done, total: progress.update(
                            task, completed=done, total=total))
    data = result.as_dict()
    if as_json:
        emit_json(data)
    else:
        print_simulation(data, detail)
