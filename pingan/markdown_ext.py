"""A Python-Markdown extension for the site: accessible checklist boxes, and text that follows the calendar.

Dated text (a preprocessor, evaluated on the build date: `pingan.settings.today()`,
PINGAN_TODAY overrides it; a weekly rebuild keeps it current):

- `[[phase 2014-11 2014-12]]` becomes the status of a plan phase running from the
  first month to the last: 未开始, 进行中 or 已完成; `[[phase 2016-01 -]]` has no
  end and reads 常态化 once begun.
- `[[date 2015-01-01|before|from]]` is `before` until the day before that date
  and `from` on and after it: a plan's "will" sentence becomes history.

Checklist boxes:

pymdownx.tasklist writes `<label><input type="checkbox" disabled/>…</label> text`:
the box's label is empty, so a screen reader announces "checkbox, unchecked"
with no words (axe-core rule `label`, WCAG 2 A). This post-processor names each
box after its item's text. It is an ordinary Markdown extension (listed under
`markdown_extensions` in mkdocs.yml), not an MkDocs hook.
"""
from __future__ import annotations

import html
import re
from datetime import date

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from . import settings

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


_PHASE = re.compile(r"\[\[phase (\d{4})-(\d{2}) (?:(\d{4})-(\d{2})|-)\]\]")
_DATED = re.compile(r"\[\[date (\d{4}-\d{2}-\d{2})\|([^|\]]*)\|([^|\]]*)\]\]")
#: status: (text, CSS modifier)
PHASE_STATUS = {"later": "未开始", "now": "进行中", "done": "已完成", "ongoing": "常态化"}


def phase_status(start: tuple[int, int], end: tuple[int, int] | None, today: date) -> str:
    """The key in PHASE_STATUS of a phase from month `start` to month `end` (None: no end) on `today`."""
    month = (today.year, today.month)
    if month < start:
        return "later"
    if end is None:
        return "ongoing"
    return "now" if month <= end else "done"


def dated_text(text: str, today: date) -> str:
    """`text` with its [[phase …]] and [[date …]] markers replaced as on `today`."""
    def phase(m: re.Match[str]) -> str:
        end = (int(m.group(3)), int(m.group(4))) if m.group(3) else None
        key = phase_status((int(m.group(1)), int(m.group(2))), end, today)
        return f'<span class="pa-status pa-status--{key}">{PHASE_STATUS[key]}</span>'

    def dated(m: re.Match[str]) -> str:
        return m.group(3) if today >= date.fromisoformat(m.group(1)) else m.group(2)

    return _DATED.sub(dated, _PHASE.sub(phase, text))


class DatedText(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        if not any("[[" in line for line in lines):
            return lines
        today = settings.today()
        return [dated_text(line, today) if "[[" in line else line for line in lines]


class TaskListLabelsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        md.postprocessors.register(TaskListLabels(md), "pingan_task_list_labels", 5)
        md.preprocessors.register(DatedText(md), "pingan_dated_text", 40)


def makeExtension(**kwargs: object) -> TaskListLabelsExtension:  # noqa: N802 - Python-Markdown's name
    return TaskListLabelsExtension(**kwargs)
