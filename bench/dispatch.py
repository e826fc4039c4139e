"""The dispatch benchmark: N pending outbox messages to a local aiosmtpd sink, messages/s.

    python bench/dispatch.py [--messages 10000] [--concurrency 8] [--batch 200] [--db PATH]
                             [--customers 1000] [--sender ADDR] [--sink-in-process] [--keep]
                             [--breakdown] [--profile [--top 25]]

The issue's target: "10,000 pending messages to a local aiosmtpd sink; print messages/s.
At least 200 messages/s with no duplicates (reuse connections; send in parallel)."

A fresh SQLite database gets ``--customers`` customers and ``--messages`` pending outbox
rows, each rendered from the real templates (config/templates, Chinese and English) so
subjects and bodies have production sizes. An aiosmtpd sink on 127.0.0.1 runs in a child
process, as a mail server runs apart from arflow (``--sink-in-process``: in this process's
own thread instead, sharing the GIL, which costs the dispatcher about 2 ms a message), counts
connections and records every Message-ID.
``Dispatcher.run_once`` with an ``SmtpNotifier`` sends everything under a fixed clock.

Checks: no Message-ID received twice, none claimed but never received, every outbox row
``sent`` with attempts 1, one ``mail_sent`` audit row each, and connections reused (at most
``--concurrency`` SMTP sessions). Exit status 1 when a check fails or the rate is missed.

``--breakdown`` times (wall clock) the parts of each send that block the event loop:
building the MIME message, aiosmtplib flattening it to bytes, and each outbox transaction
(claim, the lease renewal before each send, settle, commit); the rest is the SMTP
exchange and the loop itself. The sink's CPU is measured on its own thread (or process).
``--profile`` runs the dispatch under cProfile (this thread only; the sink is not
profiled) and prints the top entries.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import os
import pstats
import random
import re
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `bench.generate` when run as `python bench/dispatch.py`

from bench.generate import AS_OF, STAMP, customer_rows, scratch_sqlite  # noqa: E402

RATE_TARGET = 200.0  # messages/s
TZ = ZoneInfo("Asia/Shanghai")
CLOCK = datetime.combine(AS_OF, datetime.min.time(), TZ) + timedelta(hours=9, minutes=30)
DOMAIN = "huaxin-scm.example.com"
SENDER = f"ar@{DOMAIN}"  # like config/settings.yaml mail.from: no display name
TEMPLATES = ("pre_due", "overdue_first", "overdue_final")
ROOT_TEMPLATES = ROOT / "config" / "templates"
_MESSAGE_ID = re.compile(rb"^message-id:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


# --- the sink --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class CountingSink:
    """aiosmtpd handler: counts EHLO/HELO and recipients, records every Message-ID.

    It does as little as it can per message (a regex over the header block, no MIME
    parsing): in-process it shares the GIL with the dispatcher being measured.
    """

    message_ids: list[bytes] = field(default_factory=list)
    greetings: int = 0
    recipients: int = 0
    data_bytes: int = 0
    without_id: int = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.greetings += 1
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server: Any, session: Any, envelope: Any, hostname: str) -> str:
        self.greetings += 1
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content: bytes = envelope.content
        found = _MESSAGE_ID.search(content.split(b"\r\n\r\n", 1)[0])
        if found is None:
            self.without_id += 1
        else:
            self.message_ids.append(found.group(1))
        self.recipients += len(envelope.rcpt_tos)
        self.data_bytes += len(content)
        return "250 2.0.0 queued"


@dataclass
class SinkResult:
    """What the sink saw between ``mark`` and ``finish``."""

    message_ids: list[bytes]
    connections: int  # TCP connections accepted
    max_open: int  # most connections open at once
    greetings: int  # EHLO/HELO: one per SMTP session
    recipients: int
    data_bytes: int
    without_id: int
    cpu_seconds: float | None  # CPU of the sink's thread (in-process) or process (child)


class Sink:
    """aiosmtpd's Controller on a free port of 127.0.0.1, in its own thread and loop."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import SMTP

        outer = self
        self.handler = CountingSink()
        self.port = free_port()
        self.connections = self.open_now = self.max_open = 0

        class CountingSMTP(SMTP):
            def connection_made(self, transport: Any) -> None:
                outer.connections += 1
                outer.open_now += 1
                outer.max_open = max(outer.max_open, outer.open_now)
                super().connection_made(transport)

            def connection_lost(self, error: Exception | None) -> None:
                outer.open_now -= 1
                super().connection_lost(error)

        class CountingController(Controller):
            def factory(self) -> SMTP:
                return CountingSMTP(self.handler, **self.SMTP_kwargs)

        self.controller = CountingController(
            self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10.0
        )
        self._cpu_clock: int | None = None
        self._cpu_mark: float | None = None

    def start(self) -> None:
        self.controller.start()
        thread: threading.Thread | None = getattr(self.controller, "_thread", None)
        if thread is not None and thread.ident is not None:
            with contextlib.suppress(OSError, AttributeError):
                self._cpu_clock = time.pthread_getcpuclockid(thread.ident)

    def mark(self) -> None:
        """Start counting: forget start()'s own probe connection, note the thread's CPU."""
        deadline = time.monotonic() + 2
        while self.open_now and time.monotonic() < deadline:
            time.sleep(0.005)
        self.connections = self.max_open = 0
        self._cpu_mark = self._cpu()

    def finish(self) -> SinkResult:
        cpu = self._cpu()
        self.controller.stop()
        h = self.handler
        return SinkResult(
            h.message_ids,
            self.connections,
            self.max_open,
            h.greetings,
            h.recipients,
            h.data_bytes,
            h.without_id,
            None if cpu is None or self._cpu_mark is None else cpu - self._cpu_mark,
        )

    def _cpu(self) -> float | None:
        if self._cpu_clock is None:
            return None
        try:
            return time.clock_gettime(self._cpu_clock)
        except OSError:
            return None


