"""``when:`` conditions: parsed with Python's ``ast`` against a whitelist, type-checked
against the fact catalogue, and evaluated in plain Python. Nothing is ever eval'd.

Semantics (docs/policy.md says the same to credit managers):
- a comparison with a null operand is false, and so is one whose arithmetic meets null
  or a division by zero; ``x == null`` / ``x != null`` test presence;
- ``not`` is pushed down to the comparisons (De Morgan, ``not a < b`` is ``a >= b``), so
  ``not`` of a comparison with a null is false too. After that push-down every condition
  is plain two-valued logic, which durable_rules can match exactly.
"""

from __future__ import annotations

import ast
import difflib
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.errors import Args
from engine.facts import (
    DECIMAL,
    ORDER_FACTS,
    RECEIVABLE_FACTS,
    SCOPE_FACTS,
    Kind,
    Scope,
    convert,
    money_cents,
    plain_number,
)
from engine.nesting import TOO_DEEP, too_deep
from engine.syntax_hints import Hint, keyword_typo, number_separator, reversed_operator

MAX_SOURCE_LENGTH = 10_000
MAX_NODES = 2_000

# ---------------------------------------------------------------- the parsed form


@dataclass(frozen=True)
class Const:
    value: Decimal | str | bool | None


@dataclass(frozen=True)
class FactRef:
    name: str
    kind: Kind


@dataclass(frozen=True)
class Arith:
    op: str  # + - * /
    left: Term
    right: Term


@dataclass(frozen=True)
class Neg:
    operand: Term


Term = Const | FactRef | Arith | Neg


@dataclass(frozen=True)
class Compare:
    """``left op right``; ``right == Const(None)`` with == / != is a presence test."""

    op: str  # < <= > >= == !=
    left: Term
    right: Term


@dataclass(frozen=True)
class Member:
    operand: Term
    values: tuple[Const, ...]
    negated: bool


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Cond, ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Cond, ...]


@dataclass(frozen=True)
class Always:
    value: bool


Cond = Compare | Member | AllOf | AnyOf | Always


class ExpressionError(ValueError):
    """A ``when:`` that cannot be accepted; the message is one line for file:line.

    ``code`` and ``params`` (optional) name the message in the web app's catalogs."""

    def __init__(self, message: str, code: str | None = None, params: Args = ()) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def _hinted(hint: Hint) -> ExpressionError:
    return ExpressionError(f"syntax error in when: {hint.message}", hint.code, hint.args)


@dataclass(frozen=True)
class Expression:
    """A checked condition: its source text, parsed form and the facts it reads."""

    source: str
    scope: Scope
    condition: Cond
    facts: frozenset[str]
    test: Callable[[Mapping[str, Any]], bool] = field(compare=False, repr=False)

    def __str__(self) -> str:
        return self.source

    def evaluate(self, facts: Mapping[str, Any]) -> bool:
        """Evaluate on a caller's flat fact dict (Decimal money, None for null)."""
        kinds = SCOPE_FACTS[self.scope]
        values = {name: convert(name, kinds[name], facts.get(name))[0] for name in self.facts}
        return self.test(values)


