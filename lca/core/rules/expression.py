"""The formula language of the rules: a small grammar parsed by our own code, never by Python.

What a formula may contain, and nothing else:
  numbers, optionally followed by a unit: `6 FLOP`, `0.7 kW`, `1 h`, `2 m^2`
  text in quotes, for comparing choices: `workload == 'training'`
  rule names, dotted: `model.parameters`
  + - * / and ** (or ^) for powers, parentheses
  comparisons < <= > >= == !=, and `and`, `or`, `not`, `true`, `false`
  conditionals: `A if CONDITION else B`
  the functions min, max, ceil, floor, sqrt, abs
There is no attribute access, no indexing, no other call: `().__class__` and `__import__('os')` are
syntax errors or unknown functions, not code.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Union

FUNCTIONS = ("min", "max", "ceil", "floor", "sqrt", "abs")
KEYWORDS = ("and", "or", "not", "if", "else", "true", "false")
COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")

# Limits that keep every formula far from Python's recursion limit and from huge numbers: a
# formula is a line or two of arithmetic, and a longer one is better split into named rules.
MAX_LENGTH = 1000  # characters
MAX_NESTING = 32  # parentheses, unary signs, `not`, conditionals and calls inside one another
MAX_DEPTH = 64  # operations in one chain (`a + b + ...` counts one per term)
MAX_UNIT_POWER = 12  # `2 m^2`: the power written after a unit

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<text>'[^'\n]*'|"[^"\n]*")
  | (?P<op>\*\*|<=|>=|==|!=|[-+*/^()<>,])
""", re.VERBOSE)


class FormulaError(Exception):
    """A formula that does not parse; `position` is the character offset in the formula."""

    def __init__(self, message: str, position: int):
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class Num:
    value: float
    unit: str | None  # pint unit text, checked against the registry at parse time
    pos: int


@dataclass(frozen=True)
class Text:
    value: str
    pos: int


@dataclass(frozen=True)
class Bool:
    value: bool
    pos: int


@dataclass(frozen=True)
class Ref:
    name: str
    pos: int


@dataclass(frozen=True)
class Unary:
    op: str  # '-', '+', 'not'
    operand: "Node"
    pos: int


@dataclass(frozen=True)
class Binary:
    op: str  # arithmetic, comparison, 'and', 'or'
    left: "Node"
    right: "Node"
    pos: int


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple["Node", ...]
    pos: int


@dataclass(frozen=True)
class Cond:
    test: "Node"
    then: "Node"
    otherwise: "Node | None"  # None: no branch applies (a rule's variations without `else`)
    pos: int


