"""A policy: the folder of YAML files credit managers own, checked and compiled.

Loading either yields a complete Policy or raises PolicyError listing every problem
found with file:line, so a bad edit never half-applies and the old policy stays in force.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from engine.challenger import Arm, Challenger, parse_challenger
from engine.challenger_load import attach, challenger_folder, upload_refused
from engine.compiler import CompiledScope, RuleSpec, compile_scope
from engine.errors import Location, PolicyError, Problem
from engine.expressions import Expression, ExpressionError, parse_expression
from engine.facts import SCOPES, SCORECARD_FACTORS, Scope
from engine.go_live import GoLive, parse_go_live
from engine.interest import InterestTerms, parse_terms
from engine.policy_checks import check_buckets, check_rules
from engine.schema import (
    CreditModel,
    OrderCheckModel,
    ReminderModel,
    StageModel,
    WarningModel,
    label,
    validate,
)
from engine.stages import POLICY_STAGES
from engine.yaml_source import Path as NodePath
from engine.yaml_source import YamlDoc, parse_yaml

STAGE_ORDER: tuple[str, ...] = POLICY_STAGES  # the stages a policy defines, in order
TOP_LEVEL_KEYS: tuple[str, ...] = (
    "stages", "reminders", "warnings", "credit", "order_checks", "tolerance",
    "insurance", "prepayments", "provision", "interest",
    "go_live", "challenger",
)
LEVELS: tuple[str, ...] = ("yellow", "orange", "red")
DECISIONS: tuple[str, ...] = ("approve", "prepay", "hold", "reject")  # mildest first


@dataclass(frozen=True)
class TaskSpec:
    """A task opened when a receivable enters a stage (assign: a role or a user name)."""

    kind: str
    assign: str
    due_in_days: int


@dataclass(frozen=True)
class StageRule:
    name: str
    when: Expression
    on_enter: list[TaskSpec]
    source: Location

    @property
    def rule_id(self) -> str:
        return f"stage:{self.name}"


@dataclass(frozen=True)
class ReminderStep:
    id: str
    when: Expression
    template: str
    cc: list[str]
    review: bool
    source: Location
    attach: str | None = None  # "statement": the message carries the statement PDF

    @property
    def rule_id(self) -> str:
        return f"reminder:{self.id}"


@dataclass(frozen=True)
class WarningRule:
    id: str
    level: Literal["yellow", "orange", "red"]
    when: Expression
    scope: Literal["receivable", "customer"]
    source: Location

    @property
    def rule_id(self) -> str:
        return f"warning:{self.id}"


@dataclass(frozen=True)
class OrderCheck:
    id: str
    when: Expression
    decide: Literal["approve", "prepay", "hold", "reject"]
    source: Location

    @property
    def rule_id(self) -> str:
        return f"order:{self.id}"


@dataclass(frozen=True)
class InsuranceTerms:
    """The credit insurer's terms: an overdue must be reported within
    ``report_overdue_after_days`` of the due date; a task opens ``notify_days_before``."""

    report_overdue_after_days: int
    notify_days_before: int = 10


# A prepayment unapplied longer than this many days raises a warning (policy
# ``prepayments: {warning_days: N}``): goods not shipped, or money owed back.
PREPAYMENT_WARNING_DAYS = 30


@dataclass(frozen=True)
class ScoreFactor:
    """One scorecard row: ``points`` is [(threshold, points)], first row that applies wins."""

    factor: str
    weight: Decimal
    better: Literal["higher", "lower"]
    points: list[tuple[Decimal, Decimal]]
    source: Location


@dataclass(frozen=True)
class CreditTerms:
    credit_limit: Decimal
    payment_terms_days: int
    prepayment_ratio: Decimal


@dataclass(frozen=True)
class CreditPolicy:
    scorecard: list[ScoreFactor]
    ratings: dict[str, Decimal]  # rating -> lowest score, best rating first
    terms: dict[str, CreditTerms]
    source: Location


@dataclass(frozen=True, eq=False)
class Policy:
    """A loaded policy; equal (and hashed) by ``hash``, the sha256 of its files."""

    hash: str
    files: dict[str, str]
    stages: list[StageRule]
    reminders: list[ReminderStep]
    warnings: list[WarningRule]
    credit: CreditPolicy | None
    order_checks: list[OrderCheck]
    compiled: dict[Scope, CompiledScope] = field(repr=False)
    # balances below this, per currency, get no reminder (a few cents of rounding)
    tolerance: dict[str, Decimal] = field(default_factory=dict)
    insurance: InsuranceTerms | None = None  # None: no insurer deadlines are watched
    prepayment_warning_days: int = PREPAYMENT_WARNING_DAYS
    # bad-debt provision rate (0..1) per ageing bucket name (坏账准备), for the reports
    provision: dict[str, Decimal] = field(default_factory=dict)
    interest: InterestTerms | None = None  # None: no late-payment interest anywhere
    go_live: GoLive = field(default_factory=GoLive)  # reminder start, catch-up gap
    # another policy folder for a share of customers (engine/challenger.py); None: none
    challenger: Challenger | None = None
    challenger_policy: Policy | None = field(default=None, repr=False)  # its folder, loaded
    # what the logic checks warn about (engine/policy_checks.py): shown, not refused
    advisories: list[Problem] = field(default_factory=list)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Policy) and other.hash == self.hash

    def __hash__(self) -> int:
        return hash(self.hash)

    def rules(self, scope: Scope) -> list[RuleSpec]:
        """The rules evaluated in ``scope``, in policy order (the order results use)."""
        return self.compiled[scope].rules

    def stage(self, name: str) -> StageRule | None:
        return next((stage for stage in self.stages if stage.name == name), None)

    def order_decision(self, rule_ids: Iterable[str]) -> str:
        """An order's decision: the strictest of the order checks that fired (``rule_ids``),
        approve when none did."""
        decide = {check.rule_id: check.decide for check in self.order_checks}
        return max((decide[r] for r in rule_ids), key=DECISIONS.index, default="approve")

    def for_arm(self, arm: Arm) -> Policy:
        """The policy deciding for a customer in ``arm``: the challenger's, else this one."""
        if arm == "challenger" and self.challenger_policy is not None:
            return self.challenger_policy
        return self


