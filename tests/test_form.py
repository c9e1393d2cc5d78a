"""Attachment 3 for one volunteer: one A4 portrait page, every field, consent and approval boxes."""
from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from excel_support import demo_repo, run_cli, special_record, write_record
from pingan import crypto


def texts(sheet) -> list[str]:
    return [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]


def test_form_layout_and_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "")
    root = demo_repo(tmp_path / "repo", count=3)
    write_record(root, special_record(服务类型="行业平安志愿者", 行业="旅游", 服务时间=["周六", "其它: 寒暑假"]))
    code, out, err = run_cli(capsys, "form", "taiyuan-00900", "--root", str(root), "--out", str(tmp_path / "f.xlsx"))
    assert code == 0, err
    book = openpyxl.load_workbook(tmp_path / "f.xlsx")
    assert book.sheetnames == ["登记表"]
    sheet = book["登记表"]
    assert sheet["A1"].value == "山西省平安志愿者登记表"
    assert sheet.page_setup.orientation == "portrait" and sheet.page_setup.paperSize == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth or 1) == 1 and (sheet.page_setup.fitToHeight or 1) == 1
    found = texts(sheet)
    for expected in ("志愿者编号：taiyuan-00900", "招募单位（盖章）：太原市", "𠮷祥", "140121197503010017",
                     "近期\n1寸\n彩色\n照片", "主管单位\n审核意见", "0351-4182850", "12345678",
                     "旅游行业平安志愿者"):
        assert expected in found, expected
    assert any("☑周六" in t and "☑其它：寒暑假" in t and "□周一" in t for t in found)
    assert any("本人签名" in t and "年　　月　　日" in t and "敏感个人信息" in t for t in found)
    assert any("（盖章）" in t for t in found)
    assert found.count("☑") == 1  # exactly one 服务类型 box ticked (旅游)
    cell = next(c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=HYP"))
    assert cell.data_type == "s"


def test_form_refuses_a_record_with_errors_and_unknown_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "")
    root = demo_repo(tmp_path / "repo", count=3)
    write_record(root, special_record(身份证号码="140121197503010016"))
    code, out, err = run_cli(capsys, "form", "taiyuan-00900", "--root", str(root), "--out", str(tmp_path / "f.xlsx"))
    assert code == 1 and "[ID003]" in out and not (tmp_path / "f.xlsx").exists()
    code, out, err = run_cli(capsys, "form", "taiyuan-00999", "--root", str(root), "--out", str(tmp_path / "f.xlsx"))
    assert code == 2 and "找不到编号为 taiyuan-00999 的记录" in err
    code, out, err = run_cli(capsys, "form", "太原1", "--root", str(root), "--out", str(tmp_path / "f.xlsx"))
    assert code == 2


def test_encrypted_form(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("FORM_PW", "表格密码")
    root = demo_repo(tmp_path / "repo", count=3)
    write_record(root, special_record())
    args = ("form", "taiyuan-00900", "--root", str(root), "--out", str(tmp_path / "f.xlsx"))
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and "CI" in err
    code, out, err = run_cli(capsys, *args, "--password-env", "FORM_PW")
    assert code == 0, err
    sealed = (tmp_path / "f.xlsx").read_bytes()
    assert sealed[:4] == bytes.fromhex("D0CF11E0") and not zipfile.is_zipfile(tmp_path / "f.xlsx")
    assert zipfile.is_zipfile(__import__("io").BytesIO(crypto.decrypt_bytes(sealed, "表格密码")))


def _page_is_one_a4_portrait(sheet) -> bool:
    setup = sheet.page_setup
    return (setup.orientation == "portrait" and setup.paperSize == 9 and bool(sheet.sheet_properties.pageSetUpPr.fitToPage)
            and (setup.fitToWidth or 1) == 1 and (setup.fitToHeight or 1) == 1 and sheet.print_area is not None)


def test_forms_of_a_unit_in_one_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    monkeypatch.setenv("CI", "")
    root = demo_repo(tmp_path / "repo", count=3)
    for record in sorted((root / "data/volunteers").rglob("*.yaml")):
        record.unlink()  # only the records written below
    write_record(root, special_record())
    write_record(root, special_record(编号="taiyuan-00901", 身份证号码="140121197503010016"))  # ID003: skipped
    write_record(root, special_record(编号="taiyuan-00902", 身份证号码="140121197503010033", 手机="13812345670",
                                      状态="已退出", 退出日期=date(2020, 1, 1), 退出原因="本人申请"))  # left: skipped
    write_record(root, special_record(编号="taiyuan-00903", 身份证号码="14012119750301005X", 手机="13812345671",
                                      登记日期=date(2020, 5, 1), 个人信息同意日期=date(2020, 5, 1)))
    out_file = tmp_path / "all.xlsx"
    code, out, err = run_cli(capsys, "form", "--unit", "taiyuan", "--root", str(root), "--out", str(out_file))
    assert code == 0, err
    assert "2 份登记表" in out and "taiyuan-00901：有错误" in out and "taiyuan-00902：已退出" in out
    book = openpyxl.load_workbook(out_file)
    assert book.sheetnames == ["taiyuan-00900", "taiyuan-00903"]
    assert all(_page_is_one_a4_portrait(sheet) for sheet in book.worksheets)
    assert "志愿者编号：taiyuan-00903" in texts(book["taiyuan-00903"])
    code, out, err = run_cli(capsys, "form", "--unit", "taiyuan", "--since", "2016-01-01", "--root", str(root),
                             "--out", str(out_file))
    assert code == 0 and openpyxl.load_workbook(out_file).sheetnames == ["taiyuan-00903"]
    code, out, err = run_cli(capsys, "form", "taiyuan-00903", "taiyuan-00900", "--root", str(root),
                             "--out", str(out_file))
    assert code == 0 and openpyxl.load_workbook(out_file).sheetnames == ["taiyuan-00903", "taiyuan-00900"]
    code, out, err = run_cli(capsys, "form", "taiyuan-00902", "--root", str(root), "--out", str(tmp_path / "one.xlsx"))
    assert code == 2 and "已退出" in err and not (tmp_path / "one.xlsx").exists()
    code, out, err = run_cli(capsys, "form", "--since", "2016-01-01", "--root", str(root), "--out", str(out_file))
    assert code == 2 and "--unit" in err


def test_template_with_records_is_encrypted_and_refused_in_plain_in_ci(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("TEMPLATE_PW", "模板密码")
    root = demo_repo(tmp_path / "repo", count=3)
    write_record(root, special_record())
    target = tmp_path / "t.xlsx"
    args = ("template", "--unit", "taiyuan", "--with-records", "--root", str(root), "--out", str(target))
    code, out, err = run_cli(capsys, *args)
    assert code == 2 and "CI" in err and "--password-env" in err and not target.exists()
    code, out, err = run_cli(capsys, *args, "--password-env", "TEMPLATE_PW")
    assert code == 0 and "已加密" in out, err
    sealed = target.read_bytes()
    assert crypto.is_encrypted(sealed)
    import io
    book = openpyxl.load_workbook(io.BytesIO(crypto.decrypt_bytes(sealed, "模板密码")))
    assert "140121197503010017" in [c.value for row in book.worksheets[0].iter_rows() for c in row]
    code, out, err = run_cli(capsys, "template", "--unit", "taiyuan", "--root", str(root), "--out", str(target))
    assert code == 0 and zipfile.is_zipfile(target)  # an empty template holds nobody's data
