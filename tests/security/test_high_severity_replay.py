"""The attacks that got through the bank-change controls, replayed against a running server.

A real ``portal demo`` process on a free port, spoken to over HTTP as an outside tester would
(issue 12, high items). Each attack must be refused:

1. the call-back pointed at a number the fraudster just planted;
2. a clear account number revealed on the staff page with a token that has no reveal right;
3. an API token given as the second approver of a bank change;
4. a tiny PDF of nested form objects that froze licence reading for everyone.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from portal.db.engine import make_engine
from portal.domain.principal import Role
from portal.identity.api_clients import create_client

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Demo:
    base: str
    folder: Path
    tokens: dict[str, str] = field(default_factory=dict)
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = (
            {"Authorization": f"Bearer {token}", "Accept": "application/json"} if token else {}
        )
        made = httpx.Client(base_url=self.base, headers=headers, follow_redirects=False, timeout=60)
        self.clients.append(made)
        return made

    def token(self, name: str, role: Role, *, reveal: bool) -> str:
        if name not in self.tokens:
            engine = make_engine(f"sqlite:///{self.folder / 'portal.db'}")
            try:
                self.tokens[name] = create_client(
                    engine, name, role, can_reveal=reveal, now=datetime.now(UTC)
                )
            finally:
                engine.dispose()
        return self.tokens[name]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("attack-demo")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "OCR_"))}
    env["PYTHONPATH"] = str(ROOT)
    # The reader's time limit: the bomb needs minutes, a licence seconds (more when loaded).
    env["OCR_TIMEOUT_SECONDS"] = "45"
    log = (folder / "demo.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "portal.cli",
            "demo",
            "--dir",
            str(folder / "d"),
            "--port",
            str(port),
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with httpx.Client(timeout=2) as probe:
                    if probe.get(f"{base}/healthz").status_code == 200:
                        break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise AssertionError((folder / "demo.log").read_text())
            time.sleep(0.5)
        running = Demo(base, folder / "d")
        yield running
        for client in running.clients:
            client.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def csrf(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


def login(client: httpx.Client, user: str, next_path: str | None = None) -> None:
    start = client.get("/auth/login", params={"next": next_path} if next_path else None)
    assert start.status_code == 302, start.text
    picker = client.get(start.headers["location"])
    request_id = re.search(r'name="request_id" value="([^"]+)"', picker.text)
    assert request_id, picker.text[:300]
    picked = client.post(
        "/dev-oidc/authorize",
        data={"request_id": request_id.group(1), "user": user, "_csrf_token": csrf(picker.text)},
    )
    assert picked.status_code == 302, picked.text
    assert client.get(picked.headers["location"]).status_code == 302


def post_form(
    client: httpx.Client, form_page: str, url: str, data: dict[str, str]
) -> httpx.Response:
    page = client.get(form_page)
    assert page.status_code == 200, (form_page, page.status_code)
    return client.post(url, data={"_csrf_token": csrf(page.text), **data})


def status_of(client: httpx.Client, change_id: str) -> str:
    found = re.search(r'data-status="([a-z_]+)"', client.get(f"/staff/changes/{change_id}").text)
    assert found
    return found.group(1)


def change_id_of(response: httpx.Response) -> str:
    found = re.search(r"/changes/([0-9a-f-]{36})", response.headers.get("location", ""))
    assert found, response.text[:300]
    return found.group(1)


def suppliers_with_contacts(demo: Demo) -> list[dict[str, object]]:
    token = demo.token("replay-finance-reader", Role.FINANCE, reveal=False)
    items = demo.client(token).get("/api/v1/suppliers/", params={"limit": 50}).json()["items"]
    return [s for s in items if s["contacts"] and s["bank_accounts"]]


def test_the_call_back_cannot_go_to_a_number_the_fraudster_just_planted(demo: Demo) -> None:
    victim = suppliers_with_contacts(demo)[0]
    clerk, fraudster, alice, bob = (demo.client() for _ in range(4))
    login(clerk, "clerk")
    post_form(clerk, "/staff/invitations", "/staff/invitations",
              {"uscc": str(victim["uscc"]), "name": "", "email": "supplier1@demo.example"})  # fmt: skip
    link = re.search(r"/invite/[^\"'<\s]+", clerk.get("/outbox").text)
    assert link
    fraudster.get(link.group(0))
    login(fraudster, "supplier-1", next_path=link.group(0))
    assert post_form(fraudster, link.group(0), link.group(0), {}).status_code in (302, 303)
    profile = fraudster.get("/portal/profile").text
    contact = re.search(r"/portal/contacts/([0-9a-f-]{36})/edit", profile)
    account = re.search(r"/portal/bank-accounts/([0-9a-f-]{36})/edit", profile)
    assert contact and account
    contact_id, account_id = contact.group(1), account.group(1)

    planted = change_id_of(post_form(
        fraudster, f"/portal/contacts/{contact_id}/edit", f"/portal/contacts/{contact_id}",
        {"phone": "13900001111"}))  # fmt: skip
    login(alice, "supervisor-a")
    login(bob, "supervisor-b")
    page = f"/staff/changes/{planted}"
    post_form(alice, page, f"{page}/approve", {})
    assert status_of(alice, planted) != "applied"  # a phone change needs a second person
    post_form(bob, page, f"{page}/approve", {})
    assert status_of(alice, planted) == "applied"

    bank = change_id_of(post_form(
        fraudster, f"/portal/bank-accounts/{account_id}/edit", f"/portal/bank-accounts/{account_id}",
        {"account_number": "6217000011112222333"}))  # fmt: skip
    page = f"/staff/changes/{bank}"
    assert f'value="{contact_id}"' not in alice.get(page).text  # the planted number is not offered
    hijack = post_form(alice, page, f"{page}/approve",
                       {"call_back_contact": contact_id, "call_back_outcome": "confirmed"})  # fmt: skip
    assert hijack.status_code == 422
    assert status_of(alice, bank) == "pending"


def test_a_token_without_reveal_right_gets_no_clear_value_on_the_staff_page(demo: Demo) -> None:
    supplier = suppliers_with_contacts(demo)[0]
    accounts = supplier["bank_accounts"]
    assert isinstance(accounts, list)
    account_id = accounts[0]["id"]
    for role in (Role.FINANCE, Role.PURCHASING_SUPERVISOR):
        token = demo.token(f"replay-{role.value}-no-reveal", role, reveal=False)
        answer = demo.client(token).post(
            f"/staff/suppliers/{supplier['id']}/reveal",
            data={"table": "bank_account", "column": "account_number", "row_id": account_id},
        )
        assert answer.status_code == 403, answer.text[:300]
        assert "6217" not in answer.text and "****" not in answer.text


def test_an_api_token_is_never_the_second_approver_of_a_bank_change(demo: Demo) -> None:
    other = suppliers_with_contacts(demo)[1]
    accounts, contacts = other["bank_accounts"], other["contacts"]
    assert isinstance(accounts, list) and isinstance(contacts, list)
    proposer = demo.client(demo.token("replay-erp-clerk", Role.PURCHASING_CLERK, reveal=False))
    approver = demo.client(demo.token("replay-erp-sup", Role.PURCHASING_SUPERVISOR, reveal=False))
    proposed = proposer.post("/api/v1/changes/", json={
        "supplier_uscc": other["uscc"],
        "proposals": [{"entity": "bank_account", "entity_id": accounts[0]["id"],
                       "values": {"account_number": "6217000099998888777"}}]})  # fmt: skip
    assert proposed.status_code in (200, 201), proposed.text
    change_id = proposed.json()["id"]
    alice = demo.client()
    login(alice, "supervisor-a")
    page = f"/staff/changes/{change_id}"
    first = post_form(alice, page, f"{page}/approve",
                      {"call_back_contact": contacts[0]["id"], "call_back_outcome": "confirmed"})  # fmt: skip
    assert first.status_code == 303, first.text[:300]
    second = approver.post(f"{page}/approve", data={})
    assert second.status_code == 403
    assert status_of(alice, change_id) != "applied"


def test_a_pdf_bomb_fails_its_own_reading_and_a_real_licence_is_still_read(demo: Demo) -> None:
    from tests.ocr.hostile_files import nested_xobject_pdf
    from tests.support.licences import draw_licence

    victim = suppliers_with_contacts(demo)[2]
    clerk, supplier = demo.client(), demo.client()
    login(clerk, "clerk")
    post_form(clerk, "/staff/invitations", "/staff/invitations",
              {"uscc": str(victim["uscc"]), "name": "", "email": "supplier2@demo.example"})  # fmt: skip
    link = re.search(r"/invite/[^\"'<\s]+", clerk.get("/outbox").text)
    assert link
    supplier.get(link.group(0))
    login(supplier, "supplier-2", next_path=link.group(0))
    assert post_form(supplier, link.group(0), link.group(0), {}).status_code in (302, 303)

    def upload(name: str, content: bytes) -> str:
        form = supplier.get("/portal/licence")
        answer = supplier.post(
            "/portal/licence",
            data={"_csrf_token": csrf(form.text)},
            files={"file": (name, content, "application/octet-stream")},
        )
        found = re.search(r"/portal/licence/([0-9a-f-]{36})", answer.headers.get("location", ""))
        assert found, answer.text[:300]
        return found.group(1)

    picture = demo.folder / "licence.png"
    draw_licence(picture, str(victim["name"]), str(victim["uscc"]))
    bomb = upload("licence.pdf", nested_xobject_pdf(levels=7))  # minutes to render, GBs
    good = upload("licence.png", picture.read_bytes())
    states: dict[str, dict[str, object]] = {}
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and len(states) < 2:
        for job in (bomb, good):
            answer = supplier.get(f"/portal/licence/{job}.json").json()
            if answer["state"] in ("done", "failed"):
                states[job] = answer
        time.sleep(1)
    assert states[bomb]["state"] == "failed", states[bomb]
    assert re.search(r"took longer than 45 s|memory|内存", str(states[bomb]["error"]))  # a limit
    assert states[good]["state"] == "done", states[good]["error"]  # the next licence was read
    with httpx.Client(base_url=demo.base, timeout=10) as probe:
        assert probe.get("/healthz").status_code == 200  # the server itself never froze
