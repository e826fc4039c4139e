"""`arflow credit ...` and `arflow customer show`: reviews, overrides, guarantees, the file."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import typer

from arflow.cli.context import (
    actor,
    fail,
    load_policy_or_fail,
    options_named,
    parse_day,
    run_in_session,
    settings,
    today,
)
from arflow.cli.output import console, emit_json, money, table
from ledger.money import parse_money

credit_app = typer.Typer(help="Credit reviews, limit overrides and guarantees.",
                         no_args_is_help=True)
customer_app = typer.Typer(help="The customer's credit file.", no_args_is_help=True)


def _amount(value: str, option: str) -> Decimal:
    """An amount as typed (ledger.money.parse_money); its sign is the workflow's to judge."""
    try:
        return parse_money(value, allow_negative=True)
    except ValueError as exc:
        fail(f"{option}: {exc}")


def _run(action: Callable[..., Any], **kwargs: Any) -> Any:
    """One transaction; a refusal (unknown customer, bad value) is one line and exit 2."""
    return run_in_session(
        lambda session: action(session, **kwargs),
        options_named("limit", "until", "reason", "amount", "kind", "currency", "expires"),
    )


def _arrow(old: Any, new: Any, fmt: Callable[[Any], str] = str) -> str:
    left = "" if old is None else fmt(old)
    right = "" if new is None else fmt(new)
    return right if left == right else f"{left or '-'} → {right or '-'}"


