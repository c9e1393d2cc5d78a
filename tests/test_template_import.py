"""The entry template and `pingan import`: drop-downs, exact row errors, nothing written on failure, round trip, CI path."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from conftest import encrypt_repo, keyring_of, make_repo, valid_record
from excel_support import demo_repo, git_commit, run_cli, special_record, write_record
from pingan import codelists, idcard, xlsx_template
from pingan.importer import import_file
from pingan.reader import Repository
from pingan.validate import validate
from pingan.yamlio import dump_record

COLUMNS = list(xlsx_template.COLUMNS)


def person(n: int, **changes: Any) -> dict[str, Any]:
    """A valid new volunteer of taiyuan (no 编号), the n-th of a series with distinct ID numbers and phones."""
    birth = date(1990, 1, 1) + timedelta(days=n)
    body = f"140121{birth:%Y%m%d}0{n % 10}1"
    record = valid_record(编号=None, 出生日期=birth, 身份证号码=body + idcard.check_char(body + "0"),
                          手机=f"138{n:08d}", 姓名="张" + "一二三四五六七八九十"[n % 10])
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


def existing_repo(tmp_path: Path) -> Path:
    """taiyuan-00001..00003 committed, then 00003 deleted and committed: the next number is 00004."""
    root = make_repo(tmp_path / "repo")
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    for n in (1, 2, 3):
        write_record(root, {**person(n), "编号": f"taiyuan-{n:05d}"})
    git_commit(root, "three", "2024-05-02T10:00:00+08:00")
    (root / "data/volunteers/taiyuan/taiyuan-00003.yaml").unlink()
    git_commit(root, "drop one", "2024-05-03T10:00:00+08:00")
    return root


def filled_template(root: Path, path: Path, rows: list[dict[str, Any]], raw: dict[tuple[int, str], Any] | None = None,
                    with_records: bool = False, capsys: Any = None) -> Path:
    """A template made by `pingan template`, filled by openpyxl as a person would type into Excel."""
    args = ["template", "--root", str(root), "--unit", "taiyuan", "--out", str(path)]
    from pingan import cli

    assert cli.main(args + (["--with-records"] if with_records else [])) == 0
    book = openpyxl.load_workbook(path)
    sheet = book[xlsx_template.DATA_SHEET]
    start = sheet.max_row + 1 if with_records else 2
    for offset, record in enumerate(rows):
        for col, key in enumerate(COLUMNS, start=1):
            value = xlsx_template.cell_value(key, record.get(key))
            sheet.cell(start + offset, col).value = value
    for (row, key), value in (raw or {}).items():
        sheet.cell(row, COLUMNS.index(key) + 1).value = value
    book.save(path)
    return path


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "data").rglob("*")) if p.is_file()}


def test_template_structure(tmp_path: Path) -> None:
    root = existing_repo(tmp_path)
    path = filled_template(root, tmp_path / "t.xlsx", [])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["志愿者名单", "填写说明", "代码表"]
    assert book["代码表"].sheet_state == "hidden"
    sheet = book["志愿者名单"]
    headers = [c.value for c in sheet[1]]
    assert [h.rstrip("*") for h in headers] == COLUMNS and "招募单位" not in COLUMNS
    assert "姓名*" in headers and "编号" in headers and "性别" in headers and "备注" in headers
    comments = {h.rstrip("*"): c.comment.text for h, c in zip(headers, sheet[1])}
    assert "必填" not in comments["编号"] and "留空" in comments["编号"]
    assert not [k for k, text in comments.items() if "GB" in text or "true" in text]
    assert comments["姓名"].startswith("必填。") and comments["备注"].startswith("选填。")
    assert "每项一行" in comments["服务时间"] and "“是”" in comments["无犯罪记录"]
    help_text = "\n".join(str(c.value) for row in book["填写说明"].iter_rows() for c in row if c.value)
    assert "每项一行" in help_text and "Alt+Enter" in help_text and "“是”或“否”" in help_text
    example = [c.value for c in sheet[2]]
    assert example[0] == xlsx_template.EXAMPLE_MARKER and sheet.cell(2, 1).font.i
    assert sheet.cell(2, 2).font.color.rgb.endswith("808080")
    assert sheet.freeze_panes == "B2"
    formats = {key: sheet.column_dimensions[openpyxl.utils.get_column_letter(i + 1)] for i, key in enumerate(COLUMNS)}
    styles = {key: book._number_formats[dim.style_id - 164] if False else dim.number_format
              for key, dim in formats.items()} if False else None
    del styles
    validations = {sheet.cell(1, openpyxl.utils.column_index_from_string(str(dv.sqref).split(":")[0].rstrip("0123456789"))).value.rstrip("*"):
                   dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert sorted(validations) == sorted(["性别", "民族", "政治面貌", "文化程度", "健康状况", "服务类型", "行业", "所在地区", "无犯罪记录"])
    lists = book["代码表"]
    header = [c.value for c in lists[2]]
    column = header.index("所在地区") + 1
    regions = [lists.cell(r, column).value for r in range(3, lists.max_row + 1) if lists.cell(r, column).value]
    assert "太原市小店区" in regions and validations["所在地区"].endswith(f"$3:${openpyxl.utils.get_column_letter(column)}${len(regions) + 2}")
    assert "身份证号码*" in [c.value for c in sheet[1]] and sheet.cell(1, 1).comment is not None


def test_round_trip_changes_no_byte(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = demo_repo(tmp_path / "repo", count=60)
    write_record(root, special_record())
    write_record(root, special_record(编号="taiyuan-00901", 身份证号码="140121199202020026", 性别="女",
                                      出生日期=date(1992, 2, 2), 手机="13912345678", 个人特长=["急救、心理疏导", "=摄影"],
                                      服务项目=["法制宣传", "其它: 周六，周日的夜间巡逻"], 固定电话=None,
                                      备注="多行\n备注"))
    # From outside Shanxi: 在晋居住起始日期 is a date column like the others (it once crashed the import).
    write_record(root, special_record(编号="taiyuan-00902", 身份证号码="110101199001010015", 出生日期=date(1990, 1, 1),
                                      手机="13912345679", 在晋居住起始日期=date(2013, 3, 1)))
    before = snapshot(root)
    path = tmp_path / "t.xlsx"
    code, out, err = run_cli(capsys, "template", "--root", str(root), "--unit", "taiyuan", "--out", str(path),
                             "--with-records")
    assert code == 0, err
    code, out, err = run_cli(capsys, "import", str(path), "--unit", "taiyuan", "--root", str(root))
    assert code == 0, out + err
    assert out.strip().endswith("已新增 0 条、已更新 0 条，5 条没有变化。")
    assert snapshot(root) == before


def test_errors_are_exact_and_nothing_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = existing_repo(tmp_path)
    before = snapshot(root)
    rows = [person(10), person(11), person(12), person(13, 民族="汉"), person(14, 手机=None), person(15),
            person(16), person(1), person(17, 服务时间=["周六", "星期八"]), person(18)]
    raw = {
        (3, "身份证号码"): float(person(11)["身份证号码"]),  # Excel turned the ID into a number
        (4, "手机"): 13800000012.0,                         # a phone stored as a number: exact, recovered
        (7, "固定电话"): 3514182850,                         # the leading 0 and the dash are gone
        (8, "身份证号码"): person(16)["身份证号码"][:-1] + ("0" if person(16)["身份证号码"][-1] != "0" else "1"),
        (11, "编号"): "taiyuan-00099",
    }
    path = filled_template(root, tmp_path / "t.xlsx", rows, raw)
    outcome = import_file(root, path, "taiyuan")
    found = sorted((p.line, p.field, p.code) for p in outcome.problems if p.level == "错误")
    id_col = COLUMNS.index("身份证号码") + 1
    assert found == [
        (3, "身份证号码", "XLS001"),
        (5, "民族", "CL001"),
        (6, "手机", "REC001"),
        (7, "固定电话", "XLS002"),
        (8, "身份证号码", "ID003"),
        (9, "身份证号码", "DUP001"),
        (10, "服务时间[2]", "CL001"),
        (11, "编号", "XLS005"),
    ]
    dup = next(p for p in outcome.problems if p.code == "DUP001")
    assert (dup.line, dup.col) == (9, id_col) and "taiyuan-00001.yaml" in dup.message
    assert snapshot(root) == before
    code, out, err = run_cli(capsys, "import", str(path), "--unit", "taiyuan", "--root", str(root))
    assert code == 1
    line = next(line for line in out.splitlines() if "[XLS001]" in line)
    assert line.startswith(f"t.xlsx 错误：第 3 行 身份证号码：身份证号码被存成了数字（{float(person(11)['身份证号码']):.15G}），"
                           "后几位已经丢失，无法还原 [XLS001] 改正方法：选中身份证号码这一列，右键“设置单元格格式”→“文本”")
    assert out.splitlines()[-2] == "t.xlsx：共 10 行，8 个错误；没有写入任何记录，请改正后重新导入。"
    assert out.splitlines()[-1].startswith(f"已写出错误标注工作簿 {tmp_path / 't-错误标注.xlsx'}：8 行有错误")
    assert snapshot(root) == before


def test_valid_rows_are_numbered_after_the_highest_ever_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = existing_repo(tmp_path)
    path = filled_template(root, tmp_path / "t.xlsx", [person(20), person(21)],
                           {(3, "手机"): 13800000021.0, (2, "登记日期"): "2024/5/1"})
    code, out, err = run_cli(capsys, "import", str(path), "--unit", "taiyuan", "--root", str(root), "--dry-run")
    assert code == 0, out
    assert not (root / "data/volunteers/taiyuan/taiyuan-00004.yaml").exists()
    code, out, err = run_cli(capsys, "import", str(path), "--unit", "taiyuan", "--root", str(root))
    assert code == 0, out
    assert out.splitlines()[:2] == ["已新增 data/volunteers/taiyuan/taiyuan-00004.yaml",
                                    "已新增 data/volunteers/taiyuan/taiyuan-00005.yaml"]
    text = (root / "data/volunteers/taiyuan/taiyuan-00005.yaml").read_text(encoding="utf-8")
    assert '手机: "13800000021"' in text and text.startswith("# yaml-language-server")
    code, out, err = run_cli(capsys, "validate", "--root", str(root))
    assert code == 0, out


def test_update_writes_only_changed_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = existing_repo(tmp_path)
    path = tmp_path / "t.xlsx"
    filled_template(root, path, [], with_records=True)
    book = openpyxl.load_workbook(path)
    cell = book["志愿者名单"].cell(3, COLUMNS.index("备注") + 1)  # row 2 is the example
    cell.value = "=1+1 不是公式"
    cell.data_type = "s"  # typed into a text cell: text, not a formula
    book.save(path)
    capsys.readouterr()
    untouched = (root / "data/volunteers/taiyuan/taiyuan-00002.yaml").stat().st_mtime_ns
    code, out, err = run_cli(capsys, "import", str(path), "--unit", "taiyuan", "--root", str(root))
    assert code == 0, out
    assert out.splitlines()[0] == "已更新 data/volunteers/taiyuan/taiyuan-00001.yaml"
    assert "备注: =1+1 不是公式\n" in (root / "data/volunteers/taiyuan/taiyuan-00001.yaml").read_text(encoding="utf-8")
    assert (root / "data/volunteers/taiyuan/taiyuan-00002.yaml").stat().st_mtime_ns == untouched


def _csv_bytes(rows: list[dict[str, Any]], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for record in rows:
        writer.writerow([_csv_cell(xlsx_template.cell_value(k, record.get(k))) for k in COLUMNS])
    return out.getvalue().encode(encoding)


def _csv_cell(value: Any) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, date) else str(value)


def test_gb18030_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = existing_repo(tmp_path)
    path = tmp_path / "名单.csv"
    path.write_bytes(_csv_bytes([person(30, 姓名="𠮷祥"), person(31, 手机="1.38E+10")], "gb18030"))
    outcome = import_file(root, path, "taiyuan", dry_run=True)
    assert [(p.line, p.field, p.code) for p in outcome.problems] == [(3, "手机", "XLS002")]
    path.write_bytes(_csv_bytes([person(30, 姓名="𠮷祥")], "gb18030"))
    outcome = import_file(root, path, "taiyuan")
    assert outcome.valid and outcome.written == [("data/volunteers/taiyuan/taiyuan-00004.yaml", "新增")]
    assert "姓名: 𠮷祥" in (root / "data/volunteers/taiyuan/taiyuan-00004.yaml").read_text(encoding="utf-8")


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    root = existing_repo(tmp_path)
    (tmp_path / "a.xlsx").write_bytes(b"not a workbook")
    assert [p.code for p in import_file(root, tmp_path / "a.xlsx", "taiyuan").problems] == ["XLS007"]
    book = openpyxl.Workbook()
    book.active.append(["姓名", "身份证号码", "电话", "姓名"])
    book.save(tmp_path / "b.xlsx")
    codes = [(p.code, p.line, p.col) for p in import_file(root, tmp_path / "b.xlsx", "taiyuan").problems]
    assert codes == [("XLS003", 1, 3), ("XLS009", 1, 4), ("XLS004", 1, None)]
    book = openpyxl.Workbook()
    book.active.append(["随便", "什么"])
    book.save(tmp_path / "c.xlsx")
    assert [p.code for p in import_file(root, tmp_path / "c.xlsx", "taiyuan").problems] == ["XLS008"]


def test_quota_is_checked_against_the_repository(tmp_path: Path) -> None:
    root = existing_repo(tmp_path)
    unit_file = root / "data/units/taiyuan.yaml"
    unit_file.write_text(unit_file.read_text(encoding="utf-8").replace("名额: 1000", "名额: 3"), encoding="utf-8")
    path = filled_template(root, tmp_path / "t.xlsx", [person(40), person(41)])
    outcome = import_file(root, path, "taiyuan")
    assert [p.code for p in outcome.problems if p.level == "错误"] == ["QUO001"]
    quota = next(p for p in outcome.problems if p.code == "QUO001")
    assert "第 3 行（taiyuan-00005）" in quota.message
    assert not (root / "data/volunteers/taiyuan/taiyuan-00004.yaml").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_workbook_saved_by_libreoffice(tmp_path: Path) -> None:
    root = existing_repo(tmp_path)
    path = filled_template(root, tmp_path / "t.xlsx", [person(50), person(51)], with_records=True)
    saved = tmp_path / "lo"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(saved), str(path)],
                   check=True, capture_output=True, timeout=180)
    outcome = import_file(root, saved / "t.xlsx", "taiyuan")
    assert outcome.valid, outcome.problems
    assert outcome.written == [("data/volunteers/taiyuan/taiyuan-00004.yaml", "新增"),
                               ("data/volunteers/taiyuan/taiyuan-00005.yaml", "新增")]
    assert outcome.unchanged == 2


def test_ci_import_path(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    root = existing_repo(tmp_path)
    (root / "imports/taiyuan").mkdir(parents=True)
    filled_template(root, root / "imports/taiyuan/名单.xlsx", [person(60), person(61, 身份证号码="123")])
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, err = run_cli(capsys, "import-pending", "--root", str(root))
    assert code == 1
    assert "imports/taiyuan/名单.xlsx 错误：第 3 行 身份证号码：身份证号码应为 18 位（17 位数字加 1 位数字或 X），这里有 3 位" \
        " [ID002] 改正方法：对照身份证逐位核对，去掉中间的空格和其他符号。" in out.splitlines()
    assert "| 错误 | 3 | 7 | 身份证号码 |" in summary.read_text(encoding="utf-8")
    filled_template(root, root / "imports/taiyuan/名单.xlsx", [person(60), person(61)])
    (root / "imports/taiyuan/README.md").write_text("说明", encoding="utf-8")
    code, out, err = run_cli(capsys, "import-pending", "--root", str(root))
    assert code == 0, out
    assert not (root / "data/volunteers/taiyuan/taiyuan-00004.yaml").exists()
    code, out, err = run_cli(capsys, "import-pending", "--root", str(root), "--apply")
    assert code == 0, out
    assert (root / "data/volunteers/taiyuan/taiyuan-00005.yaml").exists()
    assert not (root / "imports/taiyuan/名单.xlsx").exists() and (root / "imports/taiyuan/README.md").exists()
    assert "已删除 imports/taiyuan/名单.xlsx" in out
    (root / "imports/nowhere").mkdir()
    (root / "imports/nowhere/x.xlsx").write_bytes(b"")
    code, out, err = run_cli(capsys, "import-pending", "--root", str(root))
    assert code == 1 and "XLS010" not in out and "不在某个单位的文件夹中" in out


def test_repeated_record_id_and_two_uploads_for_one_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = existing_repo(tmp_path)
    path = filled_template(root, tmp_path / "t.xlsx", [], with_records=True)
    book = openpyxl.load_workbook(path)
    sheet = book["志愿者名单"]
    sheet.append([c.value for c in sheet[3]])  # row 2 is the example, skipped
    book.save(path)
    outcome = import_file(root, path, "taiyuan")
    assert [(p.code, p.line) for p in outcome.problems] == [("XLS006", 5)]
    (root / "imports/taiyuan").mkdir(parents=True)
    shutil.copy(path, root / "imports/taiyuan/a.xlsx")
    shutil.copy(path, root / "imports/taiyuan/b.xlsx")
    capsys.readouterr()
    code, out, err = run_cli(capsys, "import-pending", "--root", str(root))
    assert code == 1 and "taiyuan 一次只能导入一个文件，这里有 2 个" in out


def test_ci_import_checks_the_author(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = existing_repo(tmp_path)
    unit_file = root / "data/units/taiyuan.yaml"
    unit_file.write_text(unit_file.read_text(encoding="utf-8").replace("维护者: []", "维护者: [ty-league]"),
                         encoding="utf-8")
    (root / "imports/taiyuan").mkdir(parents=True)
    filled_template(root, root / "imports/taiyuan/名单.xlsx", [person(70)])
    capsys.readouterr()
    code, out, err = run_cli(capsys, "import-pending", "--root", str(root), "--author", "someone-else")
    assert code == 1 and "账号 someone-else 不是太原市（taiyuan）的维护者，不能修改 imports/taiyuan/名单.xlsx" in out
    code, out, err = run_cli(capsys, "import-pending", "--root", str(root), "--author", "@TY-League")
    assert code == 0, out


# --- an encrypted repository (issue 15) -----------------------------------------------------------

NEW = "data/volunteers/taiyuan/taiyuan-00004.yaml"


def test_import_into_an_encrypted_repository_writes_only_ciphertext(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = existing_repo(tmp_path)
    keys = encrypt_repo(root)
    path = filled_template(root, tmp_path / "t.xlsx", [person(40)])
    code, out, err = run_cli(capsys, "import", str(path), "--unit", "taiyuan", "--root", str(root))
    assert code == 1 and "本机的私钥打不开单位 taiyuan 的记录" in err and not (root / NEW).exists()
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(keys.unit("taiyuan")))
    code, out, err = run_cli(capsys, "import", str(path), "--unit", "taiyuan", "--root", str(root))
    assert code == 0, out + err
    raw = (root / NEW).read_bytes()
    assert b"ENC[AES256_GCM," in raw
    assert all(str(person(40)[key]).encode() not in raw for key in ("姓名", "身份证号码", "手机", "通信地址", "工作单位"))
    assert validate(root, use_cache=False).problems == []  # with the unit's key: every record opened and clean
    loaded = Repository(root, keyring=keyring_of(keys.unit("taiyuan"))).load(NEW)
    assert loaded.seal is not None and loaded.seal.opened and loaded.data is not None
    assert loaded.data["身份证号码"] == person(40)["身份证号码"]


def test_reimport_keeps_the_ciphertext_of_every_unchanged_value(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = existing_repo(tmp_path)
    keys = encrypt_repo(root)
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(keys.unit("taiyuan")))
    path = filled_template(root, tmp_path / "t.xlsx", [], with_records=True)
    before = snapshot(root)
    outcome = import_file(root, path, "taiyuan")
    assert outcome.valid and outcome.unchanged == 2 and outcome.written == [] and snapshot(root) == before
    book = openpyxl.load_workbook(path)
    sheet = book[xlsx_template.DATA_SHEET]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "taiyuan-00002")
    sheet.cell(row, COLUMNS.index("手机") + 1).value = "13900000002"
    book.save(path)
    outcome = import_file(root, path, "taiyuan")
    assert outcome.written == [("data/volunteers/taiyuan/taiyuan-00002.yaml", "更新")], outcome.problems
    old = before["data/volunteers/taiyuan/taiyuan-00002.yaml"].decode().splitlines()
    new = (root / "data/volunteers/taiyuan/taiyuan-00002.yaml").read_text(encoding="utf-8").splitlines()
    stamps = ("  lastmodified:", "  mac:")
    assert [line.split(":")[0] for line in new if line not in old and not line.startswith(stamps)] == ["手机"]
    assert [line.split(":")[0] for line in old if line not in new and not line.startswith(stamps)] == ["手机"]
    assert snapshot(root)["data/volunteers/taiyuan/taiyuan-00001.yaml"] == before["data/volunteers/taiyuan/taiyuan-00001.yaml"]


def test_import_never_replaces_a_record_it_cannot_open(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = existing_repo(tmp_path)
    keys = encrypt_repo(root)
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(keys.unit("taiyuan")))
    path = filled_template(root, tmp_path / "t.xlsx", [person(41)], with_records=True)
    repo = Repository(root, keyring=keyring_of(keys.office))
    rel = "data/volunteers/taiyuan/taiyuan-00002.yaml"
    loaded = repo.load(rel)
    assert loaded.data is not None  # rewritten for datong's readers: taiyuan's key no longer opens it
    (root / rel).write_text(dump_record(loaded.data, repo.sealer_for("datong")), encoding="utf-8")
    before = snapshot(root)
    code, out, err = run_cli(capsys, "import", str(path), "--unit", "taiyuan", "--root", str(root))
    assert code == 1 and f"本机的私钥打不开这些加密的记录：{rel}" in err and "没有写入任何文件" in err
    assert snapshot(root) == before


def test_no_workbook_copy_is_written_into_an_encrypted_repository(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    root = existing_repo(tmp_path)
    keys = encrypt_repo(root)
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(keys.unit("taiyuan")))
    inside = filled_template(root, root / "名单.xlsx", [person(43), person(44, 身份证号码="123")])
    code, out, err = run_cli(capsys, "import", str(inside), "--unit", "taiyuan", "--root", str(root))
    assert code == 1 and "没有写出" in out and not (root / "名单-错误标注.xlsx").exists()
    filled_template(root, inside, [person(43)])
    code, out, err = run_cli(capsys, "import", str(inside), "--unit", "taiyuan", "--root", str(root), "--write-back")
    assert code == 0 and "不能放进仓库的文件夹" in out and not (root / "名单-已编号.xlsx").exists()
    outside = filled_template(root, tmp_path / "t.xlsx", [person(45)])
    code, out, err = run_cli(capsys, "import", str(outside), "--unit", "taiyuan", "--root", str(root), "--write-back")
    assert code == 0 and (tmp_path / "t-已编号.xlsx").exists()  # the unit's own folder, outside the repository


def test_an_encrypted_repository_takes_no_uploads(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = existing_repo(tmp_path)
    keys = encrypt_repo(root)
    (root / "imports/taiyuan").mkdir(parents=True)
    (root / "imports/taiyuan/README.md").write_text("说明", encoding="utf-8")
    git_commit(root, "encrypted", "2024-05-04T10:00:00+08:00")
    monkeypatch.setenv("PINGAN_AGE_KEY_FILE", str(keys.ci))
    code, out, err = run_cli(capsys, "import-pending", "--root", str(root))
    assert code == 0 and "不接受上传到 imports/ 的工作簿" in out  # the pull-request check passes when nothing is uploaded
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "-b", "upload"], check=True)
    upload = filled_template(root, root / "imports/taiyuan/名单.xlsx", [person(42)])
    git_commit(root, "upload", "2024-05-05T10:00:00+08:00")
    before = snapshot(root)
    code, out, err = run_cli(capsys, "import-pending", "--root", str(root), "--apply")
    assert code == 1 and "imports/taiyuan/名单.xlsx: 错误：本仓库的记录是加密的" in out
    assert upload.exists() and snapshot(root) == before
    report = validate(root, changed_since="main", authors=["taiyuan-keeper"], use_cache=False)
    assert [(p.code, p.file, p.level) for p in report.problems] == [("XLS016", "imports/taiyuan/名单.xlsx", "错误")]


def test_import_reads_the_index_from_a_warm_validate_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = existing_repo(tmp_path)
    code, out, err = run_cli(capsys, "validate", "--root", str(root))  # leaves .cache/pingan behind
    assert code == 0, out
    path = filled_template(root, tmp_path / "t.xlsx", [person(80), person(1)])
    outcome = import_file(root, path, "taiyuan")
    assert [(p.code, p.line) for p in outcome.problems] == [("DUP001", 3)]


def test_every_import_code_is_produced(tmp_path: Path) -> None:
    """Each XLS code of the catalogue comes out of the importer (the YAML case fixtures cannot produce them)."""
    from pingan.catalogue import CATALOGUE
    from pingan.import_ci import find_pending, run_pending
    from pingan.importer import MAX_IMPORT_ROWS, Row, convert, read_table

    produced: set[str] = set()
    row = Row(2, {}, {("身份证号码",): (2, 7), ("固定电话",): (2, 14)})
    convert("身份证号码", 1.4012119900101e17, row, "t.xlsx")
    convert("固定电话", 3514182850, row, "t.xlsx")
    produced |= {p.code for p in row.problems}
    for headers in (["姓名", "身份证号码", "电话", "姓名"], ["随便"]):
        book = openpyxl.Workbook()
        book.active.append(headers)
        book.save(tmp_path / "h.xlsx")
        produced |= {p.code for p in read_table(tmp_path / "h.xlsx", "h.xlsx").problems}
    (tmp_path / "bad.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    produced |= {p.code for p in read_table(tmp_path / "bad.xlsx", "bad.xlsx").problems}
    with zipfile.ZipFile(tmp_path / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/media/zeros.bin", bytes(4 * 1024 * 1024))  # compressed about 1000 : 1
    produced |= {p.code for p in read_table(tmp_path / "bomb.xlsx", "bomb.xlsx").problems}
    (tmp_path / "long.csv").write_text("姓名,身份证号码\n" + "张三,1\n" * MAX_IMPORT_ROWS, encoding="utf-8")
    produced |= {p.code for p in read_table(tmp_path / "long.csv", "long.csv").problems}
    root = existing_repo(tmp_path)
    path = filled_template(root, tmp_path / "t.xlsx", [person(90, 编号="taiyuan-00077"), person(91, 编号="taiyuan-00001"),
                                                       person(92, 编号="taiyuan-00001"),
                                                       person(93, 出生日期=None, 工作单位="太原市第五中学 ")])
    produced |= {p.code for p in import_file(root, path, "taiyuan").problems}
    for rel in ("imports/stray.xlsx", "imports/taiyuan/a.xlsx", "imports/taiyuan/b.csv"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"")
    produced |= {p.code for p in find_pending(root, {"taiyuan"}).problems}
    encrypt_repo(root)
    produced |= {p.code for p in run_pending(root).problems}
    assert sorted(code for code in CATALOGUE if code.startswith("XLS") and code not in produced) == []


@pytest.mark.parametrize("key", COLUMNS)
def test_a_date_typed_into_any_column_is_a_message_not_a_crash(tmp_path: Path, key: str) -> None:
    root = existing_repo(tmp_path)
    path = filled_template(root, tmp_path / "t.xlsx", [person(20)], {(2, key): datetime(2024, 9, 5)})
    outcome = import_file(root, path, "taiyuan")
    errors = [p for p in outcome.problems if p.level == "错误"]
    assert all(p.line == 2 and p.message for p in errors)
    if key in ("个人特长", "工作单位", "职业", "通信地址", "备注"):  # free text: kept as typed, the day
        assert not errors
    elif key not in ("出生日期", "个人信息同意日期", "登记日期"):
        assert any((p.field or "").split("[")[0] == key for p in errors)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_error_workbook_opens_in_libreoffice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = existing_repo(tmp_path)
    path = filled_template(root, tmp_path / "t.xlsx", [person(52), person(53, 身份证号码="123")])
    out_path = tmp_path / "标注" / "e.xlsx"
    code, out, err = run_cli(capsys, "import", str(path), "--unit", "taiyuan", "--root", str(root),
                             "--error-workbook", str(out_path))
    assert code == 1 and out_path.is_file() and not (tmp_path / "t-错误标注.xlsx").exists()
    book = openpyxl.load_workbook(out_path)
    assert book.sheetnames[0] == "错误汇总"
    sheet = book["志愿者名单"]
    assert sheet.cell(1, len(COLUMNS) + 1).value == "错误说明" and "[ID002]" in sheet.cell(3, len(COLUMNS) + 1).value
    saved = tmp_path / "lo"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(saved), str(out_path)],
                   check=True, capture_output=True, timeout=180)
    text = (saved / "e.csv").read_text(encoding="utf-8")
    assert text.startswith("行,列,列名,级别,代码,说明,改正方法") and "ID002" in text


# --- every field round-trips (property test) -------------------------------------------------------

_ALPHABET = list("平安志愿者社区巡逻急救摄影书法心理疏导ABCxyz、，,;；/ =+-@:·（）")
_TEXT = st.text(st.sampled_from(_ALPHABET), min_size=1, max_size=24).map(lambda t: t.strip()).filter(bool)
_LEADING = st.sampled_from(["", "=", "+", "-", "@"])
_LEAD_TEXT = st.builds(lambda lead, text: (lead + text)[:30], _LEADING, _TEXT)


def _subset(values: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True)


@st.composite
def full_record(draw: st.DrawFn, n: int) -> dict[str, Any]:
    """A valid taiyuan record with every optional field filled, texts that try to split or become formulas."""
    birth = date(1990, 1, 1) + timedelta(days=37 * n)
    outside = draw(st.booleans())
    body = f"{'110101' if outside else '140121'}{birth:%Y%m%d}0{n % 10}1"
    service_type = draw(st.sampled_from(codelists.SERVICE_TYPES))
    other = st.builds(lambda text: f"其它: {text}", _TEXT.filter(lambda t: t.lstrip(":： ") != ""))
    record = valid_record(
        编号=f"taiyuan-{n:05d}", 出生日期=birth, 身份证号码=body + idcard.check_char(body), 手机=f"135{n:08d}",
        职业=draw(_LEAD_TEXT), 固定电话=f"0351-{draw(st.integers(1000000, 9999999))}",
        QQ=str(draw(st.integers(10000, 99999999999))),
        个人特长=draw(st.lists(_LEAD_TEXT, min_size=1, max_size=3, unique=True)),
        服务类型=service_type,
        行业=draw(st.sampled_from(codelists.INDUSTRIES)) if service_type == codelists.INDUSTRY_SERVICE_TYPE else None,
        服务时间=draw(_subset(codelists.SERVICE_TIMES)) + draw(st.lists(other, max_size=1)),
        服务项目=draw(_subset(codelists.SERVICE_ITEMS)) + draw(st.lists(other, max_size=1)),
        岗位=draw(_subset(codelists.ROLES)),
        在晋居住起始日期=date(2013, 3, 1) if outside else None,
        备注="\n".join(draw(st.lists(_LEAD_TEXT, min_size=1, max_size=3))),
    )
    return record


@hypothesis_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 0), min_size=1, max_size=6).flatmap(
    lambda ns: st.tuples(*(full_record(index + 1) for index in range(len(ns))))))
def test_every_field_round_trips(records: tuple[dict[str, Any], ...]) -> None:
    import tempfile

    from pingan import cli

    with tempfile.TemporaryDirectory(prefix="pingan-roundtrip-") as tmp:
        root = make_repo(Path(tmp) / "repo")
        for record in records:
            write_record(root, record)
        before = snapshot(root)
        path = Path(tmp) / "t.xlsx"
        assert cli.main(["template", "--root", str(root), "--unit", "taiyuan", "--out", str(path), "--with-records"]) == 0
        outcome = import_file(root, path, "taiyuan")
        assert outcome.valid and not outcome.written, outcome.problems
        assert outcome.unchanged == len(records)
        assert snapshot(root) == before


def test_list_cells_split_on_lines_and_on_separators_between_code_values() -> None:
    from pingan.importer import split_items

    assert split_items("服务时间", "周六，周日") == ["周六", "周日"]
    assert split_items("服务时间", "周六、 周日 / 事先联系;周一；周二") == ["周六", "周日", "事先联系", "周一", "周二"]
    assert split_items("服务时间", "周六\n其它: 周六，周日上午") == ["周六", "其它: 周六，周日上午"]
    assert split_items("服务项目", "交通协管、其它: 巡逻、值守") == ["交通协管", "其它: 巡逻、值守"]
    assert split_items("服务时间", "周六、星期八") == ["周六、星期八"]  # one item: the rules name it
    assert split_items("个人特长", "急救、心理疏导\n摄影") == ["急救、心理疏导", "摄影"]  # free text: lines only
    assert split_items("岗位", " 宣传员 \n\n信息员") == ["宣传员", "信息员"]


def test_optional_columns_may_be_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = existing_repo(tmp_path)
    keep = [key for key in COLUMNS if key in xlsx_template.required_keys() or key == "编号"]
    book = openpyxl.Workbook()
    book.active.append(keep)
    book.active.append([xlsx_template.cell_value(key, person(55).get(key)) for key in keep])
    book.active.append([xlsx_template.cell_value(key, person(56).get(key)) for key in keep])
    book.active.cell(3, keep.index("手机") + 1).value = None
    book.save(tmp_path / "short.xlsx")
    outcome = import_file(root, tmp_path / "short.xlsx", "taiyuan", dry_run=True)
    assert sorted((p.line, p.field, p.code) for p in outcome.problems) == [
        (2, "出生日期", "XLS015"), (2, "性别", "XLS015"), (3, "出生日期", "XLS015"), (3, "性别", "XLS015"),
        (3, "手机", "REC001")]
    code, out, err = run_cli(capsys, "import", str(tmp_path / "short.xlsx"), "--unit", "taiyuan", "--root", str(root))
    sheet = openpyxl.load_workbook(tmp_path / "short-错误标注.xlsx")["Sheet"]
    phone = sheet.cell(3, keep.index("手机") + 1)
    assert code == 1 and phone.fill.fgColor.rgb == "FFFFC7CE" and "[REC001]" in phone.comment.text


def test_missing_columns_are_listed_in_the_error_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = existing_repo(tmp_path)
    book = openpyxl.Workbook()
    book.active.append(["姓名", "身份证号码", "学院"])
    book.save(tmp_path / "b.xlsx")
    code, out, err = run_cli(capsys, "import", str(tmp_path / "b.xlsx"), "--unit", "taiyuan", "--root", str(root))
    assert code == 1
    summary = openpyxl.load_workbook(tmp_path / "b-错误标注.xlsx")["错误汇总"]
    assert [(row[3].value, row[4].value) for row in summary.iter_rows(min_row=2)] == [("错误", "XLS004"), ("警告", "XLS003")]
    (tmp_path / "c.csv").write_text("姓名,身份证号码\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "import", str(tmp_path / "c.csv"), "--unit", "taiyuan", "--root", str(root))
    assert code == 1 and "CSV 文件不生成标注工作簿" in out and not (tmp_path / "c-错误标注.xlsx").exists()
