"""`arflow contact add|set|list` and `arflow import contacts`: the workflow's rules, one
line and exit 2 on bad input naming the option, audited with the CLI's actor."""

from __future__ import annotations

import getpass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.models import Activity, Contact
from tests.factories import CUSTOMERS, write


def _seed(arflow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ran = arflow("import", "customers", str(write(tmp_path / "customers.csv", CUSTOMERS)))
    assert ran.exit_code == 0, ran.stderr


def test_add_set_and_list_a_contact(arflow, db: Engine, tmp_path: Path) -> None:
    _seed(arflow, tmp_path)
    added = arflow("contact", "add", "C001", "--name", "张伟", "--role", "财务经理",
                   "--phone", "021-5555 1234 转 8", "--mobile", "138 0013 8000",
                   "--email", "zhangwei@huadong.example.cn", "--wechat", "zhangwei88",
                   "--language", "zh-CN", "--billing")
    assert added.exit_code == 0, added.stderr
    assert "张伟" in added.stdout and "billing" in added.stdout
    assert arflow("contact", "add", "C001", "--name", "李强").exit_code == 0
    changed = arflow("contact", "set", "C001", "--name", "张伟", "--phone", "021-5555 9999",
                     "--no-billing", "--rename", "张伟明")
    assert changed.exit_code == 0, changed.stderr
    listed = arflow("contact", "list", "C001", "--json").json()
    assert [(c["name"], c["phone"], c["billing"]) for c in listed] == [
        ("张伟明", "021-5555 9999", False), ("李强", "", False)]
    assert listed[0] == {"customer_code": "C001", "id": listed[0]["id"], "name": "张伟明",
                         "role": "财务经理", "phone": "021-5555 9999",
                         "mobile": "138 0013 8000", "email": "zhangwei@huadong.example.cn",
                         "wechat": "zhangwei88", "language": "zh-CN", "billing": False}
    by_id = arflow("contact", "set", "C001", "--id", str(listed[1]["id"]), "--billing")
    assert by_id.exit_code == 0, by_id.stderr
    everyone = arflow("contact", "list", "--json").json()
    assert [(c["customer_code"], c["name"], c["billing"]) for c in everyone] == [
        ("C001", "李强", True), ("C001", "张伟明", False)]
    table = arflow("contact", "list")
    assert table.exit_code == 0 and "李强" in table.stdout
    with Session(db) as s:
        audit = s.execute(select(Activity.action, Activity.actor, Activity.subject)
                          .order_by(Activity.id)).all()
    me = f"cli:{getpass.getuser()}"
    assert [tuple(a) for a in audit] == [
        ("contact_added", me, "C001"), ("contact_added", me, "C001"),
        ("contact_changed", me, "C001"), ("contact_changed", me, "C001")]


def test_bad_input_is_one_line_exit_2_naming_the_option(arflow, db: Engine,
                                                        tmp_path: Path) -> None:
    _seed(arflow, tmp_path)
    assert arflow("contact", "add", "C001", "--name", "张伟").exit_code == 0
    cases = [
        (("contact", "add", "C001", "--name", "王芳", "--phone", "ask reception"), "--phone:"),
        (("contact", "add", "C001", "--name", "王芳", "--email", "wf@"), "--email:"),
        (("contact", "add", "C001", "--name", "王芳", "--language", "fr"), "--language:"),
        (("contact", "add", "C001", "--name", "张伟"), "--name: C001 has a contact '张伟'"),
        (("contact", "add", "C999", "--name", "王芳"), "no customer 'C999'"),
        (("contact", "set", "C001", "--name", "nobody", "--role", "x"), "--name: no contact"),
        (("contact", "set", "C001", "--name", "张伟", "--rename", ""), "--rename:"),
        (("contact", "set", "C001", "--name", "张伟"), "nothing to change"),
        (("contact", "set", "C001", "--role", "x"), "--name or --id"),
        (("contact", "list", "C999"), "no customer 'C999'"),
    ]
    for args, expected in cases:
        ran = arflow(*args)
        assert ran.exit_code == 2, (args, ran.stdout)
        assert expected in ran.stderr, (args, ran.stderr)
        assert len(ran.stderr.strip().splitlines()) == 1, ran.stderr
    with Session(db) as s:
        assert [c.name for c in s.execute(select(Contact)).scalars()] == ["张伟"]


def test_import_contacts_from_the_cli(arflow, db: Engine, tmp_path: Path) -> None:
    _seed(arflow, tmp_path)
    good = write(tmp_path / "contacts.csv",
                 "customer_code,name,phone,billing\nC001,张伟,021-5555 1234,是\n")
    ran = arflow("import", "contacts", str(good), "--json")
    assert ran.exit_code == 0, ran.stderr
    assert (ran.json()["kind"], ran.json()["inserted"]) == ("contacts", 1)
    bad = write(tmp_path / "bad.csv", "customer_code,name\nC001,王芳\nC999,李强\n")
    refused = arflow("import", "contacts", str(bad))
    assert refused.exit_code == 2
    assert "bad.csv:3: customer_code: unknown customer 'C999'" in refused.stderr
    assert "nothing imported" in refused.stderr
    with Session(db) as s:
        assert [c.name for c in s.execute(select(Contact)).scalars()] == ["张伟"]
