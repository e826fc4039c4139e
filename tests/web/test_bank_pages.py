"""The /bank page (cash application) over both databases: the queue with its proposals in
the reader's language, each form posted with the session's CSRF token, a refusal shown
beside its form with what was typed kept, the split form's extra row without a script,
and who may open it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import Activity, BankLine, Payment
from tests.people import web_sign_in
from tests.web.bank_seed import Lines, receivable, seed
from tests.web.forms_html import form_html
from tests.web.portfolio import TestClient, app_on_day, people


@pytest.fixture
def lines(db: Engine, tmp_path: Path) -> Lines:
    lines = seed(db, tmp_path)
    people(db, ("zhou", "credit_manager"), ("li.na", "collector"), ("root", "admin"))
    people(db, ("wu", "credit_manager"), language="zh-CN")
    return lines


@pytest.fixture
def app(db_url: str, db: Engine, tmp_path: Path, lines: Lines):  # type: ignore[no-untyped-def]
    return app_on_day(db_url, db, tmp_path)


@pytest.fixture
def zhou(app) -> Iterator[tuple[TestClient, str]]:  # type: ignore[no-untyped-def]
    """The credit manager, signed in (English), and the session's CSRF token."""
    with TestClient(app) as client:
        yield client, web_sign_in(client, "zhou")


def _line(db: Engine, line_id: int) -> BankLine:
    with Session(db) as s:
        found = s.get(BankLine, line_id)
        assert found is not None
        return found


def _card(html: str, line_id: int) -> str:
    start = html.index(f'id="line-{line_id}"')
    end = html.find("<article", start)
    return html[start:end if end > 0 else len(html)]


def test_the_queue_shows_proposed_lines_first_then_unmatched(zhou, lines: Lines) -> None:  # type: ignore[no-untyped-def]
    client, _ = zhou
    html = client.get("/bank").text
    assert '<a href="/bank">Cash application</a>' in html  # the menu's link
    proposed, unmatched = html.index('id="section-proposed"'), html.index(
        'id="section-unmatched"')
    assert proposed < html.index(f'id="line-{lines.proposed}"') < html.index(
        f'id="line-{lines.two}"') < unmatched < html.index(f'id="line-{lines.unmatched}"')
    assert "Proposed (2)" in html and "Unmatched (1)" in html
    card = _card(html, lines.proposed)
    for shown in ("CN¥8,000.00", "20 Nov 2026", "上海华东机电有限公司", "6222 0000 1111",
                  "货款 R-2", "Option 1", "Option 2", "85%", "40%",
                  'href="/receivables/R-2"', "Confirm option 1", "Confirm option 2",
                  "invoice number R-2 in the text; the amount equals its balance",
                  "the payer&#39;s name resembles this customer&#39;s (82% alike)"):
        assert shown in card, shown
    assert "(stored)" not in html  # the reason said from its key, not the stored text
    two = _card(html, lines.two)
    assert two.count("Confirm option") == 1  # one option paying two invoices
    assert "CN¥53,000.00 · 80% sure" in two
    assert "CN¥50,000.00" in two and "CN¥3,000.00" in two
    assert "Nothing in this line points" in _card(html, lines.unmatched)
    applied = client.get("/bank?status=applied").text
    assert "Applied (0)" in applied and 'id="applied-none"' in applied
    assert client.get("/bank?status=paid").status_code == 400


def test_reasons_and_labels_in_the_readers_language(app, lines: Lines) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        web_sign_in(client, "wu")
        html = client.get("/bank").text
    assert "收款核销" in html and "确认方案 1" in html and "有建议（2）" in html
    card = _card(html, lines.proposed)
    assert "¥8,000.00" in card and "2026年11月20日" in card
    assert "摘要中有发票号 R-2；金额等于其余额" in card
    assert "付款人户名与该客户名称相似（相似度 82%）" in card