def parse_expression(source: str, scope: Scope) -> Expression:
    """Parse and check one condition for ``scope``; raises ExpressionError."""
    text = " ".join(source.split())
    if not text:
        raise ExpressionError("empty condition in when:")
    if len(text) > MAX_SOURCE_LENGTH:
        raise ExpressionError(f"condition too long ({len(text)} characters, at most "
                              f"{MAX_SOURCE_LENGTH})")
    if too_deep(text):  # before the parser, which recurses on brackets
        raise ExpressionError(TOO_DEEP)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        hint = (number_separator(text) or keyword_typo(text, set(SCOPE_FACTS[scope]))
                or reversed_operator(text))
        if hint is not None:
            raise _hinted(hint) from None
        where = f" (at column {error.offset})" if error.offset else ""
        message = (error.msg or "invalid syntax").split("\n")[0]
        raise ExpressionError(f"syntax error in when: {message}{where}{_hint(text)}") from None
    except (RecursionError, MemoryError):  # the last resort: the depth checks come first
        raise ExpressionError(TOO_DEEP) from None
    except ValueError as error:  # a NUL byte
        raise ExpressionError(f"cannot read the condition: {error}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"condition too complex (more than {MAX_NODES} parts)")
    if too_deep(text, tree):  # not not not …, - - - 1: deep without a bracket
        raise ExpressionError(TOO_DEEP)
    try:
        condition = _Parser(scope).condition(tree.body, negate=False)
        used = frozenset(facts_of(condition))
        return Expression(source.strip(), scope, condition, used, plain_condition(condition))
    except RecursionError:  # the last resort again: checking recurses on the tree
        raise ExpressionError(TOO_DEEP) from None
    except ExpressionError:
        separator = number_separator(text)  # 50,000 parses as a list of 50 and 0
        if separator is not None:
            raise _hinted(separator) from None
        raise


# ---------------------------------------------------------------- parsing and checking

_LONE_EQUALS = re.compile(r"(?<![=<>!])=(?!=)")


def _hint(text: str) -> str:
    """What a spreadsheet or C habit probably meant."""
    if _LONE_EQUALS.search(text):
        return "; use == to compare"
    if "&&" in text or "||" in text:
        return "; use and / or"
    if "<>" in text:
        return "; use != for 'not equal'"
    return ""


_NUMERIC = ("money", "number", "const")
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
_CMP_OPS: dict[type, str] = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
                             ast.Eq: "==", ast.NotEq: "!="}
