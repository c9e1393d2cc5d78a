"""The public site: generate the data pages from the records, then run `mkdocs build --strict`.

Site sources (mkdocs.yml, docs/, overrides/) come from the checkout that holds
this package, or else from the data repository (a unit's private repository is a
copy of this template). Records always come from the data repository (--root).
The build runs in a temporary copy of the sources, so the checkout is never
written to and two builds can run at once; `prepare` writes the same pages into
the sources themselves for `mkdocs serve`.
"""
from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from . import settings, stats
from .charts import painters
from .errors import PinganError
from .markdown_cells import escape_cell as cell
from .model import Province, Unit
from .problems import ERROR, Problem
from .reader import JOBS, Repository
from .stories import NameDigests, Story, check_stories, read_stories, site_vocabulary

GENERATED = "generated"
POSTS = "stories/posts"
DEMO_POSTS = "stories/posts/demo"
SOURCE_PARTS = ("mkdocs.yml", "docs", "overrides")
LATEST_STORIES = 3


class NoSiteSources(PinganError):
    """Neither the tool's checkout nor the data repository holds mkdocs.yml and docs/."""


class NotASiteFolder(PinganError):
    """The output folder holds files that do not look like an earlier build: refuse to empty it."""


class StoriesRefused(PinganError):
    """A story names someone without recorded consent: the site must not be built."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.problems = problems


class BadSiteUrl(PinganError, ValueError):
    """--site-url is not an http(s) address."""


class MkdocsFailed(PinganError):
    """mkdocs build --strict failed; `log` is its output."""

    def __init__(self, log: str):
        super().__init__(log)
        self.log = log


def tool_checkout() -> Path:
    return settings.PACKAGE_DIR.parent


def has_sources(folder: Path) -> bool:
    return (folder / "mkdocs.yml").is_file() and (folder / "docs").is_dir()


def site_sources(root: Path, explicit: Path | None = None) -> Path:
    """Where mkdocs.yml and docs/ are read from: `explicit`, the tool's checkout, else the data repository."""
    for folder in (explicit,) if explicit else (tool_checkout(), root):
        if folder is not None and has_sources(folder):
            return folder.resolve()
    raise NoSiteSources(explicit or root)


# ---------------------------------------------------------------------------------------------
# Markdown of the data pages

def long_date(day: date) -> str:
    return f"{day.year} 年 {day.month} 月 {day.day} 日"


def percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def render_progress(st: stats.Statistics) -> str:
    if not st.registered:
        return (f"截至 {long_date(st.as_of)}，暂无登记数据；全省总名额 **{st.total_quota}** 人。"
                "各单位完成登记后，这里会显示招募进度。\n")
    return (f"截至 {long_date(st.as_of)}，全省已登记青年平安志愿者 **{st.registered}** 人，"
            f"总名额 **{st.total_quota}** 人，完成 **{percent(st.registered, st.total_quota)}**。\n")


def tel_link(phone: str) -> str | None:
    """A `tel:` address for the first number written in `phone` ("0351-4182850（电话及传真）"), if any."""
    found = re.search(r"\+?\d[\d\- ]{4,}\d", phone)
    return "tel:" + re.sub(r"[\s-]", "", found.group()) if found else None


def office_contact(province: Province | None) -> tuple[str | None, str | None]:
    """The office's phone and email: the first public contact's that has one."""
    contacts = province.public_contacts if province else []
    phone = next((c.phone for c in contacts if c.phone), None)
    email = next((c.email for c in contacts if c.email), None)
    return phone, email


def _phone_markdown(phone: str) -> str:
    link = tel_link(phone)
    number = re.sub(r"（.*?）|\(.*?\)", "", phone).strip()
    rest = phone.replace(number, "", 1).strip() if number and number in phone else ""
    return f"[{cell(number)}]({link}){rest}" if link else cell(phone)


def site_facts(province: Province | None) -> dict[str, object]:
    """What the page templates show in the header and footer (organiser, office contacts, filing numbers)."""
    phone, email = office_contact(province)
    facts: dict[str, object] = {}
    if province and province.organiser:
        facts["organiser"] = province.organiser
    if phone:
        facts["phone"] = re.sub(r"（.*?）|\(.*?\)", "", phone).strip()
        facts["tel"] = tel_link(phone)
    if email:
        facts["email"] = email
    for key, value in (("icp", province.icp_filing if province else None),
                       ("police", province.police_filing if province else None)):
        if value:
            facts[key] = value
    return facts


def _section(name: str, text: str) -> list[str]:
    return [f"<!-- --8<-- [start:{name}] -->", text.rstrip("\n"), f"<!-- --8<-- [end:{name}] -->", ""]


