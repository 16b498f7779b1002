"""One bank change through the stack started as processes (issue 17, "must show").

Two ``portal serve`` instances, ``portal worker`` (outbox every second), PostgreSQL, Redis
and an S3 store, as in ``tests/deploy/stack.py``; an SMTP server (aiosmtpd) started by the
test receives what the worker sends. The demo suppliers are seeded in the migrate step and a
finance API token is made with ``portal api-token create``, as an operator would.

The supplier submits through one instance, supervisor A approves with a call-back through
the other, supervisor B approves through the first; the worker mails the supplier the
decision, and the finance API of either instance shows the new account.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from tests.deploy.conftest import free_port, run_portal
from tests.deploy.stack import Stack, csrf, log_in, running_stack, supplier_session

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

NEW_ACCOUNT = "6217000011112222333"
SEED = """
from portal.commands.common import collaborators_of, open_services
from portal.config import load_settings
from portal.demo.seed import seed_demo

services = open_services(load_settings())
seed_demo(services, wiring=collaborators_of(services).verification)
services.engine.dispose()
"""


class Mailbox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._lock:
            self.messages.append(parsed)
        return "250 OK"

    def wait_for(self, to: str, words: str, seconds: float = 90) -> EmailMessage:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self._lock:
                for message in self.messages:
                    if to in str(message["To"]) and words in str(message["Subject"]):
                        return message
            time.sleep(0.5)
        with self._lock:
            seen = [(str(m["To"]), str(m["Subject"])) for m in self.messages]
        raise AssertionError(f"no mail to {to} about {words!r}; received: {seen}")


@pytest.fixture(scope="module")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def prepare(env: dict[str, str]) -> dict[str, str]:
    seeded = subprocess.run(
        [sys.executable, "-c", SEED], env=env, capture_output=True, text=True, timeout=300
    )
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    token = run_portal(["api-token", "create", "stack-finance", "--reveal"], env)
    assert token.returncode == 0, token.stdout + token.stderr
    return {"finance_token": token.stdout.strip().splitlines()[-1]}


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, mailbox: tuple[Mailbox, int]
) -> Iterator[Stack]:
    smtp = {
        "PORTAL_SMTP_HOST": "127.0.0.1",
        "PORTAL_SMTP_PORT": str(mailbox[1]),
        "PORTAL_SMTP_STARTTLS": "0",
        "PORTAL_SMTP_FROM": "portal@stack.example",
    }
    with running_stack(
        tmp_path_factory.mktemp("bank-stack"),
        extra_env=smtp,
        prepare=prepare,
        worker_args=("--outbox-seconds", "1"),
    ) as running:
        yield running


def data_status(page: str) -> str:
    found = re.search(r'data-status="([a-z_]+)"', page)
    assert found, page
    return found.group(1)


def approve(base: str, user: str, change: str, *, call_back: bool) -> httpx.Response:
    with httpx.Client(timeout=30) as browser:
        log_in(browser, base, user)
        page = browser.get(f"{base}/staff/changes/{change}")
        assert page.status_code == 200, page.text
        form: dict[str, str] = {"_csrf_token": csrf(page.text)}
        if call_back:
            contact = re.search(
                r'<select name="call_back_contact"[^>]*>\s*(?:<option value="">[^<]*</option>)?'
                r'\s*<option value="([^"]+)"',
                page.text,
            )
            assert contact, "no contact offered for the call-back"
            form |= {
                "call_back_contact": contact.group(1),
                "call_back_outcome": "confirmed",
                "call_back_note": "已致电联系人，确认新账户",
            }
        answer = browser.post(f"{base}/staff/changes/{change}/approve", data=form)
        assert answer.status_code == 303, answer.text
        return browser.get(f"{base}/staff/changes/{change}")


def test_a_bank_change_goes_from_the_supplier_to_finance_and_the_mail_goes_out(
    stack: Stack, mailbox: tuple[Mailbox, int]
) -> None:
    finance = {"Authorization": f"Bearer {stack.prepared['finance_token']}"}
    listed = httpx.get(f"{stack.b}/api/v1/suppliers/", params={"limit": 50}, headers=finance)
    assert listed.status_code == 200, listed.text
    supplier = next(s for s in listed.json()["items"] if s["contacts"] and s["bank_accounts"])

    with supplier_session(stack.a, "supplier-1", supplier["uscc"], supplier["name"]) as browser:
        profile = browser.get(f"{stack.b}/portal/profile")  # the other instance: one session
        account = re.search(r'href="/portal/bank-accounts/([^"/]+)/edit"', profile.text)
        assert account, profile.text
        form = browser.get(f"{stack.b}/portal/bank-accounts/{account.group(1)}/edit")
        submitted = browser.post(
            f"{stack.b}/portal/bank-accounts/{account.group(1)}",
            data={"account_number": NEW_ACCOUNT, "_csrf_token": csrf(form.text)},
        )
        assert submitted.status_code == 303, submitted.text
        change = submitted.headers["location"].rsplit("/", 1)[-1]
        assert data_status(browser.get(f"{stack.a}/portal/changes/{change}").text) == "pending"

        first = approve(stack.b, "supervisor-a", change, call_back=True)
        assert data_status(first.text) == "partially_approved"
        second = approve(stack.a, "supervisor-b", change, call_back=False)
        assert data_status(second.text) == "applied"
        assert data_status(browser.get(f"{stack.b}/portal/changes/{change}").text) == "applied"

    for base in (stack.a, stack.b):
        view = httpx.get(
            f"{base}/api/v1/suppliers/{supplier['uscc']}",
            params={"reveal": "true"},
            headers=finance,
        ).json()
        assert NEW_ACCOUNT in [a["account_number"] for a in view["bank_accounts"]]
        assert view["payment_hold"]["on_hold"]  # the cooling-off after a bank change

    # the supplier reads Chinese: 您的银行账户变更申请已审批通过并生效
    mail = mailbox[0].wait_for("supplier1@demo.example", "生效")
    assert mail["From"] == "portal@stack.example"
    parts = [part.get_content() for part in mail.walk() if not part.is_multipart()]
    assert parts and all(NEW_ACCOUNT not in text for text in parts)  # never by mail, any part
    assert stack.worker.poll() is None
