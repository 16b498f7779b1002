"""The locust scenario of ``bench/load_stack.py`` (run by it; not a product module).

Users spread every request round-robin over the instances in ``LOAD_HOSTS`` (comma
separated), as a simple load balancer would:

- finance systems (weight 3): the finance API's supplier list (50 a page), one supplier, and
  now and then the CSV export of every supplier (streamed, audited: one audit entry each);
- purchasing clerks (weight 2): the staff supplier list (a browser session, logged in through
  the demo provider once) and change submissions through the change API (a new bank account
  for a seeded supplier: a pending change request with its risk flags and audit entries);
- purchasing supervisors (weight 1, A and B in turn): the approval queue, then one pending
  change approved in the browser (with a call-back to a contact on file when the first
  approval needs one). A 403 (already approved by this supervisor) or 409 (decided meanwhile
  by the other) is an expected answer of the approval rules, not an error.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from typing import Any

from locust import HttpUser, between, task

HOSTS = [h for h in os.environ.get("LOAD_HOSTS", "").split(",") if h]
FINANCE = {"Authorization": f"Bearer {os.environ.get('LOAD_FINANCE_TOKEN', '')}"}
CLERK = {"Authorization": f"Bearer {os.environ.get('LOAD_CLERK_TOKEN', '')}"}
#: [[uscc, name], ...] of the seeded suppliers
SUPPLIERS: list[list[str]] = json.loads(os.environ.get("LOAD_SUPPLIERS", "[]"))
_hosts = itertools.cycle(HOSTS)
_accounts = itertools.count(1)
_supervisors = itertools.cycle(["supervisor-a", "supervisor-b"])


def host() -> str:
    return next(_hosts)


def log_in(user: HttpUser, who: str) -> None:
    """Through the demo provider (at the public URL), as a browser would."""
    base = host()
    start = user.client.get(
        f"{base}/auth/login", allow_redirects=False, name="login (once per user)"
    )
    picker = user.client.get(start.headers["location"], name="login (once per user)")
    request_id = re.search(r'name="request_id" value="([^"]+)"', picker.text)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', picker.text)
    assert request_id and token, picker.text[:200]
    picked = user.client.post(
        picker.url.split("?", 1)[0],  # the provider at the public URL
        data={"request_id": request_id.group(1), "user": who, "_csrf_token": token.group(1)},
        allow_redirects=False, name="login (once per user)",
    )  # fmt: skip
    user.client.get(picked.headers["location"], allow_redirects=False, name="login (once per user)")


class FinanceSystem(HttpUser):
    weight = 3
    wait_time = between(0.1, 0.5)
    host = HOSTS[0] if HOSTS else None

    @task(2)
    def supplier_list(self) -> None:
        self.client.get(
            f"{host()}/api/v1/suppliers/", params={"limit": 50}, headers=FINANCE,
            name="finance API: supplier list",
        )  # fmt: skip

    @task(3)
    def one_supplier(self) -> None:
        self.client.get(
            f"{host()}/api/v1/suppliers/{random.choice(SUPPLIERS)[0]}", headers=FINANCE,
            name="finance API: one supplier",
        )  # fmt: skip

    @task(1)
    def export_csv(self) -> None:
        with self.client.get(
            f"{host()}/api/v1/suppliers/export.csv", params={"validated": "false"},
            headers=FINANCE, name="finance API: export CSV", catch_response=True,
        ) as answer:  # fmt: skip
            rows = answer.text.count("\n")
            if answer.status_code != 200 or rows < 2:
                answer.failure(f"{answer.status_code}: {rows} lines: {answer.text[:200]}")


class PurchasingClerk(HttpUser):
    weight = 2
    wait_time = between(0.2, 1.0)
    host = HOSTS[0] if HOSTS else None

    def on_start(self) -> None:
        log_in(self, "clerk")

    @task(3)
    def staff_supplier_list(self) -> None:
        self.client.get(f"{host()}/staff/suppliers", name="staff page: supplier list")

    @task(1)
    def submit_change(self) -> None:
        number = f"62148300{os.getpid() % 1000:03d}{next(_accounts):08d}"
        uscc, name = random.choice(SUPPLIERS)
        body: dict[str, Any] = {
            "supplier_uscc": uscc,
            "proposals": [{"entity": "bank_account", "entity_id": None, "values": {
                "bank_name": "招商银行苏州分行", "account_number": number,
                "holder_name": name}}],
        }  # fmt: skip
        with self.client.post(
            f"{host()}/api/v1/changes", json=body, headers=CLERK,
            name="change API: submit", catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code != 201:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")


class PurchasingSupervisor(HttpUser):
    weight = 1
    wait_time = between(0.5, 1.5)
    host = HOSTS[0] if HOSTS else None

    def on_start(self) -> None:
        log_in(self, next(_supervisors))

    @task
    def approve_one(self) -> None:
        queue = self.client.get(f"{host()}/staff/", name="staff page: approval queue")
        pending = re.findall(r'href="/staff/changes/([0-9a-f-]{36})"', queue.text)
        if not pending:
            return
        change = random.choice(pending)
        page = self.client.get(f"{host()}/staff/changes/{change}", name="staff page: one change")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        if token is None:
            return
        form = {"_csrf_token": token.group(1)}
        if 'data-required="true"' in page.text:
            contact = re.search(
                r'<select name="call_back_contact"[^>]*>\s*<option value="([^"]+)"', page.text
            )
            if contact is None:
                return  # no contact can be called back: a person would reject or wait
            form |= {"call_back_contact": contact.group(1), "call_back_outcome": "confirmed",
                     "call_back_note": "负载测试回访"}  # fmt: skip
        with self.client.post(
            f"{host()}/staff/changes/{change}/approve", data=form, allow_redirects=False,
            name="staff page: approve", catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code in (303, 403, 409):
                answer.success()
            else:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