def render_contacts(province: Province | None) -> str:
    """docs/generated/contacts.md: snippet sections `table` (all public contacts) and `office` (the office's
    phone and email as links), and the header/footer facts as a JSON comment read by pingan.mkdocs_hooks."""
    if province is None or not province.public_contacts:
        table = "暂无公开联系人。"
    else:
        lines = ["| 姓名 | 职务 | 电话 | 电子邮箱 |", "| --- | --- | --- | --- |"]
        for c in province.public_contacts:
            phone = _phone_markdown(c.phone) if c.phone else ""
            email = f"[{cell(c.email)}](mailto:{c.email})" if c.email else ""
            lines.append(f"| {cell(c.name)} | {cell(c.title or '')} | {phone} | {email} |")
        table = "\n".join(lines)
    office_phone, office_email = office_contact(province)
    parts = [f"电话 {_phone_markdown(office_phone)}" if office_phone else "",
             f"电子邮箱 [{cell(office_email)}](mailto:{office_email})" if office_email else ""]
    office = "，".join(p for p in parts if p) or "暂无公开的联系电话和电子邮箱。"
    facts = json.dumps(site_facts(province), ensure_ascii=False, sort_keys=True).replace("--", "\\u002d\\u002d")
    return "\n".join([*_section("table", table), *_section("office", office), f"<!-- pingan-site {facts} -->", ""])


def render_quotas(units: Sequence[Unit]) -> str:
    lines = ["| 单位 | 类别 | 名额（人） |", "| --- | --- | ---: |"]
    for u in units:
        lines.append(f"| {cell(u.name)} | {cell(u.category)} | {u.quota} |")
    lines.append(f"| **总计** | | **{sum(u.quota for u in units)}** |")
    return "\n".join(lines) + "\n"


def render_demo_sites(units: Sequence[Unit]) -> str:
    with_sites = [u for u in units if u.demo_sites]
    if not with_sites:
        return "暂无示范点。各单位报送示范点后，这里会按单位列出。\n"
    parts = []
    for u in with_sites:
        parts += [f"### {cell(u.name)}", "", "| 示范点 | 所在地区 | 简介 |", "| --- | --- | --- |"]
        parts += [f"| {cell(s.name)} | {cell(s.region or '')} | {cell(s.summary or '')} |" for s in u.demo_sites or ()]
        parts.append("")
    return "\n".join(parts)


def render_latest(stories: Iterable[Story]) -> str:
    """Up to three newest published stories, linked relative to docs/ (the home page includes this)."""
    dated = sorted((s for s in stories if not s.draft and s.date and not s.error),
                   key=lambda s: (s.date, s.rel), reverse=True)[:LATEST_STORIES]
    if not dated:
        return "暂无事迹。\n"
    return "\n".join(f"- {long_date(s.date)}：[{cell(s.title)}]({s.rel.removeprefix('docs/')})"
                     for s in dated if s.date) + "\n"


def _unit_table(st: stats.Statistics) -> list[str]:
    lines = ["| 单位 | 类别 | 名额 | 已登记 | 完成比例 |", "| --- | --- | ---: | ---: | --- |"]
    for u in st.units:
        meter = (f'<meter min="0" max="{u.quota}" value="{min(u.registered, u.quota)}" '
                 f'aria-label="{html.escape(u.name)}完成比例"></meter> {percent(u.registered, u.quota)}')
        lines.append(f"| {cell(u.name)} | {cell(u.category)} | {u.quota} | {u.registered} | {meter} |")
    lines.append(f"| **合计** | | **{st.total_quota}** | **{st.registered}** | "
                 f"**{percent(st.registered, st.total_quota)}** |")
    return lines


def _table_markdown(t: stats.Table) -> list[str]:
    if t.two_way:
        head = f"| 单位 | {' | '.join(cell(c) for c in t.columns)} | 合计 |"
        lines = [head, "| --- |" + " ---: |" * (len(t.columns) + 1)]
        for i, row in enumerate(t.rows):
            values = " | ".join(t.shown[("c", i, j)] for j in range(len(t.columns)))
            lines.append(f"| {cell(row)} | {values} | {t.row_totals[i]} |")
        totals = " | ".join(f"**{t.shown[('col', j)]}**" for j in range(len(t.columns)))
        lines.append(f"| **全省** | {totals} | **{t.total}** |")
        return lines
    lines = [f"| {cell(t.attribute)} | 人数 |", "| --- | ---: |"]
    lines += [f"| {cell(c)} | {t.shown[('c', 0, j)]} |" for j, c in enumerate(t.columns)]
    label = "登记人数（每人可计入多项）" if t.multi else "合计"
    lines.append(f"| **{label}** | **{t.total}** |")
    return lines


