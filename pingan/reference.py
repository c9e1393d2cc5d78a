"""The error-code reference page, generated from the catalogue (`pingan codes`)."""
from __future__ import annotations

import re

from .catalogue import CATALOGUE, FAMILIES, VARIANTS, CodeEntry, Family, anchor, family_of
from .markdown_cells import escape_cell

FIELDS = ("title", "template", "fix", "example")


def missing_parts(entry: CodeEntry) -> list[str]:
    """The parts of a catalogue entry that are empty (the page needs all of them)."""
    return [name for name in ("level", *FIELDS) if not str(getattr(entry, name)).strip()]


def _md(text: str) -> str:
    """Catalogue text as literal Markdown (examples hold YAML such as `*别名` and `<<`): the one escape."""
    return escape_cell(text)


def meaning(entry: CodeEntry | str) -> str:
    """The message template (an entry's, or another wording's) with its blanks shown as “…”."""
    return re.sub(r"\{[a-z_]+\}", "…", entry if isinstance(entry, str) else entry.template)


#: Where a code whose prefix is missing from the family table would be listed (a test keeps it empty).
OTHER = Family("", "其他")


def sections() -> list[tuple[Family, list[str]]]:
    """The families in page order, each with its codes in catalogue order; empty families left out."""
    codes: dict[Family, list[str]] = {family: [] for family in (*FAMILIES, OTHER)}
    for code in CATALOGUE:
        codes[family_of(code) or OTHER].append(code)
    return [(family, listed) for family, listed in codes.items() if listed]


def render_codes_page() -> str:
    """Markdown for docs/reference/codes.md: every code with level, title, meaning, fix and example.

    Each heading carries the fixed anchor `{#id003}` (attr_list), so a link to a code
    (`catalogue.page_url`) survives a change of its title.
    """
    lines = [
        "# 错误代码",
        "",
        "<!-- 由 `pingan codes --out docs/reference/codes.md` 根据规则目录生成，请勿手工修改。 -->",
        "",
        "`pingan validate` 等命令报告的每个问题都带有一个代码，如 `[ID003]`。下面按类别列出全部代码：级别、含义、怎样改正和一个例子。",
        "每个代码都有固定的网址，如 ID003 的说明在本页的 `#id003` 处（代码改成小写字母）。",
        "“错误”会使校验不通过，必须改正；“警告”不影响通过，但应当改正；“提示”是修改之前就已存在的问题，不影响本次合并请求。",
        "",
    ]
    for family, codes in sections():
        lines += [f"## {family.title}", ""]
        if family.note:
            lines += [family.note, ""]
        for code in codes:
            entry = CATALOGUE[code]
            lines += [
                f"### {code} {entry.title} {{#{anchor(code)}}}",
                "",
                f"- **级别**：{entry.level}",
                f"- **含义**：{_md(meaning(entry))}",
                *(f"- **含义（{label}）**：{_md(meaning(template))}" for label, template in VARIANTS.get(code, {}).values()),
                f"- **怎样改正**：{_md(entry.fix)}",
                f"- **例子**：{_md(entry.example)}",
                "",
            ]
    return "\n".join(lines)
