"""Issue 10, "nothing lost": a damaged file is refused whole with FILE:ROW, never imported
in part or with a traceback; a file that reads as text only by luck asks for --encoding."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel

from ledger.importers import ImportFailed
from ledger.importers.source import FIELD_LIMIT, read_rows
from ledger.models import Customer
from tests.cli.conftest import arflow  # noqa: F401 - `arflow` in-process, on each database
from tests.factories import CUSTOMERS, write

HEADER = b"code,name\n"
GOOD = b"C90001,Alpha\n"
NUL = "NUL byte (\\x00) in the file; a CSV export never holds one"
BROKEN = {  # file body after the header -> the line arflow must print
    "cut": (GOOD + b'C90002,"Beta, Lt',
            "c.csv:3: name: quoted field never closed: the file ends inside it"),
    "nul": (GOOD + b"C90002,Ga\x00mma\n", f"c.csv:3: name: {NUL}"),
    "long": (GOOD + b"C90002," + b"x" * 200_000 + b"\n",
             "c.csv:3: name: cell of 200,000 characters, over the limit of 64 KiB"),
}
MULLER = HEADER + b"C90003,M\xfcller S\xf6hne\n"  # CP1252, and valid GB18030 by luck


def _counts(db: Engine) -> dict[str, int]:
    with Session(db) as session:
        return {t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables}


def _names(db: Engine) -> dict[str, str]:
    with Session(db) as session:
        return dict(session.execute(select(Customer.code, Customer.name)).all())


@pytest.mark.parametrize("fault", sorted(BROKEN))
def test_a_damaged_file_is_one_line_per_fault_exit_2_and_nothing_written(
    arflow, db, tmp_path, fault  # noqa: F811
):
    seed = write(tmp_path / "seed.csv", CUSTOMERS)
    assert arflow("import", "customers", str(seed)).exit_code == 0
    before = _counts(db)
    body, expected = BROKEN[fault]
    path = tmp_path / "c.csv"
    path.write_bytes(HEADER + body)
    ran = arflow("import", "customers", str(path))
    assert ran.exit_code == 2
    first, summary = ran.stderr.strip().splitlines()
    assert first.startswith(expected)
    assert summary == f"arflow: {path}: rejected, 1 bad row(s); nothing imported"
    assert _counts(db) == before and "C90001" not in _names(db)


def test_latin_text_that_reads_as_gb18030_by_luck_asks_for_the_encoding(
    arflow, db, tmp_path  # noqa: F811
):
    path = tmp_path / "ar.csv"
    path.write_bytes(MULLER)
    before = _counts(db)
    ran = arflow("import", "customers", str(path))
    assert ran.exit_code == 2
    assert ran.stderr.strip() == (
        f'arflow: {path}: the encoding is ambiguous: it reads as cp1252 ("Müller Söhne") or '
        'gb18030 ("M黮ler S鰄ne"); pass --encoding cp1252 or --encoding gb18030')
    assert _counts(db) == before


def test_the_encoding_option_answers_the_question(arflow, db, tmp_path):  # noqa: F811
    path = tmp_path / "ar.csv"
    path.write_bytes(MULLER)
    ran = arflow("import", "customers", str(path), "--encoding", "cp1252", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert ran.json()["inserted"] == 1
    assert _names(db) == {"C90003": "Müller Söhne"}


def test_gbk_chinese_with_rare_hanzi_and_latin_names_imports_without_a_question(
    arflow, db, tmp_path  # noqa: F811
):
    text = CUSTOMERS + "C003,张喆,,,,,,,\nC004,Müller（上海）有限公司,,,,,,,\nC005,A座B,,,,,,,\n"
    ran = arflow("import", "customers", str(write(tmp_path / "c.csv", text, "gbk")))
    assert ran.exit_code == 0, ran.stderr
    assert _names(db) == {"C001": "上海华东机电有限公司", "C002": "Acme Trading Ltd",
                          "C003": "张喆", "C004": "Müller（上海）有限公司", "C005": "A座B"}


def _refused(tmp_path: Path, body: bytes) -> list[str]:
    path = tmp_path / "c.csv"
    path.write_bytes(HEADER + body)
    with pytest.raises(ImportFailed) as caught:
        read_rows(path)
    return [str(e) for e in caught.value.errors]


def test_an_unterminated_quote_names_the_line_it_opened_on(tmp_path):
    [error] = _refused(tmp_path, b'C1,"two\nlines"\nC2,"open\nto the\nend\n')
    assert error.startswith("c.csv:4: name: quoted field never closed")


def test_a_cut_too_long_for_the_csv_module_is_still_an_unterminated_quote(tmp_path):
    [error] = _refused(tmp_path, b'C1,"open\n' + b"C2,x\n" * 40_000)
    assert error.startswith("c.csv:2: name: quoted field never closed")


def test_a_cell_over_the_limit_is_refused_at_either_size(tmp_path):
    quoted = b'C1,"' + b'a""b' * 40_000 + b'"\n'  # past the csv module's own limit
    assert _refused(tmp_path, quoted) == [
        "c.csv:2: name: cell of 120,000 characters, over the limit of 64 KiB"]
    just_over = b"C1," + b"x" * (FIELD_LIMIT + 1) + b"\n"
    assert _refused(tmp_path, just_over) == [
        f"c.csv:2: name: cell of {FIELD_LIMIT + 1:,} characters, over the limit of 64 KiB"]


def test_nul_is_reported_once_where_it_first_is_even_in_the_header(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes("code,name\nC1,Acme\n".encode("utf-16-le"))  # UTF-16 without a BOM
    with pytest.raises(ImportFailed) as caught:
        read_rows(path)
    assert [str(e) for e in caught.value.errors] == [f"c.csv:1: {NUL} (a damaged file, or "
                                                     "UTF-16: pass --encoding utf-16)"]
    assert read_rows(path, encoding="utf-16")[1][0].values == {"code": "C1", "name": "Acme"}


def test_closed_quotes_at_the_end_of_the_file_are_fine(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(HEADER + b'C1,"Acme ""Beta"", Ltd"')
    assert read_rows(path)[1][0].values == {"code": "C1", "name": 'Acme "Beta", Ltd'}
