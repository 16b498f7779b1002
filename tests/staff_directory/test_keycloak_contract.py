"""One contract for the people a provider lists, held by the Keycloak adapter (replaying a
cassette built from the admin REST API's documented shapes) and by the in-memory fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr

from portal.domain.principal import Role
from portal.staff_directory import DirectoryEntry
from portal.staff_directory.pull import DirectoryUnavailableError, InMemoryPeopleSource
from tests.staff_directory.record_cassettes import BOB, LI, WANG, people

CASSETTES = Path(__file__).parent / "cassettes"
REPLAY = vcr.VCR(record_mode="none", match_on=["method", "host", "path", "query"])
#: what the realm of the cassette holds, in the directory's words
REALM_PEOPLE = [
    DirectoryEntry(WANG, "wang.fang", "王芳", "wang.fang@buyer.cn", language="zh",
                   roles=(Role.PURCHASING_SUPERVISOR,), wecom_userid="WangFang"),
    DirectoryEntry(BOB, "bob", "Bob Smith", "bob@buyer.cn", language="en",
                   roles=(Role.FINANCE,), dingtalk_userid="bob01"),
    DirectoryEntry(LI, "li.lei", "李雷", "li.lei@buyer.cn", active=False,
                   roles=(Role.PURCHASING_SUPERVISOR,)),
]  # fmt: skip
REFUSED = DirectoryUnavailableError("Keycloak: refused", message_zh="拒绝", permanent=True)


@pytest.fixture(params=["recorded", "fake"])
def realm(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield InMemoryPeopleSource(entries=list(REALM_PEOPLE))
        return
    with REPLAY.use_cassette(str(CASSETTES / "keycloak.yaml")):
        yield people(httpx.Client())


@pytest.fixture(params=["recorded", "fake"])
def refusing_realm(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield InMemoryPeopleSource(failure=REFUSED)
        return
    with REPLAY.use_cassette(str(CASSETTES / "keycloak-refused.yaml")):
        yield people(httpx.Client(), secret="wrong")


def test_everyone_with_an_address_is_listed_with_roles_language_and_ids(realm: Any) -> None:
    assert realm.people() == REALM_PEOPLE


def test_a_disabled_user_is_listed_as_inactive_not_left_out(realm: Any) -> None:
    [li] = [p for p in realm.people() if p.user_name == "li.lei"]
    assert li.active is False


def test_refused_credentials_are_a_permanent_failure(refusing_realm: Any) -> None:
    with pytest.raises(DirectoryUnavailableError) as refused:
        refusing_realm.people()
    assert refused.value.permanent


# adapter-only cases: the transport is the seam


def _answering(status: int, body: bytes = b"{}") -> Any:
    return people(httpx.Client(transport=httpx.MockTransport(
        lambda request: httpx.Response(status, content=body)
    )), secret="s")  # fmt: skip


def test_a_server_error_is_temporary_and_says_so_in_both_languages() -> None:
    with pytest.raises(DirectoryUnavailableError) as failed:
        _answering(503).people()
    assert not failed.value.permanent
    assert "HTTP 503" in str(failed.value) and "下次同步时重试" in failed.value.message_zh


def test_an_unreachable_keycloak_is_temporary() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    adapter = people(httpx.Client(transport=httpx.MockTransport(down)), secret="sekret-7f3")
    with pytest.raises(DirectoryUnavailableError) as failed:
        adapter.people()
    assert not failed.value.permanent and "sekret-7f3" not in repr(failed.value.__dict__)


def test_an_answer_that_is_not_json_is_temporary() -> None:
    with pytest.raises(DirectoryUnavailableError) as failed:
        _answering(200, b"<html>proxy</html>").people()
    assert not failed.value.permanent and "not JSON" in str(failed.value)
