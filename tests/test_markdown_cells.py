"""One Markdown escaping for table cells: the site (Python-Markdown) and run summaries (GitHub-flavoured)."""
from __future__ import annotations

import html
import re

import markdown
import pytest

from conftest import PROJECT
from pingan.markdown_cells import escape_cell

NASTY = [
    "太原市小店区", "a|b", "a\\|b", "<details><summary>x</summary>", "<img src=x onerror=alert(1)>", "1 < 2 > 0 & 3",
    "&amp; &#124; &lt;", "*em* **strong** _u_ __uu__", "`code` ``x``", "[link](https://example.com)", "![i](x.png)",
    "<https://example.com>", "{: .danger }", "名称 { #id }", "# 不是标题 #", "a\\b\\", "line\nbreak\r\nand\rmore",
    "<<: *默认值", "服务时间: *默认时间", "2024-05-01", "- 列表", "1. 编号", "> 引用", "~~删除~~", "---",
]


def _shown(text: str) -> str:
    return re.sub(r"\r\n|\r|\n", " ", text)


def test_plain_values() -> None:
    assert escape_cell(None) == "" and escape_cell(7) == "7" and escape_cell("张伟") == "张伟"
    assert escape_cell("a|b\nc") == "a&#124;b c" and escape_cell("x\r\ny") == "x y" and escape_cell("~") == "&#126;"
    assert escape_cell("<b>*_`[]{}#\\") == "&lt;b&gt;\\*\\_\\`\\[\\]\\{\\}\\#\\\\"


def _table(values: list[str]) -> str:
    return "| 值 |\n| --- |\n" + "".join(f"| {escape_cell(v)} |\n" for v in values)


def test_site_markdown_shows_every_value_as_written() -> None:
    md = markdown.Markdown(extensions=["tables", "attr_list", "md_in_html", "def_list", "toc"])
    page = md.convert(_table(NASTY))
    cells = re.findall(r"<td(.*?)>(.*?)</td>", page, flags=re.DOTALL)
    assert len(cells) == len(NASTY)
    for value, (attrs, inner) in zip(NASTY, cells):
        assert attrs == "" and "<" not in inner, (value, inner)
        assert html.unescape(inner) == _shown(value)


def test_site_markdown_headings_and_link_text() -> None:
    md = markdown.Markdown(extensions=["tables", "attr_list", "toc"])
    for value in NASTY:
        md.reset()
        page = md.convert(f"### {escape_cell(value)}\n\n- [{escape_cell(value)}](a.md)\n")
        heading = re.fullmatch(r'<h3 id="[^"]*">(.*?)</h3>', page.split("\n")[0])
        assert heading and html.unescape(heading.group(1)) == _shown(value).strip(), (value, page)
        link = re.search(r'<a href="a.md">(.*?)</a>', page)
        assert link and html.unescape(link.group(1)) == _shown(value), (value, page)


def test_github_flavoured_markdown_shows_every_value_as_written() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    page = md.render(_table(NASTY) + "\n" + "".join(f"- **错误** {escape_cell(v)}\n" for v in NASTY))
    cells = re.findall(r"<td(.*?)>(.*?)</td>", page, flags=re.DOTALL)
    items = re.findall(r"<li><strong>错误</strong> (.*?)</li>", page, flags=re.DOTALL)
    assert len(cells) == len(items) == len(NASTY)
    for value, (attrs, inner), item in zip(NASTY, cells, items):
        assert attrs == "" and "<" not in inner and "<" not in item, (value, inner, item)
        assert html.unescape(inner) == html.unescape(item) == _shown(value)


def test_imports_nothing_from_pingan() -> None:
    source = (PROJECT / "pingan/markdown_cells.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from\s+(\.|pingan)|import\s+pingan)", source, flags=re.MULTILINE)
