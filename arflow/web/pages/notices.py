"""The one-line notice a page shows after a form: ``?done=<key>`` with the key's values,
each in its own query parameter (``/bank?status=queue&done=bank.done.applied&id=7``).

Why a fixed table: the notice reads as the system speaking, so a link anyone can craft
(``/worklist?done=Your account is locked, call ...``) must not make it say anything. A
notice is shown only when its key is one of ``NOTICES`` and every value it needs passes
its check (a count is digits; a name, code or number is at most 64 characters with no
space or markup); the words come from the catalogs (locales/*), the values are plain
text the page escapes. Anything else shows no notice at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from arflow.web.i18n import Translator

COUNT = re.compile(r"[0-9]{1,9}")
HASH = re.compile(r"[0-9a-f]{6,64}")
NAME = re.compile(r"[^\s<>&\"'\x00-\x1f\x7f]{1,64}")  # user, customer, invoice, order

# every value a notice may carry, and its check; none of these names is a query parameter
# a page reads for itself (the worklist's filters, /bank's status), so they never clash
CHECKS: dict[str, re.Pattern[str]] = {
    **{name: COUNT for name in ("n", "id", "refused", "lines", "debits_skipped", "inserted",
                                "duplicates", "applied", "proposed", "unmatched")},
    **{name: NAME for name in ("name", "code", "invoice", "number")},
    "hash": HASH,
}
KEY = "done"


@dataclass(frozen=True)
class Notice:
    """What a notice key needs: its values, and optional counts that each add a sentence
    (its catalog key) when above zero, e.g. the rows a bulk action left unchanged."""

    needs: tuple[str, ...] = ()
    adds: tuple[tuple[str, str], ...] = ()


_BULK = (("refused", "collector.bulk.refused"),)
NOTICES: dict[str, Notice] = {
    **{key: Notice() for key in (
        "collector.done.task", "collector.done.call", "collector.done.note",
        "collector.done.promise", "collector.done.dispute", "collector.done.resolve",
        "collector.done.legal", "collector.done.pause", "collector.done.resume",
        "promise.done.promise", "promise.done.plan", "contacts.done.added",
        "contacts.done.changed", "writeoff.done.proposed", "credit.override_set",
        "credit.override_cleared", "policy.discarded")},
    "collector.done.reassigned": Notice(("name",)),
    "collector.bulk.reassigned": Notice(("n", "name"), _BULK),
    "collector.bulk.completed": Notice(("n",), _BULK),
    "collector.bulk.paused": Notice(("n",), _BULK),
    "bank.done.applied": Notice(("id",)),
    "bank.done.credited": Notice(("id", "code")),
    "bank.done.unapplied": Notice(("id",)),
    "bank.done.imported": Notice(("lines", "debits_skipped", "inserted", "duplicates",
                                  "applied", "proposed", "unmatched")),
    "writeoff.done.approved": Notice(("invoice",)),
    "writeoff.done.rejected": Notice(("invoice",)),
    "orders.done": Notice(("number",)),
    "policy.published": Notice(("hash",)),
    **{key: Notice(("name",)) for key in (
        "admin.user_added", "admin.user_changed", "admin.user_enabled",
        "admin.user_disabled", "admin.password_reset", "admin.token_revoked")},
}


def with_notice(url: str, key: str, **values: object) -> str:
    """``url`` with the notice ``key`` and its values (any notice it carried dropped).
    A key or value name outside the table is a programming error, caught at once."""
    notice = NOTICES[key]
    allowed = {*notice.needs, *(name for name, _ in notice.adds)}
    if not set(values) <= allowed:
        raise ValueError(f"notice {key} takes {sorted(allowed)}, not {sorted(values)}")
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k != KEY and k not in CHECKS]
    query = urlencode([*kept, (KEY, key), *((k, str(v)) for k, v in values.items())])
    return urlunsplit(parts._replace(query=query))


def _value(query: Mapping[str, str], name: str) -> str | None:
    """The parameter if it passes its check, else None."""
    value = query.get(name)
    if value is None or not CHECKS[name].fullmatch(value):
        return None
    return str(int(value)) if CHECKS[name] is COUNT else value


def notice(t: Translator, query: Mapping[str, str]) -> str:
    """The notice ``query`` asks for in the user's language, or "" when the key is not
    one of ours or a value is missing or fails its check."""
    found = NOTICES.get(query.get(KEY, ""))
    if found is None:
        return ""
    values = {name: _value(query, name) for name in found.needs}
    if any(value is None for value in values.values()):
        return ""
    text = t(query[KEY], **values)
    space = "" if t.language == "zh-CN" else " "  # Chinese sentences run on
    for name, sentence in found.adds:
        count = _value(query, name) if name in query else "0"
        if count is None:
            return ""
        if count != "0":
            text += space + t(sentence, n=count)
    return text
