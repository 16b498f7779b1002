"""Another request reached the record while this one was open: rebase or conflict on the
fields that changed under it, decided without a database."""

from __future__ import annotations

from approvals import ChangeConflicted, ChangeRebased, Status, Verdict
from tests.support.approvals import at, bank_change, contact_change

CONTACT_NAME = "contact[c-wang-on-file].name"


def test_a_request_on_other_fields_moves_onto_the_new_version() -> None:
    rebased, [event] = contact_change().rebase(
        {"supplier[s-acme].address"}, 4, at(5), by_request="r-x"
    )
    assert rebased.status is Status.PENDING and rebased.base_version == 4
    assert isinstance(event, ChangeRebased) and not rebased.is_stale(4)


def test_a_request_on_the_same_field_conflicts_on_that_field_alone() -> None:
    conflicted, [event] = contact_change().rebase({CONTACT_NAME}, 4, at(5), by_request="r-x")
    assert conflicted.status is Status.CONFLICT
    assert isinstance(event, ChangeConflicted) and event.field_keys == (CONTACT_NAME,)
    verdicts = {d.field_key: d.verdict for d in conflicted.decisions}
    assert verdicts == {
        CONTACT_NAME: Verdict.REJECTED,
        "contact[c-wang-on-file].title": Verdict.PENDING,
    }


def test_the_conflicting_field_says_why_in_chinese() -> None:
    conflicted, _ = contact_change().rebase({CONTACT_NAME}, 4, at(5), by_request="r-x")
    [reason] = [d.reason for d in conflicted.decisions if d.reason]
    assert "已被另一项已生效的变更申请修改" in reason


def test_a_bank_change_that_can_no_longer_apply_is_closed() -> None:
    [number_key, *_] = bank_change().field_keys
    conflicted, _ = bank_change().rebase({number_key}, 4, at(5), by_request="r-x")
    assert conflicted.status is Status.CONFLICT and conflicted.closed_at == at(5)
