"""Projects: CRUD, who may do what (the assistants' rule), isolation between tenants (404,
and the database's own composite key), and `project_id` on assistants, threads and
knowledge bases: set, filtered by, and left unassigned when the project goes."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import psycopg
import pytest

from tests.inprocess import Accounts, Principal, Team, assert_error


async def make(who: Principal, name: str | None = None, **body: Any) -> dict[str, Any]:
    r = await who.http.post("/projects", json={"name": name or f"P {uuid.uuid4().hex[:8]}", **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def assistant(http: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    r = await http.post("/assistants", json={"graph_id": "agent", "name": "A", **body})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def thread(http: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    r = await http.post("/threads", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def base(http: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    r = await http.post("/knowledge", json={"name": "Docs", **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


# --- CRUD ---------------------------------------------------------------------------------


async def test_create_read_rename_and_delete(team: Team) -> None:
    http = team.owner.http
    made = await make(team.owner, "Launch", description="Everything for the launch")
    assert made["name"] == "Launch" and made["created_by"] == team.owner.user_id
    assert (await http.get(f"/projects/{made['id']}")).json() == made

    r = await http.patch(f"/projects/{made['id']}", json={"name": "Launch 2"})
    assert r.status_code == 200
    assert r.json()["name"] == "Launch 2" and r.json()["description"] == made["description"]
    r = await http.patch(f"/projects/{made['id']}", json={"description": None})
    assert r.status_code == 200 and r.json()["description"] is None

    assert (await http.delete(f"/projects/{made['id']}")).status_code == 204
    assert_error(await http.get(f"/projects/{made['id']}"), 404, "not_found")
    assert_error(await http.delete(f"/projects/{made['id']}"), 404, "not_found")


async def test_names_are_unique_in_a_tenant(team: Team, accounts: Accounts) -> None:
    name = f"Unique {uuid.uuid4().hex[:6]}"
    first = await make(team.owner, name)
    r = await team.member.http.post("/projects", json={"name": name})
    assert_error(r, 409, "conflict", "name")
    other = await make(team.owner)
    r = await team.owner.http.patch(f"/projects/{other['id']}", json={"name": name})
    assert_error(r, 409, "conflict", "name")
    # The refused rename changed nothing, and the transaction went on to answer cleanly.
    assert (await team.owner.http.get(f"/projects/{other['id']}")).json()["name"] == other["name"]
    # Another tenant may use the same name.
    stranger = await accounts.tenant()
    assert (await make(stranger, name))["id"] != first["id"]


async def test_bad_input_is_refused_by_field(team: Team) -> None:
    http = team.owner.http
    assert_error(await http.post("/projects", json={"name": ""}), 422, "validation_error")
    assert_error(await http.post("/projects", json={"name": "x" * 201}), 422, "validation_error")
    assert_error(await http.post("/projects", json={"name": "a\x00b"}), 422, "validation_error")
    r = await http.post("/projects", json={"name": "ok", "owner": "me"})
    assert_error(r, 422, "validation_error")
    assert_error(await http.get("/projects/not-a-uuid"), 422, "validation_error")


async def test_list_pages_and_searches_by_name(accounts: Accounts) -> None:
    owner = await accounts.tenant()
    for name in ("Alpha", "beta", "Gamma ray", "100%_done"):
        await make(owner, name)
    r = await owner.http.get("/projects", params={"limit": 2})
    page = r.json()
    assert page["total"] == 4 and page["limit"] == 2 and page["offset"] == 0
    assert [p["name"] for p in page["items"]] == ["100%_done", "Alpha"]
    page = (await owner.http.get("/projects", params={"limit": 2, "offset": 2})).json()
    assert [p["name"] for p in page["items"]] == ["beta", "Gamma ray"]
    found = (await owner.http.get("/projects", params={"name": "A"})).json()
    assert [p["name"] for p in found["items"]] == ["Alpha", "beta", "Gamma ray"]
    # LIKE's wildcards are matched as text.
    found = (await owner.http.get("/projects", params={"name": "%_"})).json()
    assert [p["name"] for p in found["items"]] == ["100%_done"]
    assert_error(await owner.http.get("/projects", params={"limit": 201}), 422, "validation_error")


# --- permissions --------------------------------------------------------------------------


async def test_members_read_all_create_and_change_only_their_own(team: Team) -> None:
    owners = await make(team.owner)
    mine = await make(team.member)
    assert mine["created_by"] == team.member.user_id
    listed = (await team.other_member.http.get("/projects", params={"limit": 200})).json()
    assert {owners["id"], mine["id"]} <= {p["id"] for p in listed["items"]}
    for project in (owners, mine):
        r = await team.other_member.http.get(f"/projects/{project['id']}")
        assert r.status_code == 200
        r = await team.other_member.http.patch(f"/projects/{project['id']}", json={"name": "x"})
        assert_error(r, 403, "forbidden")
        assert_error(
            await team.other_member.http.delete(f"/projects/{project['id']}"), 403, "forbidden"
        )

    r = await team.member.http.patch(f"/projects/{mine['id']}", json={"name": f"{mine['name']}!"})
    assert r.status_code == 200
    assert (await team.member.http.delete(f"/projects/{mine['id']}")).status_code == 204


@pytest.mark.parametrize("role", ["owner", "admin"])
async def test_owners_and_admins_change_every_project(team: Team, role: str) -> None:
    who = team.owner if role == "owner" else team.admin
    members = await make(team.member)
    r = await who.http.patch(f"/projects/{members['id']}", json={"name": f"{members['name']}+"})
    assert r.status_code == 200
    assert (await who.http.delete(f"/projects/{members['id']}")).status_code == 204


async def test_a_member_key_acts_as_its_member(team: Team, accounts: Accounts) -> None:
    key = accounts.client(await accounts.api_key(team.member), header="x-api-key")
    made = await key.post("/projects", json={"name": f"Key {uuid.uuid4().hex[:6]}"})
    assert made.status_code == 201 and made.json()["created_by"] == team.member.user_id
    owners = await make(team.owner)
    assert_error(await key.delete(f"/projects/{owners['id']}"), 403, "forbidden")
    assert (await key.delete(f"/projects/{made.json()['id']}")).status_code == 204


# --- other tenants ------------------------------------------------------------------------


async def test_another_tenants_project_is_not_found(team: Team, accounts: Accounts) -> None:
    stranger = await accounts.tenant()
    theirs = await make(stranger)
    missing = str(uuid.uuid4())
    http = team.owner.http
    for pid in (theirs["id"], missing):
        assert_error(await http.get(f"/projects/{pid}"), 404, "not_found")
        assert_error(await http.patch(f"/projects/{pid}", json={"name": "x"}), 404, "not_found")
        assert_error(await http.delete(f"/projects/{pid}"), 404, "not_found")
    listed = (await http.get("/projects", params={"name": theirs["name"]})).json()
    assert listed["items"] == [] and listed["total"] == 0
    assert (await stranger.http.get(f"/projects/{theirs['id']}")).status_code == 200


async def test_another_tenants_project_cannot_be_assigned(team: Team, accounts: Accounts) -> None:
    stranger = await accounts.tenant()
    theirs = (await make(stranger))["id"]
    http = team.owner.http
    body = {"project_id": theirs}
    r = await http.post("/assistants", json={"graph_id": "agent", **body})
    assert_error(r, 404, "not_found", "project_id")
    assert_error(await http.post("/threads", json=body), 404, "not_found", "project_id")
    assert_error(
        await http.post("/knowledge", json={"name": "D", **body}), 404, "not_found", "project_id"
    )
    a, t, b = await assistant(http), await thread(http), await base(http)
    for path in (
        f"/assistants/{a['assistant_id']}",
        f"/threads/{t['thread_id']}",
        f"/knowledge/{b['id']}",
    ):
        assert_error(await http.patch(path, json=body), 404, "not_found", "project_id")
    # Nothing was assigned by the refused changes.
    assert (await http.get(f"/assistants/{a['assistant_id']}")).json()["project_id"] is None
    assert (await http.get(f"/threads/{t['thread_id']}")).json()["project_id"] is None
    assert (await http.get(f"/knowledge/{b['id']}")).json()["project_id"] is None


async def test_the_database_refuses_another_tenants_project(
    team: Team, accounts: Accounts, db: psycopg.Connection[Any]
) -> None:
    """Past the service, the composite key (tenant_id, project_id) holds: even the owner
    role, which row-level security does not filter, cannot point a row at another tenant's
    project."""
    stranger = await accounts.tenant()
    theirs = (await make(stranger))["id"]
    a, t, b = (
        await assistant(team.owner.http),
        await thread(team.owner.http),
        await base(team.owner.http),
    )
    for table, row_id in (
        ("assistants", a["assistant_id"]),
        ("threads", t["thread_id"]),
        ("knowledge_bases", b["id"]),
    ):
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            db.execute(f"UPDATE {table} SET project_id = %s WHERE id = %s", (theirs, row_id))
        db.rollback()


# --- set and filter -----------------------------------------------------------------------


async def test_assistants_are_set_moved_and_filtered(team: Team) -> None:
    http = team.owner.http
    p, q = await make(team.owner), await make(team.owner)
    inside = await assistant(http, project_id=p["id"], name="Inside")
    outside = await assistant(http, name="Outside")
    assert inside["project_id"] == p["id"] and outside["project_id"] is None

    found = (await http.post("/assistants/search", json={"project_id": p["id"]})).json()
    assert [x["assistant_id"] for x in found] == [inside["assistant_id"]]
    assert found[0]["project_id"] == p["id"]
    r = await http.post("/assistants/count", json={"project_id": p["id"]})
    assert r.json() == 1

    r = await http.patch(f"/assistants/{outside['assistant_id']}", json={"project_id": q["id"]})
    assert r.status_code == 200 and r.json()["project_id"] == q["id"]
    # A change that names no project keeps it; `null` takes the assistant out.
    r = await http.patch(f"/assistants/{outside['assistant_id']}", json={"name": "Renamed"})
    assert r.json()["project_id"] == q["id"]
    r = await http.patch(f"/assistants/{outside['assistant_id']}", json={"project_id": None})
    assert r.json()["project_id"] is None
    # A member may put their own assistant in a project they did not make.
    own = await assistant(team.member.http, project_id=p["id"])
    assert own["project_id"] == p["id"]


async def test_threads_are_set_moved_and_filtered(team: Team) -> None:
    p = await make(team.owner)
    http = team.member.http
    inside = await thread(http, project_id=p["id"])
    outside = await thread(http)
    assert inside["project_id"] == p["id"]
    found = (await http.post("/threads/search", json={"project_id": p["id"]})).json()
    assert [x["thread_id"] for x in found] == [inside["thread_id"]]
    assert (await http.post("/threads/count", json={"project_id": p["id"]})).json() == 1
    # Members still see only their own threads within a project.
    others = await thread(team.other_member.http, project_id=p["id"])
    found = (await http.post("/threads/search", json={"project_id": p["id"]})).json()
    assert [x["thread_id"] for x in found] == [inside["thread_id"]]
    everyone = (await team.owner.http.post("/threads/search", json={"project_id": p["id"]})).json()
    assert {x["thread_id"] for x in everyone} == {inside["thread_id"], others["thread_id"]}

    r = await http.patch(f"/threads/{outside['thread_id']}", json={"project_id": p["id"]})
    assert r.status_code == 200 and r.json()["project_id"] == p["id"]
    r = await http.patch(f"/threads/{outside['thread_id']}", json={"metadata": {"k": 1}})
    assert r.json()["project_id"] == p["id"]
    r = await http.patch(f"/threads/{outside['thread_id']}", json={"project_id": None})
    assert r.json()["project_id"] is None
    copied = await http.post(f"/threads/{inside['thread_id']}/copy")
    assert copied.status_code == 200 and copied.json()["project_id"] == p["id"]


async def test_knowledge_bases_are_set_moved_and_filtered(team: Team) -> None:
    http = team.owner.http
    p = await make(team.owner)
    inside = await base(http, project_id=p["id"])
    outside = await base(http)
    page = (await http.get("/knowledge", params={"project_id": p["id"]})).json()
    assert [b["id"] for b in page["items"]] == [inside["id"]] and page["total"] == 1
    assert page["items"][0]["project_id"] == p["id"]
    r = await http.patch(f"/knowledge/{outside['id']}", json={"project_id": p["id"]})
    assert r.status_code == 200 and r.json()["project_id"] == p["id"]
    page = (await http.get("/knowledge", params={"project_id": p["id"]})).json()
    assert {b["id"] for b in page["items"]} == {inside["id"], outside["id"]}
    r = await http.patch(f"/knowledge/{outside['id']}", json={"project_id": None})
    assert r.json()["project_id"] is None
    bad = await http.get("/knowledge", params={"project_id": "nope"})
    assert_error(bad, 422, "validation_error")


async def test_deleting_a_project_leaves_its_members_unassigned(team: Team) -> None:
    http = team.owner.http
    p = await make(team.owner)
    a = await assistant(http, project_id=p["id"])
    t = await thread(http, project_id=p["id"])
    b = await base(http, project_id=p["id"])
    assert (await http.delete(f"/projects/{p['id']}")).status_code == 204
    r = await http.get(f"/assistants/{a['assistant_id']}")
    assert r.status_code == 200 and r.json()["project_id"] is None
    r = await http.get(f"/threads/{t['thread_id']}")
    assert r.status_code == 200 and r.json()["project_id"] is None
    r = await http.get(f"/knowledge/{b['id']}")
    assert r.status_code == 200 and r.json()["project_id"] is None
    # The project's id is gone: assigning it is a 404.
    r = await http.patch(f"/threads/{t['thread_id']}", json={"project_id": p["id"]})
    assert_error(r, 404, "not_found", "project_id")


async def test_a_name_search_postgresql_cannot_compare_is_a_422(owner: Principal) -> None:
    r = await owner.http.get("/projects", params={"name": "a\x00b"})
    assert_error(r, 422, "validation_error")
    r = await owner.http.get("/projects", params={"name": "x" * 201})
    assert_error(r, 422, "validation_error")
