"""An ERP builds its client from the document alone: openapi-python-client generates one,
and that client proposes a change request to a running server and follows it to approval:
two purchasing supervisors approve it (the review use case: the API has no approval route,
approving is a person's act in the portal), and the client sees it applied and finds its
event in the change feed.

The generated client is kept under the system's temporary directory, keyed by the document's
hash and the generator's version: the second database of a run (and any later run with an
unchanged document) imports it instead of generating it again (``uvx`` generating takes
seconds; the time is printed with ``-s``).

openapi-python-client pins ``httpx<0.29`` while the product uses 0.29, so it is not installed
into the project's environment: the test runs it as a tool, ``OPENAPI_PYTHON_CLIENT`` if set,
else the one on ``PATH``, else through ``uvx`` (uv is a dev dependency), and is skipped only
when none of these exists.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from portal.audit.log import AuditContext
from portal.bootstrap import Services, build_change_deps
from portal.changes import approve_change
from portal.domain.principal import Role
from portal.identity.api_clients import create_client
from tests.api.conftest import CODE
from tests.support.personas import STAFF

GENERATOR_VERSION = "openapi-python-client==0.29.1"


def _generator() -> list[str] | None:
    named = os.environ.get("OPENAPI_PYTHON_CLIENT") or shutil.which("openapi-python-client")
    if named:
        return [named]
    uvx = Path(sys.executable).with_name("uvx")
    if uvx.exists():
        return [str(uvx), "--from", GENERATOR_VERSION, "openapi-python-client"]
    return None


GENERATOR = _generator()


CACHE = Path(tempfile.gettempdir()) / "portal-generated-erp-client"


def _generate(base_url: str) -> Any:
    """The generated package ``erp_client``: from the cache when the document is unchanged."""
    import httpx

    document = httpx.get(f"{base_url}/schema/openapi.json").json()
    # the ERP's client: the API's paths (the portal's pages are not for machines)
    document["paths"] = {p: v for p, v in document["paths"].items() if p.startswith("/api/v1")}
    text = json.dumps(document, sort_keys=True)
    key = hashlib.sha256(f"{GENERATOR_VERSION}\n{text}".encode()).hexdigest()[:20]
    into = CACHE / key
    if not (into / "erp_client" / "__init__.py").exists():
        assert GENERATOR is not None
        CACHE.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=CACHE))
        spec = work / "openapi.json"
        spec.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        done = subprocess.run(
            [*GENERATOR, "generate", "--path", str(spec), "--meta", "none",
             "--output-path", str(work / "erp_client")],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        print(
            f"\nopenapi-python-client generated the client in {time.perf_counter() - started:.1f} s"
        )
        if into.exists():  # another run generated it meanwhile
            shutil.rmtree(work)
        else:
            work.replace(into)
    else:
        print(f"\nthe generated client of this document is cached: {into}")
    loaded = sys.modules.get("erp_client")
    if loaded is not None and Path(str(loaded.__file__)).parent.parent != into:
        for name in [m for m in sys.modules if m == "erp_client" or m.startswith("erp_client.")]:
            del sys.modules[name]  # a client of another document
    sys.path.insert(0, str(into))
    try:
        return importlib.import_module("erp_client")
    finally:
        sys.path.remove(str(into))


@pytest.mark.slow  # generates the client through uvx (once a document), then a server
@pytest.mark.skipif(GENERATOR is None, reason="neither openapi-python-client nor uvx is available")
def test_a_generated_client_proposes_a_change_and_follows_it_to_approval(
    server: str, services: Services
) -> None:
    client_package = _generate(server)
    changes = importlib.import_module("erp_client.api.changes")
    propose = importlib.import_module(f"{changes.__name__}.propose_change")
    follow = importlib.import_module(f"{changes.__name__}.get_change")
    feed = importlib.import_module("erp_client.api.feed.list_events")
    search = importlib.import_module("erp_client.api.finance.search_suppliers")
    models = importlib.import_module("erp_client.models")
    token = create_client(
        services.engine, "erp-generated", Role.PURCHASING_CLERK, can_reveal=False,
        now=datetime.now(UTC),
    )  # fmt: skip
    with client_package.AuthenticatedClient(base_url=server, token=token) as client:
        body = models.ChangeRequestIn(
            supplier_uscc=CODE,
            proposals=[
                models.ProposalIn(
                    entity="contact",
                    entity_id=None,
                    values=models.ProposalInValues.from_dict({"name": "新联系人", "phone": "13800001111"}),
                )
            ],
        )  # fmt: skip
        created = propose.sync_detailed(client=client, body=body)
        assert created.status_code == 201, created.content
        change = created.parsed
        assert isinstance(change, models.ChangeRequestView)
        assert change.status == "pending" and change.channel == "api"
        assert [c.field for c in change.changes] == ["name", "phone"]
        assert [c.sensitive for c in change.changes] == [False, True]

        followed = follow.sync(client=client, request_id=change.id)
        assert isinstance(followed, models.ChangeRequestView)
        assert (followed.id, followed.status) == (change.id, "pending")

        # a refusal comes back as the documented error model, not as an untyped blob
        refused = follow.sync_detailed(client=client, request_id="no-such-request")
        assert refused.status_code == 404
        assert isinstance(refused.parsed, models.ErrorBody)
        assert refused.parsed.error.message_zh

        # the clerk's role may read suppliers too: the typed page of the finance API
        page = search.sync(client=client, q="无锡示例")
        assert isinstance(page, models.SupplierPage)
        assert [s.uscc for s in page.items] == [CODE]

        _two_supervisors_approve(services, change.id)

        approved = follow.sync(client=client, request_id=change.id)
        assert isinstance(approved, models.ChangeRequestView)
        assert (approved.status, approved.approvals) == ("applied", 2)
        events = feed.sync(client=client, after=0)
        assert isinstance(events, models.FeedPage)
        [event] = [e for e in events.events if e.request_id == change.id]
        assert event.type_ == "supplier.changed" and event.seq == events.next_after
        assert [a.approver for a in event.approvers] == ["u-alice", "u-bob"]
        assert {f.field for f in event.changed_fields} == {"name", "phone"}
        assert "新联系人" in [c.name for c in event.supplier.contacts]


def _two_supervisors_approve(services: Services, request_id: str) -> None:
    """What Alice and Bob do on the approval page, through the same use case."""
    deps = build_change_deps(services)
    for person in (STAFF["alice"], STAFF["bob"]):
        ctx = AuditContext(actor=person.subject, actor_role=person.role.value)
        approve_change(deps, ctx, person, request_id)