def policy_hash(files: dict[str, str]) -> str:
    """sha256 over the files' names and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(files):
        data = files[name].encode("utf-8")
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def load_policy(directory: str | Path, buckets: Collection[str] | None = None) -> Policy:
    """Load every ``*.yaml`` (and ``*.yml``) of a policy folder (sorted by name);
    PolicyError if bad. ``buckets``: the ageing bucket names of settings, which the
    ``provision`` rates must name (None: not checked; the engine reads no settings).

    A policy naming a ``challenger:`` folder loads and checks that folder too (its
    problems name its own files); either one bad and the whole load fails."""
    policy = _load_folder(directory, buckets)
    spec = policy.challenger
    if spec is None:
        return policy
    return attach(policy, _load_folder(challenger_folder(spec, directory), buckets))


def load_policy_texts(files: dict[str, str], challenger: dict[str, str] | None = None,
                      buckets: Collection[str] | None = None) -> Policy:
    """Load a policy given as {file name: YAML text}, e.g. uploaded through the web.

    A policy naming a challenger needs the challenger's files in ``challenger`` (the last
    good policy, read back from the database); an upload has one folder, so it is refused.
    """
    policy = _load_texts(files, {name: name for name in files}, buckets)
    spec = policy.challenger
    if spec is None:
        return policy
    if challenger is None:
        raise upload_refused(spec)
    labels = {name: f"{spec.folder}/{name}" for name in challenger}
    return attach(policy, _load_texts(challenger, labels, buckets))


def _load_folder(directory: str | Path, buckets: Collection[str] | None) -> Policy:
    folder = Path(directory)
    where = str(directory)
    if not folder.exists():
        raise PolicyError([Problem(where, 0, "policy folder not found: `arflow init DIR` writes "
                                          "a starting one, or set ARFLOW_POLICY_DIR")])
    if not folder.is_dir():
        raise PolicyError([Problem(where, 0, "not a folder: a policy is a folder of *.yaml")])
    paths = sorted((path for pattern in ("*.yaml", "*.yml") for path in folder.glob(pattern)
                    if path.is_file()), key=lambda path: path.name)
    if not paths:
        raise PolicyError([Problem(where, 0, "no *.yaml files in the policy folder")])
    files: dict[str, str] = {}
    problems: list[Problem] = []
    for path in paths:
        data = path.read_bytes()
        try:
            files[path.name] = data.decode("utf-8")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            problems.append(Problem(str(path), line, "not UTF-8 text: save the file as UTF-8"))
    if problems:
        raise PolicyError(problems)
    return _build(files, {name: str(folder / name) for name in files}, buckets)


def _load_texts(files: dict[str, str], labels: dict[str, str],
                buckets: Collection[str] | None) -> Policy:
    if not files:
        raise PolicyError([Problem("<policy>", 0, "no files: a policy needs at least one "
                                                  "*.yaml file")])
    problems = [Problem(name, 0, "policy file names must end in .yaml and hold no folder")
                for name in files
                if not name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name
                or name in (".yaml", ".yml")]
    if problems:
        raise PolicyError(problems)
    return _build(dict(files), labels, buckets)


def file_stem(name: str) -> str:
    """``collection`` for collection.yaml and collection.yml: the loader reads both alike."""
    for suffix in (".yaml", ".yml"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _same_names(labels: dict[str, str]) -> list[Problem]:
    """collection.yaml beside collection.yml: one name, two files; which one counts?"""
    problems: list[Problem] = []
    for name in sorted(labels):
        if name.endswith(".yml") and (other := file_stem(name) + ".yaml") in labels:
            problems.append(Problem(labels[name], 0, (
                f"{name} and {other} are both in the policy folder (a .yml file is read like "
                f".yaml): keep one of them"), "policy.check.same_file",
                (("file", name), ("other", other))))
    return problems


def _build(files: dict[str, str], labels: dict[str, str],
           buckets: Collection[str] | None = None) -> Policy:
    builder = _Builder()
    builder.problems.extend(_same_names(labels))
    sections: dict[str, tuple[YamlDoc, Any]] = {}
    for name in sorted(files):
        doc = parse_yaml(labels[name], files[name])
        builder.problems.extend(doc.problems)
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            builder.problems.append(doc.problem((), (
                "a policy file must be a mapping of top-level keys: "
                + ", ".join(TOP_LEVEL_KEYS))))
            continue
        for key, value in doc.data.items():
            if key not in TOP_LEVEL_KEYS:
                guess = difflib.get_close_matches(key, TOP_LEVEL_KEYS, n=1, cutoff=0.6)
                hint = f" (did you mean '{guess[0]}'?)" if guess else ""
                builder.problems.append(doc.problem((key,), (
                    f"unknown top-level key '{key}'{hint}; allowed: "
                    + ", ".join(TOP_LEVEL_KEYS))))
            elif key in sections:
                first = sections[key][0]
                builder.problems.append(doc.problem((key,), (
                    f"'{key}' is already defined in {first.file}:{first.line((key,))}; "
                    f"a top-level key may appear in only one file")))
            else:
                sections[key] = (doc, value)

    stages = builder.section(sections.get("stages"), builder.stages)
    reminders = builder.section(sections.get("reminders"), builder.reminders)
    warnings = builder.section(sections.get("warnings"), builder.warnings)
    credit = builder.section(sections.get("credit"), builder.credit)
    order_checks = builder.section(sections.get("order_checks"), builder.order_checks)
    tolerance = builder.section(sections.get("tolerance"), builder.tolerance)
    insurance = builder.section(sections.get("insurance"), builder.insurance)
    prepayments = builder.section(sections.get("prepayments"), builder.prepayments)
    provision = builder.section(sections.get("provision"), builder.provision)
    interest = builder.section(sections.get("interest"), builder.interest)
    go_live = builder.section(sections.get("go_live"), builder.go_live)
    challenger = builder.section(sections.get("challenger"), builder.challenger)

    scoped: dict[Scope, list[RuleSpec]] = {
        "receivable": [*(RuleSpec(s.rule_id, s.when, s.source) for s in stages or []),
                       *(RuleSpec(r.rule_id, r.when, r.source) for r in reminders or []),
                       *(RuleSpec(w.rule_id, w.when, w.source) for w in warnings or []
                         if w.scope == "receivable")],
        "customer": [RuleSpec(w.rule_id, w.when, w.source) for w in warnings or []
                     if w.scope == "customer"],
        "order": [RuleSpec(c.rule_id, c.when, c.source) for c in order_checks or []],
    }
    compiled: dict[Scope, CompiledScope] = {}
    for scope in SCOPES:
        compiled[scope], problems = compile_scope(scope, scoped[scope])
        builder.problems.extend(problems)
    found = check_rules(sorted(stages or [], key=lambda s: STAGE_ORDER.index(s.name)),
                        reminders or [], warnings or [], order_checks or [])
    if buckets is not None and "provision" in sections:
        doc = sections["provision"][0]
        found.errors.extend(check_buckets(
            {name: builder._where(doc, ("provision", name)) for name in provision or {}},
            buckets).errors)
    builder.problems.extend(found.errors)
    if builder.problems:
        raise PolicyError(builder.problems)
    return Policy(policy_hash(files), dict(sorted(files.items())), stages or [], reminders or [],
                  warnings or [], credit, order_checks or [], compiled, tolerance or {},
                  insurance=insurance,
                  prepayment_warning_days=(prepayments or {}).get(
                      "warning_days", PREPAYMENT_WARNING_DAYS),
                  provision=provision or {}, interest=interest,
                  go_live=go_live or GoLive(), challenger=challenger,
                  advisories=sorted(found.warnings, key=lambda p: (p.file, p.line)))


class _Builder:
    """Turns validated sections into rule objects, collecting every problem on the way."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def section(self, found: tuple[YamlDoc, Any] | None,
                build: Callable[[YamlDoc, Any], Any]) -> Any:
        return None if found is None else build(*found)

    def _where(self, doc: YamlDoc, path: NodePath) -> Location:
        return Location(doc.file, doc.line(path))

    def _when(self, doc: YamlDoc, path: NodePath, source: str, scope: Scope
              ) -> Expression | None:
        try:
            return parse_expression(source, scope)
        except ExpressionError as error:
            self.problems.append(doc.problem(path, str(error), error.code, error.params))
            return None

    def _items(self, doc: YamlDoc, key: str, value: Any, what: str) -> list[tuple[NodePath, Any]]:
        if not isinstance(value, list):
            self.problems.append(doc.problem((key,), (
                f"{key} must be a list of {what} (lines starting with '- id:')")))
            return []
        return [((key, index), item) for index, item in enumerate(value)]

    def _unique(self, doc: YamlDoc, seen: dict[str, Location], path: NodePath, rule_id: str,
                what: str) -> bool:
        if rule_id in seen:
            kind = "order" if what == "order check" else what  # policy.rule_kind.* in catalogs
            self.problems.append(doc.problem((*path, "id"), (
                f"duplicate {what} id '{rule_id}' (first at {seen[rule_id]})"),
                "policy.check.duplicate_id",
                (("kind", kind), ("id", rule_id), ("first", str(seen[rule_id])))))
            return False
        seen[rule_id] = self._where(doc, path)
        return True

    def stages(self, doc: YamlDoc, value: Any) -> list[StageRule]:
        if not isinstance(value, dict):
            self.problems.append(doc.problem(("stages",), (
                "stages must be a mapping of stage names (due_soon, overdue, escalated, legal) "
                "to their conditions")))
            return []
        rules: list[StageRule] = []
        furthest: str | None = None
        for name, body in value.items():
            path: NodePath = ("stages", name)
            if name not in STAGE_ORDER:
                self.problems.append(doc.problem(path, _unknown_stage(name)))
                continue
            if furthest is not None and STAGE_ORDER.index(name) < STAGE_ORDER.index(furthest):
                self.problems.append(doc.problem(path, (
                    f"stage '{name}' must come before '{furthest}': stages are listed in the "
                    f"order " + ", ".join(STAGE_ORDER))))
            else:
                furthest = name
            model, problems = validate(StageModel, body, doc, path)
            self.problems.extend(problems)
            if model is None:
                continue
            when = self._when(doc, (*path, "when"), model.when, "receivable")
            tasks = [TaskSpec(item.task.kind, item.task.assign, item.task.due_in_days)
                     for item in model.on_enter]
            if when is not None:
                rules.append(StageRule(name, when, tasks, self._where(doc, path)))
        return sorted(rules, key=lambda rule: STAGE_ORDER.index(rule.name))

    def tolerance(self, doc: YamlDoc, value: Any) -> dict[str, Decimal]:
        """``tolerance: {CNY: 10, USD: 1.5}``: per currency, the smallest balance reminded."""
        if not isinstance(value, dict):
            self.problems.append(doc.problem(("tolerance",), (
                "tolerance must map currency codes to amounts, e.g. {CNY: 10, USD: 1.5}")))
            return {}
        amounts: dict[str, Decimal] = {}
        for code, amount in value.items():
            path: NodePath = ("tolerance", code)
            if not isinstance(code, str) or not re.fullmatch(r"[A-Z]{3}", code):
                self.problems.append(doc.problem(path, (
                    f"tolerance: {code!r} is not an ISO currency code like CNY")))
            elif isinstance(amount, bool) or not isinstance(amount, int | float | Decimal) \
                    or amount < 0:
                self.problems.append(doc.problem(path, (
                    f"tolerance for {code} must be an amount >= 0, got {amount!r}")))
            else:
                amounts[code] = Decimal(repr(amount)) if isinstance(amount, float) \
                    else Decimal(amount)
        return amounts

    def provision(self, doc: YamlDoc, value: Any) -> dict[str, Decimal]:
        """``provision: {current: 0.005, 1-30: 0.01, ">365": 1}``: expected-loss rate per
        ageing bucket (names as in settings reports.ageing_buckets, checked by the report)."""
        if not isinstance(value, dict):
            self.problems.append(doc.problem(("provision",), (
                "provision must map ageing bucket names to rates 0..1, e.g. {1-30: 0.01}")))
            return {}
        rates: dict[str, Decimal] = {}
        for name, rate in value.items():
            path: NodePath = ("provision", name)
            if not isinstance(name, str) or not name.strip():
                self.problems.append(doc.problem(path, (
                    f"provision: {name!r} is not an ageing bucket name; quote it, e.g. '1-30'")))
            elif isinstance(rate, bool) or not isinstance(rate, int | float | Decimal) \
                    or not 0 <= rate <= 1:
                self.problems.append(doc.problem(path, (
                    f"provision rate for {name} must be a number from 0 to 1, got {rate!r}")))
            else:
                rates[name] = Decimal(repr(rate)) if isinstance(rate, float) else Decimal(rate)
        return rates

    def interest(self, doc: YamlDoc, value: Any) -> InterestTerms | None:
        """``interest: {rate_per_day: 0.0005, grace_days: 5, ...}`` (engine/interest.py)."""
        terms, problems = parse_terms(doc, value)
        self.problems.extend(problems)
        return terms

    def go_live(self, doc: YamlDoc, value: Any) -> GoLive | None:
        """``go_live: {date: 2026-12-01, min_gap_days: 5}`` (engine/go_live.py)."""
        terms, problems = parse_go_live(doc, value)
        self.problems.extend(problems)
        return terms

    def challenger(self, doc: YamlDoc, value: Any) -> Challenger | None:
        """``challenger: {folder: rules-challenger, share: 20%}`` (engine/challenger.py)."""
        spec, problems = parse_challenger(doc, value)
        self.problems.extend(problems)
        return spec

    def _days(self, doc: YamlDoc, key: str, value: Any, required: tuple[str, ...],
              optional: tuple[str, ...]) -> dict[str, int] | None:
        """A small mapping of whole numbers of days, e.g. ``{report_overdue_after_days: 60}``."""
        allowed = (*required, *optional)
        example = ", ".join(f"{name}: 30" for name in required or optional)
        if not isinstance(value, dict):
            self.problems.append(doc.problem((key,), (
                f"{key} must be a mapping like {{{example}}}")))
            return None
        days: dict[str, int] = {}
        for name, number in value.items():
            path: NodePath = (key, name)
            if name not in allowed:
                self.problems.append(doc.problem(path, (
                    f"{key}: unknown key {name!r}; allowed: " + ", ".join(allowed))))
            elif isinstance(number, bool) or not isinstance(number, int) or number < 0:
                self.problems.append(doc.problem(path, (
                    f"{key}.{name} must be a whole number of days >= 0, got {number!r}")))
            else:
                days[name] = number
        for name in required:
            if name not in value:
                self.problems.append(doc.problem((key,), f"{key}: '{name}' is missing"))
        return days if len(days) == len(value) and all(n in days for n in required) else None

    def insurance(self, doc: YamlDoc, value: Any) -> InsuranceTerms | None:
        """``insurance: {report_overdue_after_days: 60, notify_days_before: 10}``."""
        days = self._days(doc, "insurance", value, ("report_overdue_after_days",),
                          ("notify_days_before",))
        if days is None:
            return None
        if days["report_overdue_after_days"] < 1:
            self.problems.append(doc.problem(("insurance", "report_overdue_after_days"), (
                "insurance.report_overdue_after_days must be at least 1")))
            return None
        return InsuranceTerms(**days)

    def prepayments(self, doc: YamlDoc, value: Any) -> dict[str, int] | None:
        """``prepayments: {warning_days: 30}``."""
        return self._days(doc, "prepayments", value, (), ("warning_days",))

    def reminders(self, doc: YamlDoc, value: Any) -> list[ReminderStep]:
        steps: list[ReminderStep] = []
        seen: dict[str, Location] = {}
        for path, item in self._items(doc, "reminders", value, "reminder steps"):
            model, problems = validate(ReminderModel, item, doc, path)
            self.problems.extend(problems)
            if model is None or not self._unique(doc, seen, path, model.id, "reminder"):
                continue
            when = self._when(doc, (*path, "when"), model.when, "receivable")
            if when is not None:
                steps.append(ReminderStep(model.id, when, model.template, list(model.cc),
                                          model.review, self._where(doc, path), model.attach))
        return steps

    def warnings(self, doc: YamlDoc, value: Any) -> list[WarningRule]:
        rules: list[WarningRule] = []
        seen: dict[str, Location] = {}
        for path, item in self._items(doc, "warnings", value, "warnings"):
            model, problems = validate(WarningModel, item, doc, path)
            self.problems.extend(problems)
            if model is None or not self._unique(doc, seen, path, model.id, "warning"):
                continue
            when = self._when(doc, (*path, "when"), model.when, model.scope)
            if when is not None:
                rules.append(WarningRule(model.id, model.level, when, model.scope,
                                         self._where(doc, path)))
        return rules

    def order_checks(self, doc: YamlDoc, value: Any) -> list[OrderCheck]:
        checks: list[OrderCheck] = []
        seen: dict[str, Location] = {}
        for path, item in self._items(doc, "order_checks", value, "checks"):
            model, problems = validate(OrderCheckModel, item, doc, path)
            self.problems.extend(problems)
            if model is None or not self._unique(doc, seen, path, model.id, "order check"):
                continue
            when = self._when(doc, (*path, "when"), model.when, "order")
            if when is not None:
                checks.append(OrderCheck(model.id, when, model.decide, self._where(doc, path)))
        return checks

    def credit(self, doc: YamlDoc, value: Any) -> CreditPolicy | None:
        model, problems = validate(CreditModel, value, doc, ("credit",))
        self.problems.extend(problems)
        if model is None:
            return None
        before = len(self.problems)
        factors = self._scorecard(doc, model)
        ratings = dict(sorted(model.ratings.items(), key=lambda item: -item[1]))
        self._ratings(doc, ratings)
        for rating in model.terms:
            if rating not in ratings:
                self.problems.append(doc.problem(("credit", "terms", rating), (
                    f"terms for '{rating}', which is not a rating (ratings: "
                    + ", ".join(ratings) + ")")))
        for rating in ratings:
            if rating not in model.terms:
                self.problems.append(doc.problem(("credit", "terms"), (
                    f"credit.terms has no entry for rating '{rating}'")))
        if len(self.problems) > before:
            return None
        terms = {rating: CreditTerms(t.credit_limit, t.payment_terms_days, t.prepayment_ratio)
                 for rating, t in model.terms.items()}
        return CreditPolicy(factors, ratings, terms, self._where(doc, ("credit",)))

    def _scorecard(self, doc: YamlDoc, model: CreditModel) -> list[ScoreFactor]:
        factors: list[ScoreFactor] = []
        seen: set[str] = set()
        for index, row in enumerate(model.scorecard):
            path: NodePath = ("credit", "scorecard", index)
            if row.factor not in SCORECARD_FACTORS:
                guess = difflib.get_close_matches(row.factor, list(SCORECARD_FACTORS), n=1)
                hint = f" (did you mean '{guess[0]}'?)" if guess else ""
                self.problems.append(doc.problem((*path, "factor"), (
                    f"unknown scorecard factor '{row.factor}'{hint}; known: "
                    + ", ".join(SCORECARD_FACTORS))))
            elif row.factor in seen:
                self.problems.append(doc.problem((*path, "factor"), (
                    f"scorecard factor '{row.factor}' appears twice")))
            seen.add(row.factor)
            points = [(pair[0], pair[1]) for pair in row.points]
            self._points(doc, (*path, "points"), points, row.better)
            factors.append(ScoreFactor(row.factor, row.weight, row.better, points,
                                       self._where(doc, path)))
        return factors

    def _points(self, doc: YamlDoc, path: NodePath, points: list[tuple[Decimal, Decimal]],
                better: str) -> None:
        for index, (threshold, score) in enumerate(points):
            if not Decimal(0) <= score <= Decimal(100):
                self.problems.append(doc.problem((*path, index), (
                    f"{label(path)}: points must be between 0 and 100; got {score}")))
            if index == 0:
                continue
            previous = points[index - 1][0]
            ordered = threshold < previous if better == "higher" else threshold > previous
            if not ordered:
                order = ("from highest to lowest threshold (better: higher)"
                         if better == "higher" else
                         "from lowest to highest threshold (better: lower)")
                self.problems.append(doc.problem((*path, index), (
                    f"{label(path)}: rows must go {order}; {threshold} comes after {previous}")))

    def _ratings(self, doc: YamlDoc, ratings: dict[str, Decimal]) -> None:
        by_score: dict[Decimal, str] = {}
        for rating, score in ratings.items():
            if score in by_score:
                self.problems.append(doc.problem(("credit", "ratings", rating), (
                    f"ratings '{by_score[score]}' and '{rating}' both start at {score}")))
            by_score[score] = rating
        if ratings and min(ratings.values()) != 0:
            lowest = min(ratings.values())
            self.problems.append(doc.problem(("credit", "ratings"), (
                f"no rating starts at 0: a score below {lowest} would have no rating")))


def _unknown_stage(name: str) -> str:
    if name == "current":
        return "'current' is where every receivable starts; it has no condition"
    if name == "paid":
        return "'paid' has no condition: a zero balance settles a receivable from any stage"
    guess = difflib.get_close_matches(name, STAGE_ORDER, n=1, cutoff=0.6)
    hint = f" (did you mean '{guess[0]}'?)" if guess else ""
    return f"unknown stage '{name}'{hint}; stages are " + ", ".join(STAGE_ORDER)
