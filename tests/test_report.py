"""Each output format renders the same problems; one exact line per format."""
from __future__ import annotations

import json
from pathlib import Path

from pingan import catalogue, leak
from pingan.problems import Report
from pingan.report import (
    github_annotation,
    leak_line,
    leak_problem,
    render_json,
    render_text,
    step_summary,
    summary,
    text_line,
)


def sample() -> Report:
    return Report(files=2, problems=[
        catalogue.make("ID003", "data/volunteers/taiyuan/taiyuan-00007.yaml", "身份证号码", 9, 7, expected="8"),
        catalogue.make("YML013", "data/volunteers/taiyuan/taiyuan-00001.yaml", None, 1, 1, pragma="#x"),
    ])


def test_text_line_is_compiler_style() -> None:
    assert text_line(sample().problems[0]) == \
        "data/volunteers/taiyuan/taiyuan-00007.yaml:9:7: 错误 [ID003] 身份证号码校验不通过：请逐位核对全部 18 位与身份证是否一致；如果前 17 位无误，最后一位应为 8"


def test_text_ends_with_one_line_summary() -> None:
    lines = list(render_text(sample()))
    assert lines[-1] == "校验未通过：检查了 2 个文件，1 个错误，1 个警告，0 个提示。"
    assert lines[0].startswith("data/volunteers/taiyuan/taiyuan-00001.yaml:1:1: 警告 [YML013]")


def test_github_annotation_escapes_properties_and_data() -> None:
    problem = catalogue.make("REC002", "data/volunteers/a,b:c.yaml", "x", 3, 1, key="50%\n", hint="")
    assert github_annotation(problem) == (
        "::error file=data/volunteers/a%2Cb%3Ac.yaml,line=3,col=1,title=REC002 不允许的字段"
        "::不允许的字段“50%25%0A”")


def test_json_has_exactly_the_documented_shape() -> None:
    data = json.loads(render_json(sample()))
    assert data == {
        "version": 1, "valid": False,
        "counts": {"files": 2, "错误": 1, "警告": 1, "提示": 0},
        "problems": [
            {"code": "YML013", "level": "警告", "file": "data/volunteers/taiyuan/taiyuan-00001.yaml",
             "line": 1, "col": 1, "field": None, "message": "文件开头缺少编辑器校验注释：#x"},
            {"code": "ID003", "level": "错误", "file": "data/volunteers/taiyuan/taiyuan-00007.yaml",
             "line": 9, "col": 7, "field": "身份证号码", "message": "身份证号码校验不通过：请逐位核对全部 18 位与身份证是否一致；如果前 17 位无误，最后一位应为 8"},
        ],
    }


def test_step_summary_is_capped() -> None:
    many = Report(files=1, problems=[catalogue.make("QQ001", f"f{i}.yaml", "QQ", i + 1, 5) for i in range(1005)])
    text = step_summary(many)
    assert text.count("| 错误 | QQ001 |") == 1000
    assert "另有 5 个问题未列出" in text
    assert summary(many) in text


def test_messages_mask_id_numbers_and_truncate_values() -> None:
    problem = catalogue.make("REC002", "f.yaml", None, 1, 1, key="140121199001011019" + "长" * 60, hint="")
    assert "140121********1019" in problem.message and "199001011" not in problem.message
    assert "长" * 40 not in problem.message


def test_leak_hit_is_catalogue_problem_lek001() -> None:
    number = "140121199001011019"
    hit = leak.Hit("stories/posts/a/index.html", leak.ID, "taiyuan-00001", leak.mask(leak.ID, number))
    problem = leak_problem(Path("site/"), hit)
    assert (problem.file, problem.line, problem.col, problem.code, problem.level, problem.field) == \
        ("site/stories/posts/a/index.html", None, None, "LEK001", catalogue.ERROR, leak.ID)
    line = leak_line("site", hit)
    assert line == "site/stories/posts/a/index.html: 错误 [LEK001] 发现身份证号码 140121********1019（记录 taiyuan-00001）"
    assert number not in line and leak_line(Path("site"), hit) == line


def test_leak_line_is_the_old_leak_check_line_with_a_catalogue_code() -> None:
    site = Path("/tmp/built")
    for hit in (leak.Hit("extra.csv", leak.MOBILE, "datong-00002", leak.mask(leak.MOBILE, "13812345678")),
                leak.Hit("search/search_index.json", leak.NAME, "taiyuan-00003", leak.mask(leak.NAME, "欧阳娜娜")),
                leak.Hit("a/b.html", leak.ADDRESS, "taiyuan-00004", leak.mask(leak.ADDRESS, "太原市小店区某街道 12 号"))):
        old = f"{site.as_posix().rstrip('/')}/{hit.file}: 错误 [LEAK] 发现{hit.kind} {hit.shown}（记录 {hit.record}）"
        assert leak_line(site, hit) == old.replace("[LEAK]", "[LEK001]")


def test_step_summary_cells_are_literal_markdown() -> None:
    problem = catalogue.make("YML010", "data/volunteers/taiyuan/a_b.yaml", "QQ|x", 2, 1, tag="<details>|*x*\n")
    row = step_summary(Report(files=1, problems=[problem])).splitlines()[-1]
    assert row == ("| 错误 | YML010 | data/volunteers/taiyuan/a\\_b.yaml | 2 | 1 | QQ&#124;x "
                   "| 不允许使用 YAML 标签 &lt;details&gt;&#124;\\*x\\*  |")  # the newline is a space
    assert row.count(" | ") == 6