_ARITH_OPS: dict[type, str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CONSTANT_NAMES: dict[str, bool | None] = {"true": True, "True": True, "false": False,
                                           "False": False, "null": None, "None": None}
_KIND_TYPE: dict[Kind, str] = {"money": "money", "int": "number", "number": "number",
                               "str": "str", "bool": "bool"}
_FORBIDDEN: dict[type, str] = {
    ast.Call: "function calls", ast.Subscript: "indexing with [...]", ast.Lambda: "lambda",
    ast.IfExp: "if/else expressions", ast.Dict: "{...} mappings", ast.Set: "{...} sets",
    ast.ListComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.DictComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.JoinedStr: "f-strings", ast.NamedExpr: "':='", ast.Starred: "'*'",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slices",
}


def _show(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(type_: str) -> str:
    return {"money": "money", "number": "a number", "const": "a number", "str": "text",
            "bool": "true/false", "null": "null"}[type_]


class _Parser:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.facts = SCOPE_FACTS[scope]

    # conditions ------------------------------------------------------------

    def condition(self, node: ast.AST, negate: bool) -> Cond:
        if isinstance(node, ast.BoolOp):
            parts = tuple(self.condition(value, negate) for value in node.values)
            conjunction = isinstance(node.op, ast.And) != negate
            return all_of(parts) if conjunction else any_of(parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self.condition(node.operand, not negate)
        if isinstance(node, ast.Compare):
            return self._comparison(node, negate)
        term, type_ = self.term(node)
        if type_ == "bool":
            if isinstance(term, Const):
                return Always(bool(term.value) != negate)
            return Compare("!=" if negate else "==", term, Const(True))
        raise ExpressionError(
            f"'{_show(node)}' is {_type_name(type_)}, not a condition: compare it, "
            f"e.g. '{_show(node)} > 0'" if type_ in _NUMERIC else
            f"'{_show(node)}' is {_type_name(type_)}, not a condition: compare it with ==")

    def _comparison(self, node: ast.Compare, negate: bool) -> Cond:
        parts: list[Cond] = []
        left_node = node.left
        for op_node, right_node in zip(node.ops, node.comparators, strict=True):
            parts.append(self._pair(left_node, op_node, right_node, negate))
            left_node = right_node
        return any_of(tuple(parts)) if negate else all_of(tuple(parts))

    def _pair(self, left_node: ast.AST, op_node: ast.cmpop, right_node: ast.AST,
              negate: bool) -> Cond:
        if isinstance(op_node, ast.In | ast.NotIn):
            negated = isinstance(op_node, ast.NotIn) != negate
            return self._member(left_node, right_node, negated)
        if isinstance(op_node, ast.Is | ast.IsNot):
            raise ExpressionError("'is' is not allowed: use == or != (e.g. x == null)")
        op = _CMP_OPS[type(op_node)]
        if negate:
            op = _NEGATE[op]
        left, left_type = self.term(left_node)
        right, right_type = self.term(right_node)
        shown = f"{_show(left_node)} {_CMP_OPS[type(op_node)]} {_show(right_node)}"
        if "null" in (left_type, right_type):
            if op not in ("==", "!="):
                raise ExpressionError(f"null can only be compared with == or != "
                                      f"(x == null tests that x is missing): '{shown}'")
            if left_type == right_type:
                return Always(op == "==")
            other = right if left_type == "null" else left
            return Compare(op, other, Const(None))
        if left_type in _NUMERIC and right_type in _NUMERIC:
            if {left_type, right_type} == {"money", "number"}:
                raise ExpressionError(f"cannot compare money with a plain number: '{shown}' "
                                      f"(money facts are in currency units)")
        elif left_type != right_type:
            raise ExpressionError(f"cannot compare {_type_name(left_type)} with "
                                  f"{_type_name(right_type)}: '{shown}'")
        elif op not in ("==", "!="):
            raise ExpressionError(f"{_type_name(left_type)} can only be compared with == or != "
                                  f"(or in [...]): '{shown}'")
        if isinstance(left, Const) and isinstance(right, Const):
            return Always(_constant_compare(op, left.value, right.value))
        if isinstance(left, Const):
            left, right, op = right, left, _FLIP[op]
        if isinstance(left, FactRef) and isinstance(right, Const):
            right = _canonical(left.kind, right, shown)
        return Compare(op, left, right)

    def _member(self, left_node: ast.AST, right_node: ast.AST, negated: bool) -> Cond:
        if not isinstance(right_node, ast.List | ast.Tuple):
            raise ExpressionError(f"'in' needs a list of values, e.g. x in ['A', 'B']: "
                                  f"'{_show(right_node)}'")
        operand, operand_type = self.term(left_node)
        if operand_type == "null":
            raise ExpressionError("null cannot be looked up in a list: use x == null")
        values: list[Const] = []
        for element in right_node.elts:
            value, value_type = self.term(element)
            if not isinstance(value, Const):
                raise ExpressionError(f"a list after 'in' may only hold values, not "
                                      f"'{_show(element)}'")
            if value_type == "null":
                raise ExpressionError("null is not allowed in a list: use x == null")
            numeric = operand_type in _NUMERIC and value_type in _NUMERIC
            if not numeric and value_type != operand_type:
                raise ExpressionError(f"cannot look up {_type_name(operand_type)} "
                                      f"'{_show(left_node)}' among {_type_name(value_type)} "
                                      f"values: '{_show(element)}'")
            if isinstance(operand, FactRef):
                value = _canonical(operand.kind, value, _show(element))
            if value not in values:
                values.append(value)
        if isinstance(operand, Const):
            found = any(_constant_compare("==", operand.value, v.value) for v in values)
            return Always(found != negated)
        if not values:
            return Compare("!=", operand, Const(None)) if negated else Always(False)
        return Member(operand, tuple(values), negated)

    # terms -----------------------------------------------------------------

    def term(self, node: ast.AST) -> tuple[Term, str]:
        if isinstance(node, ast.Constant):
            return _literal(node.value, node)
        if isinstance(node, ast.Name):
            if node.id in _CONSTANT_NAMES:
                value = _CONSTANT_NAMES[node.id]
                return Const(value), "null" if value is None else "bool"
            return self._fact(node.id)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "customer":
                return self._fact(f"customer.{node.attr}")
            raise ExpressionError(f"attribute access is only allowed on customer "
                                  f"(customer.x): '{_show(node)}'")
        if isinstance(node, ast.BinOp):
            return self._arith(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand, type_ = self.term(node.operand)
            if type_ not in _NUMERIC:
                raise ExpressionError(f"'-' needs a number: '{_show(node)}'")
            if isinstance(node.op, ast.UAdd):
                return operand, type_
            if isinstance(operand, Const):
                return Const(DECIMAL.minus(operand.value)), type_
            return Neg(operand), type_
        if isinstance(node, ast.Compare | ast.BoolOp) or (
                isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
            raise ExpressionError(f"a condition cannot be used as a value: '{_show(node)}' "
                                  f"(combine conditions with and / or)")
        if isinstance(node, ast.List | ast.Tuple):
            raise ExpressionError(f"a list is only allowed after 'in': '{_show(node)}'")
        what = _FORBIDDEN.get(type(node))
        if what is None and isinstance(node, ast.BinOp | ast.UnaryOp):
            what = "this operator"
        raise ExpressionError(f"{what or 'this'} not allowed in when: '{_show(node)}'")

    def _fact(self, name: str) -> tuple[Term, str]:
        kind = self.facts.get(name)
        if kind is not None:
            return FactRef(name, kind), _KIND_TYPE[kind]
        raise ExpressionError(self._unknown(name))

    def _unknown(self, name: str) -> str:
        if name == "customer":
            return "'customer' alone is not a fact: write customer.<fact>, e.g. customer.rating"
        if self.scope == "customer" and name in RECEIVABLE_FACTS:
            return (f"'{name}' is not a customer fact: a warning with scope: customer may only "
                    f"use customer.* facts")
        if self.scope == "order" and name in RECEIVABLE_FACTS:
            return (f"'{name}' is not available in order_checks (order facts: amount, "
                    f"currency, exposure_after and customer.*)")
        if self.scope != "order" and name in ORDER_FACTS:
            return f"'{name}' is only available in order_checks"
        known = list(self.facts)
        if f"customer.{name}" in self.facts:
            guess = [f"customer.{name}"]
        else:
            guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        return f"unknown fact '{name}' in when:{hint}"

    def _arith(self, node: ast.BinOp) -> tuple[Term, str]:
        op = _ARITH_OPS.get(type(node.op))
        if op is None:
            raise ExpressionError(f"operator not allowed (only + - * /): '{_show(node)}'")
        left, left_type = self.term(node.left)
        right, right_type = self.term(node.right)
        for type_, part in ((left_type, node.left), (right_type, node.right)):
            if type_ not in _NUMERIC:
                raise ExpressionError(f"arithmetic needs numbers, but '{_show(part)}' is "
                                      f"{_type_name(type_)}: '{_show(node)}'")
        result = _unit(op, left_type, right_type, node)
        if isinstance(left, Const) and isinstance(right, Const):
            try:
                return Const(_ARITH[op](left.value, right.value)), result
            except ArithmeticError:
                raise ExpressionError(f"division by zero: '{_show(node)}'") from None
        return Arith(op, left, right), result


def _unit(op: str, left: str, right: str, node: ast.AST) -> str:
    """Units of ``left op right``: money stays money, money/money is a plain number."""
    pair = {left, right}
    if op in "+-":
        if pair == {"money", "number"}:
            raise ExpressionError(f"cannot add or subtract money and a plain number: "
                                  f"'{_show(node)}'")
        return "money" if "money" in pair else ("number" if "number" in pair else "const")
    if op == "*":
        if pair == {"money"}:
            raise ExpressionError(f"cannot multiply money by money: '{_show(node)}'")
        return "money" if "money" in pair else ("number" if "number" in pair else "const")
    if right == "money":
        if left != "money":
            raise ExpressionError(f"cannot divide a number by money: '{_show(node)}'")
        return "number"
    return left if left != "const" else right


def _literal(value: Any, node: ast.AST) -> tuple[Const, str]:
    if value is None:
        return Const(None), "null"
    if isinstance(value, bool):
        return Const(value), "bool"
    if isinstance(value, int):
        return Const(Decimal(value)), "const"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ExpressionError(f"number out of range: '{_show(node)}'")
        return Const(plain_number(value)), "const"
    if isinstance(value, str):
        return Const(value), "str"
    raise ExpressionError(f"this kind of value is not allowed in when: '{_show(node)}'")


def _canonical(kind: Kind, const: Const, shown: str) -> Const:
    """The constant a fact is compared with, as the rules engine will see it.

    durable_rules compares doubles; a constant that a double cannot hold exactly is
    replaced by the double's own decimal value, so both evaluators agree on every fact.
    """
    value = const.value
    if not isinstance(value, Decimal):
        return const
    try:
        if kind == "money":
            return Const(money_cents(value)[0])
        if kind == "int" and value == value.to_integral_value():
            if abs(value) >= 2**62:
                raise OverflowError
            return Const(value)
        as_float = float(value)
        if as_float in (float("inf"), float("-inf")):
            raise OverflowError
        return Const(plain_number(as_float))
    except (OverflowError, ValueError, ArithmeticError):
        raise ExpressionError(f"number out of range: '{shown}'") from None


def _constant_compare(op: str, left: Any, right: Any) -> bool:
    if left is None or right is None:
        return (left is None and right is None) == (op == "==")
    return bool(_COMPARE[op](left, right))


def all_of(parts: tuple[Cond, ...]) -> Cond:
    """A conjunction with constants folded, nesting flattened and repeats dropped."""
    flat: list[Cond] = []
    for part in parts:
        items = part.parts if isinstance(part, AllOf) else (part,)
        for item in items:
            if isinstance(item, Always):
                if not item.value:
                    return Always(False)
                continue
            if item not in flat:
                flat.append(item)
    if not flat:
        return Always(True)
    return flat[0] if len(flat) == 1 else AllOf(tuple(flat))


def any_of(parts: tuple[Cond, ...]) -> Cond:
    """A disjunction with constants folded, nesting flattened and repeats dropped."""
    flat: list[Cond] = []
    for part in parts:
        items = part.parts if isinstance(part, AnyOf) else (part,)
        for item in items:
            if isinstance(item, Always):
                if item.value:
                    return Always(True)
                continue
            if item not in flat:
                flat.append(item)
    if not flat:
        return Always(False)
    return flat[0] if len(flat) == 1 else AnyOf(tuple(flat))


def facts_of(node: Cond | Term) -> set[str]:
    if isinstance(node, FactRef):
        return {node.name}
    if isinstance(node, Const | Always):
        return set()
    if isinstance(node, Neg):
        return facts_of(node.operand)
    if isinstance(node, Arith | Compare):
        return facts_of(node.left) | facts_of(node.right)
    if isinstance(node, Member):
        return facts_of(node.operand)
    return set().union(*(facts_of(part) for part in node.parts))


# ---------------------------------------------------------------- plain evaluation

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}
_ARITH: dict[str, Callable[[Any, Any], Decimal]] = {
    "+": DECIMAL.add, "-": DECIMAL.subtract, "*": DECIMAL.multiply, "/": DECIMAL.divide,
}

Values = Mapping[str, Any]


def plain_term(term: Term) -> Callable[[Values], Any]:
    """A function computing a term from normalised values; None when null or undefined."""
    if isinstance(term, Const):
        constant = term.value
        return lambda values: constant
    if isinstance(term, FactRef):
        name = term.name
        return lambda values: values.get(name)
    if isinstance(term, Neg):
        inner = plain_term(term.operand)

        def negative(values: Values) -> Any:
            value = inner(values)
            return None if value is None else DECIMAL.minus(value)
        return negative
    left, right, op = plain_term(term.left), plain_term(term.right), _ARITH[term.op]

    def arith(values: Values) -> Any:
        a = left(values)
        if a is None:
            return None
        b = right(values)
        if b is None:
            return None
        try:
            return op(a, b)
        except ArithmeticError:  # division by zero, overflow: undefined, like null
            return None
    return arith


def plain_condition(cond: Cond) -> Callable[[Values], bool]:
    """A function deciding a condition from normalised values (see module docstring)."""
    if isinstance(cond, Always):
        constant = cond.value
        return lambda values: constant
    if isinstance(cond, Compare):
        left = plain_term(cond.left)
        if isinstance(cond.right, Const) and cond.right.value is None:
            missing = cond.op == "=="
            return lambda values: (left(values) is None) == missing
        right, compare = plain_term(cond.right), _COMPARE[cond.op]

        def comparison(values: Values) -> bool:
            a = left(values)
            if a is None:
                return False
            b = right(values)
            return b is not None and compare(a, b)
        return comparison
    if isinstance(cond, Member):
        operand, negated = plain_term(cond.operand), cond.negated
        choices = frozenset(const.value for const in cond.values)

        def member(values: Values) -> bool:
            value = operand(values)
            return value is not None and (value in choices) != negated
        return member
    parts = tuple(plain_condition(part) for part in cond.parts)
    if isinstance(cond, AllOf):
        return lambda values: all(part(values) for part in parts)
    return lambda values: any(part(values) for part in parts)
