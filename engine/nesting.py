"""How deeply a ``when:`` condition nests, counted without recursion.

Python's parser, ``ast.unparse`` and our own checker all recurse: a condition of a few
hundred ``not``s, unary minuses or brackets ends in a RecursionError (a 500 on the web, a
traceback from ``arflow policy check``). A real condition nests a handful of levels, so
anything past MAX_DEPTH is refused up front as a policy problem with its file:line.
"""

from __future__ import annotations

import ast
import io
import tokenize

MAX_DEPTH = 50
TOO_DEEP = f"condition nested too deeply (at most {MAX_DEPTH} levels)"
_OPEN, _CLOSE = "([{", ")]}"


def bracket_depth(text: str) -> int:
    """The deepest run of open brackets, read as Python's tokenizer reads them (a
    bracket inside quotes does not count). 0 when the text does not tokenize: the parser
    then says what is wrong with it."""
    depth = deepest = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.OP:
                continue
            if token.string in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
            elif token.string in _CLOSE:
                depth -= 1
    except (tokenize.TokenError, SyntaxError):
        return 0
    return deepest


def tree_depth(tree: ast.AST) -> int:
    """The deepest chain of expressions inside one another (``not not x`` is 3)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.expr):
            depth += 1
            deepest = max(deepest, depth)
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest


def too_deep(text: str, tree: ast.AST | None = None) -> bool:
    return bracket_depth(text) > MAX_DEPTH or (tree is not None and tree_depth(tree) > MAX_DEPTH)
