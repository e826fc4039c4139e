"""Cash application: bank statement lines in, matched to invoices, applied as payments.

INTERFACE (written first so the CLI, the API and the web page can be built beside the
implementation; the implementation keeps these names, fields and refusals).

- import_statement: read a file (ledger/bank_files: camt.053, MT940, bank CSV/XLSX with a
  mapping), store its credit lines once (fingerprint), propose matches for the new lines
  (engine/bank_match.propose over ledger's Book), apply at once every line whose best
  option reaches ``rules.auto_apply_confidence``; the rest wait as ``proposed`` (or
  ``unmatched`` when nothing points anywhere).
- apply_line: a person applies a line: ``option`` (confirm a proposal), or ``splits``
  (their own invoices and amounts, e.g. one transfer over two invoices), or
  ``credit_customer`` (leave it as unapplied credit on a customer). The line becomes a
  payment (reference ``BANK-<id>``, the line's date and currency; a shortfall within
  the tolerance as a second payment of kind ``bank_charges``) settled through the same
  path as every payment (workflows/actions.settle_touched: paid invoices settle, their
  reminders are withdrawn, warnings close, the worklist re-ranks); the payer's account
  and name are learned as aliases of the customer; audited ``bank_applied``.
- unapply_line: reverse it (payments and allocations removed, invoices reopened, the
  proposals back, the payer aliases this line taught lose its hit, and go when none is
  left), audited ``bank_unapplied``.

Refusals (workflows/errors.py): NotFound (no such line / invoice / customer), Invalid
(an amount that is not the line's, an invoice in another currency or of a closed
receivable, splits that add up to more than the line, ``field`` named), Refused (a line
already applied, or not applied when unapplying; ``balance_changed`` when another payment
of the same invoice committed while this one waited for its lock; ``reference_taken``
when a payment already holds ``BANK-<id>``; ``import_conflict`` when another import of the
same lines finished first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.bank_match import Proposal, StatementLine, propose
from engine.payer_names import normalize_name
from engine.stages import ACTIVE_STAGES
from ledger import bank_store as store
from ledger.allocation import Allocator
from ledger.audit import AuditEntry, write_audit
from ledger.bank_book import LedgerBook, account_key
from ledger.bank_files import fingerprints, read_statement
from ledger.db import IntegrityError, Session
from ledger.importers.source import Mapping
from ledger.reads import bank as reads
from workflows.actions import settle_touched
from workflows.errors import Invalid, NotFound, Refused

FORMATS = ("camt053", "mt940", "csv")  # csv: a bank's CSV or XLSX export with a mapping
STATUSES = ("unmatched", "proposed", "applied")
MANUAL_OPTION = 0  # the option number of shares a person chose (splits, credit)
ZERO = Decimal("0")


@dataclass(frozen=True)
class BankRules:
    """The settings' ``bank`` section, as the workflow needs it."""

    auto_apply_confidence: Decimal = Decimal("0.90")
    charges_tolerance: Decimal = Decimal("50.00")


@dataclass(frozen=True)
class Split:
    """One share of a line a person applies: ``amount`` to ``invoice`` (None: as much of
    the line as the invoice's balance takes)."""

    invoice: str
    amount: Decimal | None = None


@dataclass
class ImportSummary:
    file: str
    format: str
    lines: int = 0  # credit lines read
    debits_skipped: int = 0
    inserted: int = 0
    duplicates: int = 0  # lines already stored (a re-import, an overlapping statement)
    applied: int = 0  # applied at once (confidence at or above the threshold)
    proposed: int = 0
    unmatched: int = 0
    line_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "format": self.format, "lines": self.lines,
                "debits_skipped": self.debits_skipped, "inserted": self.inserted,
                "duplicates": self.duplicates, "applied": self.applied,
                "proposed": self.proposed, "unmatched": self.unmatched}


