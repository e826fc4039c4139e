from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime

from notifiers.base import OutgoingMessage, build_email, message_id_for


def test_message_id_is_stable_and_distinct() -> None:
    first = message_id_for("C0042|overdue_first|2026-11-23", "arflow.test")
    assert first == message_id_for("C0042|overdue_first|2026-11-23", "arflow.test")
    assert first != message_id_for("C0042|overdue_final|2026-11-23", "arflow.test")
    assert re.fullmatch(r"<[0-9a-f]{32}@arflow\.test>", first)


def test_build_email_encodes_chinese_for_the_wire() -> None:
    msg = OutgoingMessage(
        key="k",
        message_id=message_id_for("k", "arflow.test"),
        sender="应收账款部 <ar@arflow.test>",
        to=["zhang@customer.test", "王五 <wang@customer.test>"],  # a list is accepted
        cc=(),
        subject="应收账款对账单",
        text="尊敬的客户：\n付款信息见下。\n",
        html="<p>尊敬的客户：</p>\n",
    )
    assert msg.to == ("zhang@customer.test", "王五 <wang@customer.test>")
    mail = build_email(msg, date=datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    wire = mail.as_bytes()
    headers = wire.split(b"\n\n", 1)[0]
    assert headers.isascii()  # RFC 2047 encoded words, no raw UTF-8 in headers
    assert b"Cc:" not in headers
    back = email.message_from_bytes(wire, policy=email.policy.default)
    assert back["Subject"] == "应收账款对账单"
    assert back["Date"] == "Mon, 23 Nov 2026 08:00:00 +0000"
    assert back["To"].addresses[1].display_name == "王五"
    assert back.get_body(("plain",)).get_content() == "尊敬的客户：\n付款信息见下。\n"
    assert back.get_body(("html",)).get_content() == "<p>尊敬的客户：</p>\n"
    assert back.get_body(("plain",)).get_content_charset() == "utf-8"
    assert msg.recipients == ("zhang@customer.test", "wang@customer.test")


def test_the_senders_display_name_and_reply_to_reach_the_wire() -> None:
    from arflow.mailing import dispatcher
    from arflow.settings import load_settings
    from tests.test_settings import ROOT

    shipped = dispatcher(load_settings(ROOT), engine=None)  # type: ignore[arg-type]
    assert shipped.reply_to == "ar@example.com"
    msg = OutgoingMessage(key="k", message_id=message_id_for("k", "arflow.test"),
                          sender=shipped.sender, to=["zhang@customer.test"], cc=(),
                          subject="对账单", text="t", html="<p>t</p>",
                          reply_to=(shipped.reply_to,))
    back = email.message_from_bytes(build_email(msg).as_bytes(), policy=email.policy.default)
    sender = back["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("示例贸易 应收账款部", "ar@example.com")
    assert back["Reply-To"].addresses[0].addr_spec == "ar@example.com"
    bare = OutgoingMessage(key="k", message_id="<1@t>", sender="ar@t.test", to=["a@b.test"],
                           cc=(), subject="s", text="t", html="h")
    assert b"Reply-To:" not in build_email(bare).as_bytes()