def _sink_child(conn: Any) -> None:
    """In a child process: run a Sink, report the port, then the result on request."""
    sink = Sink()
    sink.start()
    conn.send(sink.port)
    conn.recv()  # "mark"
    sink.mark()
    started = time.process_time()
    conn.send("marked")
    conn.recv()  # "finish"
    result = sink.finish()
    result.cpu_seconds = time.process_time() - started  # the whole process: loop and all
    conn.send(result)
    conn.close()


class ChildSink:
    """The same sink in another process, so it does not share the dispatcher's GIL."""

    def __init__(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_sink_child, args=(child,), daemon=True)
        self.port = 0

    def start(self) -> None:
        self._process.start()
        try:
            if not self._conn.poll(30):
                raise EOFError
            self.port = self._conn.recv()
        except EOFError:
            raise RuntimeError("the sink process did not start (see its error above)") from None

    def mark(self) -> None:
        self._conn.send("mark")
        self._conn.recv()

    def finish(self) -> SinkResult:
        self._conn.send("finish")
        result: SinkResult = self._conn.recv()
        self._process.join(10)
        return result


# --- the data --------------------------------------------------------------------------


def _context(rng: random.Random, customer: dict[str, Any], n: int) -> dict[str, Any]:
    """A template context like the cycle's (notifiers/templates.py), 1-4 invoices."""
    from notifiers.sample import sample_context

    base = sample_context()
    currency = "USD" if customer["language"] == "en" else "CNY"
    items = []
    for i in range(rng.randint(1, 4)):
        late = rng.randint(-7, 120)
        due = AS_OF - timedelta(days=late)
        items.append(
            {
                "invoice": f"INV-{n:05d}-{i + 1:02d}",
                "issue_date": due - timedelta(days=60),
                "due_date": due,
                "days_overdue": late,
                "balance": Decimal(rng.randint(50_000, 50_000_000)) / 100,
                "currency": currency,
                "step": "overdue_first" if late > 0 else "pre_due",
            }
        )
    total = sum((item["balance"] for item in items), Decimal(0))
    return {
        **base,
        "customer": {
            "code": customer["code"],
            "name": customer["name"],
            "language": customer["language"],
        },
        "for_date": AS_OF,
        "step": items[0]["step"],
        "items": items,
        "totals": [{"currency": currency, "amount": total, "count": len(items)}],
    }


