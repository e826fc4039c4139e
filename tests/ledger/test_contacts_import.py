"""The contacts import (and customers.csv's contact_name / contact_phone): upsert by
(customer_code, name), row errors naming file:line and column, the whole file or nothing;
and the field rules (ledger/importers/reach.py) they share with workflows/contacts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.importers import ImportFailed
from ledger.importers.base import FieldError
from ledger.importers.reach import dial, parse_phone
from ledger.models import Contact, Customer
from tests.factories import load, seed_customers, write

HEADER = "customer_code,name,role,phone,mobile,email,wechat,language,billing\n"
CONTACTS = HEADER + (
    "C001,张伟,财务经理,021-5555 1234 转 8,138 0013 8000,zhangwei@huadong.example.cn,"
    "zhangwei88,zh-CN,是\n"
    "C001,李强,采购经理,021-5555 1300,,,,,否\n"
    "C002,Emily Carter,Accounts Payable,+1 212 555 0147,,emily@acme.example.com,,en,yes\n"
)


def _contacts(db: Engine) -> dict[tuple[str, str], Contact]:
    with Session(db) as s:
        rows = s.execute(select(Customer.code, Contact)
                         .join(Customer, Customer.id == Contact.customer_id)).all()
    return {(code, contact.name): contact for code, contact in rows}


@pytest.fixture
def book(db: Engine, tmp_path: Path) -> Engine:
    seed_customers(db, tmp_path)
    return db


def test_contacts_import_then_reimport_changes_nothing(book: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "contacts.csv", CONTACTS)
    first = load(book, "contacts", path)
    assert (first.kind, first.rows, first.inserted, first.updated, first.unchanged) == (
        "contacts", 3, 3, 0, 0)
    found = _contacts(book)
    zhang = found[("C001", "张伟")]
    assert (zhang.role, zhang.phone, zhang.mobile, zhang.wechat, zhang.language,
            zhang.billing) == ("财务经理", "021-5555 1234 转 8", "138 0013 8000",
                               "zhangwei88", "zh-CN", True)
    assert found[("C001", "李强")].billing is False and found[("C001", "李强")].language == ""
    assert found[("C002", "Emily Carter")].billing is True
    again = load(book, "contacts", path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_a_changed_row_updates_its_contact_and_absent_columns_stay(book: Engine,
                                                                    tmp_path: Path) -> None:
    load(book, "contacts", write(tmp_path / "contacts.csv", CONTACTS))
    short = "customer_code,name,phone\nC001,张伟,021-6666 0000\nC001,王芳,139 1111 2222\n"
    result = load(book, "contacts", write(tmp_path / "short.csv", short))
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 0)
    found = _contacts(book)
    zhang = found[("C001", "张伟")]
    assert zhang.phone == "021-6666 0000"
    assert (zhang.email, zhang.role, zhang.billing) == (
        "zhangwei@huadong.example.cn", "财务经理", True)  # not in the file: kept
    assert (found[("C001", "王芳")].billing, found[("C001", "王芳")].role) == (False, "")


def test_bad_rows_are_listed_with_line_and_column_and_nothing_is_written(
        book: Engine, tmp_path: Path) -> None:
    bad = HEADER + (
        "C001,张伟,,021-5555 1234,,,,,yes\n"          # line 2: fine
        "C999,王芳,,,,,,,\n"                           # line 3: unknown customer
        "C001,李强,,call me,,,,,\n"                    # line 4: phone
        "C001,赵敏,,,,not-an-address,,,\n"             # line 5: email
        "C001,周杰,,,,,,fr,\n"                         # line 6: language
        "C001,吴磊,,,,,,,maybe\n"                      # line 7: billing
        "C001,张伟,,,,,,,\n"                           # line 8: twice in the file
        "C002,,,,,,,,\n"                               # line 9: no name
    )
    with pytest.raises(ImportFailed) as failed:
        load(book, "contacts", write(tmp_path / "contacts.csv", bad))
    where = [(e.row, e.column) for e in failed.value.errors]
    assert where == [(3, "customer_code"), (4, "phone"), (5, "email"), (6, "language"),
                     (7, "billing"), (8, "name"), (9, "name")]
    text = str(failed.value)
    assert "contacts.csv:3: customer_code: unknown customer 'C999'" in text
    assert "contacts.csv:8: name: duplicate contact 'C001 / 张伟' (also on row 2)" in text
    assert _contacts(book) == {}  # not even line 2


def test_the_customer_code_and_name_columns_are_required(book: Engine, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed) as failed:
        load(book, "contacts", write(tmp_path / "c.csv", "name,phone\n张伟,021-5555 1234\n"))
    assert [(e.row, e.column, e.reason) for e in failed.value.errors] == [
        (1, "customer_code", "missing column")]


def test_customers_csv_contact_columns_upsert_the_customers_contact(db: Engine,
                                                                   tmp_path: Path) -> None:
    customers = ("code,name,email,contact_name,contact_phone\n"
                 "C001,上海华东机电有限公司,ap@huadong.example.cn,张伟,021-5555 1234\n"
                 "C002,Acme Trading Ltd,billing@acme.example.com,,\n")
    load(db, "customers", write(tmp_path / "c.csv", customers))
    found = _contacts(db)
    assert list(found) == [("C001", "张伟")]
    assert found[("C001", "张伟")].billing is True  # the customer's first contact
    assert found[("C001", "张伟")].phone == "021-5555 1234"
    # later: a second named contact is not billing; an empty phone keeps the stored one
    load(db, "contacts", write(tmp_path / "p.csv", "customer_code,name,email\n"
                                                   "C001,张伟,zw@huadong.example.cn\n"))
    again = ("code,name,contact_name,contact_phone\n"
             "C001,上海华东机电有限公司,张伟,\n"
             "C002,Acme Trading Ltd,Emily Carter,+1 212 555 0147\n")
    load(db, "customers", write(tmp_path / "c2.csv", again))
    load(db, "customers", write(tmp_path / "c3.csv", "code,name,contact_name\n"
                                                     "C001,上海华东机电有限公司,李强\n"))
    found = _contacts(db)
    assert found[("C001", "张伟")].phone == "021-5555 1234"
    assert found[("C001", "张伟")].email == "zw@huadong.example.cn"  # kept
    assert found[("C001", "李强")].billing is False
    assert found[("C002", "Emily Carter")].billing is True
    with Session(db) as s:
        assert s.execute(select(Customer.email).where(Customer.code == "C002")
                         ).scalar_one() == "billing@acme.example.com"


def test_customers_csv_contact_errors_reject_the_file(db: Engine, tmp_path: Path) -> None:
    customers = ("code,name,contact_name,contact_phone\n"
                 "C001,上海华东机电有限公司,,021-5555 1234\n"
                 "C002,Acme Trading Ltd,Emily Carter,ask reception\n")
    with pytest.raises(ImportFailed) as failed:
        load(db, "customers", write(tmp_path / "c.csv", customers))
    assert [(e.row, e.column) for e in failed.value.errors] == [
        (2, "contact_phone"), (3, "contact_phone")]
    with Session(db) as s:
        assert s.execute(select(Customer)).first() is None


@pytest.mark.parametrize(("typed", "stored", "dialled"), [
    ("021-5555 1234", "021-5555 1234", ("02155551234", "")),
    ("+86 (21) 5555-1234 ext. 88", "+86 (21) 5555-1234 ext. 88", ("+862155551234", "88")),
    ("0755 8888 6666转123", "0755 8888 6666转123", ("075588886666", "123")),
    ("（０２１）５５５５１２３４", "(021)55551234", ("02155551234", "")),
    ("138 0013 8000 x9", "138 0013 8000 x9", ("13800138000", "9")),
    ("", "", ("", "")),
])
def test_phones_as_people_write_them(typed: str, stored: str, dialled: tuple[str, str]
                                     ) -> None:
    assert parse_phone(typed) == stored
    assert dial(stored) == dialled


@pytest.mark.parametrize("typed", ["1234", "021 5555 1234 分机", "+86 +21", "021/5555",
                                   "电话 021-5555", "0" * 33])
def test_what_is_not_a_phone(typed: str) -> None:
    with pytest.raises(FieldError):
        parse_phone(typed)
