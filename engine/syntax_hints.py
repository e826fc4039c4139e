"""What a credit manager most likely meant when a condition or a YAML file does not parse.

Python's and PyYAML's own messages ("invalid syntax", "expected <block end>, but found
'?'") name neither the word nor the fix. Each hint here names what is wrong and how to
write it, with a message code and values for the web app's catalogs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import Args

KEYWORDS: tuple[str, ...] = ("and", "or", "not", "in")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_LISTED = re.compile(r"\[[^\]]*\]")
_SEPARATED = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?![\d.])")
_WORD = re.compile(r"(?<![\w.])[A-Za-z_]\w*")
_REVERSED = re.compile(r"=>|=<")


@dataclass(frozen=True)
class Hint:
    """A plain-words explanation: the English text, its catalog code and its values."""

    message: str
    code: str
    args: Args = ()


def _blank(pattern: re.Pattern[str], text: str) -> str:
    """``text`` with the matches of ``pattern`` replaced by spaces (columns kept)."""
    return pattern.sub(lambda match: " " * len(match.group(0)), text)


def number_separator(text: str) -> Hint | None:
    """``balance > 50,000``: Python reads a list of two numbers; say what to write."""
    found = _SEPARATED.search(_blank(_LISTED, _blank(_QUOTED, text)))
    if found is None:
        return None
    written = found.group(0)
    plain = written.replace(",", "")
    return Hint(f"write numbers without separators: {plain}, not {written}",
                "policy.hint.separator", (("written", written), ("plain", plain)))


def keyword_typo(text: str, known: set[str]) -> Hint | None:
    """``adn`` for ``and``, ``OR`` for ``or``: a word that is no fact but close to a keyword."""
    for found in _WORD.finditer(_blank(_QUOTED, text)):
        word = found.group(0)
        if word in KEYWORDS or word in known or word in ("customer", "true", "false", "null",
                                                         "True", "False", "None"):
            continue
        guess = _keyword_like(word)
        if guess is None:
            continue
        column = found.start() + 1
        if word.lower() == guess:
            return Hint(f"'{word}' (at column {column}): write '{guess}' in lower case",
                        "policy.hint.keyword_case",
                        (("word", word), ("keyword", guess), ("column", str(column))))
        return Hint(f"unknown word '{word}' (at column {column}): did you mean '{guess}'?",
                    "policy.hint.keyword",
                    (("word", word), ("keyword", guess), ("column", str(column))))
    return None


def _keyword_like(word: str) -> str | None:
    """The keyword ``word`` is a case slip, a swap of letters or one letter off of."""
    lower = word.lower()
    for keyword in KEYWORDS:
        if lower == keyword or (len(lower) == len(keyword) and sorted(lower) == sorted(keyword)):
            return keyword
    for keyword in KEYWORDS:
        if len(keyword) >= 3 and _one_edit(lower, keyword):
            return keyword
    return None


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one letter changed, added or left out."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def reversed_operator(text: str) -> Hint | None:
    """``=>`` / ``=<``: the comparison is written with the ``=`` last."""
    found = _REVERSED.search(_blank(_QUOTED, text))
    if found is None:
        return None
    written = found.group(0)
    meant = written[1] + "="
    return Hint(f"write {meant}, not {written}", "policy.hint.operator",
                (("written", written), ("meant", meant)))


# PyYAML's problem text -> (code, English message, reported at the context mark's line)
_YAML: tuple[tuple[str, str, str, bool], ...] = (
    ("found character '\\t'", "policy.yaml.tab",
     "a tab character: indent with spaces only, never tabs", False),
    ("expected <block end>", "policy.yaml.indent",
     "this line is indented differently from the lines above it; keys of one section "
     "must start in the same column", False),
    ("mapping values are not allowed here", "policy.yaml.colon",
     "a ':' where none is expected: a key on this line or the one above may lack its "
     "':' (write key: value), or a value holding ': ' must be in quotes", False),
    ("could not find expected ':'", "policy.yaml.missing_colon",
     "a key without its ':' (write key: value)", True),
    ("while scanning a quoted scalar", "policy.yaml.quote",
     "the quote opened on this line is never closed", True),
    ("while parsing a flow sequence", "policy.yaml.bracket",
     "the '[' opened on this line is never closed with ']'", True),
    ("while parsing a flow mapping", "policy.yaml.brace",
     "the '{' opened on this line is never closed with '}'", True),
)


def yaml_hint(problem: str, context: str, line: int, context_line: int | None
              ) -> tuple[int, Hint] | None:
    """PyYAML's message (``problem``, ``context``) in plain words and the line it is about,
    if it is a common one."""
    for needle, code, message, at_context in _YAML:
        if needle in problem or needle in context:
            where = context_line if at_context and context_line is not None else line
            return where, Hint(message, code)
    return None