def outbox_rows(
    rng: random.Random, customers: list[dict[str, Any]], messages: int, for_date: date
) -> Iterator[dict[str, Any]]:
    """``messages`` pending rows spread over the customers; one rendering per customer.

    Rendering takes ~1 ms, so each customer's mail is rendered once and its messages share
    the text (sizes are what matter to the wire); keys and Message-IDs are all distinct.
    """
    from notifiers.base import message_id_for
    from notifiers.templates import Templates

    templates = Templates(ROOT_TEMPLATES)
    rendered: dict[int, tuple[str, Any, list[str], list[dict[str, Any]]]] = {}
    for n in range(messages):
        customer = customers[n % len(customers)]
        cid = customer["id"]
        if cid not in rendered:
            name = rng.choice(TEMPLATES)
            context = _context(rng, customer, n)
            cc = [f"finance{cid}@example.cn"] if rng.random() < 0.2 else []
            items = [
                {
                    "invoice": i["invoice"],
                    "step": i["step"],
                    "balance": str(i["balance"]),
                    "currency": i["currency"],
                    "days_overdue": i["days_overdue"],
                }
                for i in context["items"]
            ]
            rendered[cid] = (name, templates.render(name, customer["language"], context), cc, items)
        name, mail, cc, items = rendered[cid]
        key = f"{customer['code']}|{name}|{for_date.isoformat()}|{n:06d}"
        yield {
            "key": key,
            "customer_id": cid,
            "for_date": for_date,
            "template": name,
            "language": customer["language"],
            "to_addr": customer["email"],
            "cc": cc,
            "status": "pending",
            "step": name,
            "subject": mail.subject,
            "body_text": mail.text,
            "body_html": mail.html,
            "message_id": message_id_for(key, DOMAIN),
            "next_attempt_at": None,
            "lease_until": None,
            "claimed_by": "",
            "items": items,
            "attempts": 0,
            "last_error": "",
            "created_at": STAMP,
            "sent_at": None,
        }


def populate(engine: Any, messages: int, customers: int, seed: int) -> tuple[int, float]:
    """Customers and pending outbox rows in one transaction; (mean body bytes, seconds)."""
    from sqlalchemy import select

    from ledger.models import Customer, Outbox

    started = time.perf_counter()
    rng = random.Random(seed)
    c, o = Customer.__table__, Outbox.__table__
    size = 0
    with engine.begin() as conn:
        conn.execute(c.insert(), list(customer_rows(rng, customers)))
        found = [
            dict(row._mapping)
            for row in conn.execute(
                select(c.c.id, c.c.code, c.c.name, c.c.email, c.c.language).order_by(c.c.id)
            )
        ]
        batch: list[dict[str, Any]] = []
        for row in outbox_rows(rng, found, messages, AS_OF):
            size += (
                len(row["subject"].encode())
                + len(row["body_text"].encode())
                + len(row["body_html"].encode())
            )
            batch.append(row)
            if len(batch) == 2000:
                conn.execute(o.insert(), batch)
                batch = []
        if batch:
            conn.execute(o.insert(), batch)
    return size // max(1, messages), time.perf_counter() - started


# --- the breakdown ---------------------------------------------------------------------


