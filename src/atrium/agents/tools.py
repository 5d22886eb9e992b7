"""Built-in tools. Tool input comes from a model and is untrusted: nothing is evaluated."""

from __future__ import annotations

import ast
import datetime as dt
import math
import operator
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
_FUNCTIONS: dict[str, Callable[..., float]] = {
    "sqrt": math.sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "log": math.log,
    "exp": math.exp,
    "abs": abs,
    "round": round,
}
_CONSTANTS = {"pi": math.pi, "e": math.e}


class ToolError(Exception):
    """The tool could not do what was asked; the message goes back to the model."""


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 1000:
            raise ToolError("exponent too large")
        return float(_BINARY[type(node.op)](left, right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return float(_UNARY[type(node.op)](_evaluate(node.operand)))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and not node.keywords
    ):
        return float(_FUNCTIONS[node.func.id](*[_evaluate(a) for a in node.args]))
    raise ToolError("unsupported expression: use numbers, + - * / // % ** and math functions")


async def calculator(args: dict[str, Any]) -> str:
    expression = str(args.get("expression", ""))
    if not expression or len(expression) > 500:
        raise ToolError("expression must be 1 to 500 characters")
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise ToolError(f"not an arithmetic expression: {exc.msg}") from exc
    try:
        value = _evaluate(tree)
    except (ZeroDivisionError, OverflowError, ValueError) as exc:
        raise ToolError(str(exc)) from exc
    return repr(int(value)) if value.is_integer() else repr(value)


async def current_time(args: dict[str, Any]) -> str:
    name = str(args.get("timezone") or "UTC")
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ToolError(f"unknown time zone {name!r}") from exc
    return dt.datetime.now(zone).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[[dict[str, Any]], Awaitable[str]]


BUILTIN_TOOLS = {
    t.name: t
    for t in (
        Tool(
            "calculator",
            "Evaluate an arithmetic expression exactly.",
            {
                "type": "object",
                "properties": {"expression": {"type": "string"}},
                "required": ["expression"],
            },
            calculator,
        ),
        Tool(
            "current_time",
            "The current date and time in a time zone (default UTC).",
            {"type": "object", "properties": {"timezone": {"type": "string"}}},
            current_time,
        ),
    )
}
