"""Helpers shared by the Excel tests: a small synthetic repository with history, and running the CLI in-process."""
from __future__ import annotations

import os
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT, valid_record
from pingan import cli, demo
from pingan.yamlio import dump_record

GIT_ENV = {"GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
           "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid"}


def demo_repo(root: Path, count: int = 40, seed: int = 7) -> Path:
    """A synthetic repository of `count` valid records, committed once on 2016-12-31."""
    for _ in demo.generate(PROJECT, root, count, seed):
        pass
    demo.commit(root)
    return root


def git_commit(root: Path, message: str, when: str) -> None:
    """Commit everything in `root` at `when` (ISO date-time with offset)."""
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", message], check=True, env=env)


def write_record(root: Path, record: dict[str, Any]) -> Path:
    path = root / "data/volunteers" / record["招募单位"] / f"{record['编号']}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_record(record), encoding="utf-8")
    return path


def special_record(**changes: Any) -> dict[str, Any]:
    """A valid record whose texts try to be formulas, with a non-BMP name and a landline; over 45 today."""
    record = valid_record(
        编号="taiyuan-00900", 姓名="𠮷祥", 出生日期=date(1975, 3, 1), 身份证号码="140121197503010017",
        工作单位="=HYPERLINK(\"http://example.invalid\",\"点击\")", 个人特长=["+1 急救", "@摄影"],
        通信地址="-太原市小店区坞城路 92 号", 固定电话="0351-4182850", 备注="\t制表符开头",
        登记日期=date(2015, 5, 1), 个人信息同意日期=date(2015, 5, 1))
    record.update(changes)
    return record


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `pingan ARGS` in this process; (exit code, stdout, stderr)."""
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
