"""One policy for what counts: validate's tally, the site's exact figures and every roster sheet agree.

A synthetic repository gets one bad record of every error family, a person
registered in two units, a `.yml` file, a file outside any unit folder, a
volunteer who left (已退出) and one transferred from another unit (原编号).
Only exact figures are compared (unit counts and totals), never the
protected statistics.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import valid_record
from excel_support import demo_repo, write_record
from pingan import idcard, roster, site
from pingan.reader import COUNTED, HAS_ERRORS, TO_VERIFY, WITHDRAWN, Repository
from pingan.validate import validate

AS_OF = date(2026, 11, 29)


def person(n: int, **changes: Any) -> dict[str, Any]:
    """A valid taiyuan volunteer with an ID number and phone of its own (the n-th of a series)."""
    birth = date(1991, 1, 1) + timedelta(days=n)
    body = f"140121{birth:%Y%m%d}1{n % 10}1"
    record = valid_record(编号=f"taiyuan-{800 + n:05d}", 出生日期=birth, 身份证号码=body + idcard.check_char(body + "0"),
                          手机=f"139{n:08d}")
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


def planted(tmp_path: Path) -> Path:
    root = demo_repo(tmp_path / "repo", count=60)
    bad = {
        "ID": person(1, 身份证号码=person(1)["身份证号码"][:-1] + "0" if person(1)["身份证号码"][-1] != "0"
                     else person(1)["身份证号码"][:-1] + "1"),
        "CON": person(2, 个人信息同意日期=date(2024, 6, 1)),
        "AGE": person(3, 出生日期=date(1960, 1, 4), 身份证号码=(a := "14012119600104131") + idcard.check_char(a + "0")),
        "RES": person(4, 身份证号码=(b := "110101" + person(4)["身份证号码"][6:17]) + idcard.check_char(b + "0")),
        "CL": person(5, 民族="汉"),
        "PHN": person(6, 手机="12345678901"),
        "NAM": person(7, 姓名="Zhang Wei"),
        "REC": person(8, 服务项目=None),
        "IND": person(9, 服务类型="行业平安志愿者"),
        "QQ": person(10, QQ="0123"),
        "DAT": person(11, 登记日期=date(2027, 1, 1)),
        "ARE": person(12, 所在地区="北京市朝阳区"),
    }
    for record in bad.values():
        write_record(root, record)
    write_record(root, person(30, 状态="已退出", 退出日期=date(2025, 3, 1), 退出原因="本人申请"))  # left: counted nowhere
    write_record(root, {**person(31), "编号": "datong-00931", "招募单位": "datong", "原编号": "taiyuan-00831"})  # moved
    twin = person(20)  # the same person registered by taiyuan and by datong
    write_record(root, twin)
    write_record(root, {**twin, "编号": "datong-00900", "招募单位": "datong", "所在地区": "大同市平城区"})
    folder = root / "data/volunteers/taiyuan"
    (folder / "taiyuan-00950.yaml").write_text("姓名: [张伟\n", encoding="utf-8")  # YML: not YAML at all
    (folder / "taiyuan-00951.yml").write_text((folder / "taiyuan-00800.yaml").read_text(encoding="utf-8")
                                              if (folder / "taiyuan-00800.yaml").exists() else "", encoding="utf-8")
    (root / "data/volunteers/nowhere").mkdir()
    (root / "data/volunteers/nowhere/nowhere-00001.yaml").write_text("编号: nowhere-00001\n", encoding="utf-8")
    return root


def sheet_rows(path: Path, name: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [row for row in book[name].iter_rows(min_row=roster.HEADER_ROW + 2, values_only=True) if row[0]]
    book.close()
    return rows


@pytest.fixture(scope="module")
def repo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return planted(tmp_path_factory.mktemp("consistency"))


def test_every_bad_record_is_reported_and_none_counts(repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINGAN_TODAY", AS_OF.isoformat())
    report = validate(repo_root, today=AS_OF)
    families = {p.code.rstrip("0123456789") for p in report.problems if p.level == "错误"}
    assert {"ID", "CON", "AGE", "RES", "CL", "PHN", "NAM", "REC", "IND", "QQ", "DAT", "ARE", "DUP", "YML",
            "PLC"} <= families
    assert report.tally == {COUNTED: 61, TO_VERIFY: 2, HAS_ERRORS: 13, WITHDRAWN: 1}


def test_validate_site_and_rosters_agree(repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINGAN_TODAY", AS_OF.isoformat())
    tally = validate(repo_root, today=AS_OF).tally
    assert tally is not None

    docs = tmp_path / "docs"
    docs.mkdir()
    generated = site.generate(repo_root, docs, AS_OF)
    published = {u.code: u.registered for u in generated.statistics.units if u.registered}
    assert generated.statistics.registered == tally[COUNTED]
    assert generated.statistics.not_counted == {TO_VERIFY: tally[TO_VERIFY], HAS_ERRORS: tally[HAS_ERRORS]}

    built = roster.build_rosters(repo_root, tmp_path / "out", as_of=AS_OF)
    book = tmp_path / "out" / roster.PROVINCE_ROSTER
    names = {u.name: u.code for u in Repository(repo_root, AS_OF).settings.units.values()}
    by_sheet = {names[name]: len(sheet_rows(book, name)) for name in names}
    assert {code: n for code, n in by_sheet.items() if n} == published
    assert len(sheet_rows(book, roster.SUMMARY_SHEET)) == tally[COUNTED] == built.progress.total
    assert len(sheet_rows(tmp_path / "out" / roster.INSURANCE_LIST, "保险名单")) == tally[COUNTED]
    pending = sheet_rows(book, roster.TO_VERIFY_SHEET)
    assert len(pending) == tally[TO_VERIFY] and {row[0] for row in pending} == {"taiyuan-00820", "datong-00900"}
    assert built.progress.left_out == tally[HAS_ERRORS] and built.progress.to_verify == tally[TO_VERIFY]
    assert built.progress.withdrawn == tally[WITHDRAWN] == 1
    assert "taiyuan-00830" not in {row[0] for row in sheet_rows(book, roster.SUMMARY_SHEET)}
    assert "datong-00931" in {row[0] for row in sheet_rows(book, "大同市")}
    assert Counter(dict(built.progress.registered)) == Counter(published)
