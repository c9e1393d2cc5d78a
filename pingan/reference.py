"""The error-code reference page, generated from the catalogue (`pingan codes`)."""
from __future__ import annotations

import re

from .catalogue import CATALOGUE, Entry

GROUPS = (
    ("YML", "文件与 YAML 格式"), ("UNI", "单位设置"), ("REC", "记录结构与编号"), ("CL", "代码表"),
    ("IND", "行业"), ("NAM", "姓名"), ("ID", "身份证号码"), ("AGE", "年龄"), ("RES", "户籍与居住"),
    ("PHN", "电话"), ("QQ", "QQ"), ("ARE", "所在地区"), ("DAT", "日期"), ("CON", "同意与核实"),
    ("PLC", "文件位置"), ("QUO", "名额"), ("DUP", "重复登记"), ("AUT", "修改权限"),
)
FIELDS = ("title", "template", "fix", "example")


def missing_parts(entry: Entry) -> list[str]:
    """The parts of a catalogue entry that are empty (the page needs all of them)."""
    return [name for name in ("level", *FIELDS) if not str(getattr(entry, name)).strip()]


def _md(text: str) -> str:
    """Catalogue text as literal Markdown (examples hold YAML such as `*别名` and `<<`)."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("<", "&lt;")


def meaning(entry: Entry) -> str:
    """The message template with its blanks shown as “…”."""
    return re.sub(r"\{[a-z_]+\}", "…", entry.template)


def _group(code: str) -> str:
    prefix = re.match(r"[A-Z]+", code).group(0)  # type: ignore[union-attr]
    return next((title for key, title in GROUPS if key == prefix), "其他")


def render_codes_page() -> str:
    """Markdown for docs/reference/codes.md: every code with level, title, meaning, fix and example."""
    lines = [
        "# 错误代码",
        "",
        "<!-- 由 `pingan codes --out docs/reference/codes.md` 根据规则目录生成，请勿手工修改。 -->",
        "",
        "`pingan validate` 报告的每个问题都带有一个代码，如 `[ID003]`。下面按类别列出全部代码：级别、含义、怎样改正和一个例子。",
        "“错误”会使校验不通过，必须改正；“警告”不影响通过，但应当改正；“提示”是修改之前就已存在的问题，不影响本次合并请求。",
        "",
    ]
    current = None
    for code, entry in CATALOGUE.items():
        group = _group(code)
        if group != current:
            lines += [f"## {group}", ""]
            current = group
        lines += [
            f"### {code} {entry.title}",
            "",
            f"- **级别**：{entry.level}",
            f"- **含义**：{_md(meaning(entry))}",
            f"- **怎样改正**：{_md(entry.fix)}",
            f"- **例子**：{_md(entry.example)}",
            "",
        ]
    return "\n".join(lines)