Node = Union[Num, Text, Bool, Ref, Unary, Binary, Call, Cond]


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _tokenize(source: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if not match:
            raise FormulaError(f"unexpected character {source[pos]!r}", pos)
        kind = match.lastgroup or ""
        if kind != "space":
            text = match.group()
            if kind == "name" and text in KEYWORDS:
                kind = "keyword"
            tokens.append(_Tok(kind, text, pos))
        pos = match.end()
    tokens.append(_Tok("end", "", len(source)))
    return tokens


class _Parser:
    """Recursive descent, one method per precedence level, lowest first."""

    def __init__(self, source: str, is_unit: Callable[[str], bool]):
        if len(source) > MAX_LENGTH:
            raise FormulaError(f"the formula is {len(source):,} characters long; the limit is "
                               f"{MAX_LENGTH:,} (split it into rules)", MAX_LENGTH)
        self.tokens = _tokenize(source)
        self.i = 0
        self.is_unit = is_unit
        self.nesting = 0

    def nested(self, parse: Callable[[], Node], pos: int) -> Node:
        """`parse()` one level deeper, refused beyond MAX_NESTING levels."""
        if self.nesting >= MAX_NESTING:
            raise FormulaError(f"the formula nests more than {MAX_NESTING} levels deep "
                               f"(parentheses, signs, conditions); split it into rules", pos)
        self.nesting += 1
        try:
            return parse()
        finally:
            self.nesting -= 1

    @property
    def tok(self) -> _Tok:
        return self.tokens[self.i]

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def accept(self, *texts: str) -> _Tok | None:
        if self.tok.kind in ("op", "keyword") and self.tok.text in texts:
            return self.take()
        return None

    def expect(self, text: str, what: str) -> _Tok:
        tok = self.accept(text)
        if tok is None:
            raise FormulaError(f"expected {what}, found {self._describe(self.tok)}", self.tok.pos)
        return tok

    @staticmethod
    def _describe(tok: _Tok) -> str:
        return "the end of the formula" if tok.kind == "end" else repr(tok.text)

    def parse(self) -> Node:
        node = self.expression()
        if self.tok.kind != "end":
            raise FormulaError(f"expected an operator, found {self._describe(self.tok)}",
                               self.tok.pos)
        return node

    def expression(self) -> Node:
        node = self.disjunction()
        if_tok = self.accept("if")
        if if_tok:
            test = self.disjunction()
            self.expect("else", "'else' after the condition of 'if'")
            return Cond(test, node, self.nested(self.expression, if_tok.pos), if_tok.pos)
        return node

    def disjunction(self) -> Node:
        node = self.conjunction()
        while tok := self.accept("or"):
            node = Binary("or", node, self.conjunction(), tok.pos)
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while tok := self.accept("and"):
            node = Binary("and", node, self.negation(), tok.pos)
        return node

    def negation(self) -> Node:
        if tok := self.accept("not"):
            return Unary("not", self.nested(self.negation, tok.pos), tok.pos)
        return self.comparison()

    def comparison(self) -> Node:
        node = self.additive()
        if tok := self.accept(*COMPARISONS):
            node = Binary(tok.text, node, self.additive(), tok.pos)
            if self.tok.text in COMPARISONS and self.tok.kind == "op":
                raise FormulaError("comparisons cannot be chained; use 'and'", self.tok.pos)
        return node

    def additive(self) -> Node:
        node = self.term()
        while tok := self.accept("+", "-"):
            node = Binary(tok.text, node, self.term(), tok.pos)
        return node

    def term(self) -> Node:
        node = self.unary()
        while tok := self.accept("*", "/"):
            node = Binary(tok.text, node, self.unary(), tok.pos)
        return node

    def unary(self) -> Node:
        if tok := self.accept("-", "+"):
            return Unary(tok.text, self.nested(self.unary, tok.pos), tok.pos)
        return self.power()

    def power(self) -> Node:
        node = self.atom()
        if tok := self.accept("**", "^"):
            return Binary("**", node, self.nested(self.unary, tok.pos), tok.pos)
        return node

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "number":
            return self.number(tok)
        if tok.kind == "text":
            return Text(tok.text[1:-1], tok.pos)
        if tok.kind == "keyword" and tok.text in ("true", "false"):
            return Bool(tok.text == "true", tok.pos)
        if tok.kind == "name":
            if self.accept("("):
                return self.call(tok)
            return Ref(tok.text, tok.pos)
        if tok.kind == "op" and tok.text == "(":
            node = self.nested(self.expression, tok.pos)
            self.expect(")", "')'")
            return node
        raise FormulaError(f"expected a number, a name or '(', found {self._describe(tok)}",
                           tok.pos)

    def number(self, tok: _Tok) -> Num:
        value = float(tok.text.replace("_", ""))
        if not math.isfinite(value):
            raise FormulaError(f"the number {tok.text} is beyond floating point (1.8e308)",
                               tok.pos)
        nxt = self.tok
        if (nxt.kind == "name" and "." not in nxt.text
                and self.tokens[self.i + 1].text != "(" and self.is_unit(nxt.text)):
            self.take()
            unit = nxt.text
            if self.tok.text in ("^", "**") and self.tokens[self.i + 1].kind == "number":
                self.take()
                power = self.take()
                if not (power.text.isdigit() and 1 <= int(power.text) <= MAX_UNIT_POWER):
                    raise FormulaError(f"a unit's power is a whole number from 1 to "
                                       f"{MAX_UNIT_POWER}, not {power.text}", power.pos)
                unit = f"{unit}**{power.text}"
            return Num(value, unit, tok.pos)
        return Num(value, None, tok.pos)

    def call(self, name: _Tok) -> Call:
        if name.text not in FUNCTIONS:
            raise FormulaError(
                f"unknown function '{name.text}'; a formula may call {', '.join(FUNCTIONS)}",
                name.pos)
        args: list[Node] = []
        if not self.accept(")"):
            args.append(self.nested(self.expression, name.pos))
            while self.accept(","):
                args.append(self.nested(self.expression, name.pos))
            self.expect(")", "',' or ')' in the arguments")
        wanted = {"min": None, "max": None}.get(name.text, 1)
        if (wanted is None and len(args) < 2) or (wanted is not None and len(args) != wanted):
            count = "two or more arguments" if wanted is None else "one argument"
            raise FormulaError(f"{name.text}() takes {count}, got {len(args)}", name.pos)
        return Call(name.text, tuple(args), name.pos)


def parse(source: str, is_unit: Callable[[str], bool]) -> Node:
    """Parse a formula. `is_unit` tells whether a name right after a number is a unit.

    Formulas longer than MAX_LENGTH, nested deeper than MAX_NESTING or whose tree is deeper than
    MAX_DEPTH are refused, so that no formula can exhaust the recursion of the evaluator."""
    node = _Parser(str(source), is_unit).parse()
    _check_depth(node)
    return node


def _children(node: Node) -> tuple[Node, ...]:
    """The operands of a node, in order (none for a leaf)."""
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Cond):
        return tuple(n for n in (node.test, node.then, node.otherwise) if n is not None)
    return ()


def _check_depth(root: Node) -> None:
    """Refuse a tree deeper than MAX_DEPTH; walked with a list, not recursion."""
    pending = [(root, 1)]
    while pending:
        node, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise FormulaError(f"the formula chains more than {MAX_DEPTH} operations; split it "
                               f"into rules", node.pos)
        pending += [(child, depth + 1) for child in _children(node)]


def references(node: Node) -> list[str]:
    """The rule names a formula refers to, in order of first appearance, each once."""
    found: dict[str, None] = {}

    def walk(n: Node) -> None:
        if isinstance(n, Ref):
            found.setdefault(n.name)
        for child in _children(n):
            walk(child)

    walk(node)
    return list(found)
