"""MkDocs hooks of the public site: staff pages apart from public ones, header/footer facts, a small search index.

mkdocs.yml loads overrides/hooks.py, which imports these (the build runs in a
staged copy of mkdocs.yml, docs/ and overrides/, where pingan/ is not).

- Staff pages (guides for units and the office, the story guide, the error
  codes, the toolchain notes) stay published but are left out of the search
  index and carry a notice that they are for staff.
- The statistics page's tables and charts are left out of the search index:
  numbers are not words anyone searches for, and the index stays small.
- The organiser, the office's phone and email and the filing numbers come from
  data/province.yaml through a JSON comment in docs/generated/contacts.md
  (written by `pingan site`); templates read them as `config.extra.pingan`.
- The search index is written as UTF-8 rather than \\u escapes (half the size), and
  without the HTML tags of the text (results show plain text).
- The theme's templates are compiled once, before the pages exist, by the early
  MkDocs process (mkdocs_early.py), and kept in its memory for the build.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jinja2

STAFF_FOLDERS = ("guides/",)
STAFF_PAGES = frozenset({"stories-guide.md", "reference/codes.md", "about/zensical.md"})
STATS_PAGE = "generated/stats.md"
FACTS_FILE = "generated/contacts.md"
_FACTS = re.compile(r"<!-- pingan-site (\{.*?\}) -->")
STAFF_NOTICE = ('!!! note "工作人员资料"\n\n'
                "    本页供各招募单位和全省领导小组办公室的工作人员使用，不在站内搜索中列出。"
                "想报名参加志愿服务，请看[招募与报名]({join})。\n\n")


def is_staff(src_uri: str) -> bool:
    """Whether the page (its path under docs/) is for staff rather than the public."""
    return src_uri.startswith(STAFF_FOLDERS) or src_uri in STAFF_PAGES


def read_facts(docs_dir: Path) -> dict[str, Any]:
    """The header/footer facts `pingan site` wrote into the contacts snippet; empty if there are none."""
    path = docs_dir / FACTS_FILE
    if not path.is_file():
        return {}
    found = _FACTS.search(path.read_text(encoding="utf-8"))
    return json.loads(found.group(1)) if found else {}


class _Compiled(jinja2.BytecodeCache):
    """Compiled templates held in this process's memory (Jinja checks each against its source)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        found = self.code.get(bucket.key)
        if found is not None:
            bucket.bytecode_from_string(found)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED = _Compiled()


def compile_templates(config_file: str) -> None:
    """Compile the theme's page templates into COMPILED, as the build's environment would: all but the
    languages the site is not in (a template that needs what only the build adds is left to the build, and
    so is everything when the configuration cannot be read: the build then says what is wrong with it)."""
    from mkdocs.config import load_config

    try:
        theme = load_config(config_file).theme
    except Exception:  # noqa: BLE001 - MkDocs' own build reports it, in its words
        return
    env = theme.get_env()
    env.bytecode_cache = COMPILED
    languages = {f"partials/languages/{code}.html" for code in (theme["language"], "en")}
    for name in env.list_templates(filter_func=lambda name: name.endswith(".html") and (
            not name.startswith("partials/languages/") or name in languages)):
        try:
            env.get_template(name)
        except jinja2.TemplateError:
            continue


def on_env(env: jinja2.Environment, config: Any, files: Any) -> jinja2.Environment:
    env.bytecode_cache = COMPILED
    return env


def on_config(config: Any) -> Any:
    config.extra["pingan"] = read_facts(Path(config.docs_dir))
    return config


def _after_title(markdown: str, notice: str) -> str:
    """`notice` after the page's first level-1 heading (or at the top when there is none)."""
    found = re.search(r"^# .*\n", markdown, re.M)
    if not found:
        return notice + markdown
    return markdown[:found.end()] + "\n" + notice + markdown[found.end():]


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    src = page.file.src_uri
    if is_staff(src):
        page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
        depth = src.count("/")
        join = "../" * depth + "join/index.md"
        return _after_title(markdown, STAFF_NOTICE.format(join=join))
    return markdown


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri == STATS_PAGE:
        # tables and charts stay on the page but out of the search index
        return re.sub(r"<(table|img)\b", r"<\1 data-search-exclude", html)
    return html


_TAG = re.compile(r"</?[a-z][a-z0-9]*\b[^>]*>")


def on_post_build(config: Any) -> None:
    index = Path(config.site_dir) / "search" / "search_index.json"
    if index.is_file():
        data = json.loads(index.read_text(encoding="utf-8"))
        for doc in data.get("docs", []):
            doc["text"] = " ".join(_TAG.sub(" ", doc.get("text", "")).split())
        index.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
