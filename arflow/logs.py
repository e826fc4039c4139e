"""How a long-running arflow logs: set up once, from ``settings.logging``.

Quiet by default (``level: warning``): a service that runs well says nothing; what needs
a person (a database lost, mail refused, a day given up) still shows. ``format: json``
writes one JSON object a line (time, level, logger, message and any ``extra``), for a log
collector. APScheduler's own lines ("Running job ...", twice a minute for the dispatch)
show only at ``debug``.

Log lines go to stderr; what a person must see whatever the level (the address ``arflow
serve`` listens on) is printed to stdout, not logged.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

from arflow.settings import LogSettings

TEXT = "%(asctime)s %(levelname)s %(name)s %(message)s"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
          "error": logging.ERROR}
CHATTY = ("apscheduler",)  # libraries whose INFO is about themselves, not arflow's work


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is logged (a redirect, a test's
    capture), never to a stream closed since set-up."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


class _Json(JsonFormatter):
    """``time`` as ISO 8601 in UTC with milliseconds, which every collector reads."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = datetime.fromtimestamp(record.created, UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def formatter(config: LogSettings) -> logging.Formatter:
    if config.format == "json":
        return _Json(TEXT,
                     rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                     json_ensure_ascii=False)
    return logging.Formatter(TEXT)


def setup(config: LogSettings) -> None:
    """Log at ``config.level`` in ``config.format`` to stderr. Called again (a test, a
    second command in one process), it replaces its own handler, not anyone else's."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Stderr)]:
        root.removeHandler(handler)
    handler = _Stderr()
    handler.setFormatter(formatter(config))
    root.addHandler(handler)
    level = LEVELS[config.level]
    root.setLevel(level)
    for name in CHATTY:
        logging.getLogger(name).setLevel(level if level <= logging.DEBUG else logging.WARNING)
    logging.captureWarnings(True)  # Python's warnings as log lines too (JSON with json)