def _chart_values(t: stats.Table) -> list[str]:
    if t.two_way:
        return [t.shown[("col", j)] for j in range(len(t.columns))]
    return [t.shown[("c", 0, j)] for j in range(len(t.columns))]


RULES_TEXT = """\
## 统计规则 {#rules}

本页只公布人数，不公布任何一名志愿者的信息。为防止从统计数字认出个人：

- 各单位的名额、已登记人数和全省合计是准确数字；
- 其他表格中，1 至 9 人的数字一律显示为“<10”；
- 如果由表中的合计和其他数字能推算出某个“<10”的实际人数，就再隐藏一个 10 人以上的数字，显示为“≥10”；
  仍无法避免推算的，整张表不公布，显示为“—”；
- 表格最细到“单位 × 一项情况”（如各单位的性别），其余只按全省统计；不公布县区一级的数字。

图表只画出公布的准确数字；“<10”“≥10”的项目只标注文字，不画长度。年龄按登记当日的周岁计算。
"""


def render_stats(st: stats.Statistics, charts: dict[str, str], csv_name: str) -> str:
    """The whole statistics page (docs/generated/stats.md)."""
    out = ["# 数据统计", "", render_progress(st)]
    if not st.registered:
        out += ["暂无数据：还没有可以统计的登记记录。", ""]
    out += [RULES_TEXT, "## 各单位登记进度 {#units}", "", *_unit_table(st), ""]
    for t in st.tables:
        out += [f"## {t.title} {{#{t.key}}}", ""]
        if t.withheld:
            out += ["人数较少，为防止推算出个人情况，本表不公布分项数字。", ""]
        elif t.key in charts:
            out += [f"![{cell(t.title)}条形图，数字见下表]({charts[t.key]}){{ .pa-chart }}", ""]
        out += [*_table_markdown(t), ""]
    if sum(st.not_counted.values()):
        out += [f"另有 {sum(st.not_counted.values())} 条记录因有错误或待核实（身份证号码重复）未计入。", ""]
    out += ["## 下载 {#download}", "",
            f"本页公布的全部数字（与上面的表格完全相同）：[下载 CSV 文件]({csv_name})。", ""]
    return "\n".join(out)


def render_csv(st: stats.Statistics) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["表", "行", "列", "人数"])
    writer.writerows(stats.published_rows(st))
    return "\ufeff" + buffer.getvalue()  # BOM: Excel opens UTF-8 CSV correctly


# ---------------------------------------------------------------------------------------------
# Generation and build

@dataclass
class Generated:
    """What one generation produced: the statistics, the names seen, and the files written."""

    statistics: stats.Statistics
    names: set[str] = field(default_factory=set)
    files: list[Path] = field(default_factory=list)
    story_problems: list[Problem] = field(default_factory=list)


def generate(root: Path, docs: Path, today: date | None = None, workers: int | None = None) -> Generated:
    """Write every generated page, chart and the CSV into `docs`/generated/ from the records of `root`.

    Raises SettingsInvalid when a settings file has an error: nothing trustworthy can be published then.
    """
    repo = Repository(root, today or settings.today())
    units, province = repo.settings.required()
    # The painters start first and load matplotlib while the records are judged and counted.
    with painters(2 if workers is None else min(workers, 2)) as draw:
        with repo.verdicts(jobs=JOBS if workers is None else workers) as verdicts:
            people = stats.count_people(verdicts)
        st = stats.compute(people.people, units, province, repo.today, dict(people.not_counted))
        drawn = [t for t in st.tables if not t.withheld]
        svgs = draw([(t.title, t.columns, _chart_values(t), t.key == "month") for t in drawn])
    out = docs / GENERATED
    if out.exists():
        shutil.rmtree(out)
    (out / "charts").mkdir(parents=True)
    charts: dict[str, str] = {}
    written: list[Path] = []
    for t, svg in zip(drawn, svgs):
        path = out / "charts" / f"{t.key}.svg"
        path.write_text(svg, encoding="utf-8")
        charts[t.key] = f"charts/{t.key}.svg"
        written.append(path)
    csv_name = "stats.csv"
    ordered = stats.ordered_units(units)
    stories = read_stories(docs / POSTS, docs.parent)
    pages = {
        "stats.md": render_stats(st, charts, csv_name),
        csv_name: render_csv(st),
        "progress.md": render_progress(st),
        "contacts.md": render_contacts(province),
        "quotas.md": render_quotas(ordered),
        "demo-sites.md": render_demo_sites(ordered),
        "latest-stories.md": render_latest(stories),
    }
    for name, text in pages.items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    problems = check_stories(stories, NameDigests(people.names), site_vocabulary(docs))
    return Generated(st, people.names, written, problems)


