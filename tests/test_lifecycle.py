"""Lifecycle (issue 13): withdrawal, purge on consent withdrawal, transfer, and how the reader counts them."""
from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import encrypt_repo, keyring_of, make_repo, record_file, valid_record
from excel_support import git_commit, run_cli
from pingan import lifecycle, report
from pingan.errors import NoSuchRecord
from pingan.loader import load_yaml
from pingan.reader import COUNTED, HAS_ERRORS, TO_VERIFY, WITHDRAWN, Repository
from pingan.validate import validate

TODAY = date(2026, 11, 29)
LEFT = {"状态": "已退出", "退出日期": date(2025, 3, 1), "退出原因": "本人申请"}


def second(**changes: Any) -> dict[str, Any]:
    """Another valid person (own ID number and phone)."""
    return valid_record(编号="taiyuan-00002", 身份证号码="140121199001011035", 手机="13812345679", **changes)


def repo_with(tmp_path: Path, *records: dict[str, Any], quotas: dict[str, int] | None = None) -> Path:
    root = make_repo(tmp_path / "repo", dict(record_file(r) for r in records))
    for code, quota in (quotas or {}).items():
        unit_file = root / f"data/units/{code}.yaml"
        unit_file.write_text(re.sub(r"名额: \d+", f"名额: {quota}", unit_file.read_text(encoding="utf-8")),
                             encoding="utf-8")
    return root


def statuses(root: Path) -> dict[str, str]:
    with Repository(root, TODAY).verdicts(use_cache=False) as verdicts:
        return {v.entry.record_id: v.status for v in verdicts}


def codes(root: Path) -> list[str]:
    return sorted(p.code for p in validate(root, today=TODAY, use_cache=False).problems if p.level == "错误")


def read(path: Path) -> dict[str, Any]:
    loaded = load_yaml(str(path), path.name, frozenset())
    assert loaded.data is not None
    return loaded.data


# --- the reader -------------------------------------------------------------------------------

def test_a_withdrawn_record_is_its_own_status_and_no_error(tmp_path: Path) -> None:
    root = repo_with(tmp_path, valid_record(**LEFT), second())
    assert statuses(root) == {"taiyuan-00001": WITHDRAWN, "taiyuan-00002": COUNTED}
    result = validate(root, today=TODAY, use_cache=False)
    assert result.valid and result.tally == {COUNTED: 1, TO_VERIFY: 0, HAS_ERRORS: 0, WITHDRAWN: 1}
    assert "已退出 1 条" in report.summary(result)


def test_the_tally_leaves_out_withdrawn_when_there_are_none(tmp_path: Path) -> None:
    result = validate(repo_with(tmp_path, valid_record()), today=TODAY, use_cache=False)
    assert result.tally == {COUNTED: 1, TO_VERIFY: 0, HAS_ERRORS: 0}
    assert "已退出" not in report.summary(result)


def test_a_withdrawn_record_with_an_error_has_errors(tmp_path: Path) -> None:
    root = repo_with(tmp_path, valid_record(**{**LEFT, "退出日期": date(2027, 1, 1)}))
    assert statuses(root) == {"taiyuan-00001": HAS_ERRORS}


def test_withdrawn_records_free_the_quota(tmp_path: Path) -> None:
    root = repo_with(tmp_path, valid_record(**LEFT), second(), quotas={"taiyuan": 1})
    assert "QUO001" not in codes(root)
    (root / "data/volunteers/taiyuan/taiyuan-00001.yaml").write_text(
        record_file(valid_record())[1], encoding="utf-8")  # reinstated: two on the roll, one place
    assert "QUO001" in codes(root)


def test_a_withdrawn_person_registered_again_is_a_duplicate(tmp_path: Path) -> None:
    again = valid_record(编号="datong-00001", 招募单位="datong", 登记日期=date(2026, 1, 5), 个人信息同意日期=date(2026, 1, 5))
    root = repo_with(tmp_path, valid_record(**LEFT), again)
    assert codes(root) == ["DUP001", "DUP001"]
    assert statuses(root) == {"taiyuan-00001": WITHDRAWN, "datong-00001": TO_VERIFY}


def test_the_index_keeps_the_status_between_runs(tmp_path: Path) -> None:
    root = repo_with(tmp_path, valid_record(**LEFT), second())
    for _ in range(2):  # cold, then read back from the cache
        with Repository(root, TODAY).verdicts() as verdicts:
            assert [v.status for v in verdicts] == [WITHDRAWN, COUNTED]


