from __future__ import annotations

import asyncio
import email
import email.policy
from dataclasses import replace
from pathlib import Path

import pytest

from notifiers.base import OutgoingMessage, PermanentFailure, message_id_for
from notifiers.filesink import FileSink, safe_name


def message(key: str, subject: str = "应收账款对账单") -> OutgoingMessage:
    return OutgoingMessage(
        key=key,
        message_id=message_id_for(key, "arflow.test"),
        sender="ar@arflow.test",
        to=("zhang@customer.test",),
        cc=("li.na@arflow.test",),
        subject=subject,
        text="尊敬的客户：您好！\n",
        html="<p>尊敬的客户：您好！</p>\n",
    )


def test_writes_a_parseable_eml(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "outbox")
    report = asyncio.run(sink.send(message("C0042-pre_due-2026-11-23")))
    assert report.refused == {}
    path = tmp_path / "outbox" / "C0042-pre_due-2026-11-23.eml"
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert mail["Subject"] == "应收账款对账单"
    assert mail["Message-ID"] == message_id_for("C0042-pre_due-2026-11-23", "arflow.test")
    assert mail.get_body(("plain",)).get_content() == "尊敬的客户：您好！\n"


def test_same_key_twice_is_one_file(tmp_path: Path) -> None:
    sink = FileSink(tmp_path)
    key = "C0042|pre_due+overdue_first|2026-11-23"

    async def go() -> None:
        await sink.send(message(key, "first"))
        await sink.send(message(key, "second"))
        await sink.aclose()

    asyncio.run(go())
    [path] = list(tmp_path.iterdir())  # no temp files left behind either
    assert path == sink.path_for(key)
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert mail["Subject"] == "second"


def test_safe_names_are_portable_and_do_not_collide() -> None:
    assert safe_name("C1-pre_due-2026-11-23") == "C1-pre_due-2026-11-23"
    names = {safe_name(k) for k in ["a|b", "a/b", "a_b", "../a_b", ".a_b"]}
    assert len(names) == 5
    assert all(n and "/" not in n and not n.startswith(".") for n in names)
    assert len(safe_name("x" * 500)) <= 120


def test_no_recipient_is_permanent(tmp_path: Path) -> None:
    with pytest.raises(PermanentFailure):
        asyncio.run(FileSink(tmp_path).send(replace(message("k"), to=("",), cc=())))
