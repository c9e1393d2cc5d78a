"""`pingan show` and `pingan edit`: a record in clear text only for those who hold its key, never in CI."""
from __future__ import annotations

import difflib
import stat
from pathlib import Path

import pytest

from conftest import KeySet, encrypt_repo, make_repo, record_file, valid_record
from excel_support import run_cli
from pingan.reader import Repository

TAIYUAN = "data/volunteers/taiyuan/taiyuan-00001.yaml"
ID_NUMBER, MOBILE, NAME = "140121199001011019", "13812345678", "张伟"


@pytest.fixture
def encrypted(tmp_path: Path) -> tuple[Path, KeySet]:
    records = [valid_record(), valid_record(编号="datong-00001", 招募单位="datong", 姓名="王芳",
                                            身份证号码="140121199001011051", 手机="13812345670")]
    root = make_repo(tmp_path / "repo", dict(record_file(r) for r in records))
    return root, encrypt_repo(root)


def use_key(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(path))


def editor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, change: str) -> Path:
    """EDITOR: a script noting the file it got (path, its mode, its folder's mode), then running `change` on it."""
    notes = tmp_path / "editor-notes.txt"
    script = tmp_path / "editor.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" "$(stat -c %a "$1")" "$(stat -c %a "$(dirname "$1")")" > {notes}\n'
                      f'{change} "$1"\n', encoding="utf-8")
    script.chmod(0o700)
    monkeypatch.setenv("EDITOR", str(script))
    return notes


