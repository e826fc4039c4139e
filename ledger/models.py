"""The tables. Money columns are ``Money`` (exact cents); table models do not validate,
so input is validated before it reaches them (see ledger/importers)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from datetime import date as _Date  # for tables with a column named ``date``
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlmodel import Field, SQLModel

from engine.invoice_numbers import KEY_LENGTH, number_key
from ledger.money import Fixed4, Fixed6, Money


def utcnow() -> datetime:
    """Metadata timestamps only; business dates always come from the caller's as_of."""
    return datetime.now(UTC)


def _money(nullable: bool = False, default: Decimal | None = None) -> Any:
    return Field(default=default, sa_column=Column(Money(), nullable=nullable, default=default))


def _stamp() -> Any:
    """Set by the database on bulk inserts (no per-row Python work), by Python on ORM adds."""
    return Field(
        default_factory=utcnow,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def _key_of_number(context: Any) -> str:
    """receivable.number_key on every insert path (ORM add, bulk insert, upsert)."""
    return number_key(context.get_current_parameters()["number"])


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Customer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    email: str = Field(default="", max_length=320)
    language: str = Field(default="zh-CN", max_length=8)
    segment: str = Field(default="", max_length=64)
    country: str = Field(default="CN", max_length=2)
    rating: str | None = Field(default=None, max_length=8)
    credit_limit: Decimal | None = _money(nullable=True)
    payment_terms_days: int | None = None
    collector: str | None = Field(default=None, max_length=64, index=True)
    reminders_paused: bool = False  # paused until reminders_paused_until, or until resumed
    reminders_paused_until: date | None = None
    pause_reason: str = Field(default="")
    # the credit file (issue 4): scorecard result, terms, cover, and a manual override
    score: Decimal | None = _money(nullable=True)  # 0..100, two decimals
    rated_on: date | None = None
    prepayment_ratio: Decimal = Field(
        default=Decimal("0"), sa_column=Column(Fixed4(), nullable=False, default=0)
    )
    insured_limit: Decimal | None = _money(nullable=True)
    limit_override: Decimal | None = _money(nullable=True)
    override_reason: str = Field(default="")
    override_until: date | None = None  # the override wins over the scorecard until then
    interest_waived: bool = Field(  # late-payment interest waived by a credit manager
        default=False, sa_column_kwargs={"server_default": text("false")})
    interest_waiver_reason: str | None = None
    created_at: datetime = _stamp()
    updated_at: datetime = _stamp()


class Guarantee(SQLModel, table=True):
    """Security for a customer's credit: bank guarantee, parent guarantee, deposit …"""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    kind: str = Field(max_length=32)
    amount: Decimal = _money()
    currency: str = Field(default="CNY", max_length=3)
    expires_on: date | None = None
    note: str = Field(default="")
    created_on: date


class CreditChange(SQLModel, table=True):
    """The credit file's history: every change of rating, limit, terms, cover, override."""

    __tablename__ = "credit_change"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    on_date: date
    actor: str = Field(max_length=64)  # "scorecard", "cli:li.na", …
    field_name: str = Field(max_length=32)
    old_value: str = Field(default="")
    new_value: str = Field(default="")
    reason: str = Field(default="")
    details: dict[str, Any] = _json()


class SalesOrder(SQLModel, table=True):
    """An order checked against credit; open orders count in exposure until invoiced."""

    __tablename__ = "sales_order"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True, index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    amount: Decimal = _money()
    currency: str = Field(default="CNY", max_length=3)
    # approved | prepay | held | rejected | invoiced | cancelled
    status: str = Field(max_length=16, index=True)
    decision: str = Field(max_length=16)  # what the checks decided when it was added
    fired: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    exposure_after: Decimal = _money()
    prepayment_amount: Decimal = _money(default=Decimal("0"))
    created_on: date
    decided_on: date | None = None
    decided_by: str = Field(default="", max_length=64)
    invoice_number: str | None = Field(default=None, max_length=64)
    note: str = Field(default="")


class Receivable(SQLModel, table=True):
    __table_args__ = (Index("ix_receivable_stage_due", "stage", "due_date"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True, index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    issue_date: date
    due_date: date
    amount: Decimal = _money()
    balance: Decimal = _money()
    currency: str = Field(default="CNY", max_length=3)
    stage: str = Field(default="current", max_length=16)
    stage_since: date
    resume_stage: str | None = Field(default=None, max_length=16)  # the stage a dispute holds
    created_at: datetime = _stamp()
    # the number's letters and digits (engine/invoice_numbers.py): what a bank transfer's
    # remittance text is matched on; set from ``number`` on insert
    number_key: str | None = Field(default=None, sa_column=Column(
        String(KEY_LENGTH), nullable=False, index=True, default=_key_of_number,
        server_default=""))
    updated_at: datetime = _stamp()


class Payment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=64, unique=True, index=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    date: date
    amount: Decimal = _money()
    unapplied: Decimal = _money(default=Decimal("0"))
    invoice_number: str | None = Field(default=None, max_length=64)
    kind: str = Field(default="payment", max_length=16)  # payment | prepayment | bank_charges
    order_id: int | None = Field(default=None, foreign_key="sales_order.id")
    currency: str = Field(default="CNY", max_length=3)  # allocation never crosses currencies
    # the bank line it came from (no foreign key, as migration 0010 explains)
    bank_line_id: int | None = Field(default=None, index=True)
    created_at: datetime = _stamp()


class FxRate(SQLModel, table=True):
    """How many units of the book currency one unit of ``currency`` was worth on a day;
    a figure on a day without a rate uses the latest rate before it."""

    __tablename__ = "fx_rate"
    __table_args__ = (UniqueConstraint("currency", "on_date", name="uq_fx_rate_day"),)

    id: int | None = Field(default=None, primary_key=True)
    on_date: date
    currency: str = Field(max_length=3)
    rate: Decimal = Field(sa_column=Column(Fixed6(), nullable=False))
    source: str = Field(default="", max_length=64)  # "rates.csv", "api:erp"
    created_at: datetime = _stamp()


class BankLine(SQLModel, table=True):
    """A credit on one of our bank statements: money in, waiting to be matched to invoices.

    ``fingerprint`` makes a line's import idempotent: the bank's own reference where the
    file has one, else the line's fields and its rank among identical lines of that day,
    so re-importing a statement or an overlapping one adds nothing.
    """

    __tablename__ = "bank_line"

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(max_length=64, unique=True, index=True)
    account: str = Field(default="", max_length=64)  # our account the statement is for
    bank_ref: str = Field(default="", max_length=128)
    imported_on: _Date
    applied_on: _Date | None = None
    date: _Date = Field(index=True)
    amount: Decimal = _money()
    currency: str = Field(default="CNY", max_length=3)
    payer_name: str = Field(default="", max_length=200)
    payer_account: str = Field(default="", max_length=64)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = Field(default="unmatched", max_length=16, index=True)  # see workflows/bank
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    charges: Decimal = _money(default=Decimal("0"))  # bank charges recorded when applied
    source_file: str = Field(default="", max_length=255)
    applied_by: str = Field(default="", max_length=64)
    created_at: datetime = _stamp()


class BankMatch(SQLModel, table=True):
    """A proposed or applied share of a bank line: ``amount`` to an invoice, or (no
    receivable) left as unapplied credit on the customer. Proposals of one ``option`` go
    together; option 1 is the best."""

    __tablename__ = "bank_match"

    id: int | None = Field(default=None, primary_key=True)
    line_id: int = Field(foreign_key="bank_line.id", index=True)
    option: int = Field(default=1)
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    receivable_id: int | None = Field(default=None, foreign_key="receivable.id", index=True)
    amount: Decimal = _money()
    charges: Decimal = _money(default=Decimal("0"))  # the short-payment taken as bank charges
    confidence: Decimal = Field(sa_column=Column(Fixed4(), nullable=False, default=0))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # the reason as data ({"key": …, "params": {…}}), so each reader sees it in its language
    details: dict[str, Any] = _json()
    state: str = Field(default="proposed", max_length=16)  # proposed|applied|rejected|reversed
    created_at: datetime = _stamp()


class PayerAlias(SQLModel, table=True):
    """A payer's bank account or name known to be a customer: learned from every confirmed
    match, so the next transfer from that account is recognised at once."""

    __tablename__ = "payer_alias"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_payer_alias"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # account | name
    value: str = Field(max_length=200)  # normalised (engine/payer_names.py for names)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    source: str = Field(default="confirmed", max_length=16)  # confirmed | manual
    hits: int = Field(default=1)
    last_seen: date


class Allocation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    receivable_id: int = Field(foreign_key="receivable.id", index=True)
    amount: Decimal = _money()


class StageChange(SQLModel, table=True):
    __tablename__ = "stage_change"

    id: int | None = Field(default=None, primary_key=True)
    receivable_id: int = Field(foreign_key="receivable.id", index=True)
    from_stage: str = Field(max_length=16)
    to_stage: str = Field(max_length=16)
    on_date: date
    rule_id: str = Field(max_length=128)
    policy_hash: str = Field(default="", max_length=64)
    actor: str = Field(default="cycle", max_length=64)
    created_at: datetime = _stamp()


class RiskWarning(SQLModel, table=True):
    __tablename__ = "warning"
    __table_args__ = (
        Index("ix_warning_open", "rule_id", "scope", "subject", "closed_on"),
        # at most one open warning per rule and subject, whatever races the cycle loses
        Index(
            "uq_warning_open",
            "rule_id",
            "scope",
            "subject",
            unique=True,
            sqlite_where=text("closed_on IS NULL"),
            postgresql_where=text("closed_on IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule_id: str = Field(max_length=128)
    level: str = Field(max_length=8)
    scope: str = Field(max_length=16)  # receivable | customer
    subject: str = Field(max_length=64)  # invoice number or customer code
    customer_id: int = Field(foreign_key="customer.id", index=True)
    receivable_id: int | None = Field(default=None, foreign_key="receivable.id", index=True)
    opened_on: date
    closed_on: date | None = None
    policy_hash: str = Field(default="", max_length=64)
    facts: dict[str, Any] = _json()


class Task(SQLModel, table=True):
    """Work for a person about a customer: a call, a hand-over to legal, a contact to fix.

    A task is about the customer's account; the receivables it concerns are linked in
    ``task_receivable`` (none for a task about the customer itself). At most one task of a
    kind is open per customer and assignee (``uq_task_open``)."""

    # covering the worklist: its counts (due today, overdue) and its ranking (at_risk,
    # overdue_since) read the index alone, never the scattered task rows (20 -> 5 ms)
    __table_args__ = (
        Index("ix_task_worklist", "status", "assignee", "due_date", "at_risk",
              "overdue_since", "receivable_stage", "kind", "id"),
        Index("uq_task_open", "customer_id", "kind", "assignee", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    status: str = Field(default="open", max_length=16, index=True)  # open | done | merged
    customer_id: int = Field(foreign_key="customer.id", index=True)
    assignee: str = Field(default="", max_length=64)
    due_date: date
    rule_id: str = Field(default="", max_length=128)
    policy_hash: str = Field(default="", max_length=64)
    created_on: date
    closed_on: date | None = None
    note: str = Field(default="")
    # what the worklist ranks by, kept by ledger/worklist.refresh_priorities (the cycle,
    # payments): balance at risk in cents and the day lateness counts from; None = not yet
    at_risk: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    overdue_since: date | None = None
    receivable_stage: str | None = Field(default=None, max_length=16)  # for the stage filter


class TaskReceivable(SQLModel, table=True):
    """A receivable a task is about. It leaves (``left_on``) when it is paid, disputed,
    promised or written off; a task with receivables closes when none is left."""

    __tablename__ = "task_receivable"
    __table_args__ = (Index("ix_task_receivable_receivable", "receivable_id", "left_on"),)

    task_id: int = Field(foreign_key="task.id", primary_key=True)
    receivable_id: int = Field(foreign_key="receivable.id", primary_key=True)
    added_on: date
    left_on: date | None = None
    left_reason: str = Field(default="", max_length=32)


class Contact(SQLModel, table=True):
    """A person at a customer: whom to call, and (``billing``) who receives reminders and
    statements."""

    __table_args__ = (UniqueConstraint("customer_id", "name", name="uq_contact_name"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    name: str = Field(max_length=200)
    role: str = Field(default="", max_length=64)
    phone: str = Field(default="", max_length=32)
    mobile: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=320)
    wechat: str = Field(default="", max_length=64)
    language: str = Field(default="", max_length=8)  # "": the customer's language
    billing: bool = False
    created_at: datetime = _stamp()
    updated_at: datetime = _stamp()


class PaymentPlan(SQLModel, table=True):
    """Instalments agreed with a customer: its ``promise`` rows (``plan_id``), chased like
    promises; one missed instalment breaks the plan."""

    __tablename__ = "payment_plan"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    status: str = Field(default="open", max_length=16)  # open | kept | broken | cancelled
    created_on: date
    created_by: str = Field(default="", max_length=64)
    closed_on: date | None = None
    note: str = Field(default="")


class Promise(SQLModel, table=True):
    """A promise to pay ``amount`` (None: the covered balance) by ``promised_date``: the
    customer's, covering the receivables in ``promise_receivable``; or one instalment of a
    payment plan (``plan_id``)."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    plan_id: int | None = Field(default=None, foreign_key="payment_plan.id", index=True)
    promised_date: date
    amount: Decimal | None = _money(nullable=True)
    balance_at_promise: Decimal | None = _money(nullable=True)  # to judge a partial promise
    status: str = Field(default="open", max_length=16)  # open | kept | broken | cancelled
    created_on: date
    broken_on: date | None = None


class PromiseReceivable(SQLModel, table=True):
    """A receivable a promise (or a plan's instalment) covers: its reminders wait."""

    __tablename__ = "promise_receivable"

    promise_id: int = Field(foreign_key="promise.id", primary_key=True)
    receivable_id: int = Field(foreign_key="receivable.id", primary_key=True, index=True)


class WriteOff(SQLModel, table=True):
    """Part or all of a balance given up: proposed by a collector, approved (or rejected)
    by a credit manager; approval takes the amount off the balance."""

    __tablename__ = "writeoff"

    id: int | None = Field(default=None, primary_key=True)
    receivable_id: int = Field(foreign_key="receivable.id", index=True)
    amount: Decimal = _money()
    reason: str = Field(default="")
    status: str = Field(default="proposed", max_length=16)  # proposed | approved | rejected
    proposed_by: str = Field(max_length=64)
    proposed_on: date
    decided_by: str = Field(default="", max_length=64)
    decided_on: date | None = None
    decision_note: str = Field(default="")
    created_at: datetime = _stamp()


class Activity(SQLModel, table=True):
    """The audit log: every change, who or which rule made it, and the facts it saw."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _stamp()
    on_date: date
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=16)  # receivable | customer | payment | policy
    entity_id: int | None = Field(default=None, index=True)
    subject: str = Field(default="", max_length=64)
    rule_id: str = Field(default="", max_length=128)
    policy_hash: str = Field(default="", max_length=64)
    details: dict[str, Any] = _json()


class Outbox(SQLModel, table=True):
    """Messages written by the cycle in its own transaction; a dispatcher sends them."""

    __table_args__ = (Index("ix_outbox_due", "status", "for_date"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    for_date: date
    template: str = Field(max_length=64)
    language: str = Field(max_length=8)
    to_addr: str = Field(default="", max_length=320)
    cc: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # pending | review (waits for a collector) | sending (claimed) | sent | failed | cancelled
    status: str = Field(default="pending", max_length=16, index=True)
    step: str = Field(default="", max_length=64)  # the furthest step: it picks the template
    subject: str = Field(default="")
    body_text: str = Field(default="")
    body_html: str = Field(default="")
    message_id: str = Field(default="", max_length=200)
    next_attempt_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True))
    )
    lease_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    claimed_by: str = Field(default="", max_length=64)
    items: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    attempts: int = 0
    last_error: str = Field(default="")
    # recipients done: address -> "accepted", or the 5xx reply that refused it; a recipient
    # not listed is still to be tried (a 4xx for it alone is retried for it alone)
    deliveries: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict)
    )
    created_at: datetime = _stamp()
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    # the customer's open receivables the message shows apart from its demand (no step)
    other_items: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )
    # what the dispatcher builds and attaches at send time: ["statement"] (a step's attach)
    attach: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, default=list)
    )


class Reminder(SQLModel, table=True):
    """One step of the sequence for one receivable: the unique key makes it go out once."""

    __table_args__ = (UniqueConstraint("receivable_id", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    receivable_id: int = Field(foreign_key="receivable.id", index=True)
    step: str = Field(max_length=64)
    for_date: date
    outbox_id: int | None = Field(default=None, foreign_key="outbox.id")
    # due the same day as a later step, which went out instead (does not count as sent)
    superseded: bool = False


class CycleRun(SQLModel, table=True):
    __tablename__ = "cycle_run"

    id: int | None = Field(default=None, primary_key=True)
    as_of: date = Field(index=True)
    policy_hash: str = Field(max_length=64)
    started_at: datetime = _stamp()
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    summary: dict[str, Any] = _json()


class PolicyVersion(SQLModel, table=True):
    __tablename__ = "policy_version"

    hash: str = Field(primary_key=True, max_length=64)
    files: dict[str, Any] = _json()
    first_used_on: date
    published_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    published_by: str = Field(default="", max_length=64)


class User(SQLModel, table=True):
    """A person who signs in to the web app: a collector, a credit manager or an admin."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True, index=True)  # the actor in the audit log
    role: str = Field(max_length=16)
    password_hash: str = Field(default="")
    language: str = Field(default="zh-CN", max_length=8)
    active: bool = True
    created_at: datetime = _stamp()


class ApiToken(SQLModel, table=True):
    """A bearer token for a system (an ERP); only its SHA-256 is kept."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = _stamp()
    revoked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random id, the table its SHA-256."""

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = _stamp()
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PolicyDraft(SQLModel, table=True):
    """Policy files uploaded for review: validated, previewed, then published (or not)."""

    __tablename__ = "policy_draft"

    id: int | None = Field(default=None, primary_key=True)
    files: dict[str, Any] = _json()  # file name -> YAML text, the whole policy
    uploaded_by: str = Field(max_length=64)
    uploaded_at: datetime = _stamp()
    status: str = Field(default="draft", max_length=16)  # draft | published | discarded
    published_hash: str = Field(default="", max_length=64)
    base_hash: str = Field(default="", max_length=64)  # the policy in force at upload


class ReportDelivery(SQLModel, table=True):
    """A scheduled report sent at most once per period (``summary:2026-W48``): the row is
    the claim every process sees, so two schedulers cannot both send it."""

    __tablename__ = "report_delivery"

    key: str = Field(primary_key=True, max_length=64)
    status: str = Field(max_length=16)  # sending | sent
    claimed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    note: str = Field(default="")