@dataclass(frozen=True)
class _Share:
    receivable_id: int
    amount: Decimal  # of the line's money
    charges: Decimal  # the invoice's shortfall taken as bank charges


@dataclass(frozen=True)
class _Plan:
    """How one line is applied: to whom, which shares, from which option (None: a
    person's own shares)."""

    line: store.LineFacts
    customer_id: int
    shares: tuple[_Share, ...]
    option: int | None

    @property
    def charges(self) -> Decimal:
        return sum((s.charges for s in self.shares), ZERO)

    @property
    def credit(self) -> Decimal:
        return self.line.amount - sum((s.amount for s in self.shares), ZERO)


def import_statement(
    session: Session, path: Path, fmt: str | None, *, today: date, actor: str,
    rules: BankRules, mapping: Path | None = None, encoding: str | None = None,
    sheet: str | None = None, book_currency: str = "CNY",
) -> ImportSummary:
    """Read, store once, propose, auto-apply. A bad file is refused whole (ImportFailed /
    SourceError from ledger/importers, each error FILE:ROW or FILE:CELL), nothing written.
    ``book_currency``: the currency of a bank export's lines when it has no currency
    column."""
    loaded = Mapping.load(mapping) if mapping is not None else None
    statement = read_statement(path, fmt, loaded, encoding, sheet, book_currency)
    summary = ImportSummary(file=str(path), format=statement.format,
                            lines=len(statement.lines), debits_skipped=statement.debits_skipped)
    prints = fingerprints(statement.lines)
    stored = store.existing_fingerprints(session, prints)
    rows: list[dict[str, Any]] = []
    for line, fingerprint in zip(statement.lines, prints, strict=True):
        if fingerprint in stored:
            summary.duplicates += 1
            continue
        stored.add(fingerprint)  # the same bank reference twice in one file: once
        rows.append({"fingerprint": fingerprint, "account": line.account,
                     "bank_ref": line.bank_ref, "imported_on": today, "applied_on": None,
                     "date": line.date, "amount": line.amount, "currency": line.currency,
                     "payer_name": line.payer_name, "payer_account": line.payer_account,
                     "text": line.text, "status": "unmatched", "customer_id": None,
                     "charges": ZERO, "source_file": path.name[:255], "applied_by": ""})
    try:
        ids = store.insert_lines(session, rows)
    except IntegrityError as exc:
        if "fingerprint" not in str(exc.orig):
            raise
        raise Refused(f"{path.name}: another import of the same lines finished first; "
                      "nothing was written: import it again (the lines stored are skipped)",
                      code="import_conflict") from None
    summary.inserted = len(rows)
    summary.line_ids = [ids[r["fingerprint"]] for r in rows]
    best = _propose(session, [StatementLine(
        id=ids[r["fingerprint"]], date=r["date"], amount=r["amount"], currency=r["currency"],
        payer_name=r["payer_name"], payer_account=r["payer_account"], text=r["text"])
        for r in rows], rules)
    sure = [lid for lid, confidence in best.items()
            if confidence is not None and confidence >= rules.auto_apply_confidence]
    applied = _apply_options(session, sure, today, actor) if sure else set()
    summary.applied = len(applied)
    summary.proposed = sum(1 for lid, c in best.items() if c is not None and lid not in applied)
    summary.unmatched = sum(1 for c in best.values() if c is None)
    write_audit(session, [AuditEntry(today, actor, "bank_imported", "bank_statement", None,
                                     path.name, details=summary.as_dict())])
    return summary


def _propose(session: Session, statement_lines: list[StatementLine], rules: BankRules
             ) -> dict[int, Decimal | None]:
    """Store the matcher's proposals for new lines and set their status; return each
    line's best option's confidence (None: no proposal)."""
    book = LedgerBook(session, statement_lines)
    rows: list[dict[str, Any]] = []
    best: dict[int, Decimal | None] = {}
    for line in statement_lines:
        proposals = propose(line, book, rules.charges_tolerance)
        rows.extend(_match_row(line.id, p) for p in proposals)
        first = [p.confidence for p in proposals if p.option == proposals[0].option] \
            if proposals else []
        best[line.id] = min(first) if first else None
    store.insert_matches(session, rows)
    store.set_statuses(session, {lid: "proposed" for lid, c in best.items()
                                 if c is not None})  # stored unmatched
    return best


