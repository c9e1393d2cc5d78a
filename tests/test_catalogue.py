"""The catalogue owns every sentence: suggestions ("did you mean") are rendered from its hint text."""
from __future__ import annotations

import re

import pytest

from conftest import PROJECT
from pingan import catalogue, idcard
from pingan.catalogue import CATALOGUE, SUGGESTION, make

HINTED = sorted(code for code, entry in CATALOGUE.items() if "{hint}" in entry.template)


def test_suggestion_renders_the_catalogue_hint() -> None:
    problem = make("REC002", "f.yaml", "电话", 3, 1, key="电话", suggestion="手机")
    assert problem.message == "不允许的字段“电话”，是不是“手机”？"


@pytest.mark.parametrize("none", [None, ""])
def test_no_suggestion_leaves_the_blank_empty(none: str | None) -> None:
    assert make("REC009", "f.yaml", None, value="太原市", suggestion=none).message == "招募单位“太原市”不在 data/units/ 中"


def test_the_hint_blank_is_the_catalogues_alone() -> None:
    """Rules pass only the suggestion; a sentence built by a caller is never used."""
    made = make("XLS003", "imports/taiyuan/a.xlsx", None, 1, 2, header="电话", suggestion="手机")
    plain = "列“{}”不是模板中的列，这一列的内容不会导入，也不会保存"
    assert made.message == plain.format("电话") + "，是不是“手机”？"
    assert make("XLS003", "a.xlsx", None, header="x").message == plain.format("x")
    assert make("XLS003", "a.xlsx", None, header="x", hint="，是不是“y”？").message == plain.format("x")


def test_an_entry_may_word_its_own_hint() -> None:
    assert make("PHN001", "f.yaml", "手机", suggestion="13812345678").message == "手机号码应写成 11 位数字，如 13812345678"
    assert make("PHN001", "f.yaml", "手机", suggestion=None).message == "手机号码应写成 11 位数字"


def test_a_long_suggestion_is_shortened_and_masked_inside_the_hint() -> None:
    message = make("CL001", "f.yaml", "服务项目", field="服务项目", value="x", standard="代码表",
                   suggestion="其它: 140121199001011019" + "长" * 60).message
    assert "140121199001011019" not in message and idcard.mask_in_text("140121199001011019") in message
    assert message.endswith("…”？")


@pytest.mark.parametrize("code", HINTED)
def test_hint_texts_have_the_suggestion_blank(code: str) -> None:
    assert "{suggestion}" in CATALOGUE[code].hint


def test_only_templates_with_a_hint_blank_word_their_own_hint() -> None:
    assert all(entry.hint == SUGGESTION for code, entry in CATALOGUE.items() if code not in HINTED)


def test_rules_do_not_build_hints_by_hand() -> None:
    for path in sorted((PROJECT / "pingan/rules").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert "是不是" not in source and not re.search(r"\bhint=", source), path.name


def test_hint_is_exported() -> None:
    assert catalogue.hint("REC002", "手机") == "，是不是“手机”？" and catalogue.hint("REC002", None) == ""