# --- pingan withdraw --------------------------------------------------------------------------

def test_withdraw_writes_the_status_and_nothing_else(tmp_path: Path) -> None:
    root = repo_with(tmp_path, valid_record(), second())
    path = root / "data/volunteers/taiyuan/taiyuan-00001.yaml"
    before = read(path)
    done = lifecycle.withdraw(root, "taiyuan-00001", "联系不上", date(2026, 10, 1), TODAY)
    assert not done.purged
    after = read(path)
    assert after == {**before, "状态": "已退出", "退出日期": date(2026, 10, 1), "退出原因": "联系不上"}
    assert list(after)[-3:] == ["状态", "退出日期", "退出原因"]  # the model's order
    assert statuses(root)["taiyuan-00001"] == WITHDRAWN


def test_withdraw_refuses_a_date_the_rules_refuse(tmp_path: Path) -> None:
    root = repo_with(tmp_path, valid_record())
    text = (root / "data/volunteers/taiyuan/taiyuan-00001.yaml").read_bytes()
    with pytest.raises(lifecycle.RecordHasErrors) as caught:
        lifecycle.withdraw(root, "taiyuan-00001", "本人申请", date(2024, 4, 1), TODAY)
    assert [p.code for p in caught.value.problems] == ["LIF003"]
    assert (root / "data/volunteers/taiyuan/taiyuan-00001.yaml").read_bytes() == text


def test_withdraw_twice_is_refused(tmp_path: Path) -> None:
    root = repo_with(tmp_path, valid_record(**LEFT))
    with pytest.raises(lifecycle.AlreadyWithdrawn):
        lifecycle.withdraw(root, "taiyuan-00001", "本人申请", date(2026, 1, 1), TODAY)


def test_consent_withdrawal_purges_and_retires_the_number(tmp_path: Path) -> None:
    root = repo_with(tmp_path, valid_record(), second(), valid_record(编号="datong-00004", 招募单位="datong",
                                                                      身份证号码="140121199001011051", 手机="13812345670"))
    lifecycle.withdraw(root, "taiyuan-00002", "撤回个人信息同意", None, TODAY)
    done = lifecycle.withdraw(root, "datong-00004", "撤回个人信息同意", None, TODAY)
    assert done.purged and done.id_number == "140121199001011051"
    assert not (root / "data/volunteers/taiyuan/taiyuan-00002.yaml").exists()
    text = (root / lifecycle.RETIRED_FILE).read_text(encoding="utf-8")
    assert text.startswith("# ") and text.splitlines()[-2:] == ["datong-00004", "taiyuan-00002"]
    assert lifecycle.retired_numbers(root, "taiyuan") == {"taiyuan-00002"}
    assert validate(root, today=TODAY, use_cache=False).valid  # the retired-numbers file is no record
    assert lifecycle.next_record_id(root, "taiyuan") == "taiyuan-00003"  # never given again


def test_withdraw_of_an_unknown_record(tmp_path: Path) -> None:
    root = repo_with(tmp_path)
    with pytest.raises(NoSuchRecord):
        lifecycle.withdraw(root, "taiyuan-00009", "本人申请", TODAY, TODAY)


def test_withdraw_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = repo_with(tmp_path, valid_record(), second())
    code, out, err = run_cli(capsys, "withdraw", "taiyuan-00001", "--date", "2026-10-01", "--reason", "本人申请",
                             "--root", str(root))
    assert code == 0 and "已退出" in out, err
    code, out, err = run_cli(capsys, "withdraw", "taiyuan-00001", "--date", "2026-10-01", "--reason", "本人申请",
                             "--root", str(root))
    assert code == 2 and "已经是已退出" in err
    code, out, err = run_cli(capsys, "withdraw", "taiyuan-00002", "--reason", "本人申请", "--root", str(root))
    assert code == 2 and "--date" in err
    code, out, err = run_cli(capsys, "withdraw", "taiyuan-00002", "--reason", "撤回个人信息同意", "--root", str(root))
    assert code == 0 and "pingan history" in out and "data/retired-numbers.txt" in out
    assert "140121199001011035" not in out + err and "140121********1035" in out


# --- pingan transfer --------------------------------------------------------------------------