def _match_row(line_id: int, p: Proposal, state: str = "proposed") -> dict[str, Any]:
    return {"line_id": line_id, "option": p.option, "customer_id": p.customer_id,
            "receivable_id": p.receivable_id, "amount": p.amount, "charges": p.charges,
            "confidence": p.confidence, "reason": p.reason,
            "details": {"key": p.reason_key, "params": _plain(p.reason_params)},
            "state": state}


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Reason parameters as JSON keeps them (amounts as strings)."""
    return {k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in params.items()}


def _apply_options(session: Session, line_ids: Sequence[int], today: date, actor: str
                   ) -> set[int]:
    """Apply option 1 of each line (at import); a line whose option no longer fits
    (another line of the batch took the invoice first) stays proposed."""
    lines = store.lines_by_id(session, line_ids)
    matches = store.matches_of(session, line_ids)
    plans = [_option_plan(lines[lid], matches.get(lid, []), 1) for lid in line_ids]
    fitting = _fitting(session, [p for p in plans if p is not None])
    _apply(session, fitting, today, actor)
    return {p.line.id or 0 for p in fitting}


def _option_plan(line: store.LineFacts, matches: list[store.MatchFacts], option: int
                 ) -> _Plan | None:
    chosen = [m for m in matches if m.option == option and m.state == "proposed"]
    customers = {m.customer_id for m in chosen if m.customer_id is not None}
    if not chosen or len(customers) != 1:
        return None
    shares = tuple(_Share(m.receivable_id, m.amount, m.charges) for m in chosen
                   if m.receivable_id is not None and m.amount > 0)
    return _Plan(line, customers.pop(), shares, option)


def _fitting(session: Session, plans: list[_Plan]) -> list[_Plan]:
    """The plans whose shares still fit their invoices (open, same currency, balance
    enough), taken in order so two lines never pay one balance twice. The invoices are
    locked before their balances are read: a person paying one of them at this moment
    is either seen here or waits for this import. A line whose payment reference is
    taken (a payments file used ``BANK-<n>``) waits for a person."""
    invoices = store.lock_invoices(session, {s.receivable_id for p in plans for s in p.shares})
    taken = store.references_taken(session, [r for p in plans for r in _references(p)])
    left = {i.id: i.balance for i in invoices.values()}
    fitting = []
    for plan in plans:
        if taken.isdisjoint(_references(plan)) and _problem(plan, invoices, left) is None:
            for share in plan.shares:
                left[share.receivable_id] -= share.amount + share.charges
            fitting.append(plan)
    return fitting


def _problem(plan: _Plan, invoices: dict[int, store.InvoiceState],
             left: dict[int, Decimal]) -> Invalid | None:
    """Why a plan cannot be applied (an Invalid naming the field), else None."""
    line = plan.line
    total = ZERO
    for share in plan.shares:
        invoice = invoices.get(share.receivable_id)
        if invoice is None:
            return Invalid(f"no receivable #{share.receivable_id}", field="invoice")
        if invoice.stage not in ACTIVE_STAGES:
            return Invalid(f"{invoice.number} is not open ({invoice.stage})", field="invoice")
        if invoice.currency != line.currency:
            return Invalid(f"{invoice.number} is in {invoice.currency}, the line in "
                           f"{line.currency}", field="invoice")
        if invoice.customer_id != plan.customer_id:
            return Invalid(f"{invoice.number} belongs to another customer", field="invoice")
        if share.amount <= 0:
            return Invalid(f"the amount to {invoice.number} must be more than 0, got "
                           f"{share.amount:,.2f}", field="amount")
        if share.amount + share.charges > left[invoice.id]:
            return Invalid(f"{share.amount + share.charges:,.2f} is over the balance of "
                           f"{invoice.number}, {left[invoice.id]:,.2f} {invoice.currency}",
                           field="amount")
        total += share.amount
    if total > line.amount:
        return Invalid(f"the shares add up to {total:,.2f}, more than the line's "
                       f"{line.amount:,.2f} {line.currency}", field="amount")
    return None


def _references(plan: _Plan) -> list[str]:
    """The payment references applying ``plan`` writes."""
    main = f"BANK-{plan.line.id}"
    return [main, f"{main}-FEE"] if plan.charges > 0 else [main]


def _apply(session: Session, plans: list[_Plan], today: date, actor: str) -> None:
    """Payments, allocations, settlement, aliases, matches, lines and audit for ``plans``
    (checked by the caller against locked invoices), in bulk."""
    if not plans:
        return
    payment_rows = []
    for plan in plans:
        line = plan.line
        payment_rows.append(_payment(line, plan.customer_id, f"BANK-{line.id}", line.amount,
                                     "payment"))
        if plan.charges > 0:
            payment_rows.append(_payment(line, plan.customer_id, f"BANK-{line.id}-FEE",
                                         plan.charges, "bank_charges"))
    try:
        payments = store.insert_payments(session, payment_rows)
    except IntegrityError as exc:  # written by someone else since the check
        if "reference" not in str(exc.orig):
            raise
        raise Refused("a payment with the reference of this bank line was written at the "
                      "same moment; nothing was applied", code="reference_taken") from None
    allocator = Allocator.for_receivables(session, {s.receivable_id for p in plans
                                                    for s in p.shares})
    try:
        for plan in plans:
            line = plan.line
            allocator.apply_shares(payments[f"BANK-{line.id}"], line.amount,
                                   [(s.receivable_id, s.amount) for s in plan.shares],
                                   line.date)
            if plan.charges > 0:
                allocator.apply_shares(payments[f"BANK-{line.id}-FEE"], plan.charges,
                                       [(s.receivable_id, s.charges) for s in plan.shares
                                        if s.charges > 0], line.date)
    except ValueError as exc:  # never after the checks under lock; a refusal if it were
        raise Refused(f"an invoice changed while this was being applied ({exc}); nothing "
                      "was applied: look at the line again", code="balance_changed",
                      field="invoice") from None
    settle_touched(session, allocator.flush(), today, actor)
    store.learn_aliases(session, [alias for plan in plans for alias in _aliases(plan)], today)
    manual = [plan for plan in plans if plan.option is None]
    store.insert_matches(session, [row for plan in manual for row in _manual_rows(plan, actor)])
    store.settle_matches(session, [(plan.line.id or 0, MANUAL_OPTION if plan.option is None
                                    else plan.option) for plan in plans])
    store.mark_applied(session, [store.LineApplied(p.line.id or 0, p.customer_id, p.charges,
                                                   today, actor) for p in plans])
    _audit_applied(session, plans, today, actor)


def _payment(line: store.LineFacts, customer_id: int, reference: str, amount: Decimal, kind: str
             ) -> dict[str, Any]:
    return {"reference": reference, "customer_id": customer_id, "date": line.date,
            "amount": amount, "unapplied": ZERO, "invoice_number": None, "kind": kind,
            "order_id": None, "currency": line.currency, "bank_line_id": line.id}


def _aliases(plan: _Plan) -> list[tuple[str, str, int]]:
    """The payer's account and normalised name, now known to be the customer's."""
    line = plan.line
    found = []
    if account_key(line.payer_account):
        found.append(("account", account_key(line.payer_account)[:200], plan.customer_id))
    if normalize_name(line.payer_name):
        found.append(("name", normalize_name(line.payer_name)[:200], plan.customer_id))
    return found


def _manual_rows(plan: _Plan, actor: str) -> list[dict[str, Any]]:
    """A person's own shares, stored as one applied option (the credit left as a share
    without an invoice) so the line shows what was done."""
    rows = [{"receivable_id": s.receivable_id, "amount": s.amount, "charges": s.charges}
            for s in plan.shares]
    if plan.credit > 0 or not rows:
        rows.append({"receivable_id": None, "amount": plan.credit, "charges": ZERO})
    return [{"line_id": plan.line.id, "option": MANUAL_OPTION, "customer_id": plan.customer_id,
             "confidence": Decimal("1"), "reason": f"applied by {actor}",
             "details": {"key": "manual", "params": {"actor": actor}}, "state": "applied",
             **row} for row in rows]


def _audit_applied(session: Session, plans: list[_Plan], today: date, actor: str) -> None:
    numbers = store.invoices_by_id(session, {s.receivable_id for p in plans for s in p.shares})
    codes = store.customer_codes(session, {p.customer_id for p in plans})
    write_audit(session, [AuditEntry(
        today, actor, "bank_applied", "bank_line", plan.line.id, f"BANK-{plan.line.id}",
        details={"customer": codes.get(plan.customer_id),
                 "option": plan.option, "manual": plan.option is None,
                 "shares": [{"invoice": numbers[s.receivable_id].number,
                             "amount": str(s.amount), "charges": str(s.charges)}
                            for s in plan.shares],
                 "charges": str(plan.charges), "credit": str(plan.credit),
                 "amount": str(plan.line.amount), "currency": plan.line.currency})
        for plan in plans])


def apply_line(
    session: Session, line_id: int, *, today: date, actor: str, rules: BankRules,
    option: int | None = None, splits: list[Split] | None = None,
    credit_customer: str | None = None,
) -> dict[str, Any]:
    """Apply a line one way (exactly one of option / splits / credit_customer); return the
    line as `arflow bank lines --json` shows it."""
    ways = sum(x is not None for x in (option, splits, credit_customer))
    if ways != 1:
        raise Invalid("apply a line one way: an option, invoices (splits) or credit to a "
                      "customer", field="option")
    line = _line(session, line_id)
    if line.status == "applied":
        raise Refused(f"bank line {line_id} is already applied (unapply it first)",
                      code="already_applied")
    if option is not None:
        plan = _option_plan(line, store.matches_of(session, [line_id]).get(line_id, []),
                            option)
        if plan is None:
            raise Invalid(f"bank line {line_id} has no option {option}", field="option")
    elif credit_customer is not None:
        customer = store.customer_by_code(session, credit_customer)
        if customer is None:
            raise NotFound(f"no customer {credit_customer!r}")
        plan = _Plan(line, customer[0], (), None)
    else:
        plan = _split_plan(session, line, splits or [], rules)
    _check_locked(session, plan)
    taken = sorted(store.references_taken(session, _references(plan)))
    if taken:
        raise Refused(f"a payment {taken[0]} already exists (not from bank line {line_id}, "
                      "e.g. from a payments file): rename that payment's reference first",
                      code="reference_taken")
    _apply(session, [plan], today, actor)
    return _shown(session, line_id)


def _check_locked(session: Session, plan: _Plan) -> None:
    """Check the plan against its invoices as they are once locked. What was read before
    the lock (the plan's view) may be stale: another payment of the same invoice that
    committed meanwhile makes it a ``balance_changed`` refusal, not a second payment of
    one balance."""
    ids = {s.receivable_id for s in plan.shares}
    seen = store.invoices_by_id(session, ids)
    invoices = store.lock_invoices(session, ids)
    problem = _problem(plan, invoices, {i.id: i.balance for i in invoices.values()})
    if problem is None:
        return
    changed = [invoices[i] for i in sorted(ids) if i in invoices and seen.get(i) != invoices[i]]
    if changed:
        now = changed[0]
        raise Refused(f"{now.number} changed while this was being applied (now "
                      f"{now.balance:,.2f} {now.currency}, {now.stage}): nothing was "
                      "applied, look at it again", code="balance_changed", field="invoice")
    raise problem


def _split_plan(session: Session, line: store.LineFacts, splits: list[Split], rules: BankRules
                ) -> _Plan:
    """A person's invoices and amounts; one invoice without an amount takes as much of
    the line as its balance (a shortfall within the tolerance taken as bank charges)."""
    if not splits:
        raise Invalid("name at least one invoice", field="invoice")
    invoices = store.invoices_by_number(session, [s.invoice for s in splits])
    shares = []
    seen: set[str] = set()
    left = line.amount
    for split in splits:
        invoice = invoices.get(split.invoice)
        if invoice is None:
            raise NotFound(f"no receivable {split.invoice!r}")
        if split.invoice in seen:
            raise Invalid(f"{split.invoice} is named twice", field="invoice")
        seen.add(split.invoice)
        amount, charges = split.amount, ZERO
        if amount is None:
            amount = min(left, invoice.balance)
            short = invoice.balance - amount
            if len(splits) == 1 and 0 < short <= rules.charges_tolerance:
                charges = short
        if amount <= 0 and (split.amount is not None or invoice.stage in ACTIVE_STAGES):
            raise Invalid(f"the amount to {invoice.number} must be more than 0, got "
                          f"{amount:,.2f}", field="amount")
        left -= amount
        shares.append(_Share(invoice.id, amount, charges))
    customers = {invoices[s.invoice].customer_id for s in splits}
    if len(customers) != 1:
        raise Invalid("the invoices belong to different customers: one line pays one "
                      "customer", field="invoice")
    return _Plan(line, customers.pop(), tuple(shares), None)


def unapply_line(session: Session, line_id: int, *, today: date, actor: str) -> dict[str, Any]:
    """Reverse an applied line; return it as `arflow bank lines --json` shows it."""
    line = _line(session, line_id)
    if line.status != "applied":
        raise Refused(f"bank line {line_id} is not applied", code="not_applied")
    payments = store.payments_of_line(session, line_id)
    # the invoices it paid, locked in id order as an apply locks them: no deadlock between
    # an unapply and an apply of lines sharing invoices
    store.lock_invoices(session, store.receivables_paid_by(session, [p for p, _ in payments]))
    allocator = Allocator.for_customers(session, {cid for _, cid in payments})
    for payment_id, _ in payments:
        allocator.reverse(payment_id)
    touched = allocator.flush()
    store.delete_payments(session, [pid for pid, _ in payments])
    settle_touched(session, touched, today, actor)
    remaining = store.reopen_matches(session, line_id, MANUAL_OPTION)
    forgotten = (store.forget_aliases(session, _aliases(_Plan(line, line.customer_id, (),
                                                              None)))
                 if line.customer_id is not None else [])
    was = {"customer_id": line.customer_id, "charges": str(line.charges),
           "applied_on": line.applied_on.isoformat() if line.applied_on else None,
           "applied_by": line.applied_by,
           "aliases": [{"kind": a.kind, "value": a.value, "hits": a.hits,
                        "deleted": a.deleted} for a in forgotten]}
    store.mark_unapplied(session, line_id, "proposed" if remaining else "unmatched")
    write_audit(session, [AuditEntry(today, actor, "bank_unapplied", "bank_line", line_id,
                                     f"BANK-{line_id}",
                                     details={**was, "payments": [p for p, _ in payments],
                                              "receivables": sorted(touched)})])
    return _shown(session, line_id)


def _line(session: Session, line_id: int) -> store.LineFacts:
    line = store.get_line(session, line_id, lock=True)
    if line is None:
        raise NotFound(f"no bank line {line_id}")
    return line


def _shown(session: Session, line_id: int) -> dict[str, Any]:
    session.expire_all()
    row = reads.one(session, line_id)
    assert row is not None
    return row.as_dict()
