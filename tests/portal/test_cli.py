"""The ``portal`` command line as an operator uses it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from portal.cli import main
from portal.domain.uscc_factory import make_uscc


@pytest.fixture
def demo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("PORTAL_DATA_DIR", "PORTAL_DATABASE_URL", "PORTAL_KEK_FILE", "PORTAL_DEMO"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "demo"
    assert main(["demo", "--dir", str(folder), "--no-serve"]) == 0
    monkeypatch.setenv("PORTAL_KEK_FILE", str(folder / "keys" / "kek.key"))
    return folder


def test_demo_sets_up_a_database_a_key_outside_it_and_a_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo_dir = tmp_path / "fresh"
    assert main(["demo", "--dir", str(demo_dir), "--no-serve"]) == 0
    out = capsys.readouterr().out
    assert "30 demo suppliers added" in out
    key = demo_dir / "keys" / "kek.key"
    assert key.stat().st_mode & 0o077 == 0
    assert key.read_bytes().strip() not in (demo_dir / "portal.db").read_bytes()
    assert (demo_dir / "finance-api-token.txt").read_text().startswith("spk_")


def test_service_refuses_to_start_without_its_key_and_says_which(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (demo_dir / "keys" / "kek.key").unlink()
    status = main(["keys", "status", "--data-dir", str(demo_dir)])
    err = capsys.readouterr().err
    assert status == 2
    assert "kek.key not found" in err and "cannot start" in err


def test_service_refuses_a_key_file_others_can_read(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (demo_dir / "keys" / "kek.key").chmod(0o644)
    assert main(["keys", "status", "--data-dir", str(demo_dir)]) == 2
    assert "chmod 600" in capsys.readouterr().err


def test_import_command_reports_and_stores(
    demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "list.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["统一社会信用代码", "供应商名称"],
                [make_uscc(77), "新供应商有限公司"],
                ["123", "坏公司"],
            ]
        )
    report = tmp_path / "report.json"
    status = main(
        ["import", "suppliers", str(path), "--data-dir", str(demo_dir), "--report", str(report)]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "created 1" in out and "rejected 1" in out
    assert "uscc.invalid_length" in report.read_text(encoding="utf-8")


def test_import_of_a_missing_file_is_a_clear_error(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "suppliers", "/nonexistent.csv", "--data-dir", str(demo_dir)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_key_rotation_commands_keep_data_readable(
    demo_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    new_key = tmp_path / "new" / "kek.key"
    assert (
        main(["keys", "rotate-kek", "--new-kek-file", str(new_key), "--data-dir", str(demo_dir)])
        == 0
    )
    monkeypatch.setenv("PORTAL_KEK_FILE", str(new_key))
    assert main(["keys", "rotate-dek", "--data-dir", str(demo_dir)]) == 0
    capsys.readouterr()
    assert main(["keys", "status", "--data-dir", str(demo_dir)]) == 0
    out = capsys.readouterr().out
    assert "not under the current field key: 0" in out
    assert "retired" in out


def test_import_command_writes_the_error_report_and_the_audit_names_the_file(
    demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "list.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [["统一社会信用代码", "供应商名称"], [make_uscc(78), "新供应商有限公司"], ["123", "坏"]]
        )
    errors = tmp_path / "errors.xlsx"
    argv = ["import", "suppliers", str(path), "--data-dir", str(demo_dir)]
    assert main([*argv, "--error-report", str(errors)]) == 0
    said = capsys.readouterr()
    assert "SHA-256" in said.out
    assert "list.csv: 2/2" in said.err and said.err.rstrip().endswith("done")  # progress, no tty
    sheet = load_workbook(errors).worksheets[0]
    assert sheet["C2"].value == "已导入 created" and sheet["C3"].value == "未导入 not imported"


def test_import_template_command_writes_the_template(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "模板.xlsx"
    assert main(["import", "template", str(target)]) == 0
    assert load_workbook(target).sheetnames == ["供应商 suppliers", "示例 example", "列名 columns"]


def test_api_tokens_from_the_command_line_go_through_the_admin_use_case_and_are_audited(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    capsys.readouterr()
    argv = ["--data-dir", str(demo_dir)]
    assert main(["api-token", "create", "erp-test", "--role", "finance", *argv]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("spk_")
    assert main(["api-token", "revoke", "erp-test", *argv]) == 0
    assert main(["api-token", "revoke", "erp-test", *argv]) == 2  # nothing active left
    with sqlite3.connect(demo_dir / "portal.db") as db:
        acts = [r[0] for r in db.execute("SELECT action FROM audit_entry ORDER BY seq")]
        trail = str(db.execute("SELECT * FROM audit_entry").fetchall())
    assert acts[-2:] == ["api_client.created", "api_client.revoked"] and token not in trail


def test_dedup_sweep_shows_its_progress_and_finishes(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dedup", "sweep", "--batch-size", "12", "--data-dir", str(demo_dir)]) == 0
    out = capsys.readouterr().out
    assert "screened 12," in out and "screened 24," in out
    assert "sweep finished:" in out
    assert main(["dedup", "sweep", "--resume", "--data-dir", str(demo_dir)]) == 0
    assert "sweep finished:" in capsys.readouterr().out
