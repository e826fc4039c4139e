"""Outbox rows made directly (no cycle needed) and a dispatcher aimed at a test server."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.db import session_scope
from ledger.models import Outbox
from ledger.reminder_store import insert_message
from notifiers.base import message_id_for
from notifiers.dispatcher import Backoff, Dispatcher
from notifiers.journal import SendJournal
from notifiers.settings import SmtpSettings
from notifiers.smtp import SmtpNotifier
from tests.factories import seed_customers

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 10, 12)
START = datetime.combine(DAY, time(9), SHANGHAI)
FIVE_MINUTES = Backoff(base=timedelta(minutes=5), jitter=0.0)


def queue_messages(
    engine: Engine, tmp_path: Path, count: int, *, to: str = "ap@huadong.example.cn",
    cc: tuple[str, ...] = (),
) -> None:
    """``count`` pending messages for customer C001, keys ``M0000``... in id order."""
    seed_customers(engine, tmp_path)
    with session_scope(engine) as session:
        for n in range(count):
            key = f"M{n:04d}"
            insert_message(
                session,
                {
                    "key": key,
                    "customer_id": 1,
                    "for_date": DAY,
                    "template": "first_notice",
                    "language": "en",
                    "to_addr": to,
                    "cc": list(cc),
                    "status": "pending",
                    "step": "first",
                    "subject": f"Reminder {key}",
                    "body_text": f"Please pay ({key}).",
                    "body_html": f"<p>Please pay ({key}).</p>",
                    "message_id": message_id_for(key, "example.com"),
                    "items": [],
                },
            )


def dispatcher(
    engine: Engine,
    port: int,
    clock: list[datetime],
    *,
    journal: Path | None = None,
    concurrency: int = 4,
    greeting_timeout: float | None = None,
    backoff: Backoff = FIVE_MINUTES,
) -> Dispatcher:
    settings = SmtpSettings(host="127.0.0.1", port=port, timeout=5, sender="ar@example.com",
                            concurrency=concurrency, greeting_timeout=greeting_timeout)
    return Dispatcher(
        engine=engine,
        notifier=SmtpNotifier(settings),
        sender="AR <ar@example.com>",
        clock=lambda: clock[0],
        today=lambda moment: moment.astimezone(SHANGHAI).date(),
        backoff=backoff,
        journal=SendJournal(journal) if journal else None,
    )


def run(dispatcher_: Dispatcher):
    """One dispatcher run in its own event loop, as cron would."""

    async def go():
        async with dispatcher_.notifier:
            return await dispatcher_.run_once()

    return asyncio.run(go())


def rows(engine: Engine) -> list[Outbox]:
    with Session(engine) as session:
        return list(session.execute(select(Outbox).order_by(Outbox.id)).scalars())


def copies(received: list) -> Counter[str]:  # type: ignore[type-arg]
    """How many times each message (by Message-ID) reached the server, per recipient."""
    return Counter(
        f"{r.message['Message-ID']}>{rcpt}" for r in received for rcpt in r.rcpt_tos
    )


class SilentServer:
    """Accepts TCP connections and never says a word: a hung SMTP server."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()
