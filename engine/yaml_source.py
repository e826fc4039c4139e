"""YAML text -> plain data plus the line of every node, with YAML 1.1's traps caught.

PyYAML speaks YAML 1.1: ``NO`` is false, ``0012`` is the octal 10, ``2024-01-05`` is a
date, and a repeated key silently wins. A credit manager never means any of that, so
each is reported with file:line instead of changing what a policy does. So is nesting
deeper than any policy needs (``[[[[…]]]]``): PyYAML composes recursively, and a few
hundred levels would end in a RecursionError instead of a line to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from engine.errors import Args, Problem
from engine.nesting import MAX_DEPTH
from engine.syntax_hints import yaml_hint

Path = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_OCTAL = re.compile(r"^[-+]?0[0-9_]+$")
MAX_NODES = 200_000  # values per file, aliases expanded: a policy is far smaller
# MAX_DEPTH: levels of lists and mappings, aliases expanded (a policy uses under 10)
TOO_DEEP = f"nested too deeply (at most {MAX_DEPTH} levels)"


@dataclass(frozen=True)
class Scalar:
    """How a scalar was written: its resolved tag (``bool``, ``int``, ``str``...), text, quoting."""

    tag: str
    raw: str
    plain: bool


@dataclass
class YamlDoc:
    """One parsed file: its data, the line of each path in it, and the problems found."""

    file: str
    data: Any = None
    lines: dict[Path, int] = field(default_factory=dict)
    scalars: dict[Path, Scalar] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    trapped: set[Path] = field(default_factory=set)  # paths already reported as a trap

    def line(self, path: Path) -> int:
        """The line of ``path``, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def problem(self, path: Path, message: str, code: str | None = None,
                args: Args = ()) -> Problem:
        """A problem at ``path``; ``code`` and ``args``: its catalog entry, so the web app
        can show it in the user's language."""
        return Problem(self.file, self.line(path), message, code, args)


def parse_yaml(file: str, text: str) -> YamlDoc:
    """Parse one file; syntax errors and YAML 1.1 traps land in ``doc.problems``."""
    doc = YamlDoc(file)
    try:
        root = yaml.compose(text, Loader=_BoundedLoader)
    except _TooDeep as error:
        doc.problems.append(Problem(file, error.line, f"YAML {TOO_DEEP}"))
        return doc
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = error.problem or error.context or "invalid YAML"
        context = error.context_mark.line + 1 if error.context_mark is not None else None
        hinted = yaml_hint(error.problem or "", error.context or "", line, context)
        if hinted is not None:  # a common slip, in plain words
            line, hint = hinted
            doc.problems.append(Problem(file, line, f"YAML syntax error: {hint.message}",
                                        hint.code, hint.args))
            return doc
        doc.problems.append(Problem(file, line, f"YAML syntax error: {what}"))
        return doc
    except yaml.YAMLError as error:  # e.g. a control character the reader refuses
        position = getattr(error, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
        doc.problems.append(Problem(file, line, f"YAML error: {error}"))
        return doc
    if root is None:
        return doc
    doc.lines[()] = root.start_mark.line + 1
    doc.data = _Walker(doc).walk(root, ())
    return doc


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose composer stops at MAX_DEPTH levels, before it recurses further."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 1:  # the root is level 0
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def explain_scalar(scalar: Scalar | None, value: Any) -> str | None:
    """Why a value that should be text is not, in the words a credit manager needs."""
    if scalar is None or not scalar.plain:
        return None
    raw = scalar.raw
    if scalar.tag == "bool":
        return (f"{raw} is read as the boolean {str(value).lower()} by YAML 1.1; "
                f"put it in quotes ('{raw}') if you mean the text")
    if scalar.tag == "timestamp":
        return f"{raw} is read as a date by YAML; put it in quotes ('{raw}') if you mean the text"
    if scalar.tag in ("int", "float"):
        return f"expected text, got the number {raw}; put it in quotes ('{raw}') if you mean text"
    if scalar.tag == "null":
        return "missing value (expected text)"
    return None


class _Walker:
    """Builds Python data from composed nodes, recording lines and reporting traps."""

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc
        self.loader = yaml.SafeLoader("")
        self.active: set[int] = set()
        self.budget = MAX_NODES
        self.too_deep = False

    def walk(self, node: Node, path: Path) -> Any:
        self.budget -= 1
        if self.budget < 0:
            if self.budget == -1:
                self._report(node, f"the document is too large (more than {MAX_NODES} values, "
                                   f"counting each use of an alias)")
            return None
        if len(path) > MAX_DEPTH:  # aliases inside aliases can nest past the composer's check
            if not self.too_deep:
                self._report(node, f"YAML {TOO_DEEP}")
            self.too_deep = True
            return None
        if id(node) in self.active:
            self._report(node, "a YAML alias refers to itself")
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            if isinstance(node, SequenceNode):
                return self._sequence(node, path)
            return self._scalar(node, path)
        finally:
            self.active.discard(id(node))

    def _report(self, node: Node, message: str) -> None:
        self.doc.problems.append(Problem(self.doc.file, node.start_mark.line + 1, message))

    def _scalar(self, node: Node, path: Path) -> Any:
        assert isinstance(node, ScalarNode)
        tag = node.tag[len(_TAG):] if node.tag.startswith(_TAG) else node.tag
        plain = node.style is None
        self.doc.scalars[path] = Scalar(tag, node.value, plain)
        try:
            value = self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as error:
            self._report(node, f"cannot read {node.value!r}: {str(error).splitlines()[0]}")
            return None
        if plain and tag in ("int", "float"):
            raw = node.value
            if (tag == "int" and _OCTAL.match(raw)) or ":" in raw:
                self.doc.trapped.add(path)
            if tag == "int" and _OCTAL.match(raw):
                self._report(node, f"{raw} is read as the octal number {value} by YAML 1.1; "
                                   f"write it without leading zeros, or quote it ('{raw}')")
            elif ":" in raw:
                self._report(node, f"{raw} is read as the base-60 number {value} by YAML 1.1; "
                                   f"quote it ('{raw}') if you mean the text")
        return value

    def _sequence(self, node: SequenceNode, path: Path) -> list[Any]:
        items: list[Any] = []
        for index, child in enumerate(node.value):
            self.doc.lines[(*path, index)] = child.start_mark.line + 1
            items.append(self.walk(child, (*path, index)))
        return items

    def _mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _TAG + "merge":
                self._report(key_node, "merge keys (<<) are not supported: write the keys out")
                continue
            if not isinstance(key_node, ScalarNode):
                self._report(key_node, "a key must be plain text, not a list or mapping")
                continue
            key = self._key(key_node)
            if key is None:
                continue
            if key in first_line:
                self._report(key_node, f"duplicate key '{key}' (first at line {first_line[key]})")
                continue
            first_line[key] = line
            self.doc.lines[(*path, key)] = line
            result[key] = self.walk(value_node, (*path, key))
        return result

    def _key(self, node: ScalarNode) -> str | None:
        try:
            key = self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError):
            key = node.value
        if isinstance(key, str):
            return key
        tag = node.tag[len(_TAG):] if node.tag.startswith(_TAG) else node.tag
        if tag == "null":
            self._report(node, "a key is empty (null): write a name before the ':'")
            return None
        why = explain_scalar(Scalar(tag, node.value, node.style is None), key)
        self._report(node, f"key {node.value}: {why or 'a key must be text'}")
        return None
