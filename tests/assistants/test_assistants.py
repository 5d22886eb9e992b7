"""Assistants: create, read, change (a new version each time), versions, search, delete."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.inprocess import Accounts, Principal, assert_error


async def create(who: Principal, **body: Any) -> dict[str, Any]:
    r = await who.http.post("/assistants", json={"graph_id": "agent", **body})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_create_takes_fields_at_the_top_level_and_in_context(owner: Principal) -> None:
    made = await create(
        owner,
        name="Helper",
        description="Answers briefly.",
        instructions="Be brief.",
        context={"model": "scripted/fast", "tools": [{"name": "calculator", "policy": "ask"}]},
        metadata={"team": "docs"},
    )
    assert made["name"] == "Helper" and made["description"] == "Answers briefly."
    assert made["version"] == 1
    assert made["metadata"] == {"team": "docs"}
    assert made["context"] == {
        "instructions": "Be brief.",
        "model": "scripted/fast",
        "tools": [{"name": "calculator", "policy": "ask", "config": {}}],
    }
    r = await owner.http.get(f"/assistants/{made['assistant_id']}")
    assert r.status_code == 200
    assert r.json() == made


async def test_create_defaults(owner: Principal) -> None:
    made = await create(owner)
    assert made["name"] == "Untitled"
    assert (made["description"], made["config"], made["metadata"]) == (None, {}, {})


async def test_graph_name_stands_for_the_tenants_system_assistant(owner: Principal) -> None:
    r = await owner.http.get("/assistants/agent")
    assert r.status_code == 200, r.text
    system = r.json()
    assert system["graph_id"] == "agent" and system["metadata"] == {"created_by": "system"}
    again = await owner.http.get("/assistants/agent")
    assert again.json()["assistant_id"] == system["assistant_id"]


async def test_unknown_graph_is_refused(owner: Principal) -> None:
    r = await owner.http.post("/assistants", json={"graph_id": "nope"})
    assert_error(r, 400, "bad_request", "graph_id")


async def test_same_id_twice_conflicts_unless_asked_to_do_nothing(owner: Principal) -> None:
    made = await create(owner, name="First")
    again = await owner.http.post(
        "/assistants", json={"assistant_id": made["assistant_id"], "name": "Second"}
    )
    assert_error(again, 409, "conflict", "assistant_id")
    kept = await create(
        owner, assistant_id=made["assistant_id"], name="Second", if_exists="do_nothing"
    )
    assert kept == made


async def test_every_change_is_a_new_version(owner: Principal) -> None:
    made = await create(owner, name="One", model="scripted/fast", metadata={"a": 1})
    aid = made["assistant_id"]
    r = await owner.http.patch(
        f"/assistants/{aid}", json={"name": "Two", "temperature": 0.5, "metadata": {"b": 2}}
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["version"] == 2 and changed["name"] == "Two"
    assert changed["context"] == {"model": "scripted/fast", "temperature": 0.5}
    assert changed["metadata"] == {"a": 1, "b": 2}  # merged, not replaced
    versions = await owner.http.post(f"/assistants/{aid}/versions", json={})
    assert [(v["version"], v["name"]) for v in versions.json()] == [(2, "Two"), (1, "One")]


async def test_patching_the_context_merges_and_null_clears(owner: Principal) -> None:
    """The context is patched as JSON Merge Patch: keys left out stay, null removes."""
    made = await create(
        owner, context={"instructions": "Be brief.", "max_tokens": 300, "temperature": 0.5}
    )
    path = f"/assistants/{made['assistant_id']}"
    kept = await owner.http.patch(path, json={"context": {"instructions": "Be kind."}})
    assert kept.status_code == 200, kept.text
    assert kept.json()["context"] == {
        "instructions": "Be kind.",
        "max_tokens": 300,
        "temperature": 0.5,
    }
    cleared = await owner.http.patch(path, json={"context": {"max_tokens": None}})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["context"] == {"instructions": "Be kind.", "temperature": 0.5}
    assert cleared.json()["version"] == 3


async def test_an_earlier_version_can_become_the_latest(owner: Principal) -> None:
    aid = (await create(owner, name="One"))["assistant_id"]
    await owner.http.patch(f"/assistants/{aid}", json={"name": "Two"})
    r = await owner.http.post(f"/assistants/{aid}/latest", json={"version": 1})
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["name"]) == (1, "One")
    assert (await owner.http.get(f"/assistants/{aid}")).json()["name"] == "One"
    missing = await owner.http.post(f"/assistants/{aid}/latest", json={"version": 9})
    assert_error(missing, 404, "not_found", "version")


async def test_delete(owner: Principal) -> None:
    aid = (await create(owner))["assistant_id"]
    assert (await owner.http.delete(f"/assistants/{aid}")).status_code == 204
    assert_error(await owner.http.get(f"/assistants/{aid}"), 404, "not_found")
    assert_error(await owner.http.delete(f"/assistants/{aid}"), 404, "not_found")
    assert_error(await owner.http.post(f"/assistants/{aid}/versions", json={}), 404, "not_found")


async def test_search_and_count(owner: Principal) -> None:
    tag = uuid.uuid4().hex
    first = await create(owner, name="Alpha", metadata={"tag": tag})
    second = await create(owner, name="Beta", metadata={"tag": tag})
    await create(owner, name="Other")
    r = await owner.http.post(
        "/assistants/search", json={"metadata": {"tag": tag}, "sort_by": "name"}
    )
    assert r.status_code == 200, r.text
    assert [a["assistant_id"] for a in r.json()] == [
        second["assistant_id"],
        first["assistant_id"],
    ]  # sort_order defaults to desc
    assert r.headers["X-Pagination-Total"] == "2"
    page = await owner.http.post(
        "/assistants/search",
        json={"metadata": {"tag": tag}, "limit": 1, "select": ["assistant_id", "name"]},
    )
    assert page.headers["X-Pagination-Next"] == "1"
    assert [set(a) for a in page.json()] == [{"assistant_id", "name"}]
    count = await owner.http.post("/assistants/count", json={"metadata": {"tag": tag}})
    assert count.json() == 2
    named = await owner.http.post("/assistants/count", json={"name": "Alpha"})
    assert named.json() == 1


async def test_graph_description(owner: Principal) -> None:
    aid = (await create(owner))["assistant_id"]
    graph = await owner.http.get(f"/assistants/{aid}/graph")
    assert graph.status_code == 200 and graph.json()["nodes"]
    schemas = await owner.http.get(f"/assistants/{aid}/schemas")
    assert schemas.status_code == 200 and "input_schema" in schemas.json()


async def test_plan_limits_the_number_of_assistants(owner: Principal) -> None:
    for _ in range(3):  # the Basic plan's max_assistants
        await create(owner)
    r = await owner.http.post("/assistants", json={"graph_id": "agent"})
    assert_error(r, 429, "quota_exceeded")
    count = await owner.http.post("/assistants/count", json={})
    assert count.json() == 3


async def test_other_tenants_assistant_is_not_found(accounts: Accounts, owner: Principal) -> None:
    stranger = await accounts.register()
    aid = (await create(owner, name="Private", metadata={"secret": "yes"}))["assistant_id"]
    for method, path, body in [
        ("GET", f"/assistants/{aid}", None),
        ("PATCH", f"/assistants/{aid}", {"name": "Mine now"}),
        ("DELETE", f"/assistants/{aid}", None),
        ("POST", f"/assistants/{aid}/versions", {}),
        ("POST", f"/assistants/{aid}/latest", {"version": 1}),
        ("GET", f"/assistants/{aid}/graph", None),
    ]:
        r = await stranger.http.request(method, path, json=body)
        assert_error(r, 404, "not_found")
    found = await stranger.http.post("/assistants/search", json={"metadata": {"secret": "yes"}})
    assert found.json() == []
    unchanged = await owner.http.get(f"/assistants/{aid}")
    assert (unchanged.json()["name"], unchanged.json()["version"]) == ("Private", 1)


@pytest.mark.parametrize("ref", ["not-a-uuid", str(uuid.uuid4())])
async def test_unknown_ids_are_not_found(owner: Principal, ref: str) -> None:
    assert_error(await owner.http.get(f"/assistants/{ref}"), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 201}, "body.name"),
        ({"description": "x" * 2001}, "body.description"),
        ({"temperature": 3}, "body.temperature"),
        ({"tools": [{"name": "no spaces allowed"}]}, "body.tools.0.name"),
        ({"tools": [{"name": "calculator", "policy": "sometimes"}]}, "body.tools.0.policy"),
        ({"context": {"colour": "blue"}}, "body.context.colour"),
        ({"if_exists": "update"}, "body.if_exists"),
    ],
)
async def test_bad_fields_are_named(owner: Principal, body: dict[str, Any], field: str) -> None:
    r = await owner.http.post("/assistants", json=body)
    assert_error(r, 422, "validation_error", field)
    assert (await owner.http.post("/assistants/count", json={})).json() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "nul\u0000byte"}, "body.name"),
        ({"metadata": {"k": "nul\u0000byte"}}, "body.metadata"),
    ],
)
async def test_nul_is_refused_naming_the_field(
    owner: Principal, body: dict[str, Any], field: str
) -> None:
    r = await owner.http.post("/assistants", json=body)
    assert_error(r, 422, "validation_error", field)


async def test_anonymous_is_refused(app_client: httpx.AsyncClient) -> None:
    assert_error(await app_client.post("/assistants/search", json={}), 401, "unauthorized")
