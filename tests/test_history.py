"""`pingan history`: every commit that still holds an ID number, printed masked."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import make_repo, record_file, valid_record
from pingan.cli import main

ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
NUMBER = "14012119950505109X"


def commit(root: Path, message: str) -> None:
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=ENV)


def test_history_lists_commits_holding_any_form_then_none_after_removal(tmp_path: Path, capsys) -> None:
    rel, text = record_file(valid_record(身份证号码=NUMBER.lower(), 出生日期=None))
    root = make_repo(tmp_path, {rel: text})
    subprocess.run(["git", "-C", str(root), "init", "-q", "-b", "main"], check=True)
    commit(root, "add")
    (root / "data/volunteers/README.md").write_text("x", encoding="utf-8")
    commit(root, "unrelated")
    (root / rel).unlink()
    commit(root, "remove")
    assert main(["history", "--root", str(root), NUMBER]) == 1
    out = capsys.readouterr().out
    assert NUMBER not in out and NUMBER.lower() not in out and "140121********109X" in out
    assert "2 个提交" in out and rel in out
    other = "140121199001011019"
    assert main(["history", "--root", str(root), other]) == 0
    assert "没有任何提交" in capsys.readouterr().out
