"""Looking: `arflow customers`, `receivables`, `show INVOICE`, `warnings` (all with --json)."""

from __future__ import annotations

from typing import Any

import typer

from arflow.cli.context import database, fail, load_policy_or_fail, parse_day, settings, today
from arflow.cli.output import console, emit_json, money, table

JSON = typer.Option(False, "--json", help="Print a JSON array for scripts.")


def customers_command(as_json: bool = JSON) -> None:
    """Customers with open balance and unapplied credit (advance receipts)."""
    from ledger.db import session_scope
    from ledger.reads import customers

    with session_scope(database()) as session:
        found, _ = customers.listing(session, today())
    rows = [
        {
            "code": c.code,
            "name": c.name,
            "segment": c.segment,
            "country": c.country,
            "language": c.language,
            "collector": c.collector,
            "rating": c.rating,
            "credit_limit": c.credit_limit,
            "open_receivables": c.sums.open_receivables,
            "open_balance": c.sums.open_balance,  # every currency added up
            "unapplied_credit": c.sums.unapplied_credit,
            "unapplied_credits": dict(c.sums.unapplied_by_currency),  # per currency
        }
        for c in found
    ]
    if as_json:
        emit_json(rows)
        return
    table(
        f"customers ({len(rows)})",
        ["code", "name", "segment", "collector", "limit", "open", "open balance", "unapplied"],
        [
            [
                r["code"],
                r["name"],
                r["segment"],
                r["collector"],
                money(r["credit_limit"]),
                r["open_receivables"],
                money(r["open_balance"]),
                money(r["unapplied_credit"]),
            ]
            for r in rows
        ],
        right=["limit", "open", "open balance", "unapplied"],
    )


