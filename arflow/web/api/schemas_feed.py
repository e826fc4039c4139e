"""What the ERP feed sends and gets back: customers, receivables and payments by external key.

Field names are the CSV columns, so one row of a CSV export and one JSON item are the same
record and pass through the same importer (ledger/importers). The item models only fix
the shape; values are checked by the importers, which list every bad row at once. A value
may be a JSON string or number (amounts are read exactly); ``null`` or a missing field
means "not given": a customer keeps its stored value, as with a CSV lacking that column.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

MAX_BATCH = 10_000

Key = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\s\x00]+$")]
_TEXT = {"type": "string", "maxLength": 320}
_AMOUNT = {"anyOf": [{"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$"},
                     {"type": "number", "minimum": 0}],
           "description": "At least 0, at most two decimals; a string keeps any size exact."}
_DATE = {"type": "string", "format": "date"}
_WHOLE = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}]}

Text = Annotated[Any, WithJsonSchema(_TEXT)]
Amount = Annotated[Any, WithJsonSchema(_AMOUNT)]
Day = Annotated[Any, WithJsonSchema(_DATE)]
Whole = Annotated[Any, WithJsonSchema(_WHOLE)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerFields(_Item):
    name: Text = Field(description="Required for a new customer.")
    email: Text = None
    language: Text = Field(None, description="zh-CN or en")
    segment: Text = None
    country: Text = Field(None, description="ISO 3166 alpha-2, default CN")
    credit_limit: Amount = None
    payment_terms_days: Whole = None
    collector: Text = Field(None, description="The collector's user name.")


class CustomerItem(CustomerFields):
    code: Key


class ReceivableFields(_Item):
    customer_code: Key
    issue_date: Day
    due_date: Day
    amount: Amount
    currency: Text = Field(None, description="ISO 4217 (人民币, RMB, ¥, CNH read as CNY; US$ "
                                             "as USD); default the book currency.")
    balance: Amount = Field(None, description="The ERP's open balance (default: the amount "
                                              "less payments recorded in arflow).")


class ReceivableItem(ReceivableFields):
    number: Key


class PaymentFields(_Item):
    customer_code: Key
    date: Day
    amount: Amount
    invoice_number: Text = Field(None, description="Pays this invoice; without it the "
                                                   "customer's oldest-due first.")
    currency: Text = Field(None, description="ISO 4217 (aliases as for receivables). Default: "
                                             "the named invoice's, else the single currency "
                                             "the customer owes in, else the book currency. "
                                             "Pays only receivables in this currency.")


class PaymentItem(PaymentFields):
    reference: Key


class CustomerBatch(_Item):
    items: list[CustomerItem] = Field(description=f"At most {MAX_BATCH:,} rows.",
                                      json_schema_extra={"maxItems": MAX_BATCH})


class ReceivableBatch(_Item):
    items: list[ReceivableItem] = Field(description=f"At most {MAX_BATCH:,} rows.",
                                        json_schema_extra={"maxItems": MAX_BATCH})


class PaymentBatch(_Item):
    items: list[PaymentItem] = Field(description=f"At most {MAX_BATCH:,} rows.",
                                     json_schema_extra={"maxItems": MAX_BATCH})


class BatchResult(BaseModel):
    rows: int
    created: int
    updated: int
    unchanged: int
    settled: int = Field(0, description="Receivables a payment here paid in full.")
    reopened: int = Field(0, description="Paid receivables that owe again (a corrected "
                                         "payment).")


class RowProblem(BaseModel):
    index: int | None = Field(description="The item's position in ``items`` (null: a single "
                                          "record).")
    field: str
    code: str
    message: str


class FeedErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class FeedErrorBody(BaseModel):
    """The usual error body, plus every bad row of a rejected record or batch."""

    error: FeedErrorDetail
    errors: list[RowProblem] = Field(default_factory=list)
