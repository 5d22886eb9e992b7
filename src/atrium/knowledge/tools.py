"""`knowledge_search`, the tool an assistant searches its knowledge with, and the retrieval
a run does before its model call (see agents/graph.py `RunContext.retrieve`).

Both search the assistant's `knowledge_bases` and the run's thread files, in the run's
tenant (RLS), and answer citations: file, page, chunk, heading, score, snippet."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from atrium.agents.tools import Tool, ToolError, ToolResult, ToolScope
from atrium.kit.db import Database
from atrium.knowledge.repository import knowledge_repository
from atrium.knowledge.search import Group, Hit, KnowledgeRetriever
from atrium.providers.service import Caller

TOOL_NAME = "knowledge_search"
PASSAGES = 5


def _passage(hit: Hit) -> dict[str, Any]:
    return {**hit.citation(), "text": hit.text}


def render(hits: Sequence[Hit]) -> str:
    """Numbered passages with their source, as the model reads them."""
    if not hits:
        return "No passages found."
    lines = []
    for number, hit in enumerate(hits, start=1):
        page = f", page {hit.page}" if hit.page else ""
        lines.append(f"[{number}] {hit.file_name}{page} (chunk {hit.chunk_index}): {hit.text}")
    return "\n\n".join(lines)


class KnowledgeTools:
    """The `knowledge_search` tool source, and retrieval for a run's questions."""

    def __init__(self, *, db: Database, retriever: KnowledgeRetriever, thread_model: str) -> None:
        # Thread files are embedded with the platform's default knowledge model.
        self._db, self._retriever, self._thread_model = db, retriever, thread_model

    async def search(
        self,
        caller: Caller,
        base_ids: tuple[uuid.UUID, ...],
        thread_id: uuid.UUID | None,
        query: str,
        top_k: int = PASSAGES,
    ) -> list[Hit]:
        tenant_id = caller.tenant_id
        async with self._db.transaction(tenant_id=tenant_id) as session:
            groups: dict[tuple[str, int], list[uuid.UUID]] = {}
            if base_ids:
                for base in await knowledge_repository.bases(
                    session, tenant_id=tenant_id, ids=base_ids
                ):
                    key = (base.embedding_model, base.dimensions)
                    groups.setdefault(key, []).append(base.id)
            found = [Group(model=m, dims=d, base_ids=tuple(ids)) for (m, d), ids in groups.items()]
            if thread_id is not None:
                dims = await knowledge_repository.thread_dims(
                    session, tenant_id=tenant_id, thread_id=thread_id
                )
                if dims is not None:
                    found.append(Group(model=self._thread_model, dims=dims, thread_id=thread_id))
            if not found:
                return []
            return await self._retriever.search(
                session, tenant_id=tenant_id, caller=caller, groups=found, query=query, top_k=top_k
            )

    async def retrieve(
        self,
        caller: Caller,
        base_ids: tuple[uuid.UUID, ...],
        thread_id: uuid.UUID | None,
        query: str,
    ) -> list[dict[str, Any]]:
        """Passages (citations with their text) for a run's question."""
        return [_passage(h) for h in await self.search(caller, base_ids, thread_id, query)]

    async def tools(self, scope: ToolScope) -> Sequence[Tool]:
        bases, thread_id = scope.knowledge_bases, scope.thread_id
        tools = self

        async def run(args: dict[str, Any]) -> ToolResult:
            query = str(args.get("query") or "").strip()
            if not query or len(query) > 4000:
                raise ToolError("`query` must be 1 to 4000 characters")
            if scope.plan_id is None:
                raise ToolError("knowledge search is not available here")
            caller = await tools._retriever.caller(
                tenant_id=scope.tenant_id,
                user_id=scope.user_id,
                api_key_id=scope.api_key_id,
                plan_id=scope.plan_id,
                assistant_id=scope.assistant_id,
                request_id=str(scope.run_id) if scope.run_id else None,
            )
            hits = await tools.search(caller, bases, thread_id, query)
            return ToolResult(render(hits), {"citations": [h.citation() for h in hits]})

        return [
            Tool(
                TOOL_NAME,
                "Search the assistant's documents; answers numbered passages with their file "
                "and page.",
                {
                    "type": "object",
                    "properties": {"query": {"type": "string", "description": "what to find"}},
                    "required": ["query"],
                },
                run,
                source="knowledge",
            )
        ]
