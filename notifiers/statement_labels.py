"""Every word a statement of account prints, in zh-CN and en (the customer's language)."""

from __future__ import annotations

from datetime import date

from notifiers.filters import format_date_en, format_date_zh

LABELS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "title": "对账单",
        "subtitle": "Statement of Account",
        "as_of": "对账日期",
        "customer_code": "客户编号",
        "to": "致",
        "attention": "联系人",
        "summary": "账户概要",
        "currency": "币种",
        "balance_due": "未付余额",
        "overdue": "其中已逾期",
        "credit": "未核销预收款",
        "interest": "逾期利息",
        "open_items": "未结清发票",
        "invoice": "发票号",
        "issued": "开票日期",
        "due": "到期日",
        "days_overdue": "逾期天数",
        "amount": "发票金额",
        "balance": "未付金额",
        "not_due": "未到期",
        "total": "合计",
        "no_items": "截至对账日期，贵司无未结清发票。",
        "ageing": "账龄分析",
        "bucket_current": "未到期",
        "bucket_days": "{} 天",
        "payments": "近 90 天收款记录",
        "date": "日期",
        "reference": "收款编号",
        "applied_to": "核销发票",
        "received": "收款金额",
        "on_account": "未核销",
        "no_payments": "近 90 天内未收到付款。",
        "unapplied_note": "贵司尚有 {} 未核销预收款，我们可依贵司指示冲抵上述发票。",
        "interest_title": "逾期利息",
        "interest_note": "按付款条件计至对账日期的逾期利息（另行开具发票）：",
        "bank": "付款信息",
        "account_for": "{} 收款账户",
        "account_name": "收款单位",
        "bank_name": "开户银行",
        "account": "银行账号",
        "swift": "SWIFT/BIC",
        "quote": "付款时请在附言中注明客户编号 {} 及发票号，以便我们及时核销。",
        "questions": "如对本对账单有任何疑问，请于收到后 10 日内联系我司应收账款部：{}",
        "page": "第 {} 页",
    },
    "en": {
        "title": "Statement of Account",
        "subtitle": "对账单",
        "as_of": "Statement date",
        "customer_code": "Customer code",
        "to": "To",
        "attention": "Attention",
        "summary": "Account summary",
        "currency": "Currency",
        "balance_due": "Balance due",
        "overdue": "of which overdue",
        "credit": "Unapplied credit",
        "interest": "Late-payment interest",
        "open_items": "Open invoices",
        "invoice": "Invoice",
        "issued": "Issued",
        "due": "Due",
        "days_overdue": "Days overdue",
        "amount": "Amount",
        "balance": "Balance",
        "not_due": "not due",
        "total": "Total",
        "no_items": "No invoices are open on the statement date.",
        "ageing": "Ageing",
        "bucket_current": "Not yet due",
        "bucket_days": "{} days",
        "payments": "Payments received in the last 90 days",
        "date": "Date",
        "reference": "Reference",
        "applied_to": "Applied to",
        "received": "Amount received",
        "on_account": "On account",
        "no_payments": "No payments received in the last 90 days.",
        "unapplied_note": "You have {} of unapplied credit with us; we can apply it to the "
                          "invoices above on your instruction.",
        "interest_title": "Late-payment interest",
        "interest_note": "Interest accrued to the statement date under the payment terms "
                         "(invoiced separately):",
        "bank": "Payment details",
        "account_for": "{} account",
        "account_name": "Account name",
        "bank_name": "Bank",
        "account": "Account number",
        "swift": "SWIFT/BIC",
        "quote": "Please quote your customer code {} and the invoice numbers with your "
                 "payment so that we can allocate it promptly.",
        "questions": "Please let our accounts receivable team know of any question about this "
                     "statement within 10 days of receiving it: {}",
        "page": "Page {}",
    },
}


def labels(language: str) -> dict[str, str]:
    """The words in ``language`` (zh-CN for anything but English)."""
    return LABELS["en" if language == "en" else "zh-CN"]


def long_date(value: date, language: str) -> str:
    return format_date_en(value) if language == "en" else format_date_zh(value)


def bucket_label(name: str, first_day: int | None, language: str) -> str:
    """A bucket's heading: the not-yet-due bucket by name, the others as "1-30 days"."""
    words = labels(language)
    if first_day is None or first_day <= 0:
        return words["bucket_current"]
    return words["bucket_days"].format(name)


def file_name(code: str, as_of: date, language: str) -> str:
    """对账单-C00233-2026-11-30.pdf / statement-C00233-2026-11-30.pdf"""
    stem = "statement" if language == "en" else "对账单"
    return f"{stem}-{code}-{as_of.isoformat()}.pdf"
