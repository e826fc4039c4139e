"""Champion and challenger: the policy in force (the champion) may name another policy
folder (the challenger) for a share of customers, so a credit manager can compare the two
on real collections before adopting one.

A customer is under exactly one of them, decided here by a pure function of its code and
segment: the same answer in the cycle, the reports and on every machine. The hash share
uses sha256 of the code (Python's ``hash()`` changes between runs), so a customer never
switches arm while the policy's ``challenger:`` key stays the same.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from engine.errors import Location, Problem
from engine.yaml_source import YamlDoc

Arm = Literal["champion", "challenger"]
ARMS: tuple[Arm, ...] = ("champion", "challenger")
KEYS: tuple[str, ...] = ("folder", "share", "segment")
_SPACE = Decimal(2) ** 64  # the first 8 bytes of the sha256, as a number below this


@dataclass(frozen=True)
class Challenger:
    """``challenger: {folder: rules-challenger, share: 20%}`` or ``{..., segment: SME}``.

    ``share``: the fraction (0..1, exclusive) of customers by hash of their code;
    ``segments``: the customer segments (compared without case) that go to the
    challenger. Exactly one of the two. The loaded challenger policy is the champion's
    ``Policy.challenger_policy``."""

    folder: str
    share: Decimal | None
    segments: tuple[str, ...]
    source: Location

    def describe(self) -> str:
        """One line for people: which customers the challenger takes."""
        if self.share is not None:
            return f"{(self.share * 100).normalize():f}% of customers by code"
        return "segment " + ", ".join(self.segments)


def hash_point(code: str) -> Decimal:
    """Where a customer code falls in [0, 1): sha256 of its UTF-8 bytes, first 8 bytes."""
    digest = hashlib.sha256(code.strip().encode("utf-8")).digest()
    return Decimal(int.from_bytes(digest[:8], "big")) / _SPACE


def arm_of(challenger: Challenger | None, code: str, segment: str | None) -> Arm:
    """The arm of one customer: "challenger" if it is in the challenger's segment or share."""
    if challenger is None:
        return "champion"
    if challenger.share is not None:
        return "challenger" if hash_point(code) < challenger.share else "champion"
    wanted = {name.casefold() for name in challenger.segments}
    return "challenger" if (segment or "").strip().casefold() in wanted else "champion"


def _problem(doc: YamlDoc, path: tuple[str, ...], message: str, code: str,
             **args: str) -> Problem:
    """A problem at ``path`` with its catalog code (policy.challenger.*), so the web app
    shows it in the user's language (arflow/web/locales/*/challenger.yaml)."""
    return doc.problem(path, message, "policy.challenger." + code, tuple(args.items()))


def parse_challenger(doc: YamlDoc, value: Any) -> tuple[Challenger | None, list[Problem]]:
    """Check the ``challenger:`` key; problems carry file:line."""
    where = ("challenger",)
    example = "{folder: rules-challenger, share: 20%} or {folder: rules-challenger, segment: SME}"
    if not isinstance(value, dict):
        return None, [_problem(doc, where, f"challenger must be a mapping like {example}",
                               "mapping")]
    allowed = ", ".join(KEYS)
    problems = [_problem(doc, (*where, key), (
        f"challenger: unknown key {key!r}; allowed: {allowed}"), "unknown_key",
        name=str(key), allowed=allowed) for key in value if key not in KEYS]
    folder = value.get("folder")
    if not isinstance(folder, str) or not folder.strip():
        problems.append(_problem(doc, (*where, "folder") if "folder" in value else where, (
            "challenger: 'folder' must name the challenger's policy folder, e.g. "
            "folder: rules-challenger"), "folder"))
    if ("share" in value) == ("segment" in value):
        problems.append(_problem(doc, where, (
            "challenger: give either 'share' (e.g. share: 20%) or 'segment' (e.g. segment: "
            "SME), not both and not neither"), "share_or_segment"))
    share = _share(doc, value["share"], problems) if "share" in value else None
    segments = _segments(doc, value["segment"], problems) if "segment" in value else ()
    if problems:
        return None, problems
    assert isinstance(folder, str)
    return Challenger(folder.strip(), share, segments, Location(doc.file, doc.line(where))), []


def _share(doc: YamlDoc, raw: Any, problems: list[Problem]) -> Decimal | None:
    """``20%`` (a string in YAML) or ``0.2``; strictly between 0 and 100%."""
    path = ("challenger", "share")
    hint = "write the share as a percentage like 20% or a fraction like 0.2"
    share: Decimal | None = None
    if isinstance(raw, str) and raw.strip().endswith("%"):
        try:
            share = Decimal(raw.strip()[:-1].strip()) / 100
        except InvalidOperation:
            share = None
    elif isinstance(raw, float):
        share = Decimal(repr(raw))
    elif isinstance(raw, int) and not isinstance(raw, bool) and raw in (0, 1):
        share = Decimal(raw)
    if share is None or not share.is_finite():
        problems.append(_problem(doc, path, f"challenger.share: {raw!r} is not a share; {hint}",
                                 "share", value=str(raw)))
        return None
    if not Decimal(0) < share < Decimal(1):
        problems.append(_problem(doc, path, (
            f"challenger.share must be more than 0% and less than 100%, got {raw!r} (to put "
            f"every customer under the challenger, make it the policy folder)"),
            "share_range", value=str(raw)))
        return None
    return share


def _segments(doc: YamlDoc, raw: Any, problems: list[Problem]) -> tuple[str, ...]:
    """One segment name or a list of them."""
    path = ("challenger", "segment")
    names = raw if isinstance(raw, list) else [raw]
    if not names or not all(isinstance(name, str) and name.strip() for name in names):
        problems.append(_problem(doc, path, (
            "challenger.segment: a customer segment name (e.g. segment: SME) or a list of "
            "them (segment: [SME, Retail])"), "segment"))
        return ()
    return tuple(name.strip() for name in names)
