"""Exemplar stories: read their front matter and check that every named person consented.

What "named" means here (kept simple on purpose, and said so in the office guide):

* every entry of a story's `人物` list must give `姓名` and a `同意公开日期` that is
  a real date no later than the story's date (STY002–STY004);
* every listed name must actually occur in the story (STY005), so a typo cannot
  leave the real spelling uncovered;
* the full name of any volunteer in the records that occurs in the story (body
  or front matter: a `title:` or `description:` becomes the page's title and
  <meta name="description">) must be listed (STY006). The story is read as the
  leak check reads a page (`pingan.plaintext`): a name split by markup, entities
  or invisible characters, or percent- or base64-encoded, is still the name.
  Two-character names that are ordinary words (`COMMON_WORDS`, or words of the
  site's own hand-written pages, e.g. a record named 文明 against "不文明行为") are
  not names;
* a story publishes text and pictures only: no `<script>`, `<iframe>` (or other
  embedded content), inline event handlers (on…=) or javascript: links (STY007),
  and no form that sends what a reader types to another site (STY008).

A person who is not in the records (a police officer, a passer-by) cannot be
recognised by a program; the office's review covers them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from . import catalogue
from .plaintext import attributes, readable, squeezed, variants
from .problems import Problem

PERSONS_KEY = "人物"
NAME_KEY = "姓名"
CONSENT_KEY = "同意公开日期"
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)---[ \t]*\r?\n", re.S)
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)
#: Two-character names that are also ordinary words: never taken for a volunteer's name (see the office guide).
COMMON_WORDS = frozenset({
    "文明", "雷雨", "平安", "安全", "和平", "高峰", "高尚", "高兴", "高度", "金秋", "江山", "白云", "万一",
    "于是", "常见", "方便", "方向", "时间", "任务", "关心", "成功", "通过", "包括", "周末", "周年", "周边",
    "华夏", "司法", "项目", "章程", "全省", "全国", "向阳", "明亮", "林立", "田野", "石头", "钟声", "程度",
    "严格", "严重", "左右", "上官", "司马", "欧阳", "诸葛", "皇甫", "令狐", "尉迟", "慕容", "高明", "马路",
})
#: Active content a story must not publish (STY007): scripts, embedded pages and objects, handlers, script links.
_ACTIVE = re.compile(r"<\s*(script|iframe|frame|frameset|object|embed|applet|base)\b"
                     r"|<[A-Za-z][^<>]*?[\s\"'/](on[a-z]+)\s*="
                     r"|\b(javascript|vbscript)\s*:|\b(data)\s*:\s*text/html", re.I)
_FORM_TARGET = re.compile(r"<\s*(?:form|button|input)\b[^<>]*?\b(?:action|formaction)\s*=\s*[\"']?\s*"
                          r"((?:[a-z][a-z0-9+.-]*:|//|\\\\)[^\s\"'<>]*)", re.I)

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


@dataclass
class Story:
    """One story file: where it is, its front matter and its body."""

    path: Path
    rel: str
    meta: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    error: str | None = None

    @property
    def date(self) -> date | None:
        value = self.meta.get("date")
        if isinstance(value, dict):
            value = value.get("created")
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) else None

    @property
    def draft(self) -> bool:
        return bool(self.meta.get("draft"))

    @property
    def title(self) -> str:
        if isinstance(self.meta.get("title"), str):
            return self.meta["title"]
        found = _HEADING.search(self.body)
        return found.group(1) if found else self.path.stem

    @property
    def persons(self) -> list[Any]:
        value = self.meta.get(PERSONS_KEY)
        return value if isinstance(value, list) else []

    def consented_names(self) -> set[str]:
        """Names listed with a consent date (what the leak check allows)."""
        return {p[NAME_KEY] for p in self.persons
                if isinstance(p, dict) and isinstance(p.get(NAME_KEY), str) and isinstance(p.get(CONSENT_KEY), date)}

    def source(self) -> str:
        """The whole file as written: front matter and body."""
        return self.path.read_text(encoding="utf-8")

    def line_of(self, needle: str) -> int | None:
        text = self.path.read_text(encoding="utf-8")
        index = text.find(needle)
        return text.count("\n", 0, index) + 1 if index >= 0 else None


def read_story(path: Path, rel: str) -> Story:
    text = path.read_text(encoding="utf-8")
    story = Story(path, rel, body=text)
    found = _FRONT.match(text)
    if not found:
        return story
    story.body = text[found.end():]
    try:
        meta = yaml.load(found.group(1), Loader=_Loader)
    except yaml.YAMLError as exc:
        story.error = str(getattr(exc, "problem", "") or exc)
        return story
    if isinstance(meta, dict):
        story.meta = meta
    elif meta is not None:
        story.error = "不是“键: 值”的映射"
    return story


def read_stories(posts: Path, base: Path | None = None) -> list[Story]:
    """Every story under `posts` (the blog's posts folder), in file-name order."""
    if not posts.is_dir():
        return []
    base = base or posts
    return [read_story(p, p.relative_to(base).as_posix()) for p in sorted(posts.rglob("*.md"))]


def persons_listed(story: Story) -> Iterator[Problem]:
    if story.error:
        yield catalogue.make("STY001", story.rel, None, 1, 1, detail=story.error)
        return
    persons = story.meta.get(PERSONS_KEY)
    if persons is None:
        return
    line = story.line_of(f"{PERSONS_KEY}:")
    if not isinstance(persons, list):
        yield catalogue.make("STY002", story.rel, PERSONS_KEY, line, 1)
        return
    for index, entry in enumerate(persons):
        name = entry.get(NAME_KEY) if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            yield catalogue.make("STY002", story.rel, f"{PERSONS_KEY}[{index + 1}]", line, 1)
            continue
        where = story.line_of(f"{NAME_KEY}: {name}") or line
        consent = entry.get(CONSENT_KEY)
        if isinstance(consent, datetime):
            consent = consent.date()
        if not isinstance(consent, date):
            yield catalogue.make("STY003", story.rel, f"{PERSONS_KEY}[{index + 1}]", where, 1, name=name)
        elif story.date and consent > story.date:
            yield catalogue.make("STY004", story.rel, f"{PERSONS_KEY}[{index + 1}]", where, 1,
                                 name=name, consent=consent.isoformat(), date=story.date.isoformat())
        if squeezed(readable(name)) not in "\0".join(readable_texts(story.body)):
            yield catalogue.make("STY005", story.rel, f"{PERSONS_KEY}[{index + 1}]", where, 1, name=name)


def _plain(text: str) -> str:
    """Story text as a reader sees it for name matching (see `readable_texts`)."""
    return "\0".join(readable_texts(text))


def readable_texts(text: str) -> list[str]:
    """Every reading of `text` the leak check makes: as it shows, its attribute values, its %/base64 parts.

    Whitespace is removed: a name is matched however it is spaced.
    """
    found = []
    for variant in variants(text):
        found.append(squeezed(readable(variant)))
        found += [squeezed(readable(value)) for value in attributes(variant)]
    return found


def ordinary_word(name: str, vocabulary: str) -> bool:
    """A two-character name that is also an ordinary word (COMMON_WORDS, or a word of the site's own pages)."""
    return len(name) == 2 and (name in COMMON_WORDS or name in vocabulary)


class NameDigests:
    """The records' names as hashes (what the statistics cache keeps): found by hashing the text's windows."""

    def __init__(self, digests: Iterable[str], longest: int = 30):
        from .reader import name_digest

        self.digests = set(digests)
        self.longest = longest
        self._digest = name_digest

    def found_in(self, text: str) -> set[str]:
        found = set()
        for width in range(2, self.longest + 1):
            for i in range(len(text) - width + 1):
                window = text[i:i + width]
                if self._digest(window) in self.digests:
                    found.add(window)
        return found


def unlisted_volunteers(story: Story, names: Iterable[str] | NameDigests, vocabulary: str) -> Iterator[Problem]:
    """Full names of recorded volunteers that occur in the story (front matter too) without being listed."""
    if story.error:
        return
    listed = {p.get(NAME_KEY) for p in story.persons if isinstance(p, dict)}
    blank = {squeezed(readable(n)) for n in listed if isinstance(n, str)}
    text = without(_plain(story.source()), blank)
    if isinstance(names, NameDigests):
        found = names.found_in(text)
    else:
        found = {n for n in names if squeezed(readable(n)) in text}
    for name in sorted(n for n in found if n not in listed and not ordinary_word(n, vocabulary)):
        yield catalogue.make("STY006", story.rel, None, story.line_of(name), 1, name=name)


def active_content(story: Story) -> Iterator[Problem]:
    """Scripts, embedded pages, event handlers and script links (STY007); forms posting elsewhere (STY008)."""
    source = story.source()
    for found in _ACTIVE.finditer(source):
        what = next(group for group in found.groups() if group).lower()
        yield catalogue.make("STY007", story.rel, None, source.count("\n", 0, found.start()) + 1, 1, what=what)
    for found in _FORM_TARGET.finditer(source):
        yield catalogue.make("STY008", story.rel, None, source.count("\n", 0, found.start()) + 1, 1,
                             target=found.group(1))


def without(text: str, names: Iterable[str]) -> str:
    """`text` with every listed name blanked out: 郭一鸣 (listed) does not also name a volunteer 郭一."""
    for name in sorted(names, key=len, reverse=True):
        if name:
            text = text.replace(name, "\0")
    return text


def check_stories(stories: list[Story], names: Iterable[str] | NameDigests = (), vocabulary: str = "") -> list[Problem]:
    """Every consent problem of `stories`; drafts are not published and not checked."""
    names = names if isinstance(names, NameDigests) else set(names)
    problems: list[Problem] = []
    for story in stories:
        if story.draft:
            continue
        problems += persons_listed(story)
        problems += unlisted_volunteers(story, names, vocabulary)
        problems += active_content(story)
    return problems


def site_vocabulary(docs: Path) -> str:
    """The text of the hand-written pages (not generated pages, not stories): ordinary site words."""
    parts = []
    for path in sorted(docs.rglob("*.md")):
        rel = path.relative_to(docs).as_posix()
        if rel.startswith(("generated/", "stories/posts/")):
            continue
        parts.append(path.read_text(encoding="utf-8"))
    return _plain("\n".join(parts))
