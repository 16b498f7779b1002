"""An ERP builds its client from the document alone: openapi-python-client generates one into
a temporary directory, and that client proposes a change request to a running server and
follows it.

openapi-python-client pins ``httpx<0.29`` while the product uses 0.29, so it is not installed
into the project's environment: the test runs it as a tool, ``OPENAPI_PYTHON_CLIENT`` if set,
else the one on ``PATH``, else through ``uvx`` (uv is a dev dependency), and is skipped only
when none of these exists.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from portal.bootstrap import Services
from portal.domain.principal import Role
from portal.identity.api_clients import create_client
from tests.api.conftest import CODE

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


def _generate(base_url: str, into: Path) -> Any:
    import httpx

    document = httpx.get(f"{base_url}/schema/openapi.json").json()
    # the ERP's client: the API's paths (the portal's pages are not for machines)
    document["paths"] = {p: v for p, v in document["paths"].items() if p.startswith("/api/v1")}
    spec = into / "openapi.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    assert GENERATOR is not None
    done = subprocess.run(
        [*GENERATOR, "generate", "--path", str(spec), "--meta", "none",
         "--output-path", str(into / "erp_client")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(into))
    try:
        return importlib.import_module("erp_client")
    finally:
        sys.path.remove(str(into))


@pytest.mark.skipif(GENERATOR is None, reason="neither openapi-python-client nor uvx is available")
def test_a_generated_client_proposes_a_change_and_follows_it(
    server: str, services: Services, tmp_path: Path
) -> None:
    client_package = _generate(server, tmp_path)
    changes = importlib.import_module("erp_client.api.changes")
    propose = importlib.import_module(f"{changes.__name__}.propose_change")
    follow = importlib.import_module(f"{changes.__name__}.get_change")
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
