"""Everything written out is masked, encodable and inert: no ID number or mobile, no workflow command, no crash.

Hostile input: an ID number in a file name, full-width and spaced ID numbers
and mobiles in messages, `::error::` / `::add-mask::` in a header value, a
file name that is not valid UTF-8, a newline in a login for CODEOWNERS.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pingan import catalogue, idcard
from pingan.import_ci import MAX_LISTED_PROBLEMS, Pending, text_lines
from pingan.import_ci import step_summary as import_summary
from pingan.importer import Outcome
from pingan.model import Province, Unit
from pingan.owners import BadLogin, render_codeowners
from pingan.problems import Problem, Report
from pingan.report import github_annotation, render_codeclimate, render_github, render_json, render_text, step_summary

ID = "140121199001011019"
FOLDED = str.maketrans("０１２３４５６７８９Ｘ", "0123456789X")
#: An ID number or a mobile in any width, with any single separators.
LEAK = re.compile(r"[0-9](?:[ \-\u3000－]?[0-9]){10}")
SURROGATE = "imports/taiyuan/\udcff\udcfe名单.xlsx"


def hostile() -> Report:
    return Report(files=3, problems=[
        Problem(f"data/volunteers/taiyuan/{ID}.yaml", 2, 1, "REC002", "错误", "身份证号码",
                "号码 １４０１２１１９９００１０１１０１９、510104 19730727 5344、手机 187 1009 5656、187-1009-5656 和 "
                "１８７１００９５６５６"),
        catalogue.make("XLS003", "imports/taiyuan/名单.xlsx", None, 1, 3, header="::add-mask::secret", suggestion=None),
        catalogue.make("XLS003", "imports/taiyuan/名单.xlsx", None, 1, 4, header="x\n::error::pwned", suggestion=None),
        Problem(SURROGATE, None, None, "XLS007", "错误", None, "无法读取这个文件：::warning file=x::y"),
    ])


def assert_clean(text: str) -> None:
    text.encode("utf-8")  # never a lone surrogate
    digits = text.translate(FOLDED)
    assert not LEAK.search(digits), LEAK.search(digits)
    assert "add-mask::" not in text and "::error::" not in text and "::warning" not in text


def test_masking_handles_every_width_and_spacing() -> None:
    assert idcard.mask_personal_numbers("510104 19730727 5344") == "510104********5344"
    assert idcard.mask_personal_numbers("１４０１２１１９９００１０１１０１Ｘ") == "140121********101X"
    assert idcard.mask_personal_numbers("手机 187 1009 5656。") == "手机 187****5656。"
    assert idcard.mask_personal_numbers("187-1009-5656/１８７１００９５６５６") == "187****5656/187****5656"
    assert idcard.mask_personal_numbers(f"data/volunteers/taiyuan/{ID}.yaml") == \
        "data/volunteers/taiyuan/140121********1019.yaml"
    assert idcard.mask_in_text("510104-1973-0727-5344") == "510104********5344"
    for harmless in ("第 12 行 3 列", "0351-4182850", "taiyuan-00001", "2024-05-01", "1234567890123456789012"):
        assert idcard.mask_personal_numbers(harmless) == harmless


def test_text_output() -> None:
    lines = list(render_text(hostile()))
    for line in lines:
        assert_clean(line)
        assert "\n" not in line
        assert not line.startswith("::")
    assert lines[0].startswith("data/volunteers/taiyuan/140121********1019.yaml:2:1: 错误 [REC002]")
    assert "187****5656" in lines[0] and "510104********5344" in lines[0]


def test_github_annotations_never_start_a_second_command() -> None:
    lines = list(render_github(hostile()))
    for line in lines:
        assert_clean(line.removeprefix("::error ").removeprefix("::warning "))
        assert "\n" not in line and "\r" not in line
        assert line.count("::") <= 2
    assert github_annotation(hostile().problems[0]).startswith(
        "::error file=data/volunteers/taiyuan/140121********1019.yaml,line=2,col=1,")


def test_json_and_code_quality_reports() -> None:
    for rendered in (render_json(hostile()), render_codeclimate(hostile())):
        assert_clean(rendered)
        json.loads(rendered)
    paths = [issue["location"]["path"] for issue in json.loads(render_codeclimate(hostile()))]
    assert "data/volunteers/taiyuan/140121********1019.yaml" in paths


def test_step_summaries_survive_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    for text in (step_summary(hostile()),
                 import_summary(Pending(problems=hostile().problems, outcomes=[Outcome(SURROGATE, 1, hostile().problems)]),
                                applied=False)):
        assert_clean(text)
        summary = tmp_path / "summary.md"
        with open(summary, "a", encoding="utf-8") as handle:  # as cli.py writes $GITHUB_STEP_SUMMARY
            handle.write(text)
        assert "\ufffd\ufffd名单.xlsx" in summary.read_text(encoding="utf-8")


def test_import_ci_text_lines() -> None:
    pending = Pending(problems=hostile().problems, outcomes=[Outcome(SURROGATE, 1, hostile().problems)])
    for line in text_lines(pending):
        assert_clean(line)
        assert "\n" not in line and not line.startswith("::")


def test_import_ci_lists_at_most_200_problems_per_file() -> None:
    problems = [catalogue.make("XLS006", "imports/taiyuan/a.xlsx", "编号", n, 1, value="taiyuan-00001", first=1)
                for n in range(2, 502)]
    pending = Pending(files={"taiyuan": Path("a.xlsx")}, outcomes=[Outcome("imports/taiyuan/a.xlsx", 500, problems)])
    lines = text_lines(pending)
    assert len(lines) == MAX_LISTED_PROBLEMS + 1
    assert lines[-1] == "imports/taiyuan/a.xlsx 另有 300 个问题未列出（只列出前 200 个）。"
    summary = import_summary(pending, applied=False)
    assert summary.count("| 错误 |") == MAX_LISTED_PROBLEMS
    assert "另有 300 个问题未列出" in summary
    pending = Pending(problems=problems)
    assert text_lines(pending)[-1] == "另有 300 个问题未列出（只列出前 200 个）。"


def unit(*maintainers: str) -> Unit:
    return Unit.model_construct(code="taiyuan", name="太原市", maintainers=list(maintainers))


@pytest.mark.parametrize("login", ["alice\n* @mallory", "ali ce", "alice#x", "", "@", "-alice", "a" * 40, "爱丽丝"])
def test_codeowners_refuses_anything_but_a_login(login: str) -> None:
    with pytest.raises(BadLogin) as caught:
        render_codeowners({"taiyuan": unit("bob", login)}, None)
    assert "data/units/taiyuan.yaml（维护者）中的账号" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_codeowners_accepts_logins_of_every_host() -> None:
    text = render_codeowners({"taiyuan": unit("alice", "@Bob-2", "c.d_e", "a" * 39)}, None)
    assert f"/data/volunteers/taiyuan/ @alice @Bob-2 @c.d_e @{'a' * 39}" in text


def test_codeowners_refuses_a_bad_administrator() -> None:
    province = Province.model_construct(admins=["office\n"])
    with pytest.raises(BadLogin, match="data/province.yaml（管理员）"):
        render_codeowners({}, province)
