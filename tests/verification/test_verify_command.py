"""``portal verify`` as an operator (or cron) runs it, on the demo database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal.cli import main

ENV = ("PORTAL_DATA_DIR", "PORTAL_DATABASE_URL", "PORTAL_KEK_FILE", "PORTAL_DEMO",
       "PORTAL_REGISTRY_DEMO", "PORTAL_QICHACHA_KEY", "PORTAL_TIANYANCHA_TOKEN",
       "PORTAL_QIXIN_APPKEY")  # fmt: skip


@pytest.fixture
def demo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "demo"
    assert main(["demo", "--dir", str(folder), "--no-serve"]) == 0
    monkeypatch.setenv("PORTAL_KEK_FILE", str(folder / "keys" / "kek.key"))
    return folder


def test_verify_supplier_and_due_run_against_the_demo_data_set(
    demo_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORTAL_REGISTRY_DEMO", "1")
    capsys.readouterr()

    assert main(["verify", "supplier", "91310115MAFE1KM15M", "--data-dir", str(demo_dir)]) == 0
    one = json.loads(capsys.readouterr().out)
    assert one["outcome"] == "findings" and one["validated"] is False
    assert [f["code"] for f in one["findings"]] == ["name.truncated"]

    assert main(["verify", "due", "--data-dir", str(demo_dir), "--limit", "5"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["due"] == 0 and report["errors"] == []  # the demo verified every supplier

    assert main(["verify", "confirmations", "--data-dir", str(demo_dir)]) == 0
    assert json.loads(capsys.readouterr().out)["asked"] == 0  # nobody is a year old yet


def test_verify_says_so_when_no_source_is_configured(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "due", "--data-dir", str(demo_dir)]) == 2
    assert "verification is not configured" in capsys.readouterr().err
