"""SmtpNotifier against a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest
from aiosmtpd.smtp import AuthResult

from notifiers.base import (
    OutgoingMessage,
    PermanentFailure,
    SendReport,
    TransientFailure,
    message_id_for,
)
from notifiers.settings import SmtpSettings
from notifiers.smtp import SmtpNotifier
from tests.smtpserver import MailServer, free_port

SUBJECT = "【逾期付款通知】华信供应链应收账款对账单（截至2026年11月23日）"
TEXT = "尊敬的上海恒远贸易有限公司：\n\n贵司以下款项已逾期：INV-2026-0815 CNY 12,345.67\n"
HTML = "<p>尊敬的上海恒远贸易有限公司：</p><p>应收账款对账单 &amp; 付款信息</p>\n"


def message(key: str = "C0042|overdue_first|2026-11-23", **changes: object) -> OutgoingMessage:
    fields: dict[str, object] = {
        "key": key,
        "message_id": message_id_for(key, "arflow.test"),
        "sender": "应收账款部 <ar@arflow.test>",
        "to": ("财务部 张三 <zhang.san@customer.test>",),
        "cc": ("li.na@arflow.test",),
        "subject": SUBJECT,
        "text": TEXT,
        "html": HTML,
    }
    fields.update(changes)
    return OutgoingMessage(**fields)  # type: ignore[arg-type]


def notifier(port: int, **settings: object) -> SmtpNotifier:
    return SmtpNotifier(
        SmtpSettings(host="127.0.0.1", port=port, timeout=5.0, **settings),  # type: ignore[arg-type]
        local_hostname="arflow.test",
    )


def send(port: int, msg: OutgoingMessage, **settings: object) -> SendReport:
    async def go() -> SendReport:
        async with notifier(port, **settings) as smtp:
            return await smtp.send(msg)

    return asyncio.run(go())


def test_chinese_message_arrives_intact(server: MailServer) -> None:
    msg = message()
    report = send(server.port, msg)

    assert report.refused == {}
    assert report.reply.startswith("2.0.0 queued")
    [got] = server.received
    assert got.mail_from == "ar@arflow.test"
    assert got.rcpt_tos == ["zhang.san@customer.test", "li.na@arflow.test"]
    mail = got.message
    assert mail["Subject"] == SUBJECT
    assert mail["Message-ID"] == message_id_for(msg.key, "arflow.test")
    assert mail["To"].addresses[0].display_name == "财务部 张三"
    assert mail["From"].addresses[0].addr_spec == "ar@arflow.test"
    assert mail["Cc"] == "li.na@arflow.test"
    assert mail["Date"].datetime is not None
    assert mail.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in mail.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert mail.get_body(("plain",)).get_content().replace("\r\n", "\n") == TEXT
    assert mail.get_body(("html",)).get_content().replace("\r\n", "\n") == HTML


def test_resend_carries_the_same_message_id(server: MailServer) -> None:
    send(server.port, message("C1|pre_due|2026-11-23"))
    send(server.port, message("C1|pre_due|2026-11-23"))
    ids = {got.message["Message-ID"] for got in server.received}
    assert ids == {message_id_for("C1|pre_due|2026-11-23", "arflow.test")}


def test_mailbox_unavailable_is_permanent(server: MailServer) -> None:
    server.handler.rcpt_replies["zhang.san@customer.test"] = "550 5.1.1 mailbox unavailable"
    with pytest.raises(PermanentFailure) as caught:
        send(server.port, message(cc=()))
    assert caught.value.reply == "550 5.1.1 mailbox unavailable"
    assert server.received == []


def test_greylisted_recipient_is_transient(server: MailServer) -> None:
    server.handler.rcpt_replies["zhang.san@customer.test"] = "451 4.7.1 greylisted, try later"
    with pytest.raises(TransientFailure) as caught:
        send(server.port, message(cc=()))
    assert caught.value.reply == "451 4.7.1 greylisted, try later"


@pytest.mark.parametrize(
    ("reply", "failure"),
    [
        ("554 5.6.0 message content rejected", PermanentFailure),
        ("452 4.3.1 insufficient system storage", TransientFailure),
    ],
)
def test_data_refusal_is_classified_by_its_code(
    server: MailServer, reply: str, failure: type[Exception]
) -> None:
    server.handler.data_reply = reply
    with pytest.raises(failure) as caught:
        send(server.port, message())
    assert caught.value.reply == reply  # type: ignore[attr-defined]


def test_server_not_running_is_transient() -> None:
    with pytest.raises(TransientFailure) as caught:
        send(free_port(), message())
    assert "refused" in caught.value.reply.lower() or "connect" in caught.value.reply.lower()


def test_one_recipient_refused_the_other_gets_the_mail(server: MailServer) -> None:
    server.handler.rcpt_replies["li.na@arflow.test"] = "550 5.1.1 mailbox unavailable"
    report = send(server.port, message())
    assert report.refused == {"li.na@arflow.test": "550 5.1.1 mailbox unavailable"}
    [got] = server.received
    assert got.rcpt_tos == ["zhang.san@customer.test"]


def test_failed_login_is_permanent() -> None:
    def refuse(server: object, session: object, envelope: object, mechanism: str, data: object):
        return AuthResult(success=False, handled=False)

    auth_server = MailServer(authenticator=refuse, auth_require_tls=False)
    auth_server.start()
    try:
        with pytest.raises(PermanentFailure) as caught:
            send(auth_server.port, message(), user="arflow", password="wrong")
        assert caught.value.reply.startswith("535")
    finally:
        auth_server.stop()


def test_twenty_sends_reuse_at_most_concurrency_connections(server: MailServer) -> None:
    async def go() -> list[SendReport]:
        async with notifier(server.port, concurrency=4) as smtp:
            assert smtp.concurrency == 4
            return await asyncio.gather(*(smtp.send(message(f"k{i}")) for i in range(20)))

    reports = asyncio.run(go())

    assert len(reports) == 20 and all(r.refused == {} for r in reports)
    assert len(server.received) == 20
    assert {got.message["Message-ID"] for got in server.received} == {
        message_id_for(f"k{i}", "arflow.test") for i in range(20)
    }
    assert 1 <= server.opened <= 4
    assert server.max_open <= 4


def test_a_failed_send_discards_its_connection_and_the_next_reconnects(
    server: MailServer,
) -> None:
    async def go() -> SendReport:
        async with notifier(server.port, concurrency=1) as smtp:
            server.handler.data_reply = "451 4.3.0 try again"
            with pytest.raises(TransientFailure):
                await smtp.send(message("a"))
            server.handler.data_reply = None
            return await smtp.send(message("b"))

    assert asyncio.run(go()).refused == {}
    assert server.opened == 2
    assert len(server.received) == 1


def test_a_pooled_connection_dropped_by_the_server_is_replaced() -> None:
    first = MailServer()
    first.start()
    port = first.port

    async def go() -> SendReport:
        smtp = SmtpNotifier(
            SmtpSettings(host="127.0.0.1", port=port, timeout=5.0),
            local_hostname="arflow.test",
            probe_after=0.0,
        )
        async with smtp:
            await smtp.send(message("a"))
            first.stop()  # the idle pooled connection dies with the server
            second = MailServer()
            second.port = port
            second.start()
            try:
                report = await smtp.send(message("b"))
                assert len(second.received) == 1
                return report
            finally:
                second.stop()

    assert asyncio.run(go()).refused == {}


def test_send_after_close_is_a_programming_error(server: MailServer) -> None:
    async def go() -> None:
        smtp = notifier(server.port)
        await smtp.aclose()
        await smtp.send(message())

    with pytest.raises(RuntimeError):
        asyncio.run(go())
