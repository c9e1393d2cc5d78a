"""Reporters: the same problem list as compiler-style text, GitHub annotations, or JSON."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import PurePath
from typing import TYPE_CHECKING

from . import catalogue, idcard
from .catalogue import CATALOGUE
from .markdown_cells import escape_cell
from .problems import ERROR, NOTICE, WARNING, Problem, Report
from .reader import COUNTED, HAS_ERRORS, TO_VERIFY, WITHDRAWN

if TYPE_CHECKING:
    from .leak import Hit

GITHUB_ANNOTATIONS_PER_LEVEL = 10
STEP_SUMMARY_ROWS = 1000


def clean(value: object) -> str:
    """Any value as it may be written out (log, annotation, summary, report): always encodable as UTF-8,
    with ID numbers and mobiles masked in any width or spacing, file names included, and no "::".

    A file name that is not valid UTF-8 (surrogate-escaped by Python) keeps
    its valid characters; the undecodable bytes become U+FFFD.
    """
    text = "" if value is None else str(value)
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return _break_commands(idcard.mask_personal_numbers(text))


def _break_commands(text: str) -> str:
    """No "::" left in `text`, so an echoed value never reads as a workflow command (::error::, ::add-mask::)."""
    while "::" in text:
        text = text.replace("::", ":\u200b:")
    return text


def one_line(value: object) -> str:
    """`clean`, on one log line that cannot start or smuggle a workflow command (no newline, no "::")."""
    return _break_commands(clean(value).replace("\r", "\\r").replace("\n", "\\n"))  # "x:\n:y"


def location(p: Problem) -> str:
    return ":".join(one_line(part) for part in (p.file, p.line, p.col) if part is not None)


def text_line(p: Problem) -> str:
    """data/volunteers/taiyuan/taiyuan-00007.yaml:9:7: 错误 [ID003] 身份证号码校验不通过：…，最后一位应为 8"""
    return f"{location(p)}: {p.level} [{p.code}] {one_line(p.message)}"


def leak_problem(site: PurePath | str, hit: Hit) -> Problem:
    """A `pingan leak-check` hit as catalogue problem LEK001, located at the output file in the built site."""
    file = f"{PurePath(site).as_posix().rstrip('/')}/{hit.file}"
    return catalogue.make("LEK001", file, hit.kind, kind=hit.kind, shown=hit.shown, record=hit.record)


def leak_line(site: PurePath | str, hit: Hit) -> str:
    """site/extra.csv: 错误 [LEK001] 发现身份证号码 140121********1019（记录 taiyuan-00001）"""
    return text_line(leak_problem(site, hit))


def summary(report: Report) -> str:
    c = report.counts
    verdict = "校验通过" if report.valid else "校验未通过"
    line = f"{verdict}：检查了 {c['files']} 个文件，{c[ERROR]} 个错误，{c[WARNING]} 个警告，{c[NOTICE]} 个提示。"
    if report.tally is not None:
        t = report.tally
        line += (f"记录{COUNTED} {t[COUNTED]} 条，{TO_VERIFY} {t[TO_VERIFY]} 条（身份证号码重复），"
                 f"{HAS_ERRORS}未计入 {t[HAS_ERRORS]} 条")
        line += f"，{WITHDRAWN} {t[WITHDRAWN]} 条（不计入，已让出名额）。" if t.get(WITHDRAWN) else "。"
    return line


def render_text(report: Report) -> Iterator[str]:
    for p in report.sorted():
        yield text_line(p)
    yield summary(report)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(p: Problem) -> str:
    command = {ERROR: "error", WARNING: "warning"}.get(p.level, "notice")
    props = [f"file={_escape_property(clean(p.file))}"]
    if p.line is not None:
        props.append(f"line={p.line}")
    if p.col is not None:
        props.append(f"col={p.col}")
    props.append(f"title={_escape_property(p.code + ' ' + CATALOGUE[p.code].title)}")
    return f"::{command} {','.join(props)}::{_escape_data(clean(p.message))}"


def render_github(report: Report) -> Iterator[str]:
    """Workflow annotations for the first errors and warnings, then the text summary."""
    shown = {ERROR: 0, WARNING: 0}
    for p in report.sorted():
        if p.level in shown and shown[p.level] < GITHUB_ANNOTATIONS_PER_LEVEL:
            shown[p.level] += 1
            yield github_annotation(p)
    yield summary(report)


def step_summary(report: Report) -> str:
    """A Markdown table of every problem (capped) for $GITHUB_STEP_SUMMARY."""
    problems = report.sorted()
    lines = ["## 青年平安志愿者数据校验", "", summary(report), ""]
    if problems:
        lines += ["| 级别 | 代码 | 文件 | 行 | 列 | 字段 | 说明 |", "| --- | --- | --- | --- | --- | --- | --- |"]
        for p in problems[:STEP_SUMMARY_ROWS]:
            cells = (p.level, p.code, p.file, p.line, p.col, p.field, p.message)
            lines.append("| " + " | ".join(escape_cell(clean(cell) if isinstance(cell, str) else cell)
                                           for cell in cells) + " |")
        if len(problems) > STEP_SUMMARY_ROWS:
            lines += ["", f"另有 {len(problems) - STEP_SUMMARY_ROWS} 个问题未列出，请在本地运行 pingan validate 查看全部。"]
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    return json.dumps({
        "version": 1,
        "valid": report.valid,
        "counts": report.counts,
        **({"records": report.tally} if report.tally is not None else {}),
        "problems": [{"code": p.code, "level": p.level, "file": clean(p.file), "line": p.line, "col": p.col,
                      "field": None if p.field is None else clean(p.field), "message": clean(p.message)}
                     for p in report.sorted()],
    }, ensure_ascii=False, indent=2)


CODECLIMATE_SEVERITY = {ERROR: "major", WARNING: "minor", NOTICE: "info"}


def render_codeclimate(report: Report) -> str:
    """A GitLab Code Quality report (Code Climate JSON subset): problems shown inline in merge requests.

    The fingerprint ignores line numbers, so a problem that only moved is not
    reported as new.
    """
    issues = []
    for p in report.sorted():
        file, field, message = clean(p.file), None if p.field is None else clean(p.field), clean(p.message)
        fingerprint = hashlib.sha256(f"{p.code}\0{file}\0{field}\0{message}".encode()).hexdigest()[:32]
        issues.append({
            "type": "issue",
            "check_name": p.code,
            "description": f"[{p.code}] {message}",
            "categories": ["Bug Risk"],
            "severity": CODECLIMATE_SEVERITY.get(p.level, "info"),
            "fingerprint": fingerprint,
            "location": {"path": file, "lines": {"begin": p.line or 1}},
        })
    return json.dumps(issues, ensure_ascii=False, indent=2)
