"""Purchasing withdraws an invitation or sends it again; the old link stops working."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.web_auth.conftest import demo_login, runtime_of
from tests.web_auth.test_invitations import audit_trail, invite, link_in_outbox


def invitation_id_of(link: str) -> str:
    return link.removeprefix("/invite/").split(".")[0]


async def act(client: AsyncTestClient[Litestar], invitation_id: str, what: str) -> Any:
    await client.get("/staff/invitations")
    return await client.post(
        f"/staff/invitations/{invitation_id}/{what}",
        data={"_csrf_token": client.cookies["portal_csrf"]},
    )


async def test_a_revoked_invitation_link_no_longer_opens_and_the_list_says_revoked(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    await demo_login(client, "clerk")
    await invite(client)
    link = link_in_outbox(demo_app)

    answer = await act(client, invitation_id_of(link), "revoke")

    assert answer.status_code == 303
    opened = await client.get(link)
    assert opened.status_code == 410
    assert "邀请已撤销" in opened.text and "已过期" not in opened.text  # revoked, not expired
    listing = await client.get("/staff/invitations")
    assert "已撤销" in listing.text
    assert ("invitation.revoked", invitation_id_of(link)) in audit_trail(demo_app)


async def test_sending_again_mails_a_new_link_and_the_old_one_stops_working(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    await demo_login(client, "supervisor-a")
    await invite(client)
    old = link_in_outbox(demo_app)

    await act(client, invitation_id_of(old), "resend")

    new = link_in_outbox(demo_app)
    assert new != old
    stale = await client.get(old)
    assert stale.status_code == 410 and "邀请已撤销" in stale.text
    assert (await client.get(new)).status_code == 200
    acts = [a for a, _ in audit_trail(demo_app)]
    resent = acts.index("invitation.resent")
    assert acts[resent + 1] == "invitation.created"  # the new link, recorded with it


async def test_an_admin_may_invite_and_an_auditor_may_not_revoke(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    await demo_login(client, "admin")
    assert 'id="invitation-sent"' in (await invite(client)).text
    invitation = invitation_id_of(link_in_outbox(demo_app))
    await demo_login(client, "auditor")
    await client.get("/")
    answer = await client.post(
        f"/staff/invitations/{invitation}/revoke",
        data={"_csrf_token": client.cookies["portal_csrf"]},
    )
    assert answer.status_code == 403
    assert not re.search("invitation.revoked", str(audit_trail(demo_app)))


async def test_a_revocation_records_who_withdrew_the_invitation_and_when(
    client: AsyncTestClient[Litestar], demo_app: Litestar
) -> None:
    from sqlalchemy import select

    from portal.onboarding.invitations import INVITATION

    await demo_login(client, "clerk")
    await invite(client)
    link = link_in_outbox(demo_app)
    await act(client, invitation_id_of(link), "revoke")
    engine = runtime_of(demo_app).services.engine
    with engine.connect() as conn:
        row = conn.execute(
            select(INVITATION).where(INVITATION.c.id == invitation_id_of(link))
        ).one()
    assert row.revoked_at is not None and row.revoked_by
    assert row.expires_at > row.created_at  # the expiry is left as it was