def changed_keys(before: str, after: str) -> set[str]:
    """The keys (text before the first colon) of the lines a diff changes."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
    return {line[1:].split(":")[0] for line in lines if line[:1] in "+-" and not line.startswith(("+++", "---"))}


def assert_temporary_copy_gone(notes: Path) -> None:
    path, file_mode, folder_mode = notes.read_text(encoding="utf-8").splitlines()
    assert (file_mode, folder_mode) == ("600", "700")
    assert not Path(path).exists()
    assert not [parent for parent in Path(path).parents if parent.name.startswith("pingan-edit-") and parent.exists()]


# --- show ---------------------------------------------------------------------------------

def test_the_unit_sees_its_record_in_clear_text(encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    use_key(monkeypatch, keys.unit("taiyuan"))
    code, out, _ = run_cli(capsys, "show", "taiyuan-00001", "--root", str(root))
    assert code == 0
    assert f'身份证号码: "{ID_NUMBER}"' in out and f"姓名: {NAME}" in out and "出生日期: 1990-01-01" in out
    assert "ENC[" not in out and "sops" not in out


def test_another_unit_is_refused_and_sees_nothing_of_the_record(encrypted: tuple[Path, KeySet],
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    use_key(monkeypatch, keys.unit("datong"))
    code, out, err = run_cli(capsys, "show", "taiyuan-00001", "--root", str(root))
    assert code == 1 and out == ""
    assert "打不开" in err and "taiyuan-keeper" in err
    for personal in (ID_NUMBER, MOBILE, NAME, "ENC["):
        assert personal not in err


def test_show_without_any_key_says_how_to_name_one(encrypted: tuple[Path, KeySet],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    root, _ = encrypted
    code, out, err = run_cli(capsys, "show", "taiyuan-00001", "--root", str(root))
    assert code == 1 and out == "" and "PINGAN_AGE_KEY_FILE" in err


def test_show_and_edit_refuse_to_run_in_ci(encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    use_key(monkeypatch, keys.ci)
    notes = editor(monkeypatch, tmp_path, "true")
    monkeypatch.setenv("CI", "true")
    for command in ("show", "edit"):
        code, out, err = run_cli(capsys, command, "taiyuan-00001", "--root", str(root))
        assert code == 2 and out == "" and "CI" in err and ID_NUMBER not in err
    assert not notes.exists()


def test_show_in_a_plaintext_repository_and_for_an_unknown_number(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo(tmp_path / "repo", dict([record_file(valid_record())]))
    code, out, _ = run_cli(capsys, "show", "taiyuan-00001", "--root", str(root))
    assert code == 0 and out == (root / TAIYUAN).read_text(encoding="utf-8")
    code, _, err = run_cli(capsys, "show", "taiyuan-00009", "--root", str(root))
    assert code == 2 and "找不到" in err


# --- edit ---------------------------------------------------------------------------------

def test_edit_changes_one_value_and_nothing_else(encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    use_key(monkeypatch, keys.unit("taiyuan"))
    notes = editor(monkeypatch, tmp_path, f"sed -i s/{MOBILE}/13900001111/")
    before = (root / TAIYUAN).read_text(encoding="utf-8")
    code, out, _ = run_cli(capsys, "edit", "taiyuan-00001", "--root", str(root))
    assert code == 0 and "已保存" in out
    after = (root / TAIYUAN).read_text(encoding="utf-8")
    # lastmodified changes too, unless the record was written within the same second
    assert {"手机", "  mac"} <= changed_keys(before, after) <= {"手机", "  lastmodified", "  mac"}
    assert "13900001111" not in after
    opened = Repository(root).load(TAIYUAN)
    assert opened.data["手机"] == "13900001111" and not opened.problems
    assert_temporary_copy_gone(notes)


def test_a_broken_edit_leaves_the_record_untouched(encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    use_key(monkeypatch, keys.unit("taiyuan"))
    before = (root / TAIYUAN).read_bytes()
    for change, code_expected in (("sed -i s/^姓名:.*/姓名:[坏/", "YML"), ("sed -i s/^手机:/电话:/", "REC002")):
        notes = editor(monkeypatch, tmp_path, change)
        code, out, err = run_cli(capsys, "edit", "taiyuan-00001", "--root", str(root))
        assert code == 1 and f"[{code_expected}" in out and "没有改动" in err
        assert (root / TAIYUAN).read_bytes() == before
        assert_temporary_copy_gone(notes)


def test_edit_without_a_change_writes_nothing(encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    use_key(monkeypatch, keys.unit("taiyuan"))
    editor(monkeypatch, tmp_path, "true")
    before = (root / TAIYUAN).read_bytes()
    code, out, _ = run_cli(capsys, "edit", "taiyuan-00001", "--root", str(root))
    assert code == 0 and "没有修改" in out and (root / TAIYUAN).read_bytes() == before


def test_edit_that_breaks_a_rule_is_saved_and_the_error_shown(encrypted: tuple[Path, KeySet],
                                                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    use_key(monkeypatch, keys.unit("taiyuan"))
    editor(monkeypatch, tmp_path, f"sed -i s/{ID_NUMBER}/140121199001011018/")
    code, out, _ = run_cli(capsys, "edit", "taiyuan-00001", "--root", str(root))
    assert code == 1 and "[ID003]" in out and "已保存" in out
    assert "140121199001011018" not in out  # numbers in messages are masked


def test_edit_puts_right_a_mac_broken_by_a_change_without_the_key(encrypted: tuple[Path, KeySet],
                                                                  monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    text = (root / TAIYUAN).read_text(encoding="utf-8")
    (root / TAIYUAN).write_text(text.replace('登记日期: "2024-05-01"', '登记日期: "2024-05-02"'), encoding="utf-8")
    use_key(monkeypatch, keys.unit("taiyuan"))
    assert [p.code for p in Repository(root).load(TAIYUAN).problems] == ["ENC005"]
    editor(monkeypatch, tmp_path, "true")  # the person looked at the record and saved it as it is
    code, out, _ = run_cli(capsys, "edit", "taiyuan-00001", "--root", str(root))
    assert code == 0 and "已保存" in out
    assert not Repository(root).load(TAIYUAN).problems


def test_edit_another_units_record_is_refused(encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    use_key(monkeypatch, keys.unit("datong"))
    notes = editor(monkeypatch, tmp_path, "true")
    before = (root / TAIYUAN).read_bytes()
    code, out, _ = run_cli(capsys, "edit", "taiyuan-00001", "--root", str(root))
    assert code == 1 and out == "" and not notes.exists() and (root / TAIYUAN).read_bytes() == before


def test_edit_in_a_plaintext_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    root = make_repo(tmp_path / "repo", dict([record_file(valid_record())]))
    notes = editor(monkeypatch, tmp_path, f"sed -i s/{MOBILE}/13900001111/")
    before = (root / TAIYUAN).read_text(encoding="utf-8")
    code, _, _ = run_cli(capsys, "edit", "taiyuan-00001", "--root", str(root))
    assert code == 0
    assert (root / TAIYUAN).read_text(encoding="utf-8") == before.replace(MOBILE, "13900001111")
    assert_temporary_copy_gone(notes)


def test_an_editor_that_fails_saves_nothing(encrypted: tuple[Path, KeySet], monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    root, keys = encrypted
    use_key(monkeypatch, keys.unit("taiyuan"))
    before = (root / TAIYUAN).read_bytes()
    for command, said in (("false", "退出码 1"), ("no-such-editor-anywhere", "无法启动编辑器")):
        monkeypatch.setenv("EDITOR", command)
        code, _, err = run_cli(capsys, "edit", "taiyuan-00001", "--root", str(root))
        assert code == 3 and said in err and (root / TAIYUAN).read_bytes() == before


def test_the_temporary_copy_is_private(tmp_path: Path) -> None:
    from pingan.editing import private_folder

    with private_folder() as folder:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert not folder.exists()