@dataclass
class Timers:
    """Wall time spent in the synchronous parts of a send (they block the event loop)."""

    seconds: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)

    def wrap(self, name: str, function: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1

        return timed

    def wrap_scope(self, scope: Any) -> Any:
        """session_scope, timed from open to commit (the dispatcher's settle transactions)."""

        @contextlib.contextmanager
        def timed(engine: Any) -> Iterator[Any]:
            started = time.perf_counter()
            try:
                with scope(engine) as session:
                    yield session
                    begun = time.perf_counter()
                # commit happened on leaving the inner block
                self.seconds["commit"] += time.perf_counter() - begun
                self.calls["commit"] += 1
            finally:
                self.seconds["session_scope (all DB)"] += time.perf_counter() - started
                self.calls["session_scope (all DB)"] += 1

        return timed


@contextlib.contextmanager
def instrumented(timers: Timers) -> Iterator[None]:
    """Patch the dispatcher's and notifier's module globals (this process only)."""
    import aiosmtplib.smtp as client

    import notifiers.dispatcher as dispatcher
    import notifiers.smtp as smtp

    saved = [
        (dispatcher, "session_scope", dispatcher.session_scope),
        (smtp, "build_email", smtp.build_email),
        (client, "flatten_message", client.flatten_message),
        (dispatcher.store, "claim", dispatcher.store.claim),
        (dispatcher.store, "settle", dispatcher.store.settle),
    ]
    renew = getattr(dispatcher.store, "renew", None)  # the lease renewed before each send
    if renew is not None:
        saved.append((dispatcher.store, "renew", renew))
        dispatcher.store.renew = timers.wrap("renew (lease UPDATE)", renew)
    dispatcher.session_scope = timers.wrap_scope(dispatcher.session_scope)
    smtp.build_email = timers.wrap("build_email (MIME)", smtp.build_email)
    client.flatten_message = timers.wrap(
        "aiosmtplib flatten_message (to bytes)", client.flatten_message
    )
    dispatcher.store.claim = timers.wrap("claim (batch)", dispatcher.store.claim)
    dispatcher.store.settle = timers.wrap(
        "settle (UPDATE + audit INSERT)", dispatcher.store.settle
    )
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


# --- the run ---------------------------------------------------------------------------


@dataclass
class Outcome:
    summary: dict[str, int]
    seconds: float
    cpu_seconds: float  # this process (the dispatcher; plus the sink when in-process)
    sink: SinkResult
    load: tuple[float, float]  # 1-minute load average before and after
    profile: cProfile.Profile | None = None


async def dispatch(engine: Any, port: int, args: argparse.Namespace) -> dict[str, int]:
    from notifiers.dispatcher import Dispatcher
    from notifiers.journal import SendJournal
    from notifiers.settings import SmtpSettings
    from notifiers.smtp import SmtpNotifier

    settings = SmtpSettings(
        host="127.0.0.1", port=port, concurrency=args.concurrency, sender=args.sender
    )
    notifier = SmtpNotifier(settings, local_hostname="bench.localdomain")
    dispatcher = Dispatcher(
        engine=engine,
        notifier=notifier,
        sender=args.sender,
        clock=lambda: CLOCK,
        today=lambda moment: moment.astimezone(TZ).date(),
        batch=args.batch,
        rng=random.Random(7),
        journal=SendJournal(Path(args.journal)) if args.journal else None,
    )
    async with notifier:
        return (await dispatcher.run_once()).as_dict()


def timed_dispatch(engine: Any, sink: Sink | ChildSink, args: argparse.Namespace) -> Outcome:
    profile = cProfile.Profile() if args.profile else None
    sink.mark()
    load = os.getloadavg()[0]
    cpu_before = time.process_time()
    started = time.perf_counter()
    if profile is not None:
        profile.enable()
    try:
        summary = asyncio.run(dispatch(engine, sink.port, args))
    except BaseException:
        sink.finish()
        raise
    finally:
        if profile is not None:
            profile.disable()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    return Outcome(summary, seconds, cpu, sink.finish(), (load, os.getloadavg()[0]), profile)


def verify(engine: Any, sink: SinkResult, messages: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from ledger.models import Activity, Outbox

    o, a = Outbox.__table__, Activity.__table__
    with engine.connect() as conn:
        states = Counter(
            {
                (status, attempts): count
                for status, attempts, count in conn.execute(
                    select(o.c.status, o.c.attempts, func.count()).group_by(
                        o.c.status, o.c.attempts
                    )
                )
            }
        )
        expected = {mid.encode() for (mid,) in conn.execute(select(o.c.message_id))}
        audit = conn.execute(
            select(func.count()).select_from(a).where(a.c.action == "mail_sent")
        ).scalar_one()
    received = Counter(sink.message_ids)
    return {
        "states": states,
        "duplicates": sum(1 for count in received.values() if count > 1),
        "extra copies": sum(count - 1 for count in received.values() if count > 1),
        "missing": len(expected - set(received)),
        "unexpected": len(set(received) - expected),
        "audit": audit,
        "all sent once": states == Counter({("sent", 1): messages}),
    }


def report(args: argparse.Namespace, outcome: Outcome, checks: dict[str, Any]) -> int:
    """Print the figures and the verdict; 1 when a check fails or the rate is missed."""
    summary, seconds, sink = outcome.summary, outcome.seconds, outcome.sink
    sent = summary["sent"]
    rate = sent / seconds if seconds else float("inf")
    rate_ok = rate >= RATE_TARGET
    reused = 0 < sink.connections <= args.concurrency and sink.greetings == sink.connections
    correct = (
        checks["duplicates"] == 0
        and checks["missing"] == 0
        and checks["unexpected"] == 0
        and sink.without_id == 0
        and checks["all sent once"]
        and checks["audit"] == args.messages
        and sent == args.messages == summary["claimed"]
    )
    received = len(sink.message_ids)
    print(
        f"dispatch   {sent:,} sent of {summary['claimed']:,} claimed in {seconds:.2f} s "
        f"({seconds / max(1, sent) * 1e3:.2f} ms/message; concurrency {args.concurrency}, "
        f"batch {args.batch}, sink {'in a child process' if args.sink_process else 'in-process'}"
        f"; summary {summary})"
    )
    print(
        f"rate       {rate:,.0f} messages/s   target >= {RATE_TARGET:.0f}   "
        f"{'ok' if rate_ok else 'MISSED'}"
    )
    print(
        f"sink       {received:,} messages, {sink.recipients:,} recipients, "
        f"{sink.data_bytes / 1e6:,.1f} MB on the wire "
        f"({sink.data_bytes // max(1, received):,} B each)"
    )
    print(
        f"smtp       {sink.connections} connections opened ({sink.max_open} at once), "
        f"{sink.greetings} EHLO/HELO, for {received:,} messages   "
        f"{'reused' if reused else 'NOT REUSED'}"
    )
    print(
        f"duplicates {checks['duplicates']} Message-IDs received more than once "
        f"({checks['extra copies']} extra copies); missing {checks['missing']}; "
        f"unexpected {checks['unexpected']}; without a Message-ID {sink.without_id}"
    )
    states = ", ".join(
        f"{status}/attempts={attempts}: {count:,}"
        for (status, attempts), count in sorted(checks["states"].items())
    )
    print(
        f"outbox     {states}; {checks['audit']:,} mail_sent audit rows   "
        f"{'ok' if correct else 'WRONG'}"
    )
    where = "its process" if args.sink_process else "its thread, included above"
    sink_cpu = "n/a" if sink.cpu_seconds is None else f"{sink.cpu_seconds:.2f} s"
    print(
        f"cpu        {outcome.cpu_seconds:.2f} s this process over {seconds:.2f} s wall "
        f"({outcome.cpu_seconds / max(1, sent) * 1e3:.2f} ms/message, i.e. "
        f"{sent / max(outcome.cpu_seconds, 1e-9):,.0f} messages per CPU-second); "
        f"sink {sink_cpu} ({where})"
    )
    if outcome.load[1] > (os.cpu_count() or 1) - 0.5:
        print(
            f"warning    load average {outcome.load[0]:.1f} -> {outcome.load[1]:.1f} on "
            f"{os.cpu_count()} CPUs: other work competed for the CPU, the wall-clock rate "
            f"is low; messages per CPU-second is the steadier figure"
        )
    return 0 if rate_ok and correct and reused else 1


def print_breakdown(timers: Timers, outcome: Outcome) -> None:
    sent = max(1, outcome.summary["sent"])
    print(f"breakdown  wall time blocking the dispatcher's event loop, of {outcome.seconds:.2f} s:")
    for name, seconds in timers.seconds.most_common():
        print(
            f"  {name:<38} {seconds:7.2f} s {timers.calls[name]:>7,} calls "
            f"{seconds / sent * 1e3:7.3f} ms/message {seconds / outcome.seconds:6.1%}"
        )
    if outcome.sink.cpu_seconds is not None:
        cpu = outcome.sink.cpu_seconds
        print(
            f"  {'sink CPU (aiosmtpd), for comparison':<38} {cpu:7.2f} s {'':>13} "
            f"{cpu / sent * 1e3:7.3f} ms/message {cpu / outcome.seconds:6.1%}"
        )


def print_profile(profile: cProfile.Profile, top: int) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        lines = out.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        print(f"profile    top {top} by {order} (the dispatcher's thread only):")
        print("\n".join(lines[start:]))


def run(args: argparse.Namespace, db: Path) -> int:
    from ledger.db import make_engine
    from ledger.migrate import upgrade

    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    size, seconds = populate(engine, args.messages, args.customers, args.seed)
    print(
        f"generated  {args.messages:,} pending messages for {args.customers:,} customers "
        f"in {seconds:.1f} s (subject+text+html {size:,} B each on average) -> {db}",
        flush=True,
    )
    sink = ChildSink() if args.sink_process else Sink()
    sink.start()
    timers = Timers()
    with instrumented(timers) if args.breakdown else contextlib.nullcontext():
        outcome = timed_dispatch(engine, sink, args)
    status = report(args, outcome, verify(engine, outcome.sink, args.messages))
    if args.breakdown:
        print_breakdown(timers, outcome)
    if outcome.profile is not None:
        print_profile(outcome.profile, args.top)
    engine.dispose()
    return status


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=8, help="SMTP connections")
    parser.add_argument("--batch", type=int, default=200, help="rows claimed at a time")
    parser.add_argument("--db", type=Path, help="SQLite file to create (default: a temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--journal",
        help="send journal file (as arflow serve and dispatch keep one); empty: none",
        default=str(Path(os.environ.get("TMPDIR", "/tmp")) / "arflow-bench-journal.jsonl"),
    )
    parser.add_argument(
        "--sender",
        default=SENDER,
        help=f"From address (default {SENDER}; a CJK display name costs more)",
    )
    parser.add_argument(
        "--sink-in-process",
        dest="sink_process",
        action="store_false",
        help="run the sink in this process (it then shares the GIL)",
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="time DB settles and MIME building (small overhead)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run under cProfile (slower) and print the top entries",
    )
    parser.add_argument("--top", type=int, default=25, help="profile entries to print")
    args = parser.parse_args(argv)
    if args.messages < 1 or args.customers < 1 or args.concurrency < 1 or args.batch < 1:
        parser.error("--messages, --customers, --concurrency and --batch must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.db is not None and args.db.exists():
        print(f"bench/dispatch.py: {args.db} exists; give a new file", file=sys.stderr)
        return 2
    with scratch_sqlite(args.db, "dispatch.db", args.keep) as db:
        return run(args, db)


if __name__ == "__main__":
    sys.exit(main())
