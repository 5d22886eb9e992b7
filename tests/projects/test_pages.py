"""The projects' pages as the services' rules shape them: a member is offered rename and
delete on their own project only, and a project's page lists its members as the caller may
see them (a member: their own chats only)."""

from __future__ import annotations

import httpx

from tests.inprocess import Accounts, Principal, Team
from tests.projects.test_service import assistant, base, make, thread


def browser(accounts: Accounts, who: Principal) -> httpx.AsyncClient:
    """A client with the dashboard's session cookie (pages take no bearer token)."""
    client = accounts.client()
    client.cookies.set("atrium_session", who.tokens["refresh_token"])
    return client


async def test_a_member_may_change_only_their_own_project(team: Team, accounts: Accounts) -> None:
    owners, mine = await make(team.owner), await make(team.member)
    page = browser(accounts, team.member)
    r = await page.get(f"/app/projects/{owners['id']}")
    assert r.status_code == 200 and owners["name"] in r.text
    assert "Delete project" not in r.text and "Rename" not in r.text
    r = await page.get(f"/app/projects/{mine['id']}")
    assert "Delete project" in r.text and "Rename" in r.text
    admin = await browser(accounts, team.admin).get(f"/app/projects/{mine['id']}")
    assert "Delete project" in admin.text


async def test_a_projects_page_lists_what_is_in_it(team: Team, accounts: Accounts) -> None:
    p = await make(team.owner)
    a = await assistant(team.owner.http, project_id=p["id"], name="In the project")
    await assistant(team.owner.http, name="Elsewhere")
    await thread(team.member.http, project_id=p["id"], metadata={"title": "Member's chat"})
    await thread(team.other_member.http, project_id=p["id"], metadata={"title": "Other's chat"})
    await base(team.owner.http, project_id=p["id"], name="Project docs")

    r = await browser(accounts, team.member).get(f"/app/projects/{p['id']}")
    assert r.status_code == 200
    assert f'href="/app/assistants/{a["assistant_id"]}"' in r.text and "Elsewhere" not in r.text
    assert "Member&#39;s chat" in r.text and "Other&#39;s chat" not in r.text
    assert "Project docs" in r.text
    r = await browser(accounts, team.owner).get(f"/app/projects/{p['id']}")
    assert "Member&#39;s chat" in r.text and "Other&#39;s chat" in r.text


async def test_the_list_page_searches_and_says_what_to_do_when_empty(accounts: Accounts) -> None:
    owner = await accounts.tenant()
    page = browser(accounts, owner)
    r = await page.get("/app/projects")
    assert r.status_code == 200 and "No projects yet" in r.text
    await make(owner, "Roadmap <b>2027</b>")
    r = await page.get("/app/projects")
    assert "Roadmap &lt;b&gt;2027&lt;/b&gt;" in r.text and "<b>2027" not in r.text
    r = await page.get("/app/projects", params={"name": "nothing like it"})
    assert "No project's name contains" in r.text
    r = await page.get("/app/projects", params={"name": "a\x00b"})
    assert r.status_code == 400 and "text/html" in r.headers["content-type"]
    r = await page.get("/app/projects/not-an-id")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