def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def test_transfer_moves_the_person_and_the_quota(tmp_path: Path) -> None:
    old = valid_record()
    root = repo_with(tmp_path, old, valid_record(编号="datong-00001", 招募单位="datong",
                                                 身份证号码="140121199001011035", 手机="13812345679"),
                     quotas={"taiyuan": 1, "datong": 2})
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    git_commit(root, "Records", "2026-11-01T10:00:00+08:00")
    (root / "data/volunteers/datong/datong-00001.yaml").unlink()  # 00001 was used once: never again
    git_commit(root, "Remove datong-00001", "2026-11-02T10:00:00+08:00")
    moved = lifecycle.transfer(root, "taiyuan-00001", "datong", TODAY)
    assert moved.new_id == "datong-00002"
    assert not (root / moved.old_rel).exists()
    data = read(root / moved.new_rel)
    assert data == {**read_dump(old), "编号": "datong-00002", "招募单位": "datong", "原编号": "taiyuan-00001"}
    assert codes(root) == ["QUO003"]  # the quotas were shrunk for the test: they no longer add up
    assert statuses(root) == {"datong-00002": COUNTED}
    git(root, "add", "data")
    status = git(root, "diff", "--cached", "-M", "--name-status", "HEAD")
    assert status.startswith("R") and "datong/datong-00002.yaml" in status


def read_dump(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if value is not None}


def test_transfer_refuses_a_full_unit_and_writes_nothing(tmp_path: Path) -> None:
    root = repo_with(tmp_path, valid_record(), valid_record(编号="datong-00001", 招募单位="datong",
                                                            身份证号码="140121199001011035", 手机="13812345679"),
                     quotas={"datong": 1})
    with pytest.raises(lifecycle.QuotaFull):
        lifecycle.transfer(root, "taiyuan-00001", "datong", TODAY)
    assert sorted(p.name for p in (root / "data/volunteers").rglob("*.yaml")) == ["datong-00001.yaml",
                                                                                   "taiyuan-00001.yaml"]


def test_transfer_refusals(tmp_path: Path) -> None:
    root = repo_with(tmp_path, valid_record(), second(**LEFT))
    with pytest.raises(lifecycle.SameUnit):
        lifecycle.transfer(root, "taiyuan-00001", "taiyuan", TODAY)
    with pytest.raises(lifecycle.AlreadyWithdrawn):
        lifecycle.transfer(root, "taiyuan-00002", "datong", TODAY)


def test_transfer_skips_retired_numbers(tmp_path: Path) -> None:
    root = repo_with(tmp_path, valid_record())
    lifecycle.retire(root, "datong-00007")
    assert lifecycle.transfer(root, "taiyuan-00001", "datong", TODAY).new_id == "datong-00008"


def test_transfer_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = repo_with(tmp_path, valid_record())
    code, out, err = run_cli(capsys, "transfer", "taiyuan-00001", "--to", "datong", "--root", str(root))
    assert code == 0 and "datong-00001" in out, err
    code, out, err = run_cli(capsys, "transfer", "datong-00001", "--to", "nowhere", "--root", str(root))
    assert code == 2 and "nowhere" in err


# --- rosters and the insurance changes ----------------------------------------------------------

# --- an encrypted repository (issue 15) -----------------------------------------------------------

FIRST = "data/volunteers/taiyuan/taiyuan-00001.yaml"


def test_withdrawal_in_an_encrypted_repository_changes_only_its_own_lines(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo_with(tmp_path, valid_record(), second())
    keys = encrypt_repo(root)
    before = (root / FIRST).read_text(encoding="utf-8")
    args = ("withdraw", "taiyuan-00001", "--date", "2025-03-01", "--reason", "本人申请", "--root", str(root))
    code, out, err = run_cli(capsys, *args)
    assert code == 1 and "本机的私钥打不开这些加密的记录" in err and (root / FIRST).read_text(encoding="utf-8") == before
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(keys.unit("taiyuan")))
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    old, new = before.splitlines(), (root / FIRST).read_text(encoding="utf-8").splitlines()
    stamps = ("  lastmodified:", "  mac:")
    assert [line for line in old if line not in new and not line.startswith(stamps)] == []  # every ciphertext kept
    added = [line for line in new if line not in old and not line.startswith(stamps)]
    assert [line.split(":")[0] for line in added] == ["状态", "退出日期", "退出原因"]
    assert added[2].startswith("退出原因: ENC[AES256_GCM,")
    assert validate(root, today=TODAY, use_cache=False).problems == []
    assert statuses(root)["taiyuan-00001"] == WITHDRAWN


