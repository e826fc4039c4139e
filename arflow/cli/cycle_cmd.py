"""`arflow cycle`: run the daily collection cycle for a day or replay a range of days."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from arflow.cli.context import (
    database,
    fail,
    load_policy_or_fail,
    mail_setup_or_fail,
    parse_day,
    settings,
    today,
)
from arflow.cli.output import console, emit_json, progress_bar, table

TOTALS = (
    "evaluated",
    "customers_evaluated",
    "stage_moves",
    "receivables_moved",
    "settled",
    "warnings_opened",
    "warnings_closed",
    "tasks_opened",
    "tasks_joined",
    "tasks_closed",
    "reminders_queued",
    "promises_kept",
    "promises_broken",
)


def cycle_command(
    as_of: str | None = typer.Option(None, "--as-of", help="Business day (default today)."),
    start: str | None = typer.Option(None, "--from", help="Replay from this day ..."),
    end: str | None = typer.Option(None, "--to", help="... to this day, one cycle a day."),
    policy_dir: Path | None = typer.Option(None, "--policy", help="Policy folder."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Write nothing; show what would change."),
    force: bool = typer.Option(False, "--force", help="Allow a day before the last one run."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
) -> None:
    """Evaluate every open receivable against the policy and apply the day's changes."""
    from notifiers.templates import TemplateProblem
    from workflows.cycle import CycleRefused, run_cycle

    policy = load_policy_or_fail(policy_dir)
    if (start is None) != (end is None):
        fail("--from and --to go together")
    if start is not None and as_of is not None:
        fail("give --as-of or --from/--to, not both")
    first = parse_day(start, "--from") or parse_day(as_of, "--as-of") or today()
    last = parse_day(end, "--to") or first
    if last < first:
        fail(f"--to {last} is before --from {first}")
    engine = database()
    mail = mail_setup_or_fail()
    summaries = []
    with progress_bar(as_json) as progress:
        task = progress.add_task("cycle", total=None)
        day = first
        while day <= last:
            progress.update(task, description=f"cycle {day}", completed=0)
            try:
                summaries.append(
                    run_cycle(
                        engine,
                        policy,
                        day,
                        dry_run=dry_run,
                        force=force,
                        mail=mail,
                        book=settings().book_currency,
                        progress=lambda done, total: progress.update(
                            task, completed=done, total=total
                        ),
                    )
                )
            except (CycleRefused, TemplateProblem) as exc:
                fail(str(exc))
            day = day.fromordinal(day.toordinal() + 1)
    data = _combine([s.as_dict() for s in summaries])
    if as_json:
        emit_json(data)
        return
    if dry_run:
        _print_changes(data["changes"])
    table(
        f"cycle {data['from']} → {data['as_of']}"
        if len(summaries) > 1
        else f"cycle {data['as_of']}" + (" (dry run: nothing written)" if dry_run else ""),
        ["", "count"],
        [[k.replace("_", " "), data[k]] for k in TOTALS],
        right=["count"],
    )
    console.print(f"policy {data['policy_hash'][:12]}, {data['seconds']} s")
    for arm in data.get("empty_arms", []):  # the last day's: a comparison of nobody
        console.print(f"warning: the {arm} arm has no customers")


def _combine(days: list[dict[str, Any]]) -> dict[str, Any]:
    """One summary object: totals over the days, ``as_of`` the last day."""
    data = dict(days[-1])
    for key in TOTALS:
        data[key] = sum(d[key] for d in days)
    data["seconds"] = round(sum(d["seconds"] for d in days), 3)
    data["from"] = days[0]["as_of"]
    data["days"] = len(days)
    if data.get("dry_run"):
        data["changes"] = [dict(c, as_of=d["as_of"]) for d in days for c in d["changes"]]
    return data


def _print_changes(changes: list[dict[str, Any]], limit: int = 200) -> None:
    rows = [
        [
            c["as_of"],
            c["change"],
            c["subject"],
            c.get("to") or c.get("level") or c.get("kind") or "",
            c["rule"],
            c.get("waits") or (f"step {c['step']}" if c.get("step") else ""),
        ]
        for c in changes[:limit]
    ]
    table("would change", ["day", "change", "subject", "to / level / kind", "rule", "note"],
          rows)
    if len(changes) > limit:
        console.print(f"… and {len(changes) - limit} more (use --json for all)")
