"""The safe loader: what it refuses, what it reads as written, and where it says things are."""
from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import pytest

from pingan import loader
from pingan.loader import load_yaml
from pingan.model import TEXT_KEYS


def load(tmp_path: Path, content: str | bytes, **kwargs: object):  # type: ignore[no-untyped-def]
    path = tmp_path / "r.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return load_yaml(path, "r.yaml", TEXT_KEYS, **kwargs)


def codes(loaded) -> list[tuple[str, int | None, int | None]]:  # type: ignore[no-untyped-def]
    return [(p.code, p.line, p.col) for p in loaded.problems]


def test_utf16_is_named(tmp_path: Path) -> None:
    loaded = load(tmp_path, codecs.BOM_UTF16_LE + "姓名: 张伟\n".encode("utf-16-le"))
    assert codes(loaded) == [("YML001", 1, 1)] and "UTF-16" in loaded.problems[0].message


def test_gbk_is_named(tmp_path: Path) -> None:
    loaded = load(tmp_path, "姓名: 张伟\n".encode("gbk"))
    assert "GBK" in loaded.problems[0].message


def test_datetimes_become_shanghai_dates(tmp_path: Path) -> None:
    loaded = load(tmp_path, "a: 2024-04-30T20:00:00Z\nb: 2024-04-30T20:00:00\nc: 2024-04-30 23:59:59+08:00\n")
    assert loaded.data == {"a": date(2024, 5, 1), "b": date(2024, 4, 30), "c": date(2024, 4, 30)}


def test_lossless_integers_in_text_fields_keep_their_digits(tmp_path: Path) -> None:
    loaded = load(tmp_path, "身份证号码: 140121199001011019\n手机: 13812345678\n名额: 100\n")
    assert loaded.data == {"身份证号码": "140121199001011019", "手机": "13812345678", "名额": 100}


def test_yaml_11_surprises_are_refused(tmp_path: Path) -> None:
    loaded = load(tmp_path, "QQ: 0017\n手机: 1_3812345678\n备注: off\n固定电话: 1.5\nx: 3:20\ny: 0x1F\n")
    assert [p.code for p in loaded.problems] == ["YML012"] * 6


def test_true_and_false_are_plain_booleans(tmp_path: Path) -> None:
    assert load(tmp_path, "无犯罪记录: true\n").data == {"无犯罪记录": True}


def test_symlink_is_never_followed(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "r.yaml").symlink_to("real.yaml")
    loaded = load_yaml(tmp_path / "r.yaml", "r.yaml")
    assert codes(loaded) == [("YML011", None, None)] and loaded.data is None


def test_pragma_may_follow_other_leading_comments(tmp_path: Path) -> None:
    text = "# 说明\n# yaml-language-server: $schema=../../../schemas/volunteer.schema.json\na: 1\n"
    assert load(tmp_path, text, pragma=True).problems == []
    assert [p.code for p in load(tmp_path, "a: 1\n", pragma=True).problems] == ["YML013"]


def test_syntax_errors_are_explained_in_chinese(tmp_path: Path) -> None:
    loaded = load(tmp_path, "a: 1\nb: [1, 2\n")
    assert loaded.problems[0].code == "YML003"
    assert all(not ("a" <= ch <= "z") for ch in loaded.problems[0].message.split("：", 1)[1][:6])


def test_days_that_do_not_exist_are_refused_where_written(tmp_path: Path) -> None:
    loaded = load(tmp_path, "a: 2024-02-29\n登记日期: 2015-02-30\nc: 2015-01-01 25:00:00\n")
    assert codes(loaded) == [("YML014", 2, 7), ("YML014", 3, 4)]
    assert loaded.data == {"a": date(2024, 2, 29), "登记日期": "2015-02-30", "c": "2015-01-01 25:00:00"}


def test_a_number_prefix_without_digits_stays_as_written(tmp_path: Path) -> None:
    assert load(tmp_path, "备注: 0x_\n").data == {"备注": "0x_"}


def test_deep_nesting_is_a_syntax_problem_not_a_crash(tmp_path: Path) -> None:
    for depth in (999, 5000):  # within libyaml's limit but deeper than Python's stack; beyond libyaml's
        loaded = load(tmp_path, "a: " + "[" * depth + "]" * depth + "\n")
        assert [p.code for p in loaded.problems] == ["YML003"] and "嵌套" in loaded.problems[0].message


def test_merge_and_value_signs_as_values_stay_as_written(tmp_path: Path) -> None:
    assert load(tmp_path, "性别: <<\n民族: =\n").data == {"性别": "<<", "民族": "="}


def test_a_file_that_cannot_be_opened_is_named_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(loader, "open", refused, raising=False)
    loaded = load(tmp_path, "a: 1\n")
    assert codes(loaded) == [("YML011", None, None)] and "无法读取" in loaded.problems[0].message
