"""Threads belong to a user: members see their own, owners and admins see every thread."""

from __future__ import annotations

from tests.support import Mailbox, link_token, register, unique_email


def test_members_see_their_own_threads(base_url: str, mailbox: Mailbox) -> None:
    owner = register(base_url)
    members = []
    for _ in range(2):
        email = unique_email("member")
        owner.api.post("/tenants/current/members", json={"email": email, "role": "member"})
        token = link_token(mailbox.wait_for(email, subject="invited"), "/invitations/accept")
        members.append(register(base_url, email=email, invitation_token=token))
    alice, bob = members
    mine = alice.api.post("/threads", json={"metadata": {"who": "alice"}}).json()
    tid = mine["thread_id"]
    assert alice.api.get(f"/threads/{tid}").status_code == 200
    for path in (f"/threads/{tid}", f"/threads/{tid}/state", f"/threads/{tid}/runs"):
        r = bob.api.get(path)
        assert r.status_code == 404, path
    assert bob.api.post("/threads/search", json={}).json() == []
    assert bob.api.post("/threads/count", json={}).json() == 0
    # owners (and admins) see every thread of the tenant
    assert owner.api.get(f"/threads/{tid}").status_code == 200
    found = owner.api.post("/threads/search", json={"metadata": {"who": "alice"}}).json()
    assert [t["thread_id"] for t in found] == [tid]
