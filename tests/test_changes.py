"""Changed files for pull-request mode: merge base, renames, deletions, uncommitted and untracked files."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pingan.errors import ChangesUnavailable
from pingan.reader.changes import (
    ADDED,
    DELETED,
    MODIFIED,
    RENAMED,
    Change,
    added,
    changed_files,
    parse_name_status,
    touched,
)

ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=ENV)


def write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text, encoding="utf-8")


@pytest.fixture
def history(tmp_path: Path) -> Path:
    root = tmp_path / "r"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for name in ("keep", "edit", "gone", "move"):
        write(root, f"data/{name}.yaml", f"名称: {name}\n" + "内容: 足够长的一行，使改名可以被识别\n" * 5)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "pr")
    return root


def test_committed_uncommitted_and_untracked_changes(history: Path) -> None:
    write(history, "data/edit.yaml", "名称: 改过\n")
    git(history, "rm", "-q", "data/gone.yaml")
    git(history, "mv", "data/move.yaml", "data/moved.yaml")
    git(history, "commit", "-q", "-m", "pr")
    write(history, "data/keep.yaml", (history / "data/keep.yaml").read_text(encoding="utf-8") + "备注: 未提交\n")
    write(history, "data/新文件.yaml", "名称: 未跟踪\n")
    write(history, ".gitignore", "ignored/\n")
    write(history, "ignored/x.yaml", "x: 1\n")
    changes = changed_files(history, "main")
    assert changes == [
        Change(ADDED, ".gitignore"),
        Change(MODIFIED, "data/edit.yaml"),
        Change(DELETED, "data/gone.yaml"),
        Change(MODIFIED, "data/keep.yaml"),
        Change(RENAMED, "data/moved.yaml", "data/move.yaml"),
        Change(ADDED, "data/新文件.yaml"),
    ]
    assert "data/move.yaml" in touched(changes) and "data/moved.yaml" in added(changes)


def test_the_merge_base_not_the_tip_of_the_base_branch(history: Path) -> None:
    git(history, "checkout", "-q", "main")
    write(history, "data/later-on-main.yaml", "x: 1\n")
    git(history, "add", "-A")
    git(history, "commit", "-q", "-m", "main moves on")
    git(history, "checkout", "-q", "pr")
    assert changed_files(history, "main") == []


def test_paths_are_relative_to_a_repository_in_a_subfolder(tmp_path: Path, history: Path) -> None:
    write(history, "data/edit.yaml", "名称: 改过\n")
    assert changed_files(history / "data", "main") == [Change(MODIFIED, "edit.yaml")]


def test_unknown_ref_and_not_a_repository(history: Path, tmp_path: Path) -> None:
    with pytest.raises(ChangesUnavailable):
        changed_files(history, "no-such-branch")
    with pytest.raises(ChangesUnavailable):
        changed_files(history, "--output=/tmp/x")
    (tmp_path / "plain").mkdir()
    with pytest.raises(ChangesUnavailable):
        changed_files(tmp_path / "plain", "main")


def test_parse_name_status() -> None:
    out = "M\0a.yaml\0R087\0old.yaml\0new.yaml\0C100\0src.yaml\0copy.yaml\0D\0b.yaml\0T\0c.yaml\0"
    assert parse_name_status(out) == [Change(MODIFIED, "a.yaml"), Change(RENAMED, "new.yaml", "old.yaml"),
                                      Change(ADDED, "copy.yaml"), Change(DELETED, "b.yaml"),
                                      Change(MODIFIED, "c.yaml")]
