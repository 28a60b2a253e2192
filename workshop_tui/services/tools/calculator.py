"""Safe arithmetic for the calculator tool: the expression is parsed with `ast` and evaluated by
walking a whitelist of node types. There is no eval, no names but a few constants and functions,
and caps on size so that `9**9**9` cannot eat the server."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from workshop_tui.domain.errors import Invalid

MAX_EXPRESSION = 200
MAX_EXPONENT = 1000
MAX_MAGNITUDE = 1e300

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos, "tan": math.tan, "log": math.log,
    "log10": math.log10, "exp": math.exp, "abs": abs, "round": round, "min": min, "max": max,
    "floor": math.floor, "ceil": math.ceil,
}
_CONSTANTS = {"pi": math.pi, "e": math.e}


def evaluate(expression: str) -> int | float:
    """The value of `expression`, or Invalid saying what is not allowed."""
    if len(expression) > MAX_EXPRESSION:
        raise Invalid(f"expression longer than {MAX_EXPRESSION} characters", field="expression")
    try:
        tree = ast.parse(expression.replace("^", "**"), mode="eval")
    except SyntaxError:
        raise Invalid(f"not an arithmetic expression: {expression!r}", field="expression") from None
    try:
        result = _eval(tree.body)
    except ZeroDivisionError:
        raise Invalid("division by zero", field="expression") from None
    except (OverflowError, ValueError) as exc:
        raise Invalid(f"cannot compute: {exc}", field="expression") from None
    if isinstance(result, float) and (math.isnan(result) or abs(result) > MAX_MAGNITUDE):
        raise Invalid("result out of range", field="expression")
    return result


def _eval(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise Invalid(f"exponent larger than {MAX_EXPONENT}", field="expression")
        result = _BINARY[type(node.op)](left, right)
        if isinstance(result, int) and result.bit_length() > 1000:
            raise Invalid("result out of range", field="expression")
        return result
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
            and not node.keywords and len(node.args) <= 3):
        return _FUNCTIONS[node.func.id](*(_eval(arg) for arg in node.args))
    raise Invalid(f"not allowed in a calculation: {ast.unparse(node)[:40]!r}", field="expression")