def receivables_command(
    stage: str | None = typer.Option(None, "--stage", help="A stage, or 'open' for all open."),
    customer: str | None = typer.Option(None, "--customer", help="Customer code."),
    as_of: str | None = typer.Option(None, "--as-of", help="Day for days overdue."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many rows."),
    as_json: bool = JSON,
) -> None:
    """Receivables with stage, balance and days overdue."""
    from ledger.db import session_scope
    from ledger.reads import receivables
    from workflows.lifecycle import STATES

    if stage and stage not in (*STATES, "open"):
        fail(f"--stage: unknown stage {stage!r} (one of {', '.join(STATES)}, open)")
    day = parse_day(as_of, "--as-of") or today()
    with session_scope(database()) as session:
        found, _ = receivables.listing(session, day, stage=stage or None,
                                       customer=customer or None, limit=limit)
    rows = [
        {
            "number": r.number,
            "customer_code": r.customer_code,
            "issue_date": r.issue_date,
            "due_date": r.due_date,
            "amount": r.amount,
            "balance": r.balance,
            "currency": r.currency,
            "stage": r.stage,
            "held_stage": r.held_stage,
            "days_overdue": r.days_overdue,
        }
        for r in found
    ]
    if as_json:
        emit_json(rows)
        return
    table(
        f"receivables as of {day} ({len(rows)})",
        ["number", "customer", "due", "balance", "cur", "stage", "days overdue"],
        [
            [
                r["number"],
                r["customer_code"],
                r["due_date"],
                money(r["balance"]),
                r["currency"],
                r["stage"] + (f" ({r['held_stage']})" if r["held_stage"] else ""),
                r["days_overdue"],
            ]
            for r in rows
        ],
        right=["balance", "days overdue"],
    )


def warnings_command(
    level: str | None = typer.Option(None, "--level", help="yellow, orange or red."),
    include_closed: bool = typer.Option(False, "--all", help="Closed warnings too."),
    as_json: bool = JSON,
) -> None:
    """Open warnings (receivable and customer scope)."""
    from ledger.db import session_scope
    from ledger.reads import warnings

    with session_scope(database()) as session:
        found, _ = warnings.listing(session, level=level or None,
                                    is_open=None if include_closed else True,
                                    newest_first=False)
    rows = [
        {
            "id": w.id,
            "rule": w.rule_id,
            "level": w.level,
            "scope": w.scope,
            "subject": w.subject,
            "opened_on": w.opened_on,
            "closed_on": w.closed_on,
        }
        for w in found
    ]
    if as_json:
        emit_json(rows)
        return
    order = {"red": 0, "orange": 1, "yellow": 2}
    rows.sort(key=lambda r: (order.get(r["level"], 3), r["subject"]))
    table(
        f"warnings ({len(rows)})",
        ["level", "rule", "scope", "subject", "opened", "closed"],
        [
            [r["level"], r["rule"], r["scope"], r["subject"], r["opened_on"], r["closed_on"]]
            for r in rows
        ],
    )


def show_command(
    invoice: str = typer.Argument(..., help="Invoice number."),
    as_of: str | None = typer.Option(None, "--as-of", help="Day for the facts (default today)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """One receivable: its facts today, stage history, warnings, tasks and audit trail."""
    from ledger.db import session_scope
    from ledger.facts import customer_facts, receivable_facts, receivable_rows
    from ledger.reads import receivables, warnings

    day = parse_day(as_of, "--as-of") or today()
    with session_scope(database()) as session:
        rec = receivables.one(session, invoice, day)
        if rec is None:
            fail(f"no receivable {invoice!r}")
        story = {
            "receivable": rec,
            "history": receivables.stage_history(session, rec.id, order="recorded"),
            "warnings": warnings.of_receivable(session, rec.id),
            "tasks": receivables.tasks(session, rec.id),
            "audit": receivables.audit(session, rec.id),
        }
        facts: dict[str, Any] = {}
        for rows in receivable_rows(session, day, only=rec.id):
            customer = customer_facts(session, day,
                                      book=settings().book_currency)[rec.customer_id]
            facts = receivable_facts(rows[0], customer)
    fired = _fired(facts) if facts else []
    data = _story_dict(story, facts, fired, day)
    if as_json:
        emit_json(data)
        return
    _print_story(data)


def _fired(facts: dict[str, Any]) -> list[str]:
    from engine import RuleEngine

    policy = load_policy_or_fail(None)
    return RuleEngine.for_policy(policy).evaluate("receivable", [facts]).get(facts["id"], [])


def _story_dict(
    story: dict[str, Any], facts: dict[str, Any], fired: list[str], day: Any
) -> dict[str, Any]:
    rec = story["receivable"]
    return {
        "number": rec.number,
        "customer_code": rec.customer_code,
        "customer_name": rec.customer_name,
        "issue_date": rec.issue_date,
        "due_date": rec.due_date,
        "amount": rec.amount,
        "balance": rec.balance,
        "currency": rec.currency,
        "stage": rec.stage,
        "held_stage": rec.held_stage,
        "stage_since": rec.stage_since,
        "as_of": day,
        "facts": {k: v for k, v in facts.items() if k != "id"},
        "rules_holding": fired,
        "history": [
            {
                "on": h.on_date,
                "from": h.from_stage,
                "to": h.to_stage,
                "rule": h.rule_id,
                "actor": h.actor,
            }
            for h in story["history"]
        ],
        "warnings": [
            {
                "rule": w.rule_id,
                "level": w.level,
                "opened_on": w.opened_on,
                "closed_on": w.closed_on,
            }
            for w in story["warnings"]
        ],
        "tasks": [
            {
                "kind": t.kind,
                "status": t.status,
                "assignee": t.assignee,
                "due_date": t.due_date,
                "rule": t.rule_id,
            }
            for t in story["tasks"]
        ],
        "audit": [
            {
                "on": a.on_date,
                "actor": a.actor,
                "action": a.action,
                "rule": a.rule_id,
                "policy": a.policy_hash[:12],
                "details": a.details,
            }
            for a in story["audit"]
        ],
    }


def _print_story(data: dict[str, Any]) -> None:
    stage = data["stage"] + (f" (holding {data['held_stage']})" if data["held_stage"] else "")
    console.print(
        f"[bold]{data['number']}[/bold]  {data['customer_code']} "
        f"{data['customer_name']}\n"
        f"issued {data['issue_date']}, due {data['due_date']}, amount "
        f"{money(data['amount'])} {data['currency']}, balance "
        f"{money(data['balance'])}, stage {stage} since {data['stage_since']}"
    )
    if data["facts"]:
        table(
            f"facts as of {data['as_of']}",
            ["fact", "value"],
            [[k, v] for k, v in data["facts"].items()],
        )
        console.print("rules holding today: " + (", ".join(data["rules_holding"]) or "none"))
    table(
        "stage history",
        ["on", "from", "to", "rule", "by"],
        [[h["on"], h["from"], h["to"], h["rule"], h["actor"]] for h in data["history"]],
    )
    table(
        "warnings",
        ["rule", "level", "opened", "closed"],
        [[w["rule"], w["level"], w["opened_on"], w["closed_on"]] for w in data["warnings"]],
    )
    table(
        "tasks",
        ["kind", "status", "assignee", "due", "rule"],
        [[t["kind"], t["status"], t["assignee"], t["due_date"], t["rule"]] for t in data["tasks"]],
    )
    table(
        "audit trail",
        ["on", "actor", "action", "rule", "policy"],
        [[a["on"], a["actor"], a["action"], a["rule"], a["policy"]] for a in data["audit"]],
    )
