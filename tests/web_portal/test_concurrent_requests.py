"""Two open requests of one supplier: the first applied does not cancel the second unless
they touch the same field, and then only that field conflicts, with the reason given."""

from __future__ import annotations

from typing import Any

from approvals import Status, Verdict
from portal.changes import get_change
from tests.web_portal.test_portal_flow import request_id_of


async def _propose(site: Any, as_user: Any, values: dict[str, str]) -> str:
    contact = site.a.contacts[0].id
    response = await as_user("a").post(
        f"/portal/contacts/{contact}", values, form_page=f"/portal/contacts/{contact}/edit"
    )
    assert response.status_code == 303, response.text
    return request_id_of(response)


async def _approve(as_user: Any, request_id: str, *approvers: str) -> Any:
    page = f"/staff/changes/{request_id}"
    for approver in approvers or ("alice",):
        done = await as_user(approver).post(f"{page}/approve", {}, form_page=page)
        assert done.status_code == 303, done.text
    return done


def _contact(site: Any) -> Any:
    with site.services.engine.connect() as conn:
        return site.services.suppliers.get(conn, site.a.id).contacts[0]


async def test_two_requests_on_different_fields_of_one_supplier_both_apply(
    site: Any, as_user: Any
) -> None:
    role = await _propose(site, as_user, {"role": "总监"})
    email = await _propose(site, as_user, {"email": "wang.new@x.cn"})
    assert (await _approve(as_user, role)).status_code == 303
    await _approve(as_user, email, "alice", "bob")  # a contact's e-mail takes two approvals
    contact = _contact(site)
    assert (contact.role, contact.email) == ("总监", "wang.new@x.cn")


async def test_two_requests_on_the_same_field_the_second_conflicts_on_that_field_alone(
    site: Any, as_user: Any
) -> None:
    first = await _propose(site, as_user, {"role": "总监"})
    second = await _propose(site, as_user, {"role": "经理", "email": "wang.new@x.cn"})
    await _approve(as_user, first)
    closed = get_change(site.deps, site.people["alice"], second)
    assert closed.status is Status.CONFLICT
    verdicts = {d.field_key.rsplit(".", 1)[1]: (d.verdict, d.reason) for d in closed.decisions}
    assert verdicts["email"] == (Verdict.PENDING, None)
    assert verdicts["role"][0] is Verdict.REJECTED and "已被另一项已生效的变更申请修改" in str(
        verdicts["role"][1]
    )
    assert (_contact(site).role, _contact(site).email) == ("总监", "c11@x.cn")


async def test_the_supplier_is_told_which_field_conflicted_and_why(site: Any, as_user: Any) -> None:
    first = await _propose(site, as_user, {"role": "总监"})
    second = await _propose(site, as_user, {"role": "经理"})
    await _approve(as_user, first)
    mine = await as_user("a").get(f"/portal/changes/{second}")
    assert "数据冲突" in mine.text and "已被另一项已生效的变更申请修改" in mine.text
