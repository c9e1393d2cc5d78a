"""Hostile pull requests against the gate, run the way CI runs it: the base's code, the pull request as data.

Each case is a base tree on main, a change on a branch, the logins behind it,
and the verdict. The maintainers: ty-maint keeps 太原市, dt-maint keeps 大同市,
office is the administrator.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from conftest import make_repo, record_file, valid_record
from pingan import idcard
from pingan.validate import validate

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
TODAY = date(2026, 11, 29)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                          env=GIT_ENV).stdout


def person(n: int, unit: str = "taiyuan", **changes: Any) -> dict[str, Any]:
    """A valid volunteer of `unit`, the n-th of a series with its own ID number and phone, registered last month."""
    birth = date(1992, 1, 1) + timedelta(days=n)
    body = f"140121{birth:%Y%m%d}2{n % 10}1"
    registered = TODAY - timedelta(days=30)
    record = valid_record(编号=f"{unit}-{n:05d}", 招募单位=unit, 所在地区="太原市小店区" if unit == "taiyuan" else "大同市平城区",
                          出生日期=birth, 身份证号码=body + idcard.check_char(body + "0"), 手机=f"137{n:08d}",
                          登记日期=registered, 个人信息同意日期=registered)
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


def write(root: Path, record: dict[str, Any]) -> None:
    rel, text = record_file(record)
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text, encoding="utf-8")


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def base_repo(tmp_path: Path) -> Path:
    """main: maintainers and an administrator set, five records in each of two units."""
    root = make_repo(tmp_path / "repo")
    edit(root, "data/province.yaml", "管理员: []", "管理员: [office]")
    edit(root, "data/units/taiyuan.yaml", "维护者: []", "维护者: [ty-maint]")
    edit(root, "data/units/datong.yaml", "维护者: []", "维护者: [dt-maint]")
    for n in range(1, 6):
        write(root, person(n))
        write(root, person(100 + n, "datong"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "change")
    return root


def pull_request(tmp_path: Path, change: Callable[[Path], None]) -> Path:
    root = base_repo(tmp_path)
    change(root)
    git(root, "add", "-A", "-f")
    git(root, "commit", "-q", "-m", "change")
    return root


def errors(root: Path, *authors: str) -> list[tuple[str, str]]:
    report = validate(root, today=TODAY, changed_since="main", authors=list(authors), use_cache=False)
    return sorted({(p.code, p.file) for p in report.problems if p.level == "错误"})


# --- 1. self-promotion -------------------------------------------------------------------------

def self_promotion(root: Path) -> None:
    edit(root, "data/province.yaml", "管理员: [office]", "管理员: [office, ty-maint]")
    edit(root, "data/province.yaml", "总名额: 30000", "总名额: 40000")
    edit(root, "data/province.yaml", "最大年龄: 45", "最大年龄: 60")
    edit(root, "data/units/taiyuan.yaml", "名额: 1000", "名额: 11000")
    for n in range(1, 6):
        (root / f"data/volunteers/datong/datong-{100 + n:05d}.yaml").unlink()
    old = person(9, 出生日期=date(1970, 1, 4))
    old["身份证号码"] = (body := "14012119700104291") + idcard.check_char(body + "0")
    write(root, old)


def test_a_maintainer_cannot_promote_themself(tmp_path: Path) -> None:
    root = pull_request(tmp_path, self_promotion)
    found = errors(root, "ty-maint")
    assert ("AUT002", "data/province.yaml") in found and ("AUT002", "data/units/taiyuan.yaml") in found
    assert [f for c, f in found if c == "AUT001"] == [f"data/volunteers/datong/datong-{100 + n:05d}.yaml"
                                                       for n in range(1, 6)]
    # Judged by main's rules, not the raised age limit: the 56-year-old is refused.
    assert ("AGE001", "data/volunteers/taiyuan/taiyuan-00009.yaml") in found


def test_the_same_change_by_the_office_is_judged_as_it_stands(tmp_path: Path) -> None:
    root = pull_request(tmp_path, self_promotion)
    found = errors(root, "office")
    assert not [c for c, _ in found if c.startswith("AUT")]
    assert ("AGE001", "data/volunteers/taiyuan/taiyuan-00009.yaml") not in found  # its own 最大年龄: 60


def test_every_login_behind_the_change_must_be_allowed(tmp_path: Path) -> None:
    """The opener may be the unit's maintainer; whoever pushed or retried the run must be allowed too."""
    root = pull_request(tmp_path, lambda r: write(r, person(6)))
    assert errors(root, "ty-maint") == []
    assert errors(root, "ty-maint", "dt-maint") == [("AUT001", "data/volunteers/taiyuan/taiyuan-00006.yaml")]
    assert errors(root, "ty-maint", "office") == []


