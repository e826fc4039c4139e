"""Bank statement files read into credit lines (ledger/bank_files): the hand-written
camt.053, MT940 and GBK bank CSV in tests/fixtures/bank, their debits skipped, the
fingerprints that make a re-import idempotent, and bad files named FILE:ROW."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.bank_files import fingerprints, guess_format, read_statement
from ledger.importers.base import ImportFailed
from ledger.importers.source import Mapping
from tests.workflows.bank_book import CAMT, CSV, MAPPING, MT940

D = Decimal


def _fields(path: Path, **kwargs):  # type: ignore[no-untyped-def]
    read = read_statement(path, **kwargs)
    return read, [(x.date, x.amount, x.currency, x.payer_name, x.payer_account, x.text,
                   x.bank_ref, x.account) for x in read.lines]


def test_camt053_credits_with_the_fields_pycamt_leaves_out() -> None:
    read, lines = _fields(CAMT)
    assert (read.format, read.debits_skipped) == ("camt053", 1)  # the rent, DBIT
    ours = "310501613736000123"  # Acct/Id/Othr/Id: not an IBAN
    assert lines == [
        (date(2026, 11, 27), D("15000.00"), "CNY", "HUAXING TRADING CO LTD", "6222020200112233",
         "HUAXING TRADING INV-2026-0042/0043 货款", "CMB20261127000101", ours),
        (date(2026, 11, 27), D("7980.00"), "CNY", "上海华东机电有限公司", "31001234567890",
         "付 ＩＮＶ－２０２６－００５１", "N-20261127-03", ours),  # NtryRef: no AcctSvcrRef
        (date(2026, 11, 26), D("2500.00"), "EUR", "ACME TRADING LIMITED",
         "DE89370400440532013000", "Invoice INV 2026 0061", "CMB20261126000077", ours),
        (date(2026, 11, 27), D("3000.00"), "CNY", "ZHANG SAN", "", "借款 归还",
         "CMB20261127000104", ours),
    ]
    assert [x.row for x in read.lines] == [25, 50, 66, 82]  # each TxDtls' line in the XML


def _camt(tmp_path: Path, entries: str, name: str = "s.xml") -> Path:
    path = tmp_path / name
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-11-27T18:00:00</CreDtTm></GrpHdr>\n"
        "<Stmt><Id>S</Id><Acct><Id><IBAN>DE02100100109307118603</IBAN></Id><Ccy>EUR</Ccy>"
        f"</Acct>\n{entries}</Stmt></BkToCstmrStmt></Document>\n", encoding="utf-8")
    return path


def test_camt053_batch_entry_is_a_line_per_transaction_and_takes_the_statement_currency(
        tmp_path: Path) -> None:
    batch = _camt(tmp_path, (
        "<Ntry><Amt Ccy=\"EUR\">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        "<BookgDt><DtTm>2026-11-27T09:30:00</DtTm></BookgDt><AcctSvcrRef>B-1</AcctSvcrRef>"
        "<NtryDtls>"
        "<TxDtls><AmtDtls><TxAmt><Amt Ccy=\"EUR\">100.00</Amt></TxAmt></AmtDtls>"
        "<RltdPties><Dbtr><Nm>A GmbH</Nm></Dbtr></RltdPties>"
        "<RmtInf><Ustrd>R-1</Ustrd><Ustrd>R-2</Ustrd></RmtInf></TxDtls>\n"
        "<TxDtls><Amt>200.00</Amt><RltdPties><Dbtr><Nm>B SA</Nm></Dbtr></RltdPties>"
        "<RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf>"
        "</TxDtls></NtryDtls></Ntry>\n"))
    read, lines = _fields(batch)
    assert lines == [
        (date(2026, 11, 27), D("100.00"), "EUR", "A GmbH", "", "R-1 R-2", "B-1/1",
         "DE02100100109307118603"),
        (date(2026, 11, 27), D("200.00"), "EUR", "B SA", "", "RF18539007547034", "B-1/2",
         "DE02100100109307118603"),  # no Ccy on the amount: the statement's currency
    ]


def test_camt053_bad_entries_are_named_by_line(tmp_path: Path) -> None:
    bad = _camt(tmp_path, (
        "<Ntry><Amt Ccy=\"XYZ\">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        "<BookgDt><Dt>2026-11-27</Dt></BookgDt></Ntry>\n"
        "<Ntry><Amt Ccy=\"EUR\">1.2.3</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        "<BookgDt><Dt>2026-11-27</Dt></BookgDt></Ntry>\n"
        "<Ntry><Amt Ccy=\"EUR\">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        "<BookgDt><Dt>2026-13-01</Dt></BookgDt></Ntry>\n"))
    with pytest.raises(ImportFailed) as caught:
        read_statement(bad)
    assert [str(e) for e in caught.value.errors] == [
        "s.xml:4: Ntry: not a currency: 'XYZ' (use an ISO 4217 code like CNY or USD)",
        "s.xml:5: Ntry: Amt: not an amount: '1.2.3'",
        "s.xml:6: Ntry: BookgDt: not a date: '2026-13-01'",
    ]
    broken = tmp_path / "broken.xml"
    broken.write_text('<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:'
                      'xsd:camt.053.001.02">\n<Stmt>\n</Document>\n', encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        read_statement(broken, "camt053")
    assert str(caught.value).startswith("broken.xml:4: not XML: ")


def test_mt940_reads_the_payer_from_subfields_keywords_or_free_text() -> None:
    read, lines = _fields(MT940)
    assert (read.format, read.debits_skipped) == ("mt940", 1)  # the bank fees, D
    ours = "310501613736000123"  # :25: BIC/account
    assert lines == [
        (date(2026, 11, 28), D("20000.00"), "CNY", "SHANGHAI HUADONG JIDIAN YOUXIAN GONGSI",
         "31001234567890", "INV-2026-0050 HUOKUAN", "CMB20261128000201", ours),  # ?20 ?31 ?32
        (date(2026, 11, 28), D("3000.00"), "CNY", "HUAXING TRADING CO LTD", "6222020200112233",
         "PAYMENT NOV", "CMB20261128000203", ours),  # /ORDP/ /ACCT/ /REMI/
        (date(2026, 11, 28), D("1234.50"), "CNY", "", "", "UNKNOWN PAYER DEPOSIT", "", ours),
    ]
    assert [x.row for x in read.lines] == [5, 10, 12]  # the :61: lines


def test_bank_csv_in_gbk_with_a_mapping() -> None:
    read, lines = _fields(CSV, mapping=Mapping.load(MAPPING))
    assert (read.format, read.debits_skipped) == ("csv", 1)  # the 借方金额 row (电费)
    assert lines == [
        (date(2026, 11, 28), D("8000.00"), "CNY", "上海华东机电有限公司", "31001234567890",
         "货款", "", ""),
        (date(2026, 11, 29), D("5000.00"), "CNY", "华兴贸易有限公司", "6222020200112233",
         "付INV-2026-0043", "", ""),
        (date(2026, 11, 29), D("1000.00"), "CNY", "杭州小散户", "6217000011112222", "预付款",
         "", ""),
        (date(2026, 11, 29), D("1000.00"), "CNY", "杭州小散户", "6217000011112222", "预付款",
         "", ""),
    ]
    prints = fingerprints(read.lines)
    assert len(set(prints)) == 4  # two equal transfers stay two lines (rank 1 and 2)
    # a statement overlapping this one: the same lines have the same fingerprints (equal
    # lines by their rank among the equal lines of the file)
    assert fingerprints(read.lines[1:]) == prints[1:]
    assert fingerprints(read.lines[3:]) == [prints[2]]


def test_direction_column_and_signed_amounts(tmp_path: Path) -> None:
    path = tmp_path / "boc.csv"
    path.write_text("date,amount,direction,currency,payer_name,text,bank_ref\n"
                    "2026-11-28,\"1,250.00\",贷,人民币,甲公司,INV-1,R1\n"
                    "2026-11-28,300.00,借,CNY,乙公司,fee,R2\n"
                    "2026-11-28,-40.00,,CNY,丙公司,refund,R3\n"
                    "2026-11-28,99.00,CR,US$,Acme,INV-2,R4\n", encoding="utf-8")
    read, lines = _fields(path)  # arflow's own headers: no mapping needed
    assert read.debits_skipped == 2
    assert [(x[1], x[2], x[3], x[6]) for x in lines] == [
        (D("1250.00"), "CNY", "甲公司", "R1"), (D("99.00"), "USD", "Acme", "R4")]


def test_bad_rows_are_named_by_the_exports_own_header(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(("交易日期,借方金额,贷方金额,对方户名,对方账号,摘要\n"
                      "2026/11/31,,100.00,甲,1,x\n"
                      "2026/11/30,,12.345,乙,2,y\n").encode("gbk"))
    with pytest.raises(ImportFailed) as caught:
        read_statement(path, "csv", Mapping.load(MAPPING))
    shown = [str(e) for e in caught.value.errors]
    assert len(shown) == 2
    assert shown[0].startswith("bad.csv:2: 交易日期: not a date") and "2026/11/31" in shown[0]
    assert shown[1] == "bad.csv:3: 贷方金额: more than two decimals: 12.345"
    with pytest.raises(ImportFailed) as caught:
        read_statement(path, "csv")
    assert [str(e) for e in caught.value.errors] == [
        "bad.csv:1: date: missing column (pass --mapping to name the export's columns)",
        "bad.csv:1: amount: missing column (pass --mapping to name the export's columns)",
    ]


def test_format_guessed_from_the_content(tmp_path: Path) -> None:
    assert [guess_format(p) for p in (CAMT, MT940, CSV)] == ["camt053", "mt940", "csv"]
    renamed = tmp_path / "statement.txt"
    renamed.write_bytes(CAMT.read_bytes())
    assert guess_format(renamed) == "camt053"


def test_bank_export_as_xlsx_with_a_sheet_and_cells_named_in_errors(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "说明"
    sheet = book.create_sheet("明细")
    sheet.append(["交易日期", "借方金额", "贷方金额", "对方户名", "对方账号", "摘要"])
    sheet.append([date(2026, 11, 28), None, 8000, "上海华东机电有限公司", "31001234567890",
                  "INV-2026-0051"])
    sheet.append([date(2026, 11, 28), 1200.5, None, "上海电力公司", "3100999", "电费"])
    sheet.append(["2026/11/29", None, "1,234.50", "华兴贸易", 6222020200112233, "货款"])
    path = tmp_path / "bank.xlsx"
    book.save(path)
    read, lines = _fields(path, mapping=Mapping.load(MAPPING), sheet="明细")
    assert read.debits_skipped == 1
    assert [(x[0], x[1], x[3], x[4], x[5]) for x in lines] == [
        (date(2026, 11, 28), D("8000.00"), "上海华东机电有限公司", "31001234567890",
         "INV-2026-0051"),
        (date(2026, 11, 29), D("1234.50"), "华兴贸易", "6222020200112233", "货款")]
    sheet.append(["2026/11/31", None, "12.345", "乙", "2", "y"])
    book.save(path)
    with pytest.raises(ImportFailed) as caught:
        read_statement(path, mapping=Mapping.load(MAPPING), sheet="明细")
    shown = [str(e) for e in caught.value.errors]
    assert shown[0].startswith("bank.xlsx:C5 (贷方金额): more than two decimals")
    assert shown[1].startswith("bank.xlsx:A5 (交易日期): not a date")


def test_several_mt940_statements_each_give_their_lines_their_account(tmp_path: Path) -> None:
    path = tmp_path / "two.sta"
    path.write_text(":20:S1\n:25:BANKCNBS/111\n:28C:1/1\n:60F:C261127CNY100,00\n"
                    ":61:2611281128C20,00NTRFNONREF//REF1\n:86:A\n:62F:C261128CNY120,00\n-\n"
                    ":20:S2\n:25:BANKCNBS/222\n:28C:1/1\n:60F:C261127USD100,00\n"
                    ":61:2611281128C30,00NTRFNONREF//REF2\n:86:B\n:62F:C261128USD130,00\n-\n",
                    encoding="utf-8")
    read, lines = _fields(path)
    assert [(x[1], x[2], x[5], x[6], x[7]) for x in lines] == [
        (D("20.00"), "CNY", "A", "REF1", "111"), (D("30.00"), "USD", "B", "REF2", "222")]
    assert [x.row for x in read.lines] == [5, 13]


def test_other_xml_empty_files_and_dashes_are_said_plainly(tmp_path: Path) -> None:
    from ledger.importers.source import SourceError

    report = tmp_path / "c52.xml"
    report.write_text(CAMT.read_text(encoding="utf-8").replace("camt.053.001", "camt.052.001")
                      .replace("BkToCstmrStmt", "BkToCstmrAcctRpt"), encoding="utf-8")
    said = f"{report}: XML, but not a camt.053 statement (namespace " \
           "urn:iso:std:iso:20022:tech:xsd:camt.052.001.02)"
    for fmt in (None, "camt053"):  # guessed, or named: never read as a table
        with pytest.raises(SourceError) as caught:
            read_statement(report, fmt)
        assert str(caught.value) == said
    other = tmp_path / "x.xml"
    other.write_text("<?xml version='1.0'?><orders><o/></orders>", encoding="utf-8")
    with pytest.raises(SourceError, match=r"x.xml: XML, but not a camt.053 statement "
                                          r"\(root <orders>, no namespace\)$"):
        read_statement(other)
    for fmt in ("mt940", "camt053", "csv"):
        empty = tmp_path / f"empty-{fmt}"
        empty.write_bytes(b"")
        with pytest.raises(SourceError) as caught:
            read_statement(empty, fmt)
        assert str(caught.value) == f"{empty}: the file is empty"
    not_mt940 = tmp_path / "n.sta"
    not_mt940.write_text("date,amount\n2026-11-28,5.00\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        read_statement(not_mt940, "mt940")
    assert [str(e) for e in failed.value.errors] == [
        "n.sta:1: :20:: not an MT940 statement (no :20: statement reference)"]
    dashes = tmp_path / "d.csv"
    dashes.write_bytes(("交易日期,借方金额,贷方金额,对方户名,对方账号,摘要\n"
                        "2026/11/28,-,\"8,000.00\",甲,1,x\n2026/11/28,\"1,200.00\",--,乙,2,y\n"
                        "2026/11/28,—,5.00,丙,3,z\n2026/11/28,－,－,丁,4,w\n").encode("gbk"))
    read = read_statement(dashes, "csv", Mapping.load(MAPPING))
    assert (read.debits_skipped, [(x.amount, x.payer_name) for x in read.lines]) == (
        2, [(D("8000.00"), "甲"), (D("5.00"), "丙")])
