"""Latent arithmetic that users type: ``mean(glasses) - mean(no_glasses) + C``.

A small tokenizer and a recursive-descent parser turn the text into a tree of frozen nodes,
and an evaluator walks that tree over named items: vectors (D,) or groups (N, D). Python's
``eval`` is never involved, so the text can do nothing but arithmetic on latent vectors.
Every mistake is an ExpressionError carrying the span of text to underline, so the UI can
point at the exact token that went wrong instead of showing a traceback.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from latentlab.latent.interpolation import lerp, slerp

FUNCTIONS: tuple[str, ...] = ("mean", "lerp", "slerp", "unit")
MAX_LENGTH = 2000
# Each level costs the parser about four Python frames; 100 stays far from the interpreter's
# recursion limit even when called from deep inside a GUI event handler.
MAX_DEPTH = 100

_ARITY = {"mean": 1, "lerp": 3, "slerp": 3, "unit": 1}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SYMBOLS = frozenset("+-*/(),")
# Typographic signs that come along when formulas are pasted from papers or slides.
_ALIASES = {"−": "-", "×": "*", "÷": "/"}
_MAX_LISTED = 12
_OPERAND = "a number, an item or '('"


class ExpressionError(ValueError):
    """A mistake in an expression, with the span of text (0-based offset, length) to underline."""

    def __init__(self, message: str, position: int, length: int = 1) -> None:
        self.message = message
        self.position = max(0, int(position))
        self.length = max(1, int(length))
        super().__init__(f"{message} (column {self.position + 1})")

    def __reduce__(self):
        # The default would rebuild from the formatted text alone and lose the span.
        return (type(self), (self.message, self.position, self.length))


# --- the tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Number:
    value: float
    position: int
    length: int


@dataclass(frozen=True)
class _Name:
    name: str
    position: int
    length: int


@dataclass(frozen=True)
class _Unary:
    op: str
    operand: _Node
    position: int
    length: int


@dataclass(frozen=True)
class _Link:
    """One ``op operand`` step of a chain such as ``A - B + C``."""

    op: str
    op_position: int
    operand: _Node


@dataclass(frozen=True)
class _Chain:
    """``first op operand op operand ...`` at one precedence level, evaluated left to right.

    A flat chain rather than nested binary nodes keeps the tree shallow: ``A+A+...+A`` over
    2,000 characters would otherwise be a thousand levels deep."""

    first: _Node
    links: tuple[_Link, ...]
    position: int
    length: int


@dataclass(frozen=True)
class _Call:
    function: str
    args: tuple[_Node, ...]
    position: int
    length: int
    name_length: int


_Node = _Number | _Name | _Unary | _Chain | _Call


@dataclass(frozen=True)
class ParsedExpression:
    """An expression checked for syntax: its text, the item names it uses, and its tree."""

    text: str
    names: tuple[str, ...]
    _tree: _Node = field(repr=False)


# --- helpers ----------------------------------------------------------------------------------


def is_valid_name(text: object) -> bool:
    """Whether ``text`` can name an item in an expression (an identifier, not a function)."""
    return isinstance(text, str) and _NAME.fullmatch(text) is not None and text not in FUNCTIONS


def _quote(text: str) -> str:
    """``text`` in quotes for a message, with invisible characters spelled out."""
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return f'"{text}"' if "'" in text else f"'{text}'"


def _did_you_mean(word: str, candidates: list[str]) -> str | None:
    """The candidate the user most likely meant, if any is close."""
    for candidate in candidates:
        if candidate.casefold() == word.casefold():
            return candidate
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _end(node: _Node) -> int:
    return node.position + node.length


# --- tokenizer --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "end", or the (normalised) symbol itself: + - * / ( ) ,
    text: str
    position: int


class _Lexer:
    """Hands out tokens one at a time, so a mistake is reported where reading stopped."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def next(self) -> _Token:
        text, i = self.text, self.position
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            self.position = len(text)
            return _Token("end", "", len(text))
        match = _NUMBER.match(text, i) or _NAME.match(text, i)
        if match is not None:
            self.position = match.end()
            kind = "name" if _NAME.match(match.group()) else "number"
            return _Token(kind, match.group(), i)
        char = text[i]
        symbol = _ALIASES.get(char, char)
        if symbol not in _SYMBOLS:
            raise ExpressionError(f"unexpected {_quote(char)}", i)
        self.position = i + 1
        return _Token(symbol, char, i)


# --- parser -----------------------------------------------------------------------------------


