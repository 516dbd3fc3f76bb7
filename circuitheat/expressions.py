"""Safe parsing of numeric expressions typed by users (CLI options, sweep axes).

``"pi/32"``, ``"3*pi/4"``, ``"5pi/4"``, ``"-0.5"``, ``"1e-3"``, ``"inf"`` are accepted;
the expression is parsed with :mod:`ast` and only numbers, ``pi``, ``inf``, ``+ - * / **``
and parentheses are evaluated. Nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import ast
import math
import operator
import re

from .validation import InputTypeError, InputValueError

__all__ = ["MAX_RANGE_POINTS", "parse_number", "parse_range_or_list"]

_CONSTANTS = {"pi": math.pi, "inf": math.inf, "e": math.e}
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv, ast.Pow: operator.pow}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
# "5pi/4" -> "5*pi/4", "2(pi)" -> "2*(pi)"; does not touch exponents like "1e-3".
_IMPLICIT = re.compile(r"(?<=[0-9.])\s*(?=(pi|inf|\())")
_MAX_LENGTH = 100
#: Most points one ``start:stop:count`` range may ask for (a sweep axis of a million
#: values is already far beyond any plot; larger requests are typing mistakes).
MAX_RANGE_POINTS = 1_000_000


def _evaluate(node: ast.AST, text: str) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, text)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left, text), _evaluate(node.right, text)
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise InputValueError(f"exponent too large in {text!r}")
        try:
            return float(_BINARY[type(node.op)](left, right))
        except ZeroDivisionError:
            raise InputValueError(f"division by zero in {text!r}") from None
        except OverflowError:
            raise InputValueError(f"overflow in {text!r}") from None
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return float(_UNARY[type(node.op)](_evaluate(node.operand, text)))
    raise InputValueError(f"not a number or an expression of numbers and pi: {text!r}")


def parse_number(text: str, name: str = "value") -> float:
    """Parse ``text`` as a real number or a safe arithmetic expression with ``pi``.

    Raises
    ------
    ValueError
        Naming ``name`` and the text, for anything that is not such an expression.
    """
    if not isinstance(text, str):
        raise InputTypeError(f"{name} must be a string, got {type(text).__name__}")
    stripped = text.strip().lower().replace("π", "pi")
    if not stripped or len(stripped) > _MAX_LENGTH:
        raise InputValueError(f"{name}: expected a number or an expression such as pi/32, got {text!r}")
    try:
        tree = ast.parse(_IMPLICIT.sub("*", stripped), mode="eval")
        value = _evaluate(tree, text)
    except (SyntaxError, ValueError, RecursionError) as exc:
        detail = str(exc) if isinstance(exc, ValueError) else "invalid syntax"
        raise InputValueError(f"{name}: expected a number or an expression such as pi/32, got {text!r} ({detail})") from None
    if math.isnan(value):
        raise InputValueError(f"{name}: expression {text!r} is not a number")
    return value


def parse_range_or_list(text: str, name: str = "value") -> list[float]:
    """Parse ``"start:stop:count"`` (inclusive linspace) or ``"a,b,c"`` into floats.

    Examples: ``"0:2pi:361"``, ``"pi/32,pi/4"``, ``"1.5"``.
    """
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise InputValueError(f"{name}: a range must be start:stop:count, got {text!r}")
        start, stop = parse_number(parts[0], name), parse_number(parts[1], name)
        if not (math.isfinite(start) and math.isfinite(stop)):
            raise InputValueError(f"{name}: the start and stop of start:stop:count must be finite, got {text!r}")
        try:
            count = int(parts[2])
        except ValueError:
            raise InputValueError(f"{name}: the count of start:stop:count must be an integer, got {parts[2]!r}") from None
        if not 1 <= count <= MAX_RANGE_POINTS:
            raise InputValueError(f"{name}: the count of start:stop:count must be in [1, {MAX_RANGE_POINTS}], got {count}")
        if count == 1:
            return [start]
        step = (stop - start) / (count - 1)
        return [start + k * step for k in range(count)]
    items = [item for item in text.split(",")]
    if any(not item.strip() for item in items):
        raise InputValueError(f"{name}: empty entry in list {text!r}")
    return [parse_number(item, name) for item in items]