# --- 2. a committed cache ----------------------------------------------------------------------

def test_a_committed_cache_is_refused_and_never_read(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    bad = person(7, 无犯罪记录=False, 手机="12345678901")
    write(root, bad)
    validate(root, today=TODAY)  # writes .cache/pingan/validate.txt with this record's problems
    rel = record_file(bad)[0]
    cache = root / ".cache/pingan/validate.txt"
    lines = cache.read_text(encoding="utf-8").splitlines(keepends=True)
    forged = [line if not line.startswith(rel) else line[: line.rstrip("\n").rfind("\x1f") + 1] + "\n"
              for line in lines]
    cache.write_text("".join(forged), encoding="utf-8")  # "no problems" for the bad record
    git(root, "add", "-A", "-f")
    git(root, "commit", "-q", "-m", "change")
    report = validate(root, today=TODAY, changed_since="main", authors=["ty-maint"])  # the cache would be used
    found = {(p.code, p.file) for p in report.problems if p.level == "错误"}
    assert ("PLC006", ".cache/pingan/validate.txt") in found and ("AUT003", ".cache/pingan/validate.txt") in found
    assert {("CON001", rel), ("PHN002", rel)} <= found



def test_a_committed_summary_of_the_rules_is_refused_and_never_read(tmp_path: Path) -> None:
    """The rules' results kept beside the index (verdicts.json) are a cache too: one committed with a forged index,
    copied from a clean run and saying "no problem", is an error and is never read."""
    root = base_repo(tmp_path)
    validate(root, today=TODAY)
    clean = (root / ".cache/pingan/verdicts.json").read_bytes()
    bad = person(7, 无犯罪记录=False, 手机="12345678901")
    write(root, bad)
    validate(root, today=TODAY)
    rel = record_file(bad)[0]
    index = root / ".cache/pingan/validate.txt"
    index.write_text("".join(line if not line.startswith(rel) else line[: line.rstrip("\n").rfind("\x1f") + 1] + "\n"
                             for line in index.read_text(encoding="utf-8").splitlines(keepends=True)), encoding="utf-8")
    (root / ".cache/pingan/verdicts.json").write_bytes(clean)
    git(root, "add", "-A", "-f")
    git(root, "commit", "-q", "-m", "change")
    report = validate(root, today=TODAY, changed_since="main", authors=["ty-maint"])
    found = {(p.code, p.file) for p in report.problems if p.level == "错误"}
    assert {("PLC006", ".cache/pingan/verdicts.json"), ("AUT003", ".cache/pingan/verdicts.json")} <= found
    assert {("CON001", rel), ("PHN002", rel)} <= found
    assert validate(root, today=TODAY).tally == validate(root, today=TODAY, use_cache=False).tally


# --- 3. the pull request's own code never runs --------------------------------------------------

def own_code(root: Path) -> None:
    (root / "pingan").mkdir()
    (root / "pingan/cli.py").write_text('print("校验通过")\n', encoding="utf-8")
    (root / "Makefile").write_text("venv:\n\t@echo ok\n", encoding="utf-8")
    (root / ".github/workflows").mkdir(parents=True)
    (root / ".github/workflows/validate.yml").write_text("on: push\njobs: {}\n", encoding="utf-8")
    write(root, person(8, QQ="0"))


def test_code_in_the_pull_request_is_data(tmp_path: Path) -> None:
    """The base's pingan runs with --root on the pull request: its pingan/ always-passes nothing."""
    root = pull_request(tmp_path, own_code)
    done = subprocess.run([sys.executable, "-m", "pingan.cli", "validate", "--root", str(root), "--changed-since",
                           "main", "--author", "ty-maint", "--cache-dir", str(tmp_path / "cache")],
                          capture_output=True, text=True, cwd=tmp_path, env={**GIT_ENV, "PINGAN_TODAY": TODAY.isoformat()})
    assert done.returncode == 1, done.stdout + done.stderr
    for path in ("pingan/cli.py", "Makefile", ".github/workflows/validate.yml"):
        assert f"{path}: 错误 [AUT003]" in done.stdout
    assert "[QQ001]" in done.stdout and not (root / ".cache").exists()  # the cache stayed outside the tree


# --- 5. races ----------------------------------------------------------------------------------

def test_two_pull_requests_valid_alone_fail_together_on_main(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    same = person(9)
    write(root, same)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    assert errors(root, "ty-maint") == []
    git(root, "checkout", "-q", "-b", "second", "main")
    write(root, {**same, "编号": "datong-00109", "招募单位": "datong", "所在地区": "大同市平城区"})
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "second")
    assert errors(root, "dt-maint") == []  # alone, each is valid
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "--no-edit", "change")
    git(root, "merge", "-q", "--no-edit", "second")
    report = validate(root, today=TODAY)  # the gate on every push to main
    assert not report.valid and {p.code for p in report.problems if p.level == "错误"} == {"DUP001"}


