"""Repository rules as pure functions over an index, and placement of files under data/."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from conftest import PROJECT, make_repo, record_file, valid_record
from pingan.model import Unit
from pingan.reader import load_settings
from pingan.reader.cache import cache_at
from pingan.rules import Context
from pingan.rules.repository import (
    Entry,
    RepoContext,
    duplicate_ids,
    province_quota,
    same_person,
    scan_records,
    unit_quotas,
)
from pingan.validate import validate


def unit(code: str, quota: int) -> Unit:
    return Unit.model_validate({"代码": code, "名称": {"taiyuan": "太原市", "datong": "大同市"}[code], "类别": "市",
                                "名额": quota, "维护者": []})


def entry(unit_code: str, n: int, registered: str = "2024-05-01", id_number: str = "", person: str = "") -> Entry:
    rel = f"data/volunteers/{unit_code}/{unit_code}-{n:05d}.yaml"
    return Entry(rel, unit_code, f"{unit_code}-{n:05d}", registered, id_number, 9 if id_number else 0,
                 8 if id_number else 0, person)


def test_a_unit_at_its_quota_is_fine_and_one_more_names_the_latest_registration() -> None:
    ctx = RepoContext({"taiyuan": unit("taiyuan", 2)}, None)
    assert list(unit_quotas([entry("taiyuan", 1), entry("taiyuan", 2)], ctx)) == []
    index = [entry("taiyuan", 1, "2024-05-03"), entry("taiyuan", 2, "2024-05-01"), entry("taiyuan", 3, "2024-05-02")]
    [problem] = unit_quotas(index, ctx)
    assert (problem.code, problem.file) == ("QUO001", "data/units/taiyuan.yaml")
    assert "太原市" in problem.message and "名额 2 人，已登记 3 人，超出 1 人" in problem.message
    assert problem.message.endswith("data/volunteers/taiyuan/taiyuan-00001.yaml")
    assert problem.files == {"data/units/taiyuan.yaml", "data/volunteers/taiyuan/taiyuan-00001.yaml"}


def test_the_same_day_is_ordered_by_record_number_and_a_change_counts_as_latest() -> None:
    index = [entry("taiyuan", 1), entry("taiyuan", 2)]
    [problem] = unit_quotas(index, RepoContext({"taiyuan": unit("taiyuan", 1)}, None))
    assert problem.message.endswith("taiyuan-00002.yaml")
    recent = frozenset({index[0].rel})
    [problem] = unit_quotas(index, RepoContext({"taiyuan": unit("taiyuan", 1)}, None, recent))
    assert problem.message.endswith("taiyuan-00001.yaml")


def test_long_file_lists_are_cut_with_a_count() -> None:
    index = [entry("taiyuan", n) for n in range(1, 31)]
    [problem] = unit_quotas(index, RepoContext({"taiyuan": unit("taiyuan", 5)}, None))
    assert problem.message.endswith("等 25 个文件") and len(problem.files) == 26


def test_province_total_and_the_sum_of_quotas(repo: Path) -> None:
    found = load_settings(repo)
    ctx = RepoContext(found.units, found.province.model_copy(update={"total_quota": 1}))
    codes = [p.code for p in province_quota([entry("taiyuan", 1), entry("datong", 1)], ctx)]
    assert codes == ["QUO002", "QUO003"]
    assert list(province_quota([], RepoContext(found.units, found.province))) == []


def test_duplicate_ids_name_each_other_and_mask_the_number() -> None:
    number = "140121199001011019"
    index = [entry("taiyuan", 1, id_number=number), entry("datong", 1, id_number=number), entry("datong", 2)]
    problems = list(duplicate_ids(index, RepoContext({"taiyuan": unit("taiyuan", 9), "datong": unit("datong", 9)},
                                                     None)))
    assert [(p.code, p.file, p.line, p.col) for p in problems] == [
        ("DUP001", "data/volunteers/datong/datong-00001.yaml", 9, 8),
        ("DUP001", "data/volunteers/taiyuan/taiyuan-00001.yaml", 9, 8)]
    assert all(number not in p.message and "140121********1019" in p.message for p in problems)
    assert "已由太原市登记" in problems[0].message and "已由大同市登记" in problems[1].message
    assert problems[0].involves == {"data/volunteers/taiyuan/taiyuan-00001.yaml", problems[0].file}
    assert all("00001" not in p.message for p in problems)  # another unit's file and 编号 are never named


def test_same_person_under_two_ids_warns_but_a_shared_mobile_does_not() -> None:
    same = "张伟\t1990-01-01\t13812345678"
    index = [entry("taiyuan", 1, id_number="140121199001011019", person=same),
             entry("datong", 1, id_number="140121199001011035", person=same),
             entry("datong", 2, id_number="140121199001011051", person="张丽\t1990-01-01\t13812345678")]
    assert [(p.code, p.level, p.file) for p in same_person(index, RepoContext({}, None))] == [
        ("DUP002", "警告", "data/volunteers/datong/datong-00001.yaml"),
        ("DUP002", "警告", "data/volunteers/taiyuan/taiyuan-00001.yaml")]


def test_duplicates_are_found_through_normalisation(repo: Path) -> None:
    for n, number in enumerate(("14012119950505109X", "14012119950505109x", " １４０１２１１９９５０５０５１０９Ｘ"), 1):
        rel, text = record_file(valid_record(编号=f"taiyuan-{n:05d}", 身份证号码=number, 出生日期=None))
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    codes = [p.code for p in validate(repo, use_cache=False).problems if p.code == "DUP001"]
    assert len(codes) == 3


def test_placement(tmp_path: Path) -> None:
    rel, text = record_file(valid_record())
    root = make_repo(tmp_path, {
        rel: text,
        "data/volunteers/README.md": "说明",
        "data/volunteers/taiyuan/.gitkeep": "",
        "data/volunteers/unknown/unknown-00001.yaml": text,
        "data/volunteers/taiyuan/sub/taiyuan-00002.yaml": text,
        "data/volunteers/taiyuan/taiyuan-00003.txt": text,
        "data/volunteers/taiyuan/TAIYUAN-00004.yaml": text,
        "data/volunteers/taiyuan/太原-00005.yaml": text,
    })
    os.symlink("taiyuan", root / "data/volunteers/datong")
    records, problems = scan_records(root, ["taiyuan", "datong", "unknown2"])
    assert records == [rel]
    assert sorted((p.code, p.file) for p in problems) == [
        ("PLC001", "data/volunteers/unknown/unknown-00001.yaml"),
        ("PLC002", "data/volunteers/taiyuan/sub/taiyuan-00002.yaml"),
        ("PLC003", "data/volunteers/taiyuan/taiyuan-00003.txt"),
        ("PLC004", "data/volunteers/taiyuan/TAIYUAN-00004.yaml"),
        ("PLC004", "data/volunteers/taiyuan/太原-00005.yaml"),
        ("PLC005", "data/volunteers/datong"),
    ]


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_parallel_and_serial_runs_agree(tmp_path: Path, jobs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of one record dealt out to the processes in turn come back in path order."""
    import pingan.reader.checking as v
    monkeypatch.setattr(v, "PARALLEL_FROM", 2)
    monkeypatch.setattr(v, "BATCH", 1)
    files = dict(record_file(valid_record(编号=f"taiyuan-{n:05d}", QQ="1" if n % 2 else "12345678"))
                 for n in range(1, 6))
    root = make_repo(tmp_path, files)
    report = validate(root, use_cache=False, jobs=jobs)
    assert [(p.code, p.file) for p in report.sorted() if p.code != "DUP001"] == [
        ("QQ001", f"data/volunteers/taiyuan/taiyuan-{n:05d}.yaml") for n in (1, 3, 5)]
    found = load_settings(root)
    rels = sorted(files)
    with v.record_index(root, rels, Context(found.units, found.province, date(2026, 11, 29)), found.digest,
                        cache_at(root), use_cache=False, jobs=jobs) as records:
        assert [e.rel for e in records] == rels


