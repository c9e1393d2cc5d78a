"""A Python-Markdown extension for the site: give printable checklist boxes an accessible name.

pymdownx.tasklist writes `<label><input type="checkbox" disabled/>…</label> text`:
the box's label is empty, so a screen reader announces "checkbox, unchecked"
with no words (axe-core rule `label`, WCAG 2 A). This post-processor names each
box after its item's text. It is an ordinary Markdown extension (listed under
`markdown_extensions` in mkdocs.yml), not an MkDocs hook.
"""
from __future__ import annotations

import html
import re

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor

_BOX = re.compile(
    r'(<li class="task-list-item"><label class="task-list-control">)<input type="checkbox"((?: disabled| checked)+)/>'
    r'(<span class="task-list-indicator"></span></label>)(.*?)(?=<ul|<ol|</li>)', re.S)
_TAG = re.compile(r"<[^>]+>")


def _named(match: re.Match[str]) -> str:
    text = " ".join(html.unescape(_TAG.sub("", match.group(4))).split())
    state = "已完成：" if "checked" in match.group(2) else "待检查："
    return (f'{match.group(1)}<input type="checkbox"{match.group(2)} '
            f'aria-label="{html.escape(state + text)}"/>{match.group(3)}{match.group(4)}')


class TaskListLabels(Postprocessor):
    def run(self, text: str) -> str:
        return _BOX.sub(_named, text)


class TaskListLabelsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        md.postprocessors.register(TaskListLabels(md), "pingan_task_list_labels", 5)


def makeExtension(**kwargs: object) -> TaskListLabelsExtension:  # noqa: N802 - Python-Markdown's name
    return TaskListLabelsExtension(**kwargs)