@credit_app.command("review")
def review_command(
    customer: str | None = typer.Option(None, "--customer", help="One customer's code."),
    as_of: str | None = typer.Option(None, "--as-of", help="Review as of this day."),
    apply_: bool = typer.Option(False, "--apply", help="Write the changes (audited)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Score customers from their payment history and propose (or --apply) new terms."""
    from workflows import credit

    day = parse_day(as_of, "--as-of") or today()
    policy = load_policy_or_fail(None)
    if policy.credit is None:
        fail("the policy has no credit section: nothing to score by")
    if apply_:
        result = _run(credit.apply, policy=policy, as_of=day, customer=customer,
                      actor="scorecard", book=settings().book_currency)
        proposals = result.proposals
    else:
        proposals = _run(credit.review, policy=policy, as_of=day, customer=customer,
                         book=settings().book_currency)
    if as_json:
        emit_json([p.as_dict() for p in proposals])
        return
    _print_review(proposals, detail=customer is not None, applied=apply_)
    if apply_:
        console.print(f"{result.reviewed} reviewed, {result.changed} changed, "
                      f"{result.tasks} review tasks opened (as of {day})")


def _print_review(proposals: list[Any], detail: bool, applied: bool) -> None:
    changed = [p for p in proposals if p.changes]
    title = "Credit review: " + ("changes written" if applied else "proposed changes")
    rows = (
        (p.code, _arrow(p.old["rating"], p.rating), _arrow(p.old["score"], p.score, money),
         _arrow(p.old["credit_limit"], p.credit_limit, money),
         _arrow(p.old["payment_terms_days"], p.payment_terms_days),
         _arrow(p.old["prepayment_ratio"], p.prepayment_ratio, _ratio),
         "expired: cleared" if any(c["field"] == "limit_override" for c in p.changes) else "")
        for p in (proposals if detail else changed)
    )
    table(title, ("customer", "rating", "score", "limit", "terms days", "prepay", "override"),
          rows, right=("score", "limit", "terms days", "prepay"))
    if not detail:
        console.print(f"{len(changed)} of {len(proposals)} customers change")
        return
    for p in proposals:
        table(f"{p.code}: score {p.score} → {p.rating}", ("factor", "value", "points", "weight"),
              ((name, "" if f["value"] is None else f["value"], f["points"], f["weight"])
               for name, f in p.factors.items()), right=("value", "points", "weight"))


def _ratio(value: Decimal) -> str:
    return f"{value.normalize():f}"


@credit_app.command("override")
def override_command(
    customer: str = typer.Argument(..., help="Customer code."),
    limit: str | None = typer.Option(None, "--limit", help="The credit limit to hold."),
    reason: str | None = typer.Option(None, "--reason", help="Why (kept in the history)."),
    until: str | None = typer.Option(None, "--until", help="Last day the override holds."),
    clear: bool = typer.Option(False, "--clear", help="Drop the override."),
) -> None:
    """Set a credit limit by hand that wins over the scorecard until a day (or --clear it)."""
    from workflows import credit

    if clear:
        if limit is not None or until is not None:
            fail("--clear takes no --limit or --until")
        _run(credit.clear_override, code=customer, on_date=today(), actor=actor())
        console.print(f"{customer}: limit override cleared; the next review sets the limit")
        return
    if limit is None or reason is None or until is None:
        fail("give --limit, --reason and --until (or --clear)")
    amount = _amount(limit, "--limit")
    day = parse_day(until, "--until")
    _run(credit.set_override, code=customer, limit=amount, reason=reason, until=day,
         on_date=today(), actor=actor())
    console.print(f"{customer}: credit limit {money(amount)} until {day} ({reason})")


@credit_app.command("guarantee")
def guarantee_command(
    customer: str = typer.Argument(..., help="Customer code."),
    kind: str = typer.Option(..., "--kind", help="bank, parent, deposit …"),
    amount: str = typer.Option(..., "--amount", help="Amount guaranteed."),
    currency: str = typer.Option("CNY", "--currency", help="ISO currency code."),
    expires: str | None = typer.Option(None, "--expires", help="Expiry day."),
    note: str = typer.Option("", "--note", help="Free text."),
) -> None:
    """Record a guarantee (security) for a customer's credit."""
    from workflows import credit

    value = _amount(amount, "--amount")
    day = parse_day(expires, "--expires")
    _run(credit.add_guarantee, code=customer, kind=kind, amount=value, currency=currency,
         expires=day, note=note, on_date=today(), actor=actor())
    console.print(f"{customer}: {kind} guarantee of {money(value)} {currency.upper()} recorded")


@customer_app.command("show")
def show_command(
    customer: str = typer.Argument(..., help="Customer code."),
    as_of: str | None = typer.Option(None, "--as-of", help="Balances as of this day."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """The credit file: rating and why, limit, exposure, orders, security, history."""
    from workflows import credit

    day = parse_day(as_of, "--as-of") or today()
    file = _run(credit.credit_file, code=customer, as_of=day,
                book_currency=settings().book_currency)
    if as_json:
        emit_json(file)
        return
    _print_file(file)


def _in_book(f: dict[str, Any]) -> str:
    """``CNY`` or ``CNY (USD converted at 7.10 on 2026-11-27)``."""
    return (f["exposure_conversion"] or {}).get("note") or f["exposure_currency"]


def _print_file(f: dict[str, Any]) -> None:
    override = ""
    if f["limit_override"] is not None:
        override = (f" (override {money(f['limit_override'])} until {f['override_until']}: "
                    f"{f['override_reason']})")
    utilisation = "" if f["utilisation"] is None else f"{f['utilisation'] * 100:.1f}%"
    lines = [
        f"{f['code']} {f['name']}  collector: {f['collector'] or '-'}",
        f"rating {f['rating'] or '-'}  score {f['score'] if f['score'] is not None else '-'}"
        f"  rated on {f['rated_on'] or '-'}",
        f"credit limit {money(f['credit_limit']) or '-'}{override}  "
        f"terms {f['payment_terms_days'] if f['payment_terms_days'] is not None else '-'} days"
        f"  prepayment {_ratio(f['prepayment_ratio'])}",
        f"exposure {money(f['exposure'])} {_in_book(f)}  utilisation {utilisation or '-'}  "
        f"insured limit {money(f['insured_limit']) or '-'}",
        f"open balance {money(f['open_balance'])}  overdue {money(f['overdue_balance'])}  "
        f"open orders {f['open_orders']} ({money(f['open_orders_amount'])})  "
        f"unapplied credit {money(f['unapplied_credit'])}",
    ]
    for line in lines:
        console.print(line, markup=False)
    if f["factors"]:
        table("Last review", ("factor", "value", "points", "weight"),
              ((k, v["value"] or "", v["points"], v["weight"]) for k, v in f["factors"].items()),
              right=("value", "points", "weight"))
    if f["guarantees"]:
        table("Guarantees", ("kind", "amount", "currency", "expires", ""),
              ((g["kind"], money(g["amount"]), g["currency"], g["expires_on"] or "",
                "expired" if g["expired"] else "") for g in f["guarantees"]), right=("amount",))
    if f["prepayments"]:
        table("Unapplied prepayments", ("reference", "order", "date", "unapplied", "age (days)"),
              ((p["reference"], p["order"] or "", p["date"], money(p["unapplied"]),
                p["age_days"]) for p in f["prepayments"]), right=("unapplied", "age (days)"))
    table("History", ("date", "actor", "field", "old", "new", "reason"),
          ((h["on_date"], h["actor"], h["field"], h["old"], h["new"], h["reason"])
           for h in f["history"]))