# --- 6. backdating -----------------------------------------------------------------------------

def test_backfilled_records_are_the_offices_decision(tmp_path: Path) -> None:
    old = person(10, 登记日期=date(2025, 1, 2), 个人信息同意日期=date(2025, 1, 2))
    root = pull_request(tmp_path, lambda r: write(r, old))
    assert errors(root, "ty-maint") == [("AUT004", record_file(old)[0])]
    assert errors(root, "office") == []


# --- transfers and new paths -------------------------------------------------------------------

def test_moving_a_record_to_another_unit_is_an_office_operation(tmp_path: Path) -> None:
    def move(root: Path) -> None:
        shutil.move(root / "data/volunteers/taiyuan/taiyuan-00001.yaml", root / "data/volunteers/datong/datong-00001.yaml")
        edit(root, "data/volunteers/datong/datong-00001.yaml", "编号: taiyuan-00001", "编号: datong-00001")
        edit(root, "data/volunteers/datong/datong-00001.yaml", "招募单位: taiyuan", "招募单位: datong")
    root = pull_request(tmp_path, move)
    assert ("AUT001", "data/volunteers/datong/datong-00001.yaml") in errors(root, "ty-maint")


def test_a_new_unit_folder_is_not_a_maintainers(tmp_path: Path) -> None:
    def new_unit(root: Path) -> None:
        shutil.copy(root / "data/units/taiyuan.yaml", root / "data/units/newunit.yaml")
        edit(root, "data/units/newunit.yaml", "代码: taiyuan", "代码: newunit")
        write(root, {**person(11), "编号": "newunit-00001", "招募单位": "newunit"})
    root = pull_request(tmp_path, new_unit)
    found = errors(root, "ty-maint")
    assert ("AUT002", "data/units/newunit.yaml") in found
    assert ("AUT003", "data/volunteers/newunit/newunit-00001.yaml") in found
    assert ("PLC001", "data/volunteers/newunit/newunit-00001.yaml") in found  # main knows no such unit


def test_settings_are_read_from_the_target_branch_quickly(tmp_path: Path) -> None:
    """Reading main's settings with git adds little to a pull-request run (the issue allows 0.2 s)."""
    import time

    from pingan.reader import settings_at

    root = pull_request(tmp_path, lambda r: write(r, person(12)))
    start = time.perf_counter()
    found = settings_at(root, "main")
    assert time.perf_counter() - start < 1.0 and found.usable and found.province is not None
    assert found.province.admins == ["office"]


