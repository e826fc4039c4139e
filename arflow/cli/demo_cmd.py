"""`arflow demo`: a deterministic, realistic portfolio, imported through the real CSV path."""

from __future__ import annotations

from datetime import timedelta

import typer

from arflow.cli.context import (
    database,
    load_policy_or_fail,
    mail_setup_or_fail,
    parse_day,
    settings,
    today,
)
from arflow.cli.output import console, emit_json, money, table


def demo_command(
    as_of: str | None = typer.Option(None, "--as-of", help="The demo's today (default today)."),
    seed: int = typer.Option(7, "--seed", help="Same seed and day, same portfolio."),
    customers: int = typer.Option(300, "--customers", min=1),
    invoices: int = typer.Option(10_000, "--invoices", min=1),
    cycle: bool = typer.Option(True, "--cycle/--no-cycle", help="Run the day's cycle after."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Create the demo portfolio (CSV files under var/demo/), import it and run the cycle."""
    from arflow.demo import build_demo
    from arflow.demo.money_in import import_rates, import_statement
    from ledger.db import session_scope
    from workflows.actions import open_dispute
    from workflows.bank import BankRules
    from workflows.cycle import run_cycle
    from workflows.lifecycle import IllegalMove

    day = parse_day(as_of, "--as-of") or today()
    engine = database()
    workdir = settings().home / "var" / "demo"
    workdir.mkdir(parents=True, exist_ok=True)
    with console.status("building the demo portfolio…"):
        result = build_demo(
            engine, day, seed=seed, customers=customers, invoices=invoices, workdir=workdir
        )
    book = settings().book_currency
    rates = import_rates(engine, day, workdir, book)  # before the cycle: exposure converts
    with session_scope(engine) as session:
        for number in result.get("disputed", []):
            try:
                open_dispute(session, number, "quality complaint (demo)", day, actor="demo")
            except IllegalMove:
                pass  # already disputed or settled: the demo was built before
    from arflow.demo.people import DEMO_PASSWORD, demo_users
    from arflow.demo.portfolio import COLLECTORS, EXPORT_COLLECTOR

    users = demo_users(engine, {**dict.fromkeys(COLLECTORS, "zh-CN"), EXPORT_COLLECTOR: "en"})
    summary = None
    if cycle:
        policy = load_policy_or_fail(None)
        # A month apart, so stages have history (legal needs 30 days in escalated); only
        # today's run writes reminders, so the outbox holds no stale mail.
        for weeks_ago in (13, 9, 4):
            past = day - timedelta(weeks=weeks_ago)
            with console.status(f"catching up: the cycle as of {past}…"):
                run_cycle(engine, policy, past, force=True, book=book)
        with console.status(f"running the cycle for {day}…"):
            summary = run_cycle(
                engine, policy, day, force=True, mail=mail_setup_or_fail(), book=book
            ).as_dict()
    bank = settings().bank
    money_in = {"rates": rates, "statement": import_statement(
        engine, day, workdir, seed, BankRules(bank.auto_apply_confidence,
                                              bank.charges_tolerance), book)}
    if as_json:
        emit_json({"demo": result, "cycle": summary, "users": users, "money_in": money_in})
        return
    table(
        f"demo portfolio as of {day} (seed {seed})",
        ["", "value"],
        [
            [k.replace("_", " "), money(v) if "balance" in k else v]
            for k, v in result.items()
            if k not in ("disputed", "files")
        ],
    )
    if summary:
        console.print(
            f"cycle {day}: {summary['stage_moves']} stage moves, "
            f"{summary['warnings_opened']} warnings opened, "
            f"{summary['tasks_opened']} tasks opened."
        )
    statement = money_in["statement"]
    console.print(
        f"bank statement {statement['file']}: {statement['lines']} credits, "
        f"{statement['applied']} applied at once, {statement['proposed']} proposed and "
        f"{statement['unmatched']} unmatched waiting on /bank (arflow bank lines); "
        f"{rates} exchange rates."
    )
    console.print(
        "next: arflow receivables --stage escalated | arflow warnings | arflow show <invoice>"
    )
    console.print(
        f"web: `arflow serve`, then http://127.0.0.1:8000 - demo users {', '.join(users)} "
        f"(password {DEMO_PASSWORD!r}; demo only)"
    )
