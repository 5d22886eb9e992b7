"""Knowledge bases follow the assistants' rule: everyone in the tenant reads and searches
every base, members create bases and change (upload into, delete from) their own only,
owners and admins change all."""

from __future__ import annotations

from tests.inprocess import Team, assert_error
from tests.knowledge.support import ingested, make_base, search, upload

TEXT = b"The greenhouse thermostat is set to eighteen degrees at night."


async def test_members_change_their_own_bases_and_read_all(team: Team) -> None:
    mine = await make_base(team.member.http, "Member's")
    assert mine["created_by"] == team.member.user_id
    [doc] = await ingested(team.member.http, mine["id"], [("t.txt", TEXT)])
    owners = await make_base(team.owner.http, "Owner's")

    # Everyone reads and searches.
    for who in (team.other_member, team.admin, team.owner):
        r = await who.http.get(f"/knowledge/{mine['id']}/files/{doc['id']}/content")
        assert r.status_code == 200 and r.content == TEXT
        hits = await search(who.http, mine["id"], "night temperature in the greenhouse")
        assert hits[0]["file_id"] == doc["id"]
    listed = (await team.other_member.http.get("/knowledge")).json()["items"]
    assert {mine["id"], owners["id"]} <= {b["id"] for b in listed}

    # Another member changes nothing of it, nor of the owner's.
    other = team.other_member.http
    for base in (mine, owners):
        assert_error(
            await other.patch(f"/knowledge/{base['id']}", json={"name": "x"}), 403, "forbidden"
        )
        assert_error(await upload(other, base["id"], [("x.txt", b"x")]), 403, "forbidden")
        assert_error(await other.delete(f"/knowledge/{base['id']}"), 403, "forbidden")
    r = await other.delete(f"/knowledge/{mine['id']}/files/{doc['id']}")
    assert_error(r, 403, "forbidden")

    # Its creator and an admin do.
    r = await team.member.http.patch(f"/knowledge/{mine['id']}", json={"name": "Renamed"})
    assert r.status_code == 200 and r.json()["name"] == "Renamed"
    r = await team.admin.http.delete(f"/knowledge/{mine['id']}/files/{doc['id']}")
    assert r.status_code == 204
    r = await team.admin.http.delete(f"/knowledge/{mine['id']}")
    assert r.status_code == 204
