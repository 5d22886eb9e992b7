"""Refused uploads: oversize files (413), the plan's storage (413 `storage_limit`), a plan
without knowledge (403), no file at all (422); nothing half-stored after a refusal: no
object without a row, no row without an object."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from atrium.knowledge.parsing import ParseLimits
from tests.inprocess import Accounts, Principal, assert_error
from tests.knowledge.support import make_base, upload

TEXT = b"Plain words about lighthouses and their keepers. " * 20


def _objects(accounts: Accounts, who: Principal) -> list[Path]:
    root = accounts._app.state.runtime.settings.data_dir / "files" / "tenants" / who.tenant_id
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_a_file_over_the_size_cap_is_refused_with_413(
    accounts: Accounts, owner: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = accounts._app.state.runtime.knowledge_service
    monkeypatch.setattr(service, "_limits", ParseLimits(max_bytes=len(TEXT) - 1))
    base = await make_base(owner.http)
    r = await upload(owner.http, base["id"], [("small.txt", b"fits"), ("big.txt", TEXT)])
    assert_error(r, 413, "document_too_large", "files")
    assert (await owner.http.get(f"/knowledge/{base['id']}/files")).json() == []
    assert _objects(accounts, owner) == []


async def test_the_plans_storage_is_not_exceeded(
    accounts: Accounts, owner: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenants = accounts._app.state.runtime.tenant_service
    real = tenants.plan_limits

    async def tiny(plan_id: str) -> Any:
        return (await real(plan_id)).model_copy(update={"storage_mb": 0})

    base = await make_base(owner.http)
    monkeypatch.setattr(tenants, "plan_limits", tiny)
    r = await upload(owner.http, base["id"], [("a.txt", TEXT)])
    assert_error(r, 413, "storage_limit")
    assert (await owner.http.get(f"/knowledge/{base['id']}/files")).json() == []
    assert _objects(accounts, owner) == []


async def test_concurrent_uploads_cannot_pass_the_storage_limit_together(
    accounts: Accounts, owner: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1 MiB allowed, eight different files of 300 kB at once: exactly three fit. Without the
    # tenant's storage lock each upload sees the others' bytes missing and all eight pass.
    tenants = accounts._app.state.runtime.tenant_service
    real = tenants.plan_limits

    async def one_mb(plan_id: str) -> Any:
        return (await real(plan_id)).model_copy(update={"storage_mb": 1})

    base = await make_base(owner.http)
    monkeypatch.setattr(tenants, "plan_limits", one_mb)
    bodies = [(f"part {i} ".encode() + TEXT * 300)[:300_000] for i in range(8)]
    answers = await asyncio.gather(
        *(upload(owner.http, base["id"], [(f"f{i}.txt", b)]) for i, b in enumerate(bodies))
    )
    assert sorted(r.status_code for r in answers) == [202] * 3 + [413] * 5
    for r in answers:
        if r.status_code == 413:
            assert_error(r, 413, "storage_limit")
    listed = (await owner.http.get(f"/knowledge/{base['id']}/files")).json()
    assert len(listed) == 3
    assert sum(f["size_bytes"] for f in listed) <= 1024 * 1024
    assert len(_objects(accounts, owner)) == 3


async def test_a_plan_without_knowledge_gets_403(
    accounts: Accounts, owner: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = await make_base(owner.http)
    tenants = accounts._app.state.runtime.tenant_service
    real = tenants.plan_limits

    async def without(plan_id: str) -> Any:
        limits = await real(plan_id)
        return limits.model_copy(update={"features": limits.features - {"knowledge"}})

    monkeypatch.setattr(tenants, "plan_limits", without)
    assert_error(await owner.http.post("/knowledge", json={"name": "x"}), 403, "forbidden")
    assert_error(await upload(owner.http, base["id"], [("a.txt", TEXT)]), 403, "forbidden")
    r = await owner.http.post(f"/knowledge/{base['id']}/search", json={"query": "x"})
    assert_error(r, 403, "forbidden")


async def test_no_file_and_bad_metadata_are_refused(owner: Principal) -> None:
    base = await make_base(owner.http)
    r = await owner.http.post(f"/knowledge/{base['id']}/files", data={"metadata": "{}"})
    assert_error(r, 422, "unreadable_document", "files")
    r = await upload(owner.http, base["id"], [("a.txt", TEXT)], metadata=None)
    assert r.status_code == 202
    r = await owner.http.post(
        f"/knowledge/{base['id']}/files",
        files=[("files", ("b.txt", b"other text", "text/plain"))],
        data={"metadata": "[1, 2]"},
    )
    assert_error(r, 400, "bad_request", "metadata")
    r = await owner.http.post(f"/knowledge/{base['id']}/search", json={"query": "x", "top_k": 51})
    assert r.status_code == 422


async def test_a_refused_transaction_leaves_no_object_behind(
    accounts: Accounts, owner: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second file's row fails to insert after the first file's object was stored: the
    request fails and the stored object goes too."""
    from atrium.knowledge.repository import knowledge_repository

    base = await make_base(owner.http)
    real_add = knowledge_repository.add
    calls = {"n": 0}

    async def failing_add(session: Any, row: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the database went away")
        await real_add(session, row)

    monkeypatch.setattr(knowledge_repository, "add", failing_add)
    r = await upload(owner.http, base["id"], [("1.txt", b"first file"), ("2.txt", b"second")])
    assert r.status_code == 500
    monkeypatch.undo()
    assert (await owner.http.get(f"/knowledge/{base['id']}/files")).json() == []
    assert _objects(accounts, owner) == []
