"""The one error table: every row reachable, one shape, and the CLI's exit codes from it."""

from __future__ import annotations

import pytest

from portal.bootstrap import Services, build_collaborators
from portal.commands.common import failure
from portal.domain.errors import ErrorKind, PortalError, SupplierNotFoundError
from portal.web.errors import ERRORS, KIND_EXIT, KIND_STATUS, error_body, rule_for


def test_no_row_is_hidden_behind_a_more_general_one() -> None:
    for i, rule in enumerate(ERRORS):
        for later in ERRORS[i + 1 :]:
            assert not issubclass(later.error, rule.error) or later.error is rule.error, (
                f"{later.error.__name__} is answered by {rule.error.__name__}'s row"
            )


def test_a_portal_error_is_answered_from_its_kind() -> None:
    class HeldError(PortalError):
        kind = ErrorKind.CONFLICT
        retryable = True
        code = "payment.held"

    rule = rule_for(HeldError("on hold", message_zh="付款暂停", field="bank_account"))
    assert rule is not None and rule.http_status == 409
    body = error_body(HeldError("on hold", message_zh="付款暂停", field="bank_account"), rule)
    assert body == {
        "error": {
            "code": "payment.held",
            "message": "on hold",
            "message_zh": "付款暂停",
            "field": "bank_account",
            "retryable": True,
        }
    }


def test_every_kind_has_a_status_and_an_exit_code() -> None:
    assert set(KIND_STATUS) == set(KIND_EXIT) == set(ErrorKind)


@pytest.mark.parametrize(
    ("error", "code"),
    [(SupplierNotFoundError("s-1"), 3), (PortalError("bad"), 2)],
)
def test_the_cli_exits_with_the_code_of_the_errors_kind(error: Exception, code: int) -> None:
    assert failure(error) == (code, str(error))


def test_the_three_supplier_not_found_errors_are_one() -> None:
    from portal.changes import SupplierNotFoundError as in_changes
    from portal.resolution import SupplierNotFoundError as in_dedup
    from portal.verification.verify import SupplierNotFoundError as in_verification

    assert in_changes is in_dedup is in_verification is SupplierNotFoundError


def test_a_browser_gets_an_error_page_in_its_language_and_the_api_gets_json(
    services: Services,
) -> None:
    from litestar.testing import TestClient

    from portal.web.app import create_app

    html = {"accept": "text/html,application/xhtml+xml"}
    with TestClient(app=create_app(build_collaborators(services))) as client:
        page = client.get("/no-such-page", headers=html)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "无法完成操作" in page.text and "{" not in page.text.split("<main>")[1][:20]
        client.cookies.set("lang", "en")
        english = client.get("/no-such-page", headers=html)
        assert english.status_code == 404 and "This could not be done" in english.text
        api = client.get("/api/v1/suppliers/", headers=html)
        assert api.status_code == 401
        assert set(api.json()["error"]) == {"code", "message", "message_zh", "retryable"}