def test_a_transfer_is_encrypted_for_the_receiving_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo_with(tmp_path, valid_record())
    keys = encrypt_repo(root)
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(keys.unit("datong")))  # the receiving unit's key opens nothing yet
    code, out, err = run_cli(capsys, "transfer", "taiyuan-00001", "--to", "datong", "--root", str(root))
    assert code == 1 and "办公室的私钥" in err and (root / FIRST).exists()
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(keys.office))
    before = set(re.findall(r"ENC\[[^]]*\]", (root / FIRST).read_text(encoding="utf-8")))
    code, out, err = run_cli(capsys, "transfer", "taiyuan-00001", "--to", "datong", "--root", str(root))
    assert code == 0 and "记录已为接收单位重新加密" in out, err
    moved = "data/volunteers/datong/datong-00001.yaml"
    assert not before & set(re.findall(r"ENC\[[^]]*\]", (root / moved).read_text(encoding="utf-8")))  # a new data key
    sending = Repository(root, TODAY, keyring=keyring_of(keys.unit("taiyuan"))).load(moved)
    receiving = Repository(root, TODAY, keyring=keyring_of(keys.unit("datong"))).load(moved)
    assert sending.seal is not None and not sending.seal.opened
    assert receiving.seal is not None and receiving.seal.opened and receiving.data is not None
    assert receiving.data["身份证号码"] == valid_record()["身份证号码"] and receiving.data["原编号"] == "taiyuan-00001"
    assert validate(root, today=TODAY, use_cache=False).problems == []  # the office key opens everything


def test_insurance_changes_match_a_transfer_by_its_previous_number() -> None:
    from pingan import roster

    a = ("taiyuan-00001", "张三", "男", date(1990, 1, 1), "1", "太原市", "138")
    b = ("taiyuan-00002", "李四", "女", date(1991, 1, 1), "2", "太原市", "139")
    moved = ("datong-00003", *a[1:5], "大同市", "138")
    found = roster.insurance_changes({a[0]: a, b[0]: b}, {moved[0]: moved}, {"datong-00003": "taiyuan-00001"},
                                     {"taiyuan-00002": "已退出：2026-11-05，本人申请"})
    assert [(c.kind, c.row[0], c.note) for c in found] == [
        ("变更", "datong-00003", "原编号：taiyuan-00001；原单位：太原市"),
        ("减少", "taiyuan-00002", "已退出：2026-11-05，本人申请")]


def test_rosters_leave_out_the_withdrawn_and_list_a_transfer_as_a_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    from pingan import roster

    monkeypatch.setenv("CI", "")
    root = repo_with(tmp_path, valid_record(), second(), valid_record(
        编号="taiyuan-00003", 身份证号码="140121199001011051", 手机="13812345670"))
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    git_commit(root, "Records", "2026-10-01T10:00:00+08:00")
    lifecycle.withdraw(root, "taiyuan-00002", "本人申请", date(2026, 11, 5), TODAY)
    lifecycle.transfer(root, "taiyuan-00003", "datong", TODAY)
    git_commit(root, "Withdraw and transfer", "2026-11-10T10:00:00+08:00")
    built = roster.build_rosters(root, tmp_path / "out", as_of=TODAY, since=date(2026, 11, 1))
    assert built.progress.total == 2 and built.progress.withdrawn == 1 and built.progress.left_out == 0
    book = openpyxl.load_workbook(tmp_path / "out" / roster.PROVINCE_ROSTER, read_only=True)
    listed = [r[0] for r in book[roster.SUMMARY_SHEET].iter_rows(min_row=roster.HEADER_ROW + 2, values_only=True)
              if r[0]]
    assert sorted(listed) == ["datong-00001", "taiyuan-00001"]
    changes = openpyxl.load_workbook(tmp_path / "out" / roster.INSURANCE_CHANGES, read_only=True)["保险变动名单"]
    table = [r for r in changes.iter_rows(min_row=roster.HEADER_ROW + 2, values_only=True) if r[0]]
    assert [(r[0], r[1], r[-1]) for r in table] == [
        ("变更", "datong-00001", "原编号：taiyuan-00003；原单位：太原市"),
        ("减少", "taiyuan-00002", "已退出：2026-11-05，本人申请")]
    insured = openpyxl.load_workbook(tmp_path / "out" / roster.INSURANCE_LIST, read_only=True)["保险名单"]
    assert sum(1 for r in insured.iter_rows(min_row=roster.HEADER_ROW + 2, values_only=True) if r[0]) == 2
