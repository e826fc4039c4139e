"""The demo's contacts: one or two per customer, the first a billing contact, Chinese
names and numbers for Chinese firms, every value one the contacts import accepts, the
same bytes for the same seed, imported with the rest of the demo."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from arflow.demo import build_demo, generate
from ledger.db import make_engine, session_scope
from ledger.importers.reach import parse_address, parse_phone, parse_wechat
from ledger.migrate import upgrade
from ledger.models import Contact

AS_OF = date(2025, 6, 16)
SMALL = {"customers": 40, "invoices": 200}
HANZI = re.compile(r"^[\u4e00-\u9fff]{2,3}$")


def test_every_customer_has_one_or_two_contacts_the_first_billing() -> None:
    book = generate(AS_OF, **SMALL)
    per = Counter(c.customer_code for c in book.contacts)
    assert set(per) == {c.code for c in book.customers} and set(per.values()) <= {1, 2}
    assert 2 in per.values()
    firsts = {}
    for contact in book.contacts:
        firsts.setdefault(contact.customer_code, contact)
    assert all(c.billing for c in firsts.values())
    assert any(c.billing for c in book.contacts if c is not firsts[c.customer_code])
    assert any(c.billing and not c.email for c in book.contacts)  # falls back to the firm's
    chinese = {c.code for c in book.customers if c.language == "zh-CN"}
    for contact in book.contacts:
        assert parse_phone(contact.phone) == contact.phone and contact.phone
        assert parse_phone(contact.mobile) == contact.mobile
        assert parse_address(contact.email) == contact.email
        assert parse_wechat(contact.wechat) == contact.wechat
        if contact.customer_code in chinese:
            assert HANZI.match(contact.name), contact.name
            assert re.match(r"^0\d{2,3}-\d{4} \d{4}( 转 \d{3})?$", contact.phone)
            assert contact.mobile == "" or re.match(r"^1[3-9]\d \d{4} \d{4}$", contact.mobile)
    assert generate(AS_OF, **SMALL).contacts == book.contacts
    assert generate(AS_OF, 8, **SMALL).contacts != book.contacts


def test_the_demo_imports_its_contacts(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/demo.db")
    upgrade(engine)
    result = build_demo(engine, AS_OF, workdir=tmp_path / "csv", **SMALL)
    again = build_demo(engine, AS_OF, workdir=tmp_path / "again", **SMALL)
    assert (tmp_path / "csv" / "contacts.csv").read_bytes() == \
        (tmp_path / "again" / "contacts.csv").read_bytes()
    header = (tmp_path / "csv" / "contacts.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "customer_code,name,role,phone,mobile,email,wechat,language,billing"
    with session_scope(engine) as session:
        stored = session.execute(select(func.count()).select_from(Contact)).scalar_one()
        billing = session.execute(select(func.count()).select_from(Contact)
                                  .where(Contact.billing.is_(True))).scalar_one()
    assert stored == result["contacts"] == again["contacts"] and billing >= SMALL["customers"]
