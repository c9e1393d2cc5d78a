"""Text from records and messages placed in Markdown as literal text (one table cell, a list item, a heading).

One escaping serves every Markdown pingan writes: the site's generated pages
(Python-Markdown with tables and attr_list) and the run summaries on GitHub or
Gitea Actions (GitHub-flavoured Markdown). Both decode HTML character
references and honour a backslash before the punctuation escaped here, so the
text reads exactly as written in either, while a value cannot end a table cell
(`|`), start a new line, open HTML (`<details>`, `<img>`), emphasis,
strikethrough, code, a link, or an attribute list (`{: .x}`).

Imports nothing from pingan, so any module may use it.
"""
from __future__ import annotations

import html

#: Markdown punctuation escaped with a backslash: emphasis, code, links and images, attribute lists,
#: heading closers. All are in Python-Markdown's escapable set; GFM escapes any ASCII punctuation.
_BACKSLASHED = "\\`*_[]{}#"


def escape_cell(text: object) -> str:
    """`text` as literal Markdown inside a table cell (None is an empty cell; numbers as written)."""
    if text is None:
        return ""
    escaped = str(text)
    for ch in _BACKSLASHED:  # first: the character references made below must keep their "#"
        escaped = escaped.replace(ch, "\\" + ch)
    # "|" ends a cell in both; "~" is strikethrough in GFM but not escapable with "\\" in Python-Markdown.
    escaped = html.escape(escaped, quote=False).replace("|", "&#124;").replace("~", "&#126;")
    return escaped.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")


__all__ = ["escape_cell"]