def test_confirm_applies_the_option_and_says_so(zhou, db: Engine, lines: Lines) -> None:  # type: ignore[no-untyped-def]
    client, csrf = zhou
    answer = client.post(f"/bank/lines/{lines.proposed}/confirm?status=queue",
                         data={"csrf_token": csrf, "option": "1"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith("/bank?status=queue&done=")
    assert f"Line {lines.proposed} applied." in client.get(answer.headers["location"]).text
    assert _line(db, lines.proposed).status == "applied"
    r2 = receivable(db, "R-2")
    assert (r2.stage, r2.balance) == ("paid", Decimal("0"))
    with Session(db) as s:
        [audit] = s.execute(select(Activity).where(Activity.action == "bank_applied")).scalars()
    assert audit.actor == "web:zhou"
    applied = client.get("/bank?status=applied").text
    card = _card(applied, lines.proposed)
    assert "Applied on 23 Nov 2026 to C001" in card and "Unapply" in card
    back = client.post(f"/bank/lines/{lines.proposed}/unapply?status=applied",
                       data={"csrf_token": csrf}, follow_redirects=False)
    assert back.status_code == 303
    assert _line(db, lines.proposed).status == "proposed"
    assert receivable(db, "R-2").balance == Decimal("8000.00")


def test_split_keeps_rows_adds_one_without_script_and_refuses_inline(  # type: ignore[no-untyped-def]
        zhou, db: Engine, lines: Lines) -> None:
    client, csrf = zhou
    form = f"/bank/lines/{lines.two}/split?status=queue"
    html = client.get("/bank").text
    split = form_html(html, f"form-split-{lines.two}")
    assert split.count('name="invoice"') == split.count('name="amount"') == 2  # two rows
    # starting from the best option: R-1 50,000 and R-3 3,000, for a person to change
    assert re.findall(r'name="invoice"[^>]*value="([^"]*)"', split) == ["R-1", "R-3"]
    assert 'value="50,000.00"' in split and 'value="3,000.00"' in split
    more = client.post(form, data={"csrf_token": csrf, "invoice": ["R-1", ""],
                                   "amount": ["45,000.00", ""], "more": "1"})
    assert more.status_code == 200
    split = form_html(more.text, f"form-split-{lines.two}")
    assert split.count('name="invoice"') == 3  # one more row, what was typed kept
    assert 'value="45,000.00"' in split and 'value="R-1"' in split
    assert _line(db, lines.two).status == "proposed"  # nothing applied

    over = client.post(form, data={"csrf_token": csrf, "invoice": ["R-1", "R-3", ""],
                                   "amount": ["50,000.00", "4,000.00", ""]})
    assert over.status_code == 422
    card = _card(over.text, lines.two)
    assert 'role="alert"' in card and 'value="4,000.00"' in card and "open" in card
    half = client.post(form, data={"csrf_token": csrf, "invoice": ["R-1", ""],
                                   "amount": ["", "100"]})
    assert half.status_code == 422
    assert "Each row needs an invoice and an amount" in _card(half.text, lines.two)
    assert _line(db, lines.two).status == "proposed"
    assert receivable(db, "R-1").balance == Decimal("50000.00")

    done = client.post(form, data={"csrf_token": csrf, "invoice": ["R-1", "R-3", ""],
                                   "amount": ["50,000.00", "3,000.00", ""]},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    assert (receivable(db, "R-1").stage, receivable(db, "R-3").stage) == ("paid", "paid")


def test_change_and_credit_forms(zhou, db: Engine, lines: Lines) -> None:  # type: ignore[no-untyped-def]
    client, csrf = zhou
    usd = client.post(f"/bank/lines/{lines.proposed}/change?status=queue",
                      data={"csrf_token": csrf, "invoice": "R-4", "amount": ""})
    assert usd.status_code == 422  # a USD invoice for a CNY line
    card = _card(usd.text, lines.proposed)
    assert 'value="R-4"' in card and 'role="alert"' in card
    changed = client.post(f"/bank/lines/{lines.proposed}/change?status=queue",
                          data={"csrf_token": csrf, "invoice": "R-1", "amount": ""},
                          follow_redirects=False)
    assert changed.status_code == 303, changed.text
    assert receivable(db, "R-1").balance == Decimal("42000.00")  # 50,000 - the line's 8,000
    nobody = client.post(f"/bank/lines/{lines.unmatched}/credit?status=queue",
                         data={"csrf_token": csrf, "customer": "C999"})
    assert nobody.status_code == 404
    assert 'value="C999"' in _card(nobody.text, lines.unmatched)
    credit = client.post(f"/bank/lines/{lines.unmatched}/credit?status=queue",
                         data={"csrf_token": csrf, "customer": "C002"},
                         follow_redirects=False)
    assert credit.status_code == 303
    assert "left as credit on C002" in client.get(credit.headers["location"]).text
    with Session(db) as s:
        assert s.execute(select(Payment.unapplied).where(
            Payment.bank_line_id == lines.unmatched)).scalar_one() == Decimal("1200.00")


def test_who_may_open_it(app, lines: Lines) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        assert client.get("/bank", follow_redirects=False).headers["location"].startswith(
            "/login")
        csrf = web_sign_in(client, "li.na")
        assert 'href="/bank"' not in client.get("/worklist").text
        assert client.get("/bank").status_code == 403
        assert client.post(f"/bank/lines/{lines.proposed}/confirm",
                           data={"csrf_token": csrf, "option": "1"}).status_code == 403
    with TestClient(app) as client:
        web_sign_in(client, "zhou")
        no_csrf = client.post(f"/bank/lines/{lines.proposed}/confirm", data={"option": "1"})
        assert no_csrf.status_code == 403 and "CSRF" in no_csrf.text
    with TestClient(app) as client:
        web_sign_in(client, "root")
        assert client.get("/bank").status_code == 403


STATEMENT = (
    "交易日期,贷方金额,借方金额,对方户名,对方账号,摘要\n"
    "2026/11/21,\"3,000.00\",,上海华东机电设备,6222020200112233,货款\n"
    "2026/11/21,\"700.00\",,无名氏,1234,\n"
    "2026/11/21,,\"1,500.00\",房租,,付款\n"
)
MAPPING = (
    "columns:\n  交易日期: date\n  贷方金额: amount\n  借方金额: debit\n"
    "  对方户名: payer_name\n  对方账号: payer_account\n  摘要: text\n"
    "date_format: '%Y/%m/%d'\n"
)


def test_import_a_statement_from_the_page(zhou, db: Engine, lines: Lines) -> None:  # type: ignore[no-untyped-def]
    client, csrf = zhou
    statement = ("statement.csv", STATEMENT.encode("gbk"), "text/csv")
    mapping = ("icbc.yaml", MAPPING.encode(), "application/yaml")
    unmapped = client.post("/bank/import", data={"csrf_token": csrf, "format": "csv"},
                           files={"file": statement})
    assert unmapped.status_code == 422  # its headers are not the line's fields
    refused = form_html(unmapped.text, "form-import")
    assert "refused whole" in refused and "statement.csv:1" in refused
    assert 'value="csv" selected' in refused
    with Session(db) as s:
        assert len(s.execute(select(BankLine.id)).all()) == 3  # nothing imported
    done = client.post("/bank/import", data={"csrf_token": csrf, "format": ""},
                       files={"file": statement, "mapping": mapping}, follow_redirects=False)
    assert done.status_code == 303, done.text
    notice = client.get(done.headers["location"]).text
    assert ("Statement imported: 2 credit lines (1 debits skipped), 2 new and 0 already here; "
            "0 applied at once, 1 proposed, 1 unmatched.") in notice
    with Session(db) as s:
        new = s.execute(select(BankLine).where(BankLine.id > lines.unmatched)
                        .order_by(BankLine.id)).scalars().all()
    assert [(str(n.amount), n.status, n.payer_name, n.source_file) for n in new] == [
        ("3000.00", "proposed", "上海华东机电设备", "statement.csv"),
        ("700.00", "unmatched", "无名氏", "statement.csv")]
    again = client.post("/bank/import", data={"csrf_token": csrf},
                        files={"file": statement, "mapping": mapping})
    assert "0 new and 2 already here" in again.text  # followed to the page
    nothing = client.post("/bank/import", data={"csrf_token": csrf})
    assert nothing.status_code == 422
    assert 'id="form-import-file-error"' in nothing.text


def test_change_without_an_amount_pays_the_balance_and_the_rest_is_credit(  # type: ignore[no-untyped-def]
        zhou, db: Engine, lines: Lines) -> None:
    client, csrf = zhou
    changed = client.post(f"/bank/lines/{lines.proposed}/change?status=queue",
                          data={"csrf_token": csrf, "invoice": "R-3", "amount": ""},
                          follow_redirects=False)  # 8,000.00 for R-3's 3,000.00
    assert changed.status_code == 303, changed.text
    assert receivable(db, "R-3").balance == Decimal("0.00")
    with Session(db) as s:
        assert s.execute(select(Payment.amount, Payment.unapplied).where(
            Payment.bank_line_id == lines.proposed)).one() == (Decimal("8000.00"),
                                                              Decimal("5000.00"))


def test_import_errors_name_the_uploaded_file_and_refusals_show_inline(  # type: ignore[no-untyped-def]
        zhou, db: Engine, lines: Lines, tmp_path: Path) -> None:
    from tests.factories import load, write

    client, csrf = zhou
    empty = client.post("/bank/import", data={"csrf_token": csrf, "format": "mt940"},
                        files={"file": ("april.sta", b"", "text/plain")})
    assert empty.status_code == 422
    shown = form_html(empty.text, "form-import")
    assert "april.sta: the file is empty" in shown and "arflow-bank-" not in shown
    report = ("<?xml version='1.0'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:"
              "camt.052.001.08'><BkToCstmrAcctRpt/></Document>")
    other = client.post("/bank/import", data={"csrf_token": csrf},
                        files={"file": ("report.xml", report.encode(), "text/xml")})
    assert other.status_code == 422
    assert ("report.xml: XML, but not a camt.053 statement (namespace urn:iso:std:iso:20022:"
            "tech:xsd:camt.052.001.08)") in form_html(other.text, "form-import")
    load(db, "payments", write(tmp_path / "p.csv", (
        "reference,customer_code,date,amount,invoice_number\n"
        f"BANK-{lines.unmatched},C002,2026-11-20,10.00,R-5\n")))
    taken = client.post(f"/bank/lines/{lines.unmatched}/credit?status=queue",
                        data={"csrf_token": csrf, "customer": "C001"})
    assert taken.status_code == 409
    card = _card(taken.text, lines.unmatched)
    assert 'role="alert"' in card and "A payment already holds this line" in card
    assert f"a payment BANK-{lines.unmatched} already exists" in card  # the detail beside
