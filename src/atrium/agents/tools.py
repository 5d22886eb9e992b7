"""Tools a run can call, and the built-in ones.

Tool input comes from a model and is untrusted: nothing is evaluated. Tool output is
untrusted too: it goes back to the model as text and is never executed.

Where tools come from: `ToolSource`s handed to the run executor by the composition root
(the built-ins, a tenant's MCP servers, knowledge search). Each source answers, for one
run's `ToolScope`, the tools that run may see; the assistant's policies then pick which of
them are offered (allow, ask) and which are not (deny).
"""

from __future__ import annotations

import ast
import datetime as dt
import math
import operator
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
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
class ToolResult:
    """A tool's answer: text for the model, and structured data kept beside it (the
    ToolMessage's `artifact`, stored with the thread), e.g. a retrieval's citations."""

    text: str
    artifact: dict[str, Any] | None = None


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[[dict[str, Any]], Awaitable[str | ToolResult]]
    # Where it comes from: "builtin", "mcp:<server name>", "knowledge".
    source: str = "builtin"


@dataclass(frozen=True)
class ToolScope:
    """On whose behalf a run's tools act. A source binds its tools to it (tenant, thread,
    knowledge bases), so a tool can never reach another tenant's data."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    thread_id: uuid.UUID | None = None
    run_id: uuid.UUID | None = None
    assistant_id: uuid.UUID | None = None
    plan_id: str | None = None
    knowledge_bases: tuple[uuid.UUID, ...] = ()
    # The names the assistant's policies mention (a source may skip work for the others).
    wanted: frozenset[str] = field(default_factory=frozenset)
    # For a listing (`GET /tools`): every tool the source has, whatever `wanted` says.
    listing: bool = False


class ToolSource(Protocol):
    """Tools of one kind, for one run's scope."""

    async def tools(self, scope: ToolScope) -> Sequence[Tool]: ...


async def resolve_tools(sources: Sequence[ToolSource], scope: ToolScope) -> dict[str, Tool]:
    """The tools a run may call, by name: those its policies mention, from every source."""
    found: dict[str, Tool] = {}
    for source in sources:
        for tool in await source.tools(scope):
            if tool.name in scope.wanted and tool.name not in found:
                found[tool.name] = tool
    return found


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