class _Parser:
    """Recursive descent over the grammar::

    expr    := term (('+'|'-') term)*
    term    := unary (('*'|'/') unary)*
    unary   := ('+'|'-') unary | primary
    primary := NUMBER | NAME | NAME '(' [expr (',' expr)*] ')' | '(' expr ')'
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.lexer = _Lexer(text)
        self.previous: _Token | None = None
        self.token = self.lexer.next()
        self.depth = 0
        self.open_parens = 0
        self.names: dict[str, None] = {}  # insertion-ordered set

    def parse(self) -> _Node:
        if self.token.kind == "end":
            raise ExpressionError("type an expression, e.g. A - B + C", 0)
        tree = self.expr()
        if self.token.kind != "end":
            raise self.no_operator()
        return tree

    def advance(self) -> _Token:
        self.previous = self.token
        self.token = self.lexer.next()
        return self.previous

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"the expression is nested too deeply (more than {MAX_DEPTH} levels)",
                token.position,
            )

    def chain(self, operators: tuple[str, ...], operand) -> _Node:
        first = operand()
        links = []
        while self.token.kind in operators:
            op = self.advance()
            links.append(_Link(op.kind, op.position, operand()))
        if not links:
            return first
        return _Chain(first, tuple(links), first.position, _end(links[-1].operand) - first.position)

    def expr(self) -> _Node:
        return self.chain(("+", "-"), self.term)

    def term(self) -> _Node:
        return self.chain(("*", "/"), self.unary)

    def unary(self) -> _Node:
        if self.token.kind not in ("+", "-"):
            return self.primary()
        sign = self.advance()
        self.enter(sign)
        operand = self.unary()
        self.depth -= 1
        return _Unary(sign.kind, operand, sign.position, _end(operand) - sign.position)

    def primary(self) -> _Node:
        token = self.token
        if token.kind == "number":
            self.advance()
            value = float(token.text)
            if not math.isfinite(value):
                raise ExpressionError("this number is too large", token.position, len(token.text))
            return _Number(value, token.position, len(token.text))
        if token.kind == "name":
            self.advance()
            if self.token.kind == "(":
                return self.call(token)
            if token.text in FUNCTIONS:
                raise ExpressionError(
                    f"{_quote(token.text)} is a function: write {token.text}(…)",
                    token.position,
                    len(token.text),
                )
            self.names.setdefault(token.text)
            return _Name(token.text, token.position, len(token.text))
        if token.kind == "(":
            opening = self.advance()
            self.enter(opening)
            self.open_parens += 1
            inner = self.expr()
            closing = self.close(opening, in_call=False)
            self.open_parens -= 1
            self.depth -= 1
            # The span includes the parentheses, so "division by zero" underlines all of (1-1).
            return replace(
                inner, position=opening.position, length=closing.position + 1 - opening.position
            )
        raise self.no_operand()

    def call(self, name: _Token) -> _Call:
        if name.text not in FUNCTIONS:
            message = f"unknown function {_quote(name.text)}; functions are {', '.join(FUNCTIONS)}"
            guess = _did_you_mean(name.text, list(FUNCTIONS))
            if guess:
                message += f"; did you mean '{guess}'?"
            raise ExpressionError(message, name.position, len(name.text))
        opening = self.advance()
        self.enter(opening)
        self.open_parens += 1
        args = []
        if self.token.kind != ")":
            args.append(self.expr())
            while self.token.kind == ",":
                comma = self.advance()
                if self.token.kind == ")":
                    raise ExpressionError("expected another argument after ','", comma.position)
                args.append(self.expr())
        closing = self.close(opening, in_call=True)
        self.open_parens -= 1
        self.depth -= 1
        span = closing.position + 1 - name.position
        expected = _ARITY[name.text]
        if len(args) != expected:
            wanted = f"{expected} argument{'s' if expected != 1 else ''}"
            usage = "mean(group)" if name.text == "mean" else _usage(name.text)
            raise ExpressionError(
                f"{name.text}() takes {wanted}, got {len(args) or 'none'}: write {usage}",
                name.position,
                span,
            )
        return _Call(name.text, tuple(args), name.position, span, len(name.text))

    def close(self, opening: _Token, *, in_call: bool) -> _Token:
        """Consume the ')' that matches ``opening``, or explain why it is not there."""
        if self.token.kind == ")":
            return self.advance()
        if self.token.kind == "end":
            raise ExpressionError("'(' is never closed", opening.position)
        if self.token.kind == "," and not in_call:
            raise ExpressionError(
                "',' only separates the arguments of a function", self.token.position
            )
        raise self.no_operator()

    def no_operator(self) -> ExpressionError:
        """The error for a token that follows a complete operand but cannot continue it."""
        token, previous = self.token, self.previous
        if token.kind == ")":
            return ExpressionError("')' without a matching '('", token.position)
        if token.kind == ",":
            return ExpressionError("',' only separates the arguments of a function", token.position)
        assert previous is not None  # an operand was read before this token
        message = f"expected an operator between {_quote(previous.text)} and {_quote(token.text)}"
        if previous.kind == "number" and token.kind == "name":
            message += f" (write {previous.text}*{token.text})"
        return ExpressionError(message, token.position, len(token.text))

    def no_operand(self) -> ExpressionError:
        """The error for a token where a number, an item or '(' should be."""
        token, previous = self.token, self.previous
        if token.kind == ")" and self.open_parens == 0:
            return ExpressionError("')' without a matching '('", token.position)
        if previous is None:
            return ExpressionError(f"expected {_OPERAND}, not {_quote(token.text)}", token.position)
        if token.kind == "*" and previous.kind == "*" and token.position == previous.position + 1:
            return ExpressionError("'**' is not supported: multiply instead", previous.position, 2)
        return ExpressionError(
            f"expected {_OPERAND} after {_quote(previous.text)}",
            token.position,
            max(1, len(token.text)),
        )


def _usage(function: str) -> str:
    return "unit(vector)" if function == "unit" else f"{function}(a, b, t)"


def parse_expression(text: str) -> ParsedExpression:
    """Check ``text`` for syntax and return it parsed; raises ExpressionError."""
    if not isinstance(text, str):
        raise TypeError(f"an expression is text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is too long ({len(text)} characters; at most {MAX_LENGTH})",
            MAX_LENGTH,
            len(text) - MAX_LENGTH,
        )
    parser = _Parser(text)
    try:
        tree = parser.parse()
    except RecursionError:
        # MAX_DEPTH should prevent this; a clear error is still better than a crash.
        raise ExpressionError("the expression is nested too deeply", 0, max(1, len(text))) from None
    return ParsedExpression(text, tuple(parser.names), tree)


# --- evaluator --------------------------------------------------------------------------------


class _Evaluator:
    """Walks the tree; values are Python floats (numbers) or float64 arrays (vectors, groups)."""

    def __init__(self, items: Mapping[str, np.ndarray]) -> None:
        self.items = items

    def value(self, node: _Node, *, allow_group: bool = False) -> float | np.ndarray:
        if isinstance(node, _Number):
            return node.value
        if isinstance(node, _Name):
            return self.item(node, allow_group=allow_group)
        if isinstance(node, _Unary):
            operand = self.value(node.operand)
            return -operand if node.op == "-" else operand
        if isinstance(node, _Chain):
            result = self.value(node.first)
            for link in node.links:
                result = self.combine(result, link, self.value(link.operand))
                if not _finite(result):
                    raise ExpressionError(
                        f"'{link.op}' gives numbers too large to represent", link.op_position
                    )
            return result
        return self.call(node)

    def item(self, node: _Name, *, allow_group: bool) -> np.ndarray:
        name = node.name
        if name not in self.items:
            raise ExpressionError(_unknown_item(name, list(self.items)), node.position, node.length)
        try:
            value = np.asarray(self.items[name], dtype=np.float64)
        except (TypeError, ValueError):
            raise ExpressionError(
                f"item '{name}' does not hold numbers", node.position, node.length
            ) from None
        if value.ndim not in (1, 2) or value.size == 0:
            raise ExpressionError(
                f"item '{name}' is neither a latent vector nor a group (shape {value.shape})",
                node.position,
                node.length,
            )
        if not np.isfinite(value).all():
            raise ExpressionError(
                f"item '{name}' holds values that are not finite", node.position, node.length
            )
        if value.ndim == 2 and not allow_group:
            points = f"{len(value)} point{'s' if len(value) != 1 else ''}"
            raise ExpressionError(
                f"'{name}' is a group of {points}: write mean({name})", node.position, node.length
            )
        return value

    def combine(
        self, left: float | np.ndarray, link: _Link, right: float | np.ndarray
    ) -> float | np.ndarray:
        left_vector, right_vector = isinstance(left, np.ndarray), isinstance(right, np.ndarray)
        if link.op in ("+", "-"):
            if left_vector != right_vector:
                if link.op == "+":
                    message = "can't add a number to a latent vector"
                elif left_vector:
                    message = "can't subtract a number from a latent vector"
                else:
                    message = "can't subtract a latent vector from a number"
                raise ExpressionError(message, link.op_position)
            if left_vector:
                _same_size(left, right, link.op_position, 1)
            return left + right if link.op == "+" else left - right
        if link.op == "*":
            if left_vector and right_vector:
                raise ExpressionError(
                    "can only multiply a latent vector by a number", link.op_position
                )
            return left * right
        divisor = link.operand
        if right_vector:
            raise ExpressionError(
                "can only divide by a number, not by a latent vector",
                divisor.position,
                divisor.length,
            )
        if right == 0:
            raise ExpressionError("division by zero", divisor.position, divisor.length)
        return left / right

    def call(self, node: _Call) -> np.ndarray:
        function, args = node.function, node.args
        if function == "mean":
            value = self.value(args[0], allow_group=True)
            if not isinstance(value, np.ndarray):
                raise ExpressionError(
                    "mean() needs a group or a latent vector, not a number",
                    args[0].position,
                    args[0].length,
                )
            result = value.mean(axis=0) if value.ndim == 2 else value
        elif function == "unit":
            vector = self.vector(args[0], function)
            largest = float(np.abs(vector).max())
            if largest == 0.0:
                raise ExpressionError(
                    "unit() of a zero vector is undefined", args[0].position, args[0].length
                )
            # Scaling first keeps the norm finite for huge vectors (their squares overflow).
            scaled = vector / largest
            result = scaled / np.linalg.norm(scaled)
        else:
            a, b = self.vector(args[0], function), self.vector(args[1], function)
            _same_size(a, b, node.position, node.name_length)
            t = self.value(args[2])
            if isinstance(t, np.ndarray):
                raise ExpressionError(
                    f"the third argument of {function}() is t, a number, not a latent vector",
                    args[2].position,
                    args[2].length,
                )
            blend = lerp if function == "lerp" else slerp
            result = np.asarray(blend(a, b, t), dtype=np.float64)
        if not _finite(result):
            raise ExpressionError(
                f"{function}() gives numbers too large to represent", node.position, node.length
            )
        return result

    def vector(self, node: _Node, function: str) -> np.ndarray:
        value = self.value(node)
        if not isinstance(value, np.ndarray):
            raise ExpressionError(
                f"{function}() needs a latent vector here, not a number", node.position, node.length
            )
        return value


def _finite(value: float | np.ndarray) -> bool:
    return bool(np.isfinite(value).all())


def _same_size(a: np.ndarray, b: np.ndarray, position: int, length: int) -> None:
    if a.shape != b.shape:
        raise ExpressionError(
            f"latent vectors of different sizes: {a.size} and {b.size}", position, length
        )


def _unknown_item(name: str, known: list[str]) -> str:
    if not known:
        return f"unknown item {_quote(name)}; there are no items yet"
    listed = sorted(known, key=lambda item: (item.casefold(), item))
    shown = ", ".join(listed[:_MAX_LISTED]) + (", …" if len(listed) > _MAX_LISTED else "")
    message = f"unknown item {_quote(name)}; items are: {shown}"
    guess = _did_you_mean(name, listed)
    if guess:
        message += f"; did you mean '{guess}'?"
    return message


def evaluate_expression(
    expression: str | ParsedExpression, items: Mapping[str, np.ndarray]
) -> np.ndarray:
    """The latent vector (D,) float64 that ``expression`` describes over ``items``.

    ``items`` maps names to vectors (D,) or groups (N, D); raises ExpressionError."""
    parsed = (
        expression if isinstance(expression, ParsedExpression) else parse_expression(expression)
    )
    whole = (0, max(1, len(parsed.text)))
    # Overflow is reported as an ExpressionError at the operator; numpy's warnings add nothing.
    with np.errstate(all="ignore"):
        try:
            result = _Evaluator(items).value(parsed._tree)
        except RecursionError:
            raise ExpressionError("the expression is nested too deeply", *whole) from None
    if not isinstance(result, np.ndarray):
        raise ExpressionError("the expression is a number, not a latent vector", *whole)
    if not _finite(result):
        raise ExpressionError("the result is not finite", *whole)
    # A copy: the result of "A" must not be a view that lets callers change item A.
    return np.array(result, dtype=np.float64)
