"""Encryption of the workbooks and the rule that CI never writes them in plaintext."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import msoffcrypto.exceptions
import pytest

from excel_support import demo_repo, run_cli
from pingan import crypto

PASSWORD = "测试-Pass-2026"


@pytest.mark.parametrize(("value", "expected"), [
    ("", False), ("false", False), ("0", False), ("FALSE", False), ("true", True), ("1", True), ("yes", True),
])
def test_in_ci(value: str, expected: bool) -> None:
    assert crypto.in_ci({"CI": value}) is expected


def test_password_rules() -> None:
    assert crypto.password_from_env(None, {}) is None
    assert crypto.password_from_env("PW", {"PW": "x"}) == "x"
    with pytest.raises(crypto.PasswordMissing):
        crypto.password_from_env("PW", {"PW": ""})
    with pytest.raises(crypto.PasswordMissing):
        crypto.password_from_env("PW", {})
    with pytest.raises(crypto.PlaintextInCI):
        crypto.password_from_env(None, {"CI": "true"})
    assert crypto.password_from_env("PW", {"CI": "true", "PW": "x"}) == "x"


def _plain_xlsx() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("表").write_string(0, 0, "140121199001011019")
    book.close()
    return out.getvalue()


def test_encrypted_file_is_ole2_with_no_readable_zip_and_needs_the_password() -> None:
    plain = _plain_xlsx()
    sealed = crypto.encrypt_bytes(plain, PASSWORD)
    assert sealed[:4] == bytes.fromhex("D0CF11E0") and crypto.is_encrypted(sealed)
    assert not zipfile.is_zipfile(io.BytesIO(sealed))
    assert b"PK\x03\x04" not in sealed and b"140121199001011019" not in sealed
    assert crypto.decrypt_bytes(sealed, PASSWORD) == plain
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        crypto.decrypt_bytes(sealed, "wrong")


def test_roster_refuses_plaintext_in_ci(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root = demo_repo(tmp_path / "repo", count=5)
    monkeypatch.setenv("CI", "true")
    code, out, err = run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "out"))
    assert code == 2 and "在 CI 中不能输出未加密的名单" in err
    assert not (tmp_path / "out").exists()
    monkeypatch.setenv("CI", "false")
    code, out, err = run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "out"))
    assert code == 0, err


def test_empty_password_variable_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = demo_repo(tmp_path / "repo", count=5)
    monkeypatch.setenv("ROSTER_PASSWORD", "")
    code, out, err = run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "out"),
                             "--password-env", "ROSTER_PASSWORD")
    assert code == 2 and "环境变量 ROSTER_PASSWORD 未设置或为空" in err


def test_encrypted_rosters_open_with_the_password(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    root = demo_repo(tmp_path / "repo", count=5)
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("ROSTER_PASSWORD", PASSWORD)
    code, out, err = run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "out"),
                             "--password-env", "ROSTER_PASSWORD")
    assert code == 0, err
    files = sorted((tmp_path / "out").iterdir())
    assert [p.name for p in files] == ["保险名单.xlsx", "全省青年平安志愿者名单汇总表.xlsx"]
    for path in files:
        sealed = path.read_bytes()
        assert sealed[:4] == bytes.fromhex("D0CF11E0") and not zipfile.is_zipfile(path)
        book = openpyxl.load_workbook(io.BytesIO(crypto.decrypt_bytes(sealed, PASSWORD)))
        assert book.sheetnames
        with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
            crypto.decrypt_bytes(sealed, PASSWORD + "x")
    assert "（已加密）" in out