def test_an_empty_login_fails_closed(tmp_path: Path) -> None:
    """A workflow that lost the author's login must not pass the check with no author at all."""
    root = pull_request(tmp_path, lambda r: write(r, person(13)))
    done = subprocess.run([sys.executable, "-m", "pingan.cli", "validate", "--root", str(root), "--changed-since",
                           "main", "--author", "ty-maint", "--author", " "], capture_output=True, text=True,
                          env={**GIT_ENV, "PINGAN_TODAY": TODAY.isoformat()})
    assert done.returncode == 2 and "--author 的账号为空" in done.stderr


# --- numbers are permanent (issue 13) ------------------------------------------------------------

def test_a_record_keeps_its_number(tmp_path: Path) -> None:
    def renumber(root: Path) -> None:
        shutil.move(root / "data/volunteers/taiyuan/taiyuan-00001.yaml", root / "data/volunteers/taiyuan/taiyuan-00099.yaml")
        edit(root, "data/volunteers/taiyuan/taiyuan-00099.yaml", "编号: taiyuan-00001", "编号: taiyuan-00099")
    root = pull_request(tmp_path, renumber)
    assert ("NUM001", "data/volunteers/taiyuan/taiyuan-00099.yaml") in errors(root, "ty-maint")
    assert not [c for c, _ in errors(root, "office") if c == "NUM001"]  # the office may renumber


