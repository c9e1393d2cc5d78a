"""The repository reader: the one listing, each record's verdict, reading a counted record once, and the past."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import make_repo, record_file, valid_record
from excel_support import git_commit
from pingan.reader import (
    COUNTED,
    HAS_ERRORS,
    TO_VERIFY,
    Repository,
    changed_between,
    names_ever_in,
    record_paths_ever,
    repository_at,
)
from pingan.reader import repository as reader_repository


def repo_with(tmp_path: Path, records: list[dict], extra: dict[str, str] | None = None) -> Path:
    return make_repo(tmp_path / "repo", {**dict(record_file(r) for r in records), **(extra or {})})


def test_one_listing_leaves_out_what_is_not_a_record(tmp_path: Path) -> None:
    root = repo_with(tmp_path, [valid_record()], {"data/volunteers/taiyuan/taiyuan-00002.yml": "编号: x\n",
                                                   "data/volunteers/nowhere/nowhere-00001.yaml": "编号: x\n"})
    repo = Repository(root)
    assert repo.paths == ["data/volunteers/taiyuan/taiyuan-00001.yaml"]
    assert sorted(p.code for p in repo.placement) == ["PLC001", "PLC003"]


def test_verdicts_say_which_records_count(tmp_path: Path) -> None:
    twin = valid_record(编号="taiyuan-00002", 身份证号码="140121199001011035")
    root = repo_with(tmp_path, [
        valid_record(),
        twin,
        {**twin, "编号": "datong-00001", "招募单位": "datong", "所在地区": "大同市平城区"},
        valid_record(编号="taiyuan-00003", 身份证号码="140121199001011051", QQ="0"),
    ])
    with Repository(root).verdicts(use_cache=False) as verdicts:
        statuses = {v.entry.record_id: v.status for v in verdicts}
        assert verdicts.tally() == {COUNTED: 1, TO_VERIFY: 2, HAS_ERRORS: 1}
    assert statuses == {"taiyuan-00001": COUNTED, "taiyuan-00002": TO_VERIFY, "datong-00001": TO_VERIFY,
                        "taiyuan-00003": HAS_ERRORS}


def test_a_counted_record_is_read_once_and_not_checked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo_with(tmp_path, [valid_record()])
    repo = Repository(root)
    with repo.verdicts() as verdicts:
        verdict = next(iter(verdicts))

        def no_second_check(*args: object) -> None:
            raise AssertionError("a clean record is read as it stands")

        monkeypatch.setattr(reader_repository, "check_record", no_second_check)
        volunteer = repo.volunteer(verdict)
    assert volunteer is not None and volunteer.name == "张伟" and volunteer.birth_date.isoformat() == "1990-01-01"


def test_a_record_changed_after_its_verdict_is_checked_again(tmp_path: Path) -> None:
    root = repo_with(tmp_path, [valid_record()])
    repo = Repository(root)
    with repo.verdicts() as verdicts:
        verdict = next(iter(verdicts))
    rel, text = record_file(valid_record(QQ="0"))
    (root / rel).write_text(text, encoding="utf-8")
    assert repo.volunteer(verdict) is None  # now invalid: never guessed at


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout.strip()


def test_the_past(tmp_path: Path) -> None:
    root = repo_with(tmp_path, [valid_record()])
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    git_commit(root, "one", "2024-05-02T10:00:00+08:00")
    first = git(root, "rev-parse", "HEAD")
    rel, text = record_file(valid_record(编号="taiyuan-00002", 身份证号码="140121199001011035"))
    (root / rel).write_text(text, encoding="utf-8")
    (root / "data/volunteers/taiyuan/taiyuan-00001.yaml").unlink()
    git_commit(root, "two", "2024-05-03T10:00:00+08:00")
    git(root, "checkout", "-q", "-b", "abandoned")
    rel3, text3 = record_file(valid_record(编号="taiyuan-00999", 身份证号码="140121199001011051"))
    (root / rel3).write_text(text3, encoding="utf-8")
    git_commit(root, "never merged", "2024-05-04T10:00:00+08:00")
    git(root, "checkout", "-q", "main")

    with repository_at(root, first, Repository(root).today) as old:
        assert old is not None and old.paths == ["data/volunteers/taiyuan/taiyuan-00001.yaml"]
        assert old.settings.usable
    # Nearly the same bytes under a new name: git pairs them as a rename (the old name kept in `old`).
    assert [(c.status, c.path, c.old) for c in changed_between(root, first, "main")] == [
        ("R", "data/volunteers/taiyuan/taiyuan-00002.yaml", "data/volunteers/taiyuan/taiyuan-00001.yaml")]
    assert record_paths_ever(root, "main") == {"data/volunteers/taiyuan/taiyuan-00001.yaml",
                                                "data/volunteers/taiyuan/taiyuan-00002.yaml"}
    assert names_ever_in(root, "data/volunteers/taiyuan", "main") == {"taiyuan-00001.yaml", "taiyuan-00002.yaml"}
