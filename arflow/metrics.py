"""The service's Prometheus metrics, all defined here: one ``Metrics`` per web app, with a
registry of its own (never prometheus-client's global default), so two apps in one process
(tests, a bench) each count their own.

What is measured and where:

- cycles (arflow/jobs.py): ``arflow_cycles_total{outcome}`` (completed, refused, failed,
  skipped), ``arflow_cycle_duration_seconds`` (completed runs) and
  ``arflow_cycle_results_total{result}``: what each completed day reported (the int
  fields of workflows.cycle.CycleSummary: evaluated, stage_moves, warnings_opened,
  reminders_queued, ...);
- mail (notifiers/dispatcher.py's ``observe`` hook): ``arflow_dispatch_send_seconds
  {outcome}``, the time to send one message; ``arflow_outbox_messages{status}``, read from
  the database at scrape time (one grouped count, cached ``OUTBOX_TTL`` seconds);
- HTTP (arflow/web/observability.py): ``arflow_http_request_duration_seconds{method,
  route,status}``, the route as its template and the status as its class, so neither a
  customer code in a path nor a made-up method adds a series.

Counts only: no label ever holds a customer's data.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ledger.outbox_store import STATUSES as OUTBOX_STATUSES

log = logging.getLogger("arflow.metrics")

CONTENT_TYPE = CONTENT_TYPE_LATEST  # the text exposition format
OUTBOX_TTL = 5.0  # seconds an outbox count is reused: scrapes from several Prometheus
CYCLE_OUTCOMES = ("completed", "refused", "failed", "skipped")
# a day takes seconds on a small portfolio, minutes on a million receivables
CYCLE_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
# one message: milliseconds to a file, a second or more to a slow SMTP server
SEND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


def cycle_results() -> list[str]:
    """The counts a cycle reports: the int fields of its summary."""
    from workflows.cycle import CycleSummary

    return [f.name for f in dataclasses.fields(CycleSummary) if f.type in ("int", int)]


class OutboxCounts(Collector):
    """``arflow_outbox_messages{status}`` from ``read()`` (a status -> count mapping),
    asked at most once every ``ttl`` seconds; a database that does not answer leaves the
    gauge out of that scrape (one warning), never fails the scrape."""

    def __init__(self, read: Callable[[], Mapping[str, int]], ttl: float = OUTBOX_TTL) -> None:
        self.read = read
        self.ttl = ttl
        self._lock = threading.Lock()
        self._counts: Mapping[str, int] | None = None
        self._at = float("-inf")

    def counts(self) -> Mapping[str, int] | None:
        with self._lock:
            if time.monotonic() - self._at >= self.ttl:
                try:
                    self._counts = self.read()
                except Exception as exc:  # noqa: BLE001 - a scrape must still answer
                    log.warning("outbox counts not read for the metrics: %s",
                                str(exc).strip().splitlines()[0] if str(exc).strip()
                                else type(exc).__name__)
                    self._counts = None
                self._at = time.monotonic()
            return self._counts

    def collect(self) -> Iterator[Metric]:
        counts = self.counts()
        if counts is None:
            return
        gauge = GaugeMetricFamily("arflow_outbox_messages",
                                  "Messages in the outbox by status (read at scrape time).",
                                  labels=["status"])
        for status in sorted(set(OUTBOX_STATUSES) | set(counts)):
            gauge.add_metric([status], counts.get(status, 0))
        yield gauge

    def describe(self) -> Iterator[Metric]:
        return iter(())  # no database round trip when the collector is registered


class Metrics:
    """One app's metrics and their registry; ``render()`` is the text exposition."""

    def __init__(self, outbox: Callable[[], Mapping[str, int]] | None = None) -> None:
        self.registry = CollectorRegistry()
        self.cycles = Counter("arflow_cycles", "Daily cycle runs by outcome.",
                              ["outcome"], registry=self.registry)
        for outcome in CYCLE_OUTCOMES:
            self.cycles.labels(outcome)  # each outcome shown from the start, at 0
        self.cycle_seconds = Histogram("arflow_cycle_duration_seconds",
                                       "Time a completed daily cycle took.",
                                       buckets=CYCLE_BUCKETS, registry=self.registry)
        self.cycle_results = Counter("arflow_cycle_results",
                                     "What completed cycles did, by kind (the cycle summary).",
                                     ["result"], registry=self.registry)
        for result in cycle_results():
            self.cycle_results.labels(result)
        self.send_seconds = Histogram("arflow_dispatch_send_seconds",
                                      "Time to send one message, by how the send ended.",
                                      ["outcome"], buckets=SEND_BUCKETS, registry=self.registry)
        self.http_seconds = Histogram("arflow_http_request_duration_seconds",
                                      "HTTP request latency by route template.",
                                      ["method", "route", "status"], registry=self.registry)
        if outbox is not None:
            self.registry.register(OutboxCounts(outbox))

    def cycle(self, outcome: str, seconds: float | None = None,
              summary: Mapping[str, Any] | None = None) -> None:
        """One cycle run: its outcome; for a completed one its time and what it did
        (``summary``: CycleSummary.as_dict(); its int fields are counted)."""
        self.cycles.labels(outcome).inc()
        if seconds is not None:
            self.cycle_seconds.observe(seconds)
        for name, value in (summary or {}).items():
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                self.cycle_results.labels(name).inc(value)

    def sent(self, seconds: float, outcome: str) -> None:
        """The dispatcher's ``observe`` hook: one message's send."""
        self.send_seconds.labels(outcome).observe(seconds)

    def request(self, method: str, route: str, status: str, seconds: float) -> None:
        self.http_seconds.labels(method, route, status).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
