"""What the cash-application API takes and returns (arflow/web/api/bank.py).

The line is the one `arflow bank lines --json` prints (ledger/reads/bank.py): these models
document it (OpenAPI) and check what a client sends; money goes out as exact JSON numbers
(MoneyJSONResponse), so the models only describe it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from arflow.web.orders import Amount, Money

Status = Literal["unmatched", "proposed", "applied"]
Ratio = Annotated[Decimal, WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1,
                                           "description": "0..1, two decimals"})]
MAX_SPLITS = 100  # a person's split of one transfer; far more is not a person typing


class BankMatchOut(BaseModel):
    option: int = Field(description="Proposals of one option are applied together; 1 is "
                                    "the best.")
    invoice: str | None = Field(description="The invoice number; null: left as unapplied "
                                            "credit on the customer.")
    customer: str | None = Field(description="The customer's code.")
    amount: Money = Field(description="Of the line's money, to this invoice (or credit).")
    charges: Money = Field(description="The invoice's shortfall taken as bank charges.")
    confidence: Ratio
    reason: str = Field(description="Why it fits, in English (the page says it in the "
                                    "reader's language).")
    state: Literal["proposed", "applied", "rejected", "reversed"]


class BankLineOut(BaseModel):
    id: int
    date: date
    amount: Money = Field(description="The credit, in ``currency``.")
    currency: str
    payer_name: str
    payer_account: str
    text: str = Field(description="The remittance text as the bank gave it.")
    status: Status
    matches: list[BankMatchOut] = Field(description="Proposals, best option first (and, "
                                                    "once applied, what was applied).")
    customer: str | None = Field(default=None,
                                 description="The customer the line was applied to.")
    applied_on: date | None = None
    charges: Money = Field(description="Bank charges recorded when it was applied.")
    bank_ref: str = Field(description="The bank's own reference of the line.")
    account: str = Field(description="Our account the statement is for.")


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    invoice: str = Field(min_length=1, max_length=64, pattern=r"^[^\s\x00]+$",
                         description="An open invoice in the line's currency.")
    amount: Amount


class ApplyIn(BaseModel):
    """Exactly one way of applying the line."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"option": 1}, {"splits": [{"invoice": "INV-2026-0042", "amount": "8000.00"},
                                   {"invoice": "INV-2026-0043", "amount": "3000.00"}]},
        {"credit_customer": "C001"}]})

    option: int | None = Field(default=None, ge=1, le=1000,
                               description="Confirm this option of the proposals.")
    splits: list[SplitIn] | None = Field(
        default=None, min_length=1, max_length=MAX_SPLITS,
        description="Your own invoices and amounts (their total at most the line's).")
    credit_customer: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[^\s\x00]+$",
        description="Leave the whole line as unapplied credit on this customer.")

    @model_validator(mode="after")
    def _one_way(self) -> ApplyIn:
        given = [name for name in ("option", "splits", "credit_customer")
                 if getattr(self, name) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "invalid_input", "give exactly one of option, splits, credit_customer")
        return self


def line_out(row: dict[str, Any]) -> dict[str, Any]:
    """The read's line, as the API documents it."""
    fields = BankLineOut.model_fields
    matches = [{k: m.get(k) for k in BankMatchOut.model_fields} for m in row["matches"]]
    return {**{k: row.get(k) for k in fields if k != "matches"}, "matches": matches}
