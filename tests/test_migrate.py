"""`pingan encrypt-all`: a plaintext repository copied into a new one-commit repository with every record encrypted."""
from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import PROJECT, TODAY, KeySet, add_keys, make_repo, record_file, valid_record
from excel_support import GIT_ENV, git_commit, run_cli
from pingan import demo, migrate
from pingan.fields import CLEAR_KEYS
from pingan.lifecycle import RETIRED_HEADER, next_record_id
from pingan.reader import parse_retired
from pingan.yamlio import RECORD_KEYS

RECORDS = 3000
WHEN = "2026-11-01T10:00:00+08:00"
#: A line of a record file with its key taken off: what is left must hold nothing in clear but the clear fields.
_KEY = re.compile(r"^(?:" + "|".join(map(re.escape, RECORD_KEYS)) + r"):")
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")
_ID_NUMBER = re.compile(r"(?<![A-Za-z0-9+/=])[0-9]{17}[0-9X](?![A-Za-z0-9+/=])")
_MOBILE = re.compile(r"(?<![A-Za-z0-9+/=])1[3-9][0-9]{9}(?![A-Za-z0-9+/=])")


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, KeySet, migrate.Migration, str]]:
    """(OLD, NEW, keys, what encrypt-all did, the 编号 of a record OLD deleted in its history); built once."""
    base = tmp_path_factory.mktemp("migrate")
    old, new = base / "old", base / "new"
    with pytest.MonkeyPatch.context() as patch:
        for variable, value in {**GIT_ENV, "PINGAN_TODAY": TODAY}.items():
            patch.setenv(variable, value)
        for _ in demo.generate(PROJECT, old, RECORDS, seed=3):
            pass
        keys = add_keys(old)
        demo.commit(old)
        gone = sorted((old / "data/volunteers/taiyuan").glob("*.yaml"))[-1]
        gone.unlink()
        (old / "data/retired-numbers.txt").write_text(RETIRED_HEADER + "datong-00999\n", encoding="utf-8")
        git_commit(old, "Purge one record", WHEN)
        done = migrate.encrypt_all(old, new)
        yield old, new, keys, done, gone.stem


