"""ISO 20022 camt.053 (bank-to-customer statement, .001.02 to .001.12) through pycamt.

pycamt reads the entries and their transaction details; what it leaves out is read with
lxml on the same tree, walked in pycamt's own order: our account when it is not an IBAN
(``Acct/Id/Othr/Id``, as Chinese banks write it), the payer's account likewise, the
entry's ``NtryRef`` when there is no ``AcctSvcrRef``, and the ``Ccy`` of a transaction's
own amount. An entry with several transaction details (a batch) is one line per detail.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from lxml import etree
from pycamt.parser import Camt053ParseError, Camt053Parser

from ledger.bank_files.base import ParsedLine, StatementFile, clean, currency_of
from ledger.importers.base import FieldError, ImportFailed, RowError
from ledger.importers.source import SourceError
from ledger.money import parse_money

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053"


def looks_like(head: bytes) -> bool:
    """The file's first bytes name the camt.053 namespace."""
    return NAMESPACE.encode() in head


def looks_like_xml(head: bytes) -> bool:
    """The file starts (after a byte order mark and blanks) with markup."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def other_xml(path: Path, head: bytes) -> SourceError | None:
    """The error for an XML file whose root is not in the camt.053 namespace (camt.052
    and camt.054 look alike but are reports and notifications, not statements), else
    None (camt.053, or not readable as XML: the reader says why)."""
    try:
        _, root = next(etree.iterparse(io.BytesIO(head), events=("start",),
                                       resolve_entities=False, no_network=True))
    except (etree.XMLSyntaxError, StopIteration):
        return None
    namespace = etree.QName(root).namespace
    if namespace is not None and namespace.startswith(NAMESPACE):
        return None
    said = f"namespace {namespace}" if namespace else f"root <{etree.QName(root).localname}>" \
        ", no namespace"
    return SourceError(f"{path}: XML, but not a camt.053 statement ({said})")


def read(path: Path) -> StatementFile:
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from None
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise SourceError(f"{path}: the file is empty")
    wrong = other_xml(path, data)
    if wrong is not None:
        raise wrong
    try:
        parser = Camt053Parser(data)
        transactions = parser.get_transactions()
    except etree.XMLSyntaxError as exc:
        raise ImportFailed([RowError(name, exc.lineno or 1, "", f"not XML: {exc.msg}")]) \
            from None
    except (Camt053ParseError, AttributeError):
        raise ImportFailed([RowError(name, 1, "", "not a camt.053 statement (no Stmt)")]) \
            from None
    places = list(_places(parser.tree))
    if len(places) != len(transactions):  # pycamt walked the tree differently
        raise ImportFailed([RowError(name, 1, "", "cannot read the statement's entries")])
    out = StatementFile("camt053")
    errors: list[RowError] = []
    for data, (statement, entry, detail, rank, many) in zip(transactions, places,
                                                             strict=True):
        row = (detail if detail is not None else entry).sourceline or 1
        try:
            line = _line(data, statement, entry, detail, rank, many, row)
        except FieldError as exc:
            errors.append(RowError(name, row, "Ntry", str(exc)))
            continue
        if line is None:
            out.debits_skipped += 1
        else:
            out.lines.append(line)
    if errors:
        raise ImportFailed(errors)
    return out


def _places(root: Any) -> Iterator[tuple[Any, Any, Any, int, bool]]:
    """(statement, entry, transaction detail or None, rank in entry, entry has several)
    for each transaction, in the order pycamt's get_transactions lists them."""
    statements = root.findall(".//{*}Stmt") or root.findall(".//{*}Rpt")
    for statement in statements:
        for entry in statement.findall(".//{*}Ntry"):
            details = [d for block in entry.findall(".//{*}NtryDtls")
                       for d in block.findall(".//{*}TxDtls")]
            if not details:
                yield statement, entry, None, 0, False
            for rank, detail in enumerate(details, 1):
                yield statement, entry, detail, rank, len(details) > 1


def _line(data: dict[str, Any], statement: Any, entry: Any, detail: Any, rank: int,
          many: bool, row: int) -> ParsedLine | None:
    indicator = (data.get("CreditDebitIndicator") or "").strip().upper()
    if indicator not in ("CRDT", "DBIT"):
        raise FieldError(f"CdtDbtInd must be CRDT or DBIT, got {indicator!r}")
    if indicator == "DBIT" or _text(entry, "{*}RvslInd").lower() == "true":
        return None  # money out, or a credit reversing one: not a customer paying
    amount_element = _amount_element(entry, detail)
    raw = data.get("Amount") if detail is None else (
        amount_element.text if amount_element is not None else data.get("Amount"))
    try:
        amount = parse_money(raw or "", allow_zero=False)
    except ValueError as exc:
        raise FieldError(f"Amt: {exc}") from None
    currency = currency_of(
        amount_element.get("Ccy") if amount_element is not None else data.get("Currency"),
        _text(statement, "{*}Acct/{*}Ccy"))
    return ParsedLine(
        row=row, date=_day(data), amount=amount, currency=currency,
        payer_name=clean(data.get("DebtorName") or _text(detail, ".//{*}Dbtr/{*}Nm"), 200),
        payer_account=clean(_account(detail, "DbtrAcct"), 64),
        text=clean(_remittance(data, entry, detail), 2000),
        bank_ref=clean(_reference(entry, detail, rank, many), 128),
        account=clean(_account(statement, "Acct"), 64),
    )


def _amount_element(entry: Any, detail: Any) -> Any:
    """The transaction's own amount (``AmtDtls/TxAmt/Amt`` or ``Amt``), else the entry's."""
    if detail is not None:
        for path in ("{*}AmtDtls/{*}TxAmt/{*}Amt", "{*}Amt", "{*}AmtDtls/{*}InstdAmt/{*}Amt"):
            found = detail.find(path)
            if found is not None:
                return found
    return entry.find("{*}Amt")


def _day(data: dict[str, Any]) -> date:
    raw = (data.get("BookingDate") or data.get("ValueDate") or "").strip()
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise FieldError(f"BookgDt: not a date: {raw!r}") from None


def _account(element: Any, tag: str) -> str:
    if element is None:
        return ""
    for path in (f".//{{*}}{tag}/{{*}}Id/{{*}}IBAN", f".//{{*}}{tag}/{{*}}Id/{{*}}Othr/{{*}}Id"):
        value = _text(element, path)
        if value:
            return value
    return ""


def _remittance(data: dict[str, Any], entry: Any, detail: Any) -> str:
    parts = [data.get("RemittanceInformationFull") or data.get("RemittanceInformation"),
             data.get("AdditionalRemittanceInformation")]
    if not any(parts):
        parts = [_text(detail, "{*}AddtlTxInf"), data.get("AdditionalEntryInformation")]
    return " ".join(p.strip() for p in parts if p and p.strip())


def _reference(entry: Any, detail: Any, rank: int, many: bool) -> str:
    """The bank's reference of the line: the detail's own AcctSvcrRef, else the entry's
    AcctSvcrRef or NtryRef (with the detail's rank when the entry is a batch)."""
    own = _text(detail, "{*}Refs/{*}AcctSvcrRef")
    if own:
        return own
    entry_ref = _text(entry, "{*}AcctSvcrRef") or _text(entry, "{*}NtryRef")
    if not entry_ref:
        return ""
    return f"{entry_ref}/{rank}" if many else entry_ref


def _text(element: Any, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""