def test_a_number_once_used_is_never_given_again(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    git(root, "checkout", "-q", "main")
    (root / "data/volunteers/taiyuan/taiyuan-00003.yaml").unlink()
    (root / "data/retired-numbers.txt").write_text("# 历史已清除的编号\ntaiyuan-00007\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "withdrawn and purged")
    git(root, "checkout", "-q", "-B", "change")
    write(root, person(3, 手机="13900000003", 身份证号码=(b := "14012119930303231") + idcard.check_char(b + "0")))
    write(root, person(7))
    write(root, person(8))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "reuse")
    found = errors(root, "ty-maint")
    assert ("NUM002", "data/volunteers/taiyuan/taiyuan-00003.yaml") in found
    assert ("NUM002", "data/volunteers/taiyuan/taiyuan-00007.yaml") in found
    assert ("NUM002", "data/volunteers/taiyuan/taiyuan-00008.yaml") not in found


def test_a_login_that_maintains_nothing_gets_one_error(tmp_path: Path) -> None:
    root = pull_request(tmp_path, lambda r: [write(r, person(n)) for n in range(20, 30)])
    assert [c for c, _ in errors(root, "newcomer")] == ["AUT005"]


# --- the unit's local check is the CI gate (issue 13) -------------------------------------------

def test_the_local_check_checks_commits_as_ci_does(tmp_path: Path) -> None:
    root = pull_request(tmp_path, lambda r: write(r, person(30)))
    write(root, person(31, QQ="0"))  # never committed: not part of the check, only listed
    env = {**GIT_ENV, "PINGAN_TODAY": TODAY.isoformat()}
    run = [sys.executable, "-m", "pingan.cli", "check", "--root", str(root)]
    done = subprocess.run(run, capture_output=True, text=True, env=env)
    assert done.returncode == 2 and "git config pingan.author" in done.stderr
    git(root, "config", "pingan.author", "ty-maint")
    done = subprocess.run(run, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "以账号 ty-maint 检查" in done.stdout and "QQ001" not in done.stdout
    assert "未提交的修改" in done.stdout and "taiyuan-00031.yaml" in done.stdout
    done = subprocess.run(run, capture_output=True, text=True, env={**env, "PINGAN_AUTHOR": "dt-maint"})
    assert done.returncode == 1 and "[AUT001]" in done.stdout
    assert git(root, "worktree", "list").count("\n") == 1  # the temporary worktree is gone


def test_an_upload_for_another_unit_fails_even_if_the_change_adds_its_author(tmp_path: Path) -> None:
    """import-pending judges by the target branch's maintainers, not by the pull request's own unit file."""
    from pingan import xlsx_template

    def upload(root: Path) -> None:
        edit(root, "data/units/datong.yaml", "维护者: [dt-maint]", "维护者: [dt-maint, ty-maint]")
        (root / "imports/datong").mkdir(parents=True)
        row = {k: v for k, v in person(40, "datong").items() if k != "编号"}
        xlsx_template.write_template(root / "imports/datong/名单.xlsx", "大同市", [row])
    root = pull_request(tmp_path, upload)
    env = {**GIT_ENV, "PINGAN_TODAY": TODAY.isoformat()}
    base = [sys.executable, "-m", "pingan.cli", "import-pending", "--root", str(root)]
    done = subprocess.run([*base, "--changed-since", "main", "--author", "ty-maint"], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 1 and "账号 ty-maint 不是大同市（datong）的维护者" in done.stdout, done.stdout
    done = subprocess.run([*base, "--changed-since", "main", "--author", "dt-maint"], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stdout + done.stderr


# --- withdrawals, purges and transfers through the gate (issue 13) ------------------------------

def test_a_unit_withdraws_its_own_volunteer(tmp_path: Path) -> None:
    def withdraw(root: Path) -> None:
        edit(root, "data/volunteers/taiyuan/taiyuan-00002.yaml", "登记日期:",
             "状态: 已退出\n退出日期: 2026-11-01\n退出原因: 本人申请\n登记日期:")
    root = pull_request(tmp_path, withdraw)
    found = errors(root, "ty-maint")
    assert not [c for c, _ in found if c.startswith(("AUT", "NUM"))], found


def test_a_unit_purges_its_own_volunteer_and_retires_the_number(tmp_path: Path) -> None:
    def purge(root: Path) -> None:
        (root / "data/volunteers/taiyuan/taiyuan-00002.yaml").unlink()
        (root / "data/retired-numbers.txt").write_text("# 退役编号\ntaiyuan-00002\n", encoding="utf-8")
    root = pull_request(tmp_path, purge)
    assert errors(root, "ty-maint") == []


def test_retiring_another_units_number_or_shrinking_the_list_fails(tmp_path: Path) -> None:
    def other(root: Path) -> None:
        (root / "data/retired-numbers.txt").write_text("datong-00101\n", encoding="utf-8")
    root = pull_request(tmp_path, other)
    assert ("AUT003", "data/retired-numbers.txt") in errors(root, "ty-maint")

    root = base_repo(tmp_path / "second")
    git(root, "checkout", "-q", "main")
    (root / "data/retired-numbers.txt").write_text("taiyuan-00900\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "retired")
    git(root, "checkout", "-q", "-B", "change")
    (root / "data/retired-numbers.txt").write_text("# emptied\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "shrink")
    assert ("NUM003", "data/retired-numbers.txt") in errors(root, "office")  # not even the office


def test_a_transferred_record_is_the_offices(tmp_path: Path) -> None:
    arrived = person(41, "datong", 原编号="taiyuan-00041")
    root = pull_request(tmp_path, lambda r: write(r, arrived))
    assert ("AUT006", record_file(arrived)[0]) in errors(root, "dt-maint")
    assert not [c for c, _ in errors(root, "office") if c == "AUT006"]


def test_a_unit_cannot_touch_the_published_releases(tmp_path: Path) -> None:
    """Frozen statistics releases are the office's: a unit editing one (to reset its noise) is refused."""
    def tamper(root: Path) -> None:
        (root / "data/releases").mkdir(parents=True)
        (root / "data/releases/2015Q1.json").write_text('{"tables": []}\n', encoding="utf-8")
    root = pull_request(tmp_path, tamper)
    assert ("AUT003", "data/releases/2015Q1.json") in errors(root, "ty-maint")
