"""The cache can never hide a change: after each kind of change, a warm run prints what a cold run prints."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from conftest import PROJECT, make_repo, record_file, valid_record
from pingan.reader import cache, index

RECORDS = [
    valid_record(),
    valid_record(编号="taiyuan-00002", 身份证号码="140121199001011035", 手机="13812345679", 健康状况="良好",
                 QQ="1234"),
    valid_record(编号="taiyuan-00003", 身份证号码="140121199001011051", 手机="13812345670",
                 登记日期=date(2026, 12, 1), 个人信息同意日期=date(2026, 11, 1)),
]


def run(root: Path, *extra: str, package: Path | None = None, today: str | None = None) -> bytes:
    env = dict(os.environ)
    if package is not None:
        env["PYTHONPATH"] = str(package)
    if today is not None:
        env["PINGAN_TODAY"] = today
    done = subprocess.run([sys.executable, "-m", "pingan.cli", "validate", "--root", str(root), *extra],
                          capture_output=True, env=env, cwd=root)
    assert done.returncode in (0, 1), done.stderr.decode()
    return done.stdout


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", dict(record_file(r) for r in RECORDS))
    run(root)  # fill the cache
    assert (root / cache.CACHE_DIR / cache.CACHE_FILE).is_file()
    return root


def package_copy(tmp_path: Path, rel: str, old: str, new: str) -> Path:
    copy = tmp_path / "package"
    shutil.copytree(PROJECT / "pingan", copy / "pingan", ignore=shutil.ignore_patterns("__pycache__"))
    path = copy / "pingan" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


def edit(root: Path, rel: str, old: str, new: str, keep_stat: bool = False) -> None:
    path = root / rel
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    if keep_stat:
        assert path.stat().st_size == before.st_size
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def record_edit(root: Path, tmp_path: Path) -> dict:
    edit(root, "data/volunteers/taiyuan/taiyuan-00001.yaml", "QQ: \"12345678\"", "QQ: \"12\"")
    return {}


def same_size_and_mtime(root: Path, tmp_path: Path) -> dict:
    edit(root, "data/volunteers/taiyuan/taiyuan-00001.yaml", "13812345678", "12812345678", keep_stat=True)
    return {}


def quota_change(root: Path, tmp_path: Path) -> dict:
    edit(root, "data/units/taiyuan.yaml", "名额: 1000", "名额: 2")
    return {}


def code_list_change(root: Path, tmp_path: Path) -> dict:
    return {"package": package_copy(tmp_path, "codelists.py", 'HEALTH_STATES = ("健康", "良好", "一般")',
                                    'HEALTH_STATES = ("健康", "一般")')}


def package_source_change(root: Path, tmp_path: Path) -> dict:
    return {"package": package_copy(tmp_path, "catalogue.py", "QQ 号码应为 5–11 位数字", "QQ 号码须为 5–11 位数字")}


def date_passes_registration(root: Path, tmp_path: Path) -> dict:
    return {"today": "2026-12-02"}


@pytest.mark.parametrize("change", [record_edit, same_size_and_mtime, quota_change, code_list_change,
                                    package_source_change, date_passes_registration])
def test_warm_run_equals_cold_run_after(change: Callable[[Path, Path], dict], root: Path, tmp_path: Path) -> None:
    before = run(root)
    options = change(root, tmp_path)
    warm = run(root, **options)
    cold = run(root, "--no-cache", **options)
    assert warm == cold
    assert warm != before, "the change should show in the output"


def test_nothing_changed_gives_the_same_output_from_the_cache(root: Path) -> None:
    assert run(root) == run(root, "--no-cache")


def test_the_cache_is_never_written_through_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = make_repo(tmp_path / "repo", dict([record_file(valid_record())]))
    os.symlink(outside, root / ".cache")
    run(root)
    assert list(outside.iterdir()) == []


def test_a_planted_or_broken_cache_is_ignored(root: Path) -> None:
    path = root / cache.CACHE_DIR / cache.CACHE_FILE
    path.write_text("{not json", encoding="utf-8")
    assert run(root) == run(root, "--no-cache")


def test_damaged_or_misordered_cache_lines_are_checked_again_and_repaired(root: Path) -> None:
    path = root / cache.CACHE_DIR / cache.CACHE_FILE
    header, first, *rest = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(rest) == 2
    path.write_text(header + first.rsplit(index.SEP, 1)[0] + "\n" + "".join(reversed(rest)), encoding="utf-8")
    assert run(root) == run(root, "--no-cache")
    _, *lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines == sorted(lines) and all(len(index.split(line)) == len(index.FIELDS) for line in lines)


def test_a_trusted_file_signature_still_sees_an_edit_that_keeps_size_and_mtime(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no racy window every signature is trusted: the change time (ctime) must give the edit away."""
    from pingan.validate import validate
    monkeypatch.setattr(cache, "RACY_NS", 0)
    root = make_repo(tmp_path / "repo", dict(record_file(r) for r in RECORDS[:2]))
    first = validate(root).sorted()
    with cache.stored(cache.cache_at(root), cache.run_key(cache.settings_digest(root), date(2026, 11, 29))) as stored:
        assert stored is not None
        lines = list(stored)
    assert len(lines) == 2 and all(index.split(line)[2] for line in lines), "signatures should be stored"
    edit(root, "data/volunteers/taiyuan/taiyuan-00001.yaml", "13812345678", "12812345678", keep_stat=True)
    second = validate(root).sorted()
    assert second != first and second == validate(root, use_cache=False).sorted()


def test_an_unchanged_tree_runs_no_repository_rule_and_a_change_runs_them_again(root: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository rules' results are kept beside the index; they are reused only over the same index."""
    from pingan.reader import Repository
    from pingan.reader import repository as reader_repository

    def judged() -> tuple[list[tuple[str, str]], dict[str, int]]:
        with Repository(root).verdicts() as verdicts:
            return sorted((p.code, p.file) for p in verdicts.problems), verdicts.tally()

    first = judged()
    calls: list[int] = []
    real = reader_repository.check_repository
    monkeypatch.setattr(reader_repository, "check_repository", lambda *a: calls.append(1) or real(*a))
    assert judged() == first and calls == []
    (root / "data/volunteers/taiyuan/taiyuan-00002.yaml").unlink()
    again = judged()
    assert calls == [1] and again != first
    assert judged() == again and calls == [1]
    assert (root / cache.CACHE_DIR / cache.SUMMARY_FILE).is_file()
