"""The province roster, the per-unit roster, the insurance lists: sheets, columns, cell types, safety."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from excel_support import demo_repo, git_commit, run_cli, special_record, write_record
from pingan import roster

ATTACHMENT_4 = ["编号", "姓名", "性别", "年龄", "单位", "专业或特长", "身份证号", "健康状况", "服务时间", "服务项目", "联系方式"]


@pytest.fixture
def built(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CI", "")
    root = demo_repo(tmp_path / "repo", count=40)
    write_record(root, special_record())
    bad = root / "data/volunteers/taiyuan/taiyuan-00901.yaml"
    bad.write_text(write_record(root, special_record(编号="taiyuan-00901", 身份证号码="140121197503010016"))
                   .read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "out"))
    assert code == 0, err
    return root, tmp_path / "out", out


def rows(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_province_roster_sheets_and_columns(built) -> None:
    root, out, message = built
    book = openpyxl.load_workbook(out / roster.PROVINCE_ROSTER)
    assert book.sheetnames[:2] == ["汇总", "名额完成情况"]
    assert "太原市" in book.sheetnames and "山西大学" in book.sheetnames and len(book.sheetnames) == 3 + len(list((root / "data/units").glob("*.yaml")))
    assert book.sheetnames[-1] == "待核实"  # duplicates wait for the office there, counted nowhere
    summary = book["汇总"]
    assert summary["A1"].value == "全省青年平安志愿者名单汇总表"
    assert [c.value for c in summary[3]] == ATTACHMENT_4
    assert summary.freeze_panes == "A4"
    assert summary.auto_filter.ref == f"A3:K{summary.max_row}"
    assert summary.page_setup.orientation == "landscape" and summary.page_setup.paperSize == 9
    assert summary.sheet_properties.pageSetUpPr.fitToPage and summary.page_setup.fitToWidth in (None, 1)
    assert summary.page_setup.fitToHeight == 0 and summary.print_title_rows == "$3:$3"
    data = rows(summary)[3:]
    assert len(data) == 41  # 40 demo records and the special one; the invalid one is left out
    assert "1 条记录有错误，未列入名单" in message
    unit_rows = sum(len(rows(book[name])) - 3 for name in book.sheetnames[2:])
    assert unit_rows == 41


def test_roster_cells_are_typed_and_inert(built) -> None:
    root, out, _ = built
    sheet = openpyxl.load_workbook(out / roster.PROVINCE_ROSTER)["太原市"]
    row = next(r for r in sheet.iter_rows(min_row=4) if r[0].value == "taiyuan-00900")
    values = [c.value for c in row]
    assert values == ["taiyuan-00900", "𠮷祥", "男", 51, "=HYPERLINK(\"http://example.invalid\",\"点击\")",
                      "+1 急救、@摄影", "140121197503010017", "健康", "周六、周日", "法制宣传",
                      "13812345678；0351-4182850"]
    assert [c.data_type for c in row] == ["s", "s", "s", "n", "s", "s", "s", "s", "s", "s", "s"]
    assert row[6].number_format == "@" and row[10].number_format == "@"
    assert row[4].quotePrefix and row[5].quotePrefix
    assert row[0].fill.fgColor.rgb.endswith("FFE699")  # past 45 on the roster date: highlighted
    young = next(r for r in sheet.iter_rows(min_row=4) if isinstance(r[3].value, int) and r[3].value <= 45)
    assert young[0].fill.fill_type is None


def test_progress_sheet(built) -> None:
    root, out, _ = built
    sheet = openpyxl.load_workbook(out / roster.PROVINCE_ROSTER)["名额完成情况"]
    table = rows(sheet)
    assert table[2] == ["单位", "类别", "名额", "已登记", "完成比例", "尚余名额", "超龄人数"]
    units = len(list((root / "data/units").glob("*.yaml")))
    by_unit = {r[0]: r for r in table[3:3 + units]}
    assert by_unit["太原市"][3] == 2 and by_unit["太原市"][5] == by_unit["太原市"][2] - 2
    total = table[3 + units]
    assert total[0] == "合计" and total[3] == 41 and total[2] == 30000
    assert total[6] == sum(r[6] for r in by_unit.values()) >= 1
    labels = [r[0] for r in table]
    assert "服务类型" in labels and "服务项目" in labels and "社区平安志愿者" in labels
    assert any(isinstance(v, str) and "1 条记录因有错误未列入" in v for v in labels)


def test_insurance_list(built) -> None:
    root, out, _ = built
    sheet = openpyxl.load_workbook(out / roster.INSURANCE_LIST)["保险名单"]
    assert [c.value for c in sheet[3]] == ["编号", "姓名", "性别", "出生日期", "身份证号", "单位", "手机"]
    row = next(r for r in sheet.iter_rows(min_row=4) if r[0].value == "taiyuan-00900")
    assert [c.value for c in row] == ["taiyuan-00900", "𠮷祥", "男", datetime(1975, 3, 1), "140121197503010017",
                                      "太原市", "13812345678"]
    assert row[3].is_date and row[4].data_type == "s"


def test_unit_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "0")
    root = demo_repo(tmp_path / "repo", count=40)
    code, out, err = run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "out"), "--unit", "taiyuan")
    assert code == 0, err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["太原市青年平安志愿者名单.xlsx"]
    book = openpyxl.load_workbook(tmp_path / "out/太原市青年平安志愿者名单.xlsx")
    assert book.sheetnames == ["名额完成情况", "太原市", "待核实"]
    assert [c.value for c in book["太原市"][3]] == ATTACHMENT_4
    code, out, err = run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "x"), "--unit", "nowhere")
    assert code == 2 and "nowhere" in err


def test_as_of_sets_ages_and_leaves_out_later_registrations(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "")
    root = demo_repo(tmp_path / "repo", count=5)
    write_record(root, special_record())
    code, out, err = run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "out"),
                             "--as-of", "2015-06-01")
    assert code == 0, err
    sheet = openpyxl.load_workbook(tmp_path / "out" / roster.PROVINCE_ROSTER)["汇总"]
    row = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == "taiyuan-00900")
    assert row[3] == 40
    assert "登记日期晚于名单日期" in out
    with pytest.raises(SystemExit) as stopped:
        run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "out"), "--as-of", "2015-13-01")
    assert stopped.value.code == 2 and "应为 YYYY-MM-DD 格式的日期" in capsys.readouterr().err


def test_insurance_changes_from_history(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "")
    root = demo_repo(tmp_path / "repo", count=6)  # committed 2016-12-31
    records = sorted((root / "data/volunteers").rglob("*.yaml"))
    records[0].unlink()
    changed = records[1].read_text(encoding="utf-8")
    written_phone = changed.split("手机: ")[1].split("\n")[0]
    first_phone = written_phone.strip('"')
    records[1].write_text(changed.replace(f"手机: {written_phone}", '手机: "13812345678"'), encoding="utf-8")
    write_record(root, special_record())
    git_commit(root, "changes", "2026-11-10T10:00:00+08:00")
    code, out, err = run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "out"),
                             "--since", "2026-11-01")
    assert code == 0, err
    assert "保险变动名单：自 2026-11-01 以来 3 条变动" in out
    sheet = openpyxl.load_workbook(tmp_path / "out" / roster.INSURANCE_CHANGES)["保险变动名单"]
    table = rows(sheet)
    assert table[2] == ["变动", "编号", "姓名", "性别", "出生日期", "身份证号", "单位", "手机", "说明"]
    kinds = {r[1]: (r[0], r[8]) for r in table[3:]}
    assert kinds[records[0].stem] == ("减少", None)
    assert kinds[records[1].stem] == ("变更", f"原手机：{first_phone}")
    assert kinds["taiyuan-00900"] == ("新增", None)
    # Nothing changed since the last commit: an empty list.
    code, out, err = run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "o2"),
                             "--since", "2026-11-11")
    assert "以来 0 条变动" in out


def test_insurance_changes_need_git(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import make_repo

    monkeypatch.setenv("CI", "")
    root = make_repo(tmp_path / "plain")
    code, out, err = run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "out"),
                             "--since", "2026-11-01")
    assert code == 3 and "不是 git 仓库" in err


def test_insurance_changes_compare() -> None:
    a = ("x-00001", "张三", "男", date(1990, 1, 1), "1", "太原市", "138")
    b = ("x-00002", "李四", "女", date(1991, 1, 1), "2", "太原市", "139")
    changed = (*a[:6], "137")
    found = roster.insurance_changes({"x-00001": a, "x-00002": b}, {"x-00001": changed, "x-00003": b})
    assert [(c.kind, c.row[0], c.note) for c in found] == [
        ("变更", "x-00001", "原手机：138"), ("减少", "x-00002", ""), ("新增", "x-00002", "")]


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    assert roster.sheet_name("a/b:c", taken) == "a_b_c"
    assert roster.sheet_name("A/B:C", taken) == "A_B_C(2)"
    assert len(roster.sheet_name("长" * 40, taken)) == 31


def test_ci_builds_encrypted_rosters_kept_seven_days() -> None:
    import os
    import subprocess

    import yaml

    from conftest import PROJECT

    github = yaml.safe_load((PROJECT / ".github/workflows/rosters.yml").read_text(encoding="utf-8"))
    steps = github["jobs"]["rosters"]["steps"]
    assert any(step.get("run", "").startswith("make ci-rosters") for step in steps)
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["retention-days"] == 7
    assert next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))["with"]["fetch-depth"] == 0
    gitlab = yaml.safe_load((PROJECT / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    job = gitlab["rosters"]
    assert job["artifacts"]["expire_in"] == "7 days"
    assert [line for line in job["script"] if line.startswith("make ci-rosters")]
    planned = subprocess.run(["make", "-n", "ci-rosters"], cwd=PROJECT, capture_output=True, text=True).stdout
    assert "--password-env ROSTER_PASSWORD" in planned
    # Without the secret the job fails and writes nothing, instead of uploading plaintext.
    assert not (PROJECT / "rosters").exists()
    env = {**os.environ, "CI": "true", "ROSTER_PASSWORD": ""}
    run = subprocess.run(["make", "ci-rosters"], cwd=PROJECT, env=env, capture_output=True, text=True)
    assert run.returncode != 0 and "ROSTER_PASSWORD" in run.stderr
    assert not (PROJECT / "rosters").exists()


def test_a_unit_gets_its_own_insurance_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """roster --unit U --since D: the unit's roster titled by its name, and its own change list (issue 13)."""
    monkeypatch.setenv("CI", "")
    root = demo_repo(tmp_path / "repo", count=40)  # committed 2016-12-31
    write_record(root, special_record())  # a new 太原市 volunteer
    git_commit(root, "new", "2026-11-10T10:00:00+08:00")
    code, out, err = run_cli(capsys, "roster", "--root", str(root), "--out", str(tmp_path / "out"), "--unit", "taiyuan",
                             "--since", "2026-11-01")
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["太原市保险变动名单.xlsx", "太原市青年平安志愿者名单.xlsx"]
    book = openpyxl.load_workbook(tmp_path / "out/太原市青年平安志愿者名单.xlsx")
    assert book["名额完成情况"]["A1"].value == "太原市青年平安志愿者名额完成情况"
    table = rows(openpyxl.load_workbook(tmp_path / "out/太原市保险变动名单.xlsx")["保险变动名单"])
    assert [(r[0], r[1]) for r in table[3:]] == [("新增", "taiyuan-00900")]
