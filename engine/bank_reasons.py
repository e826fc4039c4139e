"""Why a bank line was matched as proposed, in words a finance clerk reads, zh-CN and en.

A proposal carries its reason as data: ``reason_key`` is ``"<evidence>.<fit>"`` and
``reason_params`` the figures (JSON types only: money as strings, invoice numbers as a
list), so that the page shows it in the reader's language and the stored reason can be
said again later. :func:`explain` turns the two into a sentence.

Evidence: ``numbers`` (invoice numbers in the remittance text), ``account`` (the payer's
account is known to be the customer's), ``name`` (the payer's name, ``score`` 100 when
exact or learned), ``other_currency`` (invoice numbers named, all in another currency).
Fit: ``exact``, ``charges`` (short by bank charges), ``subset`` (some of the named
invoices exactly: ``paid``), ``partial``, ``surplus`` (the rest as
credit), ``oldest_first``, ``credit`` (all of it left as unapplied credit).
Flags: ``other_payer`` (the payer's known account is another customer's), ``ambiguous``
(another option fits as well), ``several_customers`` (the text names
invoices of more than one customer).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

LANGUAGES = ("en", "zh-CN")


def explain(key: str, params: Mapping[str, Any], language: str = "en") -> str:
    """The reason ``key`` with ``params`` as one sentence in ``language`` (en unless zh);
    KeyError for a key this matcher does not give (the caller keeps the stored reason)."""
    evidence, _, fit = key.partition(".")
    zh = language.lower().startswith("zh")
    words = _ZH if zh else _EN
    if evidence not in words["evidence"] or fit not in _FITS:
        raise KeyError(key)
    values = _values(params, zh)
    if fit in ("exact", "charges") and evidence == "numbers":
        fit += "_named"  # "their balance": the invoices were just named
    parts = [_pick(words["evidence"], evidence, values), _pick(words["fit"], fit, values)]
    if params.get("ambiguous"):
        parts.append(words["ambiguous"])
    if params.get("several_customers"):
        parts.append(words["several_customers"])
    if params.get("other_payer"):
        parts.append(words["other_payer"])
    return words["sep"].join(part for part in parts if part)


def _pick(table: Mapping[str, str], name: str, values: dict[str, str]) -> str:
    if values["evidence_score"] and name == "name":
        name = "name_fuzzy"
    template = table.get(name, "")
    return template.format(**values)


def _values(params: Mapping[str, Any], zh: bool) -> dict[str, str]:
    invoices = [str(number) for number in params.get("invoices") or []]
    paid = [str(number) for number in params.get("paid") or []]
    ignored = [str(number) for number in params.get("ignored") or []]
    score = int(params.get("score") or 100)
    plural = len(invoices) != 1
    return {
        "invoices": _listing(invoices, zh),
        "ignored": _listing(ignored, zh),
        "n_invoice": ("invoice numbers" if plural else "invoice number") if not zh else "",
        "its": "their" if plural else "its",
        "total": "合计" if plural else "",
        "of_invoices": (f"invoices {_listing(invoices, zh)} together" if plural
                        else f"invoice {_listing(invoices, zh)}"),
        "paid": _listing(paid, zh),
        "paid_total": "合计" if len(paid) > 1 else "",
        "of_paid": (f"invoices {_listing(paid, zh)} together" if len(paid) > 1
                    else f"invoice {_listing(paid, zh)}"),
        "n_ignored": "invoice numbers" if len(ignored) != 1 else "invoice number",
        "is": "are" if len(ignored) != 1 else "is",
        "balance": _money(params.get("balance")),
        "charges": _money(params.get("charges")),
        "credit": _money(params.get("credit")),
        "currency": str(params.get("currency") or ""),
        "other_currency": str(params.get("other_currency") or ""),
        "score": str(score),
        "evidence_score": "1" if score < 100 else "",
        "credit_tail": (("，余款 {} 作为客户的未核销款项" if zh else ", {} left as credit")
                        .format(_money(params.get("credit")))
                        if _decimal(params.get("credit")) > 0 else ""),
    }


def _listing(items: list[str], zh: bool) -> str:
    if zh:
        return "、".join(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal("0")
    except InvalidOperation:
        return Decimal("0")


def _money(value: Any) -> str:
    return f"{_decimal(value):,.2f}"


_FITS = ("exact", "charges", "subset", "partial", "surplus", "oldest_first", "credit")

_EN: dict[str, Any] = {
    "sep": "; ",
    "evidence": {
        "numbers": "{n_invoice} {invoices} in the text",
        "account": "the payer's account is known to be this customer's",
        "name": "the payer's name is this customer's",
        "name_fuzzy": "the payer's name resembles this customer's ({score}% alike)",
        "other_currency": "{n_ignored} {ignored} in the text {is} in {other_currency}, "
                          "the payment in {currency}",
    },
    "fit": {
        "exact_named": "the amount equals {its} balance",
        "exact": "the amount equals the balance of {of_invoices}",
        "charges_named": "the amount equals {its} balance less {charges} bank charges",
        "subset": "the amount equals the balance of {of_paid}",
        "charges": "the amount equals the balance of {of_invoices} less {charges} bank charges",
        "partial": "the amount is less than {its} balance of {balance}: a part payment, "
                   "oldest due first",
        "surplus": "the amount is more than {its} balance of {balance}: {credit} left as "
                   "credit on the customer",
        "oldest_first": "no invoice or combination of invoices equals the amount: paying "
                        "the oldest due first, {invoices}{credit_tail}",
        "credit": "all of it left as unapplied credit on the customer",
    },
    "ambiguous": "another choice fits the amount just as well: check which is meant",
    "several_customers": "the text names invoices of more than one customer: check whose "
                         "payment it is",
    "other_payer": "the payer's account belongs to another customer: check whose payment "
                   "it is",
}

_ZH: dict[str, Any] = {
    "sep": "；",
    "evidence": {
        "numbers": "摘要中有发票号 {invoices}",
        "account": "付款账号已知属于该客户",
        "name": "付款人户名即该客户名称",
        "name_fuzzy": "付款人户名与该客户名称相似（相似度 {score}%）",
        "other_currency": "摘要中的发票 {ignored} 币种为 {other_currency}，本笔款项为 "
                          "{currency}",
    },
    "fit": {
        "exact_named": "金额等于其余额",
        "exact": "金额等于发票 {invoices} 的余额{total}",
        "charges_named": "金额等于其余额减去银行手续费 {charges}",
        "subset": "金额等于其中发票 {paid} 的余额{paid_total}",
        "charges": "金额等于发票 {invoices} 的余额{total}减去银行手续费 {charges}",
        "partial": "金额小于其余额 {balance}：部分付款，按到期日从早到晚核销",
        "surplus": "金额大于其余额 {balance}：多出的 {credit} 作为客户的未核销款项",
        "oldest_first": "没有发票或发票组合的余额等于该金额：按到期日从早到晚核销 "
                        "{invoices}{credit_tail}",
        "credit": "全部作为该客户的未核销款项",
    },
    "ambiguous": "另有同样相符的选项，请核对",
    "several_customers": "摘要中的发票属于多个客户，请核对付款方",
    "other_payer": "付款账号属于另一客户，请核对付款方",
}
