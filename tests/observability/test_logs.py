"""JSON log lines with the request id, and nothing sensitive in them."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

from portal.observability.context import bind_request_id
from portal.observability.logs import configure_logging
from tests.web_portal.conftest import SECRET

NEW = "6217000011112222333"


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def test_a_bank_change_logs_json_lines_with_request_ids_and_no_account_phone_or_token(
    site: Any, as_user: Any, client: Any, json_logs: io.StringIO
) -> None:
    account = site.a.bank_accounts[0].id
    form = f"/portal/bank-accounts/{account}/edit"
    submit = await as_user("a").post(
        f"/portal/bank-accounts/{account}", {"account_number": NEW}, form_page=form
    )
    assert submit.status_code == 303, submit.text
    change = submit.headers["location"].rsplit("/", 1)[-1]
    page = f"/staff/changes/{change}"
    assert (await as_user("alice").get(page)).status_code == 200
    approve = await as_user("alice").post(
        f"{page}/approve",
        {
            "call_back_contact": site.a.contacts[0].id,
            "call_back_outcome": "confirmed",
            "call_back_note": "王经理确认 13812345678",
        },
        form_page=page,
    )
    assert approve.status_code == 303, approve.text
    finance = await as_user("finance").get(f"/api/v1/suppliers/{site.a.uscc}")
    assert finance.status_code == 200
    # a link with a secret in its path and query (an invitation) and a bad bearer token
    await client.get("/invite/tok-SeCrEt-123456789?code=987654", headers={"x-test-user": "a"})
    await client.get("/api/v1/suppliers", headers={"Authorization": "Bearer sk-live-SeCrEt"})
    # a library logging a value by mistake, and an error with one in its message
    logging.getLogger("some.library").warning("retrying with card 6222021234567891234")
    try:
        raise ValueError(f"cannot parse phone {site.a.contacts[0].phone}")
    except ValueError:
        logging.getLogger("portal.test").exception("a failure")

    lines = _lines(json_logs)
    assert lines, "nothing was logged"
    for line in lines:
        assert {"time", "level", "logger", "message", "request_id", "role"} <= set(line), line
        assert line["role"] == "web"
    access = [line for line in lines if line["logger"] == "portal.access"]
    submitted = [a for a in access if a["request_id"] == submit.headers["x-request-id"]]
    assert [(a["method"], a["route"], a["status"]) for a in submitted] == [
        ("POST", "/portal/bank-accounts/{account_id}", 303)
    ]
    assert any(a["route"].startswith("/staff/changes/{") for a in access)
    assert all(change not in a["message"] for a in access)  # templates, never raw paths

    text = json_logs.getvalue()
    cookies = [value for value in client.cookies.values() if len(value) > 8]
    forbidden = [
        NEW,
        *(b.account_number for s in (site.a, site.b) for b in s.bank_accounts),
        *(c.phone for s in (site.a, site.b) for c in s.contacts if c.phone),
        "13812345678",
        "tok-SeCrEt",
        "987654",
        "sk-live-SeCrEt",
        SECRET.decode(),
        *cookies,
    ]
    leaked = [value for value in forbidden if value and value in text]
    assert leaked == [], leaked


def test_text_format_is_one_readable_line_with_the_request_id() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("text", "INFO", role="worker", stream=stream)
        with bind_request_id("ocr-1f2e"):
            logging.getLogger("portal.ocr_jobs").info("job %s read", "j-1")
        logging.getLogger("portal.ocr_jobs").debug("not shown at INFO")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    (line,) = stream.getvalue().splitlines()
    assert line.endswith("INFO [ocr-1f2e] portal.ocr_jobs: job j-1 read")


def test_an_unexpected_error_is_logged_once_with_its_traceback_under_the_request_id(
    services: Any, json_logs: io.StringIO
) -> None:
    from litestar import get
    from litestar.params import FromPath
    from litestar.testing import TestClient

    from portal.bootstrap import build_collaborators
    from portal.web.app import create_app

    @get("/boom/{n:int}", sync_to_thread=False)
    def boom(n: FromPath[int]) -> None:
        raise RuntimeError(f"broken while paying 6222021234567891234 ({n})")

    app = create_app(build_collaborators(services), route_handlers=[boom])
    with TestClient(app=app) as client:
        answer = client.get("/boom/7", headers={"x-request-id": "edge-500"})
        refused = client.get("/api/v1/suppliers", headers={"x-request-id": "edge-401"})
    assert answer.status_code == 500 and refused.status_code == 401
    lines = _lines(json_logs)
    (error,) = [line for line in lines if line["level"] == "ERROR"]
    assert error["request_id"] == "edge-500" and error["logger"] == "portal.web.errors"
    assert error["message"] == "unexpected error answering GET /boom/{n}"
    assert "RuntimeError: broken while paying [redacted-digits] (7)" in error["exc_info"]
    assert "6222021234567891234" not in json_logs.getvalue()
