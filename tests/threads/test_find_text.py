"""Searching threads by title and message text (the chat page's search box): only the
caller's visible threads match (row-level security for the tenant, the member-sees-own rule
for members), and the text is matched literally, never as a pattern."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI

from atrium.auth.context import AuthContext, Role
from tests.inprocess import Accounts, Principal, Team


async def thread_saying(who: Principal, text: str, title: str = "") -> str:
    r = await who.http.post("/threads", json={"metadata": {"title": title} if title else {}})
    assert r.status_code == 200, r.text
    thread_id = str(r.json()["thread_id"])
    values = {"messages": [{"role": "user", "content": text}]}
    r = await who.http.post(f"/threads/{thread_id}/state", json={"values": values})
    assert r.status_code == 200, r.text
    return thread_id


async def find(
    app: FastAPI, who: Principal, text: str, limit: int = 50, project_id: str | None = None
) -> list[str]:
    runtime: Any = app.state.runtime
    auth = AuthContext(
        tenant_id=uuid.UUID(who.tenant_id), role=Role(who.role), user_id=uuid.UUID(who.user_id)
    )
    async with runtime.db.transaction(tenant_id=auth.tenant_id) as session:
        found = await runtime.thread_service.find_text(
            session=session,
            auth=auth,
            text=text,
            limit=limit,
            project_id=uuid.UUID(project_id) if project_id else None,
        )
    return [str(t.id) for t in found]


async def test_a_member_finds_only_their_own_threads(
    team: Team, accounts: Accounts, atrium_app: FastAPI
) -> None:
    word = f"zebra{uuid.uuid4().hex[:8]}"
    mine = await thread_saying(team.member, f"Where do the {word}s sleep?")
    theirs = await thread_saying(team.other_member, f"{word} facts")
    owners = await thread_saying(team.owner, f"{word} too")
    stranger = await accounts.tenant()
    elsewhere = await thread_saying(stranger, f"{word} in another tenant")

    assert await find(atrium_app, team.member, word.upper()) == [mine]
    assert set(await find(atrium_app, team.owner, word)) == {mine, theirs, owners}
    assert set(await find(atrium_app, team.admin, word)) == {mine, theirs, owners}
    assert await find(atrium_app, stranger, word) == [elsewhere]


async def test_titles_match_too(team: Team, atrium_app: FastAPI) -> None:
    word = f"okapi{uuid.uuid4().hex[:8]}"
    titled = await thread_saying(team.member, "nothing to see", title=f"All about {word}")
    assert await find(atrium_app, team.member, word) == [titled]


async def test_the_text_is_taken_literally(team: Team, atrium_app: FastAPI) -> None:
    tag = uuid.uuid4().hex[:8]
    percent = await thread_saying(team.member, f"{tag} grew 100% this year")
    await thread_saying(team.member, f"{tag} grew 1000 this year")
    underscore = await thread_saying(team.member, f"{tag} see a_b")
    await thread_saying(team.member, f"{tag} see axb")
    backslash = await thread_saying(team.member, f"{tag} path C:\\temp")

    assert await find(atrium_app, team.member, f"{tag} grew 100%") == [percent]
    assert await find(atrium_app, team.member, f"{tag} see a_b") == [underscore]
    assert await find(atrium_app, team.member, "C:\\temp") == [backslash]
    assert await find(atrium_app, team.member, f"{tag}' OR 1=1 --") == []


async def test_results_are_bounded(team: Team, atrium_app: FastAPI) -> None:
    word = f"gnu{uuid.uuid4().hex[:8]}"
    for n in range(4):
        await thread_saying(team.member, f"{word} number {n}")
    assert len(await find(atrium_app, team.member, word, limit=3)) == 3


async def test_a_thread_whose_state_holds_no_message_list_breaks_no_search(
    team: Team, atrium_app: FastAPI
) -> None:
    """`messages` that is not an array (state is written by graphs and by clients) is read
    as no messages: the tenant's other threads are still found."""
    from sqlalchemy import text

    word = f"kestrel{uuid.uuid4().hex[:8]}"
    found = await thread_saying(team.owner, f"a {word} over the field")
    odd = await thread_saying(team.owner, "soon to be odd")
    runtime: Any = atrium_app.state.runtime
    async with runtime.db.transaction(tenant_id=uuid.UUID(team.owner.tenant_id)) as session:
        await session.execute(
            text("UPDATE threads SET values = CAST(:v AS jsonb) WHERE id = :id"),
            {"v": f'{{"messages": {{"content": "{word}"}}}}', "id": odd},
        )
    assert await find(atrium_app, team.owner, word) == [found]


async def test_a_project_narrows_the_search_before_the_limit(
    team: Team, atrium_app: FastAPI
) -> None:
    """In a project, the newest matches outside it do not use up the limit."""
    word = f"heron{uuid.uuid4().hex[:8]}"
    r = await team.owner.http.post("/projects", json={"name": f"p-{word}"})
    assert r.status_code == 201, r.text
    project = r.json()["id"]
    inside = await thread_saying(team.owner, f"a {word} in the project")
    r = await team.owner.http.patch(f"/threads/{inside}", json={"project_id": project})
    assert r.status_code == 200, r.text
    for _ in range(3):  # newer matches, outside the project
        await thread_saying(team.owner, f"a {word} elsewhere")
    assert await find(atrium_app, team.owner, word, limit=2, project_id=project) == [inside]
    assert len(await find(atrium_app, team.owner, word, limit=2)) == 2
