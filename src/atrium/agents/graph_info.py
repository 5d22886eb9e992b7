"""Static descriptions of the `agent` graph for the assistants API."""

from __future__ import annotations

from typing import Any

from atrium.agents.spec import AssistantContext

_MESSAGES = {
    "type": "array",
    "items": {"type": "object", "description": "A chat message (role/type and content)"},
}


def schemas(graph_id: str) -> dict[str, Any]:
    state = {"type": "object", "title": "AgentState", "properties": {"messages": _MESSAGES}}
    return {
        "graph_id": graph_id,
        "input_schema": {
            "type": "object",
            "title": "AgentInput",
            "properties": {"messages": _MESSAGES},
        },
        "output_schema": state,
        "state_schema": state,
        "config_schema": {"type": "object", "title": "Config", "properties": {}},
        "context_schema": AssistantContext.model_json_schema(),
    }


def drawing(graph_id: str) -> dict[str, Any]:
    return {
        "nodes": [
            {"id": "__start__", "type": "runnable", "data": {"name": "__start__"}},
            {"id": "model", "type": "runnable", "data": {"name": "model"}},
            {"id": "tools", "type": "runnable", "data": {"name": "tools"}},
            {"id": "__end__"},
        ],
        "edges": [
            {"source": "__start__", "target": "model"},
            {"source": "model", "target": "tools", "conditional": True},
            {"source": "model", "target": "__end__", "conditional": True},
            {"source": "tools", "target": "model"},
        ],
    }
