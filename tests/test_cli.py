"""The `pingan` command as a user runs it: exit codes, Chinese output, never a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT, make_repo, record_file, valid_record

PINGAN = [sys.executable, "-m", "pingan.cli"]


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PINGAN_TODAY": "2026-11-29", **(env or {})}
    return subprocess.run([*PINGAN, *args], cwd=cwd or PROJECT, env=full_env, capture_output=True, text=True)


def test_valid_repository_exits_0(tmp_path: Path) -> None:
    root = make_repo(tmp_path, dict([record_file(valid_record())]))
    result = run("validate", "--root", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ("校验通过：检查了 1 个文件，0 个错误，0 个警告，0 个提示。"
                                     "记录计入 1 条，待核实 0 条（身份证号码重复），有错误未计入 0 条。")


def test_problem_exits_1_with_compiler_style_line(tmp_path: Path) -> None:
    rel, text = record_file(valid_record(身份证号码="140121199001011018"))
    root = make_repo(tmp_path, {rel: text})
    result = run("validate", "--root", str(root))
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == \
        "data/volunteers/taiyuan/taiyuan-00001.yaml:9:8: 错误 [ID003] 身份证号码校验不通过：请逐位核对全部 18 位与身份证是否一致；如果前 17 位无误，最后一位应为 9"


def test_root_is_found_from_a_subfolder(tmp_path: Path) -> None:
    rel, text = record_file(valid_record())
    root = make_repo(tmp_path, {rel: text})
    result = run("validate", cwd=root / "data/volunteers/taiyuan")
    assert result.returncode == 0, result.stderr


def test_paths_limit_the_check(tmp_path: Path) -> None:
    good_rel, good = record_file(valid_record())
    bad_rel, bad = record_file(valid_record(编号="taiyuan-00002", 手机="1", 身份证号码="140121199001011035"))  # another person: the same ID twice is DUP001
    root = make_repo(tmp_path, {good_rel: good, bad_rel: bad})
    assert run("validate", "--root", str(root), str(root / good_rel)).returncode == 0
    assert run("validate", "--root", str(root), str(root / bad_rel)).returncode == 1


def test_json_format(tmp_path: Path) -> None:
    rel, text = record_file(valid_record(QQ="12"))
    root = make_repo(tmp_path, {rel: text})
    data = json.loads(run("validate", "--root", str(root), "--format", "json").stdout)
    assert data["valid"] is False and [p["code"] for p in data["problems"]] == ["QQ001"]


def test_github_format_writes_step_summary(tmp_path: Path) -> None:
    rel, text = record_file(valid_record(QQ="12"))
    root = make_repo(tmp_path / "repo", {rel: text})
    summary = tmp_path / "summary.md"
    result = run("validate", "--root", str(root), "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.stdout.startswith("::error file=data/volunteers/taiyuan/taiyuan-00001.yaml,line=16,col=5,")
    assert "| 错误 | QQ001 |" in summary.read_text(encoding="utf-8")


def test_usage_error_exits_2_in_chinese() -> None:
    result = run("validate", "--format", "xml")
    assert result.returncode == 2
    assert "错误" in result.stderr and "Traceback" not in result.stderr


def test_bad_today_is_a_usage_error(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    result = run("validate", "--root", str(root), env={"PINGAN_TODAY": "明天"})
    assert result.returncode == 2 and "PINGAN_TODAY" in result.stderr


def test_not_a_repository_exits_3(tmp_path: Path) -> None:
    result = run("validate", "--root", str(tmp_path))
    assert result.returncode == 3
    assert "不是数据仓库" in result.stderr and "Traceback" not in result.stderr


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    result = run("validate", "--root", str(root), str(root / "data/volunteers/taiyuan/nope.yaml"))
    assert result.returncode == 2 and "找不到" in result.stderr


def test_every_command_has_chinese_help() -> None:
    from pingan.cli import COMMANDS

    for name, (_, func) in COMMANDS.items():
        assert func.__doc__ and any("\u4e00" <= ch <= "\u9fff" for ch in func.__doc__), name
        result = run(name, "--help")
        assert result.returncode == 0 and "用法" in result.stdout