@pytest.mark.skipif(not hasattr(__import__("fcntl"), "F_GETPIPE_SZ"), reason="pipe sizes are Linux's")
def test_a_worker_can_run_many_batches_ahead_of_the_process_that_merges() -> None:
    """A child's lines wait in its pipe while this process checks its own batch: with Linux's default 64 KiB
    (under two batches) the child stood idle half the time."""
    import fcntl
    import multiprocessing

    import pingan.reader.checking as v
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    v._roomy(send)
    assert fcntl.fcntl(send.fileno(), fcntl.F_GETPIPE_SZ) >= v.PIPE_BYTES >= 20 * v.BATCH * 500
    receive.close()
    send.close()


def test_a_large_duplicate_group_shares_one_involvement() -> None:
    """Thousands of copies of one ID number (an upload bomb) stay linear: every problem shares one set of files."""
    from pingan.reader import load_settings
    from pingan.rules.repository import duplicate_ids

    found = load_settings(PROJECT)
    ctx = RepoContext(found.units, found.province)
    group = [Entry(f"data/volunteers/taiyuan/taiyuan-{i:05d}.yaml", "taiyuan", f"taiyuan-{i:05d}", "2024-01-01",
                   "140121199001011019", 1, 1, "") for i in range(3000)]
    problems = list(duplicate_ids(group, ctx))
    assert len(problems) == 3000 and len({id(p.involves) for p in problems}) == 1
    assert "等 2999 个文件" in problems[0].message
