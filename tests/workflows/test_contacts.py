"""workflows/contacts: adding, changing and listing the people at a customer; every value
checked by the importers' rules with a typed refusal naming the field; every change
audited on the customer with before and after; nothing written when refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from ledger.models import Activity, Contact
from tests.factories import seed_customers
from workflows import contacts
from workflows.errors import Invalid, NotFound, Refused

DAY = date(2026, 11, 23)
ZHANG = {"name": "张伟", "role": "财务经理", "phone": "021-5555 1234 转 8",
         "mobile": "１３８ ００１３ ８０００", "email": "zhangwei@huadong.example.cn",
         "wechat": "zhangwei_88", "language": "zh-cn", "billing": True}


@pytest.fixture
def book(db: Engine, tmp_path: Path) -> Engine:
    seed_customers(db, tmp_path)  # C001 (li.na), C002 (wang.wei)
    return db


def _audit(db: Engine) -> list[Activity]:
    with Session(db) as s:
        return list(s.execute(select(Activity).where(Activity.action.like("contact_%"))
                              .order_by(Activity.id)).scalars())


def _count(db: Engine) -> int:
    with Session(db) as s:
        return s.execute(select(func.count()).select_from(Contact)).scalar_one()


def test_a_contact_is_added_normalised_and_audited_on_the_customer(book: Engine) -> None:
    with Session(book) as s:
        added = contacts.add_contact(s, "C001", ZHANG, on_date=DAY, actor="cli:tester")
        s.commit()
    assert added.mobile == "138 0013 8000"  # full-width digits (a Chinese IME) made ASCII
    assert added.language == "zh-CN" and added.billing is True
    [entry] = _audit(book)
    assert (entry.action, entry.entity, entry.subject, entry.actor, entry.on_date) == (
        "contact_added", "customer", "C001", "cli:tester", DAY)
    assert entry.details["before"] is None
    assert entry.details["after"] == {**ZHANG, "mobile": "138 0013 8000", "language": "zh-CN"}
    assert entry.details["contact_id"] == added.id


def test_changing_a_contact_audits_only_what_differs(book: Engine) -> None:
    with Session(book) as s:
        added = contacts.add_contact(s, "C001", ZHANG, on_date=DAY, actor="web:li.na")
        same = contacts.set_contact(s, "C001", {"phone": "021-5555 1234 转 8"}, name="张伟",
                                    on_date=DAY, actor="web:li.na")
        changed = contacts.set_contact(s, "C001", {"name": "张伟明", "billing": False,
                                                   "email": ""},
                                       contact_id=added.id, on_date=DAY, actor="web:li.na")
        s.commit()
    assert same == added  # nothing differed: nothing written
    assert (changed.name, changed.billing, changed.email, changed.role) == (
        "张伟明", False, "", "财务经理")
    added_entry, changed_entry = _audit(book)
    assert changed_entry.action == "contact_changed"
    assert changed_entry.details == {
        "contact_id": added.id, "name": "张伟明",
        "before": {"name": "张伟", "email": "zhangwei@huadong.example.cn", "billing": True},
        "after": {"name": "张伟明", "email": "", "billing": False}}


@pytest.mark.parametrize(("field", "value", "code"), [
    ("phone", "call me", "invalid_phone"),
    ("phone", "12", "invalid_phone"),  # too few digits
    ("phone", "+86 21+5555", "invalid_phone"),  # + only in front
    ("mobile", "1380013800013800138000", "invalid_mobile"),  # too many digits
    ("email", "zhang@", "invalid_email"),
    ("email", "a@x.cn; b@x.cn", "invalid_email"),  # a contact is one person
    ("language", "fr", "invalid_language"),
    ("wechat", "has space", "invalid_wechat"),
    ("role", "财" * 65, "invalid_role"),
    ("name", "", "invalid_contact_name"),
    ("name", "名" * 201, "invalid_contact_name"),
    ("name", "Zhang\x00Wei", "invalid_contact_name"),
])
def test_bad_values_are_refused_with_the_field_and_nothing_is_written(
        book: Engine, field: str, value: str, code: str) -> None:
    with Session(book) as s, pytest.raises(Invalid) as refused:
        contacts.add_contact(s, "C001", {**ZHANG, field: value}, on_date=DAY, actor="t")
    assert (refused.value.field, refused.value.code) == (field, code)
    assert _count(book) == 0 and _audit(book) == []


def test_names_are_unique_per_customer_and_renames_respect_it(book: Engine) -> None:
    with Session(book) as s:
        contacts.add_contact(s, "C001", {"name": "张伟"}, on_date=DAY, actor="t")
        contacts.add_contact(s, "C001", {"name": "王芳"}, on_date=DAY, actor="t")
        contacts.add_contact(s, "C002", {"name": "张伟"}, on_date=DAY, actor="t")  # other
        s.commit()
        with pytest.raises(Refused) as taken:
            contacts.add_contact(s, "C001", {"name": " 张伟 "}, on_date=DAY, actor="t")
        assert (taken.value.code, taken.value.status, taken.value.field) == (
            "contact_exists", 409, "name")
        with pytest.raises(Refused):
            contacts.set_contact(s, "C001", {"name": "张伟"}, name="王芳", on_date=DAY,
                                 actor="t")
    assert _count(book) == 3


def test_unknown_customer_or_contact_is_not_found(book: Engine) -> None:
    with Session(book) as s:
        other = contacts.add_contact(s, "C002", {"name": "Ann Lee"}, on_date=DAY, actor="t")
        s.commit()
        with pytest.raises(NotFound):
            contacts.add_contact(s, "C999", {"name": "张伟"}, on_date=DAY, actor="t")
        with pytest.raises(NotFound) as by_name:
            contacts.set_contact(s, "C001", {"role": "x"}, name="nobody", on_date=DAY,
                                 actor="t")
        assert by_name.value.field == "contact"
        with pytest.raises(NotFound):  # C002's contact is not C001's
            contacts.set_contact(s, "C001", {"role": "x"}, contact_id=other.id, on_date=DAY,
                                 actor="t")


def test_listing_puts_billing_contacts_first(book: Engine) -> None:
    with Session(book) as s:
        for name, billing in (("采购 李强", False), ("王芳", True), ("张伟", True)):
            contacts.add_contact(s, "C001", {"name": name, "billing": billing}, on_date=DAY,
                                 actor="t")
        s.commit()
        listed = contacts.list_contacts(s, "C001")
    assert [(c.name, c.billing) for c in listed] == [
        ("王芳", True), ("张伟", True), ("采购 李强", False)]