def copy_stories(folders: Iterable[Path], docs: Path) -> dict[str, str]:
    """Copy extra story folders (the demo's samples) into docs/stories/posts/demo/.

    Returns {path as staged, relative to the project: the original path} so that
    problems name the file the writer can open.
    """
    target = docs / DEMO_POSTS
    if target.exists():
        shutil.rmtree(target)
    origins = {}
    for folder in folders:
        for path in sorted(folder.glob("*.md")):
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / path.name)
            origins[f"docs/{DEMO_POSTS}/{path.name}"] = path.as_posix()
    return origins


def _named_as_written(generated: Generated, origins: dict[str, str]) -> None:
    generated.story_problems = [replace(p, file=origins.get(p.file, p.file)) for p in generated.story_problems]


def prepare(root: Path, sources: Path, stories: Sequence[Path] = (), today: date | None = None) -> Generated:
    """Generate the data pages into the sources themselves (for `mkdocs serve`)."""
    origins = copy_stories(stories, sources / "docs")
    generated = generate(root, sources / "docs", today)
    _named_as_written(generated, origins)
    _refuse_stories(generated)
    return generated


def _refuse_stories(generated: Generated) -> None:
    errors = [p for p in generated.story_problems if p.level == ERROR]
    if errors:
        raise StoriesRefused(errors)


def _staging_copy(sources: Path, staging: Path) -> None:
    docs = (sources / "docs").resolve()
    ours = {docs / GENERATED, docs / DEMO_POSTS}  # replaced by every build; everything else is content

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder).resolve()
        return {n for n in names if here / n in ours or n in ("__pycache__", ".cache")}

    for part in SOURCE_PARTS:
        src = sources / part
        if src.is_dir():
            shutil.copytree(src, staging / part, ignore=ignore)
        elif src.is_file():
            shutil.copy2(src, staging / part)


def check_output(out: Path) -> None:
    """Refuse to empty a non-empty folder unless it looks like an earlier build."""
    if out.is_dir() and any(out.iterdir()) and not (out / "sitemap.xml").exists():
        raise NotASiteFolder(out)


@contextmanager
def mkdocs_started(project: Path, out: Path) -> Iterator[Callable[[], str]]:
    """Start `mkdocs build --strict` of `project` into `out` now; it loads while the caller writes the pages.

    Yields `finish`, which lets the build run and returns its log (MkdocsFailed
    when it fails). Leaving without calling it stops the process. It runs in
    `project`: the jieba dictionary path is relative.
    """
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONHASHSEED="0")
    process = subprocess.Popen([sys.executable, "-m", "pingan.mkdocs_early", "build", "--strict", "--clean",
                                "-f", "mkdocs.yml", "-d", str(out)],
                               cwd=project, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)

    def finish() -> str:
        log, _ = process.communicate("build\n")
        if process.returncode != 0:
            raise MkdocsFailed(log)
        return log

    try:
        yield finish
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def mkdocs_build(project: Path, out: Path) -> str:
    """`mkdocs build --strict` of the pages as they are now."""
    with mkdocs_started(project, out) as finish:
        return finish()


def set_site_url(config: Path, url: str) -> None:
    """Add `site_url` to a staged mkdocs.yml: 404.html and the sitemap then use the real address.

    Pages always link relatively; only 404.html (served at any depth) needs the
    site's base path, which MkDocs takes from site_url (without it: "/").
    """
    if not re.fullmatch(r"https?://[^\s\"'<>]+", url):
        raise BadSiteUrl(url)
    text = config.read_text(encoding="utf-8")
    if re.search(r"^site_url:", text, re.M):
        text = re.sub(r"^site_url:.*$", f"site_url: {json.dumps(url)}", text, flags=re.M)
    else:
        text = text.rstrip("\n") + f"\n\nsite_url: {json.dumps(url)}\n"
    config.write_text(text, encoding="utf-8")


def build(root: Path, out: Path, sources: Path | None = None, stories: Sequence[Path] = (),
          today: date | None = None, workers: int | None = None, site_url: str | None = None) -> Generated:
    """Generate the data pages and build the whole site into `out` (see module docstring)."""
    out = out.resolve()
    check_output(out)
    src = site_sources(root, sources)
    with tempfile.TemporaryDirectory(prefix="pingan-site-") as tmp:
        staging = Path(tmp)
        _staging_copy(src, staging)
        if site_url:
            set_site_url(staging / "mkdocs.yml", site_url)
        with mkdocs_started(staging, out) as finish:
            origins = copy_stories(stories, staging / "docs")
            generated = generate(root, staging / "docs", today, workers)
            _named_as_written(generated, origins)
            _refuse_stories(generated)
            finish()
    return generated