def test_new_repository_is_one_commit_with_every_record(migrated: tuple[Path, Path, KeySet, migrate.Migration, str]
                                                        ) -> None:
    old, new, _, done, _ = migrated
    assert done.records == RECORDS - 1 == len(list((new / "data/volunteers").rglob("*.yaml")))
    assert subprocess.run(["git", "-C", str(new), "rev-list", "--count", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip() == "1"
    assert subprocess.run(["git", "-C", str(new), "status", "--porcelain"], capture_output=True, text=True,
                          check=True).stdout == ""
    assert (new / ".sops.yaml").is_file()
    for rel in ("data/province.yaml", "data/units/taiyuan.yaml", "keys/ci.txt", "keys/office.txt"):
        assert (new / rel).read_bytes() == (old / rel).read_bytes(), rel


def test_nothing_personal_is_left_in_clear(migrated: tuple[Path, Path, KeySet, migrate.Migration, str]) -> None:
    _, new, _, _, _ = migrated
    clear = {f"{key}:" for key in CLEAR_KEYS}
    for path in (new / "data/volunteers").rglob("*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("  unencrypted_regex:") or any(line.startswith(key) for key in clear):
                continue
            rest = _KEY.sub("", line)
            assert not _CJK.search(rest), (path.name, line)
            assert not _ID_NUMBER.search(rest) and not _MOBILE.search(rest), (path.name, line)


def test_new_repository_validates_clean_with_the_ci_key(migrated: tuple[Path, Path, KeySet, migrate.Migration, str],
                                                        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    _, new, keys, _, _ = migrated
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(keys.ci))
    code, out, _ = run_cli(capsys, "validate", "--root", str(new), "--cache-dir", str(tmp_path / "cache"))
    assert code == 0, out
    assert f"记录计入 {RECORDS - 1} 条" in out


def test_numbers_used_in_the_old_history_are_retired(migrated: tuple[Path, Path, KeySet, migrate.Migration, str]
                                                     ) -> None:
    _, new, _, done, gone = migrated
    retired = parse_retired((new / "data/retired-numbers.txt").read_text(encoding="utf-8"))
    assert set(retired) == {gone, "datong-00999"} and done.retired == 1
    assert next_record_id(new, "taiyuan") > gone


# --- refusals and the command's own words, on small repositories ---------------------------

def small_old(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str] | None = None,
              keys: bool = True) -> Path:
    """A committed plaintext repository of one record (plus `files`), with keys/ unless `keys` is false."""
    for variable, value in GIT_ENV.items():
        monkeypatch.setenv(variable, value)
    old = make_repo(tmp_path / "old", {**dict([record_file(valid_record())]), **(files or {})})
    if keys:
        add_keys(old)
    subprocess.run(["git", "init", "-q", "-b", "main", str(old)], check=True)
    git_commit(old, "Records", WHEN)
    return old


def test_encrypt_all_command_says_what_to_do_with_the_old_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    old = small_old(tmp_path, monkeypatch)
    code, out, _ = run_cli(capsys, "encrypt-all", "--root", str(old), "--out", str(tmp_path / "new"))
    assert code == 0, out
    assert "加密记录 1 条" in out and "历史" in out and "归档" in out and "删除" in out and "pingan validate" in out


def test_new_public_keys_need_not_be_committed_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    old = small_old(tmp_path, monkeypatch, keys=False)
    add_keys(old)  # keys/ is new; the unit files (维护者) change too, so they are committed
    subprocess.run(["git", "-C", str(old), "add", "data/units"], check=True)
    git_commit_only = ["git", "-C", str(old), "commit", "-q", "-m", "Maintainers"]
    subprocess.run(git_commit_only, check=True)
    code, out, err = run_cli(capsys, "encrypt-all", "--root", str(old), "--out", str(tmp_path / "new"))
    assert code == 0, err
    assert (tmp_path / "new/keys/ci.txt").is_file()


@pytest.mark.parametrize("case", ["no keys", "uncommitted", "not empty", "pending import", "broken record"])
def test_encrypt_all_refuses_and_leaves_nothing(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    files = {"imports/taiyuan/名单.csv": "姓名,身份证号码\n张伟,140121199001011019\n"} if case == "pending import" else \
        {"data/volunteers/taiyuan/taiyuan-00002.yaml": "姓名: [坏\n"} if case == "broken record" else {}
    old = small_old(tmp_path, monkeypatch, files, keys=case != "no keys")
    new = tmp_path / "new"
    if case == "uncommitted":
        (old / "data/volunteers/taiyuan/taiyuan-00001.yaml").write_text("改过了\n", encoding="utf-8")
    if case == "not empty":
        new.mkdir()
        (new / "something.txt").write_text("x", encoding="utf-8")
    code, out, err = run_cli(capsys, "encrypt-all", "--root", str(old), "--out", str(new))
    expected = {"no keys": (2, "公钥"), "uncommitted": (2, "未提交"), "not empty": (2, "不是空文件夹"),
                "pending import": (2, "imports/taiyuan/名单.csv"), "broken record": (1, "没有生成新仓库")}[case]
    assert (code, expected[1] in err) == (expected[0], True), err
    assert "140121199001011019" not in out + err
    if case == "not empty":
        assert [p.name for p in new.iterdir()] == ["something.txt"]
    else:
        assert not new.exists()


def test_bench_encryption_smoke(tmp_path: Path) -> None:
    """The benchmark script runs end to end at a small size and prints every figure of issue 15 against its limit."""
    done = subprocess.run([sys.executable, str(PROJECT / "scripts/bench_encryption.py"), "--count", "100",
                           "--work", str(tmp_path / "bench")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    for label in ("encrypt-all", "CI cold / plaintext cold, parser", "CI warm validation / parse baseline",
                  "unit local cold / parse baseline", "average record, 4 recipients", "one more recipient"):
        assert label in done.stdout
