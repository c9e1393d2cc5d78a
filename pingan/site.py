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
import hashlib
import html
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from . import catalogue, cellsafe, releases, settings, stats
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


class NotPublishable(PinganError):
    """The built site holds files that are not on the publishing allow-list (LEK002): it must not be published."""

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
            values = " | ".join(str(v) for v in t.counts[i])
            lines.append(f"| {cell(row)} | {values} | {t.row_totals[i]} |")
        totals = " | ".join(f"**{t.column_total(j)}**" for j in range(len(t.columns)))
        lines.append(f"| **全省** | {totals} | **{t.total}** |")
        return lines
    lines = [f"| {cell(t.attribute)} | 人数 |", "| --- | ---: |"]
    lines += [f"| {cell(c)} | {t.counts[0][j]} |" for j, c in enumerate(t.columns)]
    lines.append(f"| **{stats.total_label(t)}** | **{t.total}** |")
    return lines


def _chart_values(t: stats.Table) -> list[str]:
    return [str(t.column_total(j)) for j in range(len(t.columns))]


def _noise_sd(scale: float) -> float:
    """Standard deviation of the discrete Laplace distribution of `scale`."""
    t = math.exp(-1 / scale)
    return math.sqrt(2 * t) / (1 - t)


def method_text(st: stats.Statistics, province: Province | None) -> str:
    """The method section of the statistics page, in plain Chinese, with the parameters of the releases."""
    cadence = province.release_cadence if province else "季"
    every = {"月": "每月", "季": "每季度"}[cadence]
    lag = f"{province.backfill_days} 天" if province else "补录期限"
    per_table = releases.EPSILON_PER_TABLE
    tables = len(stats.table_specs())
    per_release = sorted({r.epsilon for r in st.releases}) or [round(per_table * tables, 10)]
    eps = "、".join(f"{e:g}" for e in per_release)
    single = _noise_sd(1 / per_table)
    multi = _noise_sd(stats.MAX_CHOICES / per_table)
    return f"""\
## 统计方法 {{#rules}}

本页只公布人数，不公布志愿者个人的信息。网站每次更新都会重新生成；为了让人无法通过比较
前后两个版本，推算出新登记或退出的某一个人的性别、年龄段、政治面貌、民族等情况，本页的数字分两类：

- **准确数字**：各单位的名额、已登记人数和全省合计（见“各单位登记进度”）。这是工作进度，不涉及个人情况，
  每次更新都是当时的准确人数。
- **分项统计**：性别、年龄段、文化程度、政治面貌、民族、服务类型、服务项目、岗位、所在地区和每月登记人数。
  这些表不随每次更新变化，而是{every}发布一期：
    - 每一期只统计**登记日期在本期内**的志愿者，所以每个人只出现在一期中；
    - 统计期结束后再过 {lag}（补录期限）才发布，按时补录的记录也能计入；
    - 每一期的每个人数都加入了随机噪声。噪声是整数，用开源的差分隐私计算库 OpenDP 按离散拉普拉斯分布生成，
      典型大小（标准差）约为 {single:.0f} 人，服务项目和岗位两张多选表约为 {multi:.0f} 人；
    - 每一期发布后就**不再改动**，以后每次生成网站都照原样公布，所以无法靠反复生成网站把噪声“平均掉”；
      保存的只有加噪后的数字，加噪前的数字不保存；
    - 本页的分项表是各期相加的结果，负数记为 0；表中的合计是所列人数之和，由于噪声，
      会与准确的登记人数略有出入；
    - 服务项目和岗位可以多选，每人最多计入 {stats.MAX_CHOICES} 项（按表中的顺序）。

**保护程度**：用差分隐私的标准衡量，每张表的隐私参数 ε = {per_table:g}，每一期全部 {tables} 张表合计 ε = {eps}；
每个人只出现在一期中，所以对每个人而言，全部公布的数字合计也是 ε = {eps}。通俗地说：不论某人是否登记，
看到本页全部数字的人对此人某一项情况（如政治面貌）的猜测，猜中的可能性最多变为原来的
{math.exp(per_table):.2f} 倍（e 的 {per_table:g} 次方）；同时猜性别、政治面貌、民族三项，最多变为原来的
{math.exp(3 * per_table):.2f} 倍。

**退出和更正**：已发布的各期不因之后的退出、删除或更正而修改；分项表反映的是历年登记的志愿者，
当前在册人数以“各单位登记进度”的准确数字为准。某一期发布之后才补录或改正的、登记日期在该期内的记录，
不再计入分项表，只计入准确的登记人数。

表格最细到“单位 × 一项情况”（如各单位的性别），其余只按全省统计；不公布县区一级的数字。
年龄按登记当日的周岁计算。
"""


def render_releases(st: stats.Statistics, links: dict[str, tuple[str, str]], upcoming: str) -> list[str]:
    """The archive of releases: each period with its dates and its downloads (CSV and Excel)."""
    out = ["## 历次发布 {#releases}", ""]
    if not st.releases:
        return [*out, f"暂无已发布的分项统计。{upcoming}", ""]
    out += [f"分项统计共发布 {len(st.releases)} 期，每期的数字发布后不再改动。{upcoming}", "",
            "| 统计期 | 登记日期范围 | 发布日期 | 下载 |", "| --- | --- | --- | --- |"]
    for r in reversed(st.releases):
        csv_link, xlsx_link = links[r.period]
        out.append(f"| {r.period} | {long_date(r.start)} 至 {long_date(r.end)} | {long_date(r.made)} | "
                   f"[CSV]({csv_link}) · [Excel]({xlsx_link}) |")
    out.append("")
    return out


def render_stats(st: stats.Statistics, charts: dict[str, str], csv_name: str, province: Province | None = None,
                 links: dict[str, tuple[str, str]] | None = None, upcoming: str = "") -> str:
    """The whole statistics page (docs/generated/stats.md)."""
    out = ["# 数据统计", "", render_progress(st)]
    if not st.registered:
        out += ["暂无数据：还没有可以统计的登记记录。", ""]
    out += [method_text(st, province), "## 各单位登记进度 {#units}", "",
            "本表是准确数字，每次更新网站时重新统计。", "", *_unit_table(st), ""]
    if st.releases:
        last = st.releases[-1]
        out += [f"以下分项统计是已发布各期之和，统计的是登记日期在 {long_date(st.releases[0].start)} 至 "
                f"{long_date(last.end)} 之间的志愿者（最近一期 {last.period} 发布于 {long_date(last.made)}）。"
                "人数含随机噪声，合计与准确的登记人数略有出入。", ""]
    for t in st.tables:
        out += [f"## {t.title} {{#{t.key}}}", ""]
        if t.key in charts:
            out += [f"![{cell(t.title)}条形图，数字见下表]({charts[t.key]}){{ .pa-chart }}", ""]
        out += [*_table_markdown(t), ""]
    if sum(st.not_counted.values()):
        out += [f"另有 {sum(st.not_counted.values())} 条记录因有错误或待核实（身份证号码重复）未计入。", ""]
    out += render_releases(st, links or {}, upcoming)
    out += ["## 下载 {#download}", "",
            f"本页公布的全部数字（与上面的表格完全相同）：[下载 CSV 文件]({csv_name})。"
            "各期的数字见上面的“历次发布”。", ""]
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
    #: Releases made by this generation (stored under data/releases/ of the data repository: commit them).
    made: list[releases.Release] = field(default_factory=list)


RELEASES = "releases"


def _upcoming(province: Province, today: date) -> str:
    period, day = releases.next_due(province, today)
    return f"下一期（{period.label}）将于 {long_date(day)} 以后发布。"


def generate(root: Path, docs: Path, today: date | None = None, workers: int | None = None,
             make_releases: bool = True) -> Generated:
    """Write every generated page, chart and the CSV into `docs`/generated/ from the records of `root`.

    First makes every statistics release that is due (`make_releases`; written
    to `root`/data/releases/ and never rewritten), then publishes the stored
    releases only. Raises SettingsInvalid when a settings file has an error and
    ReleaseInvalid when a stored release is not one: nothing trustworthy can be
    published then.
    """
    repo = Repository(root, today or settings.today())
    units, province = repo.settings.required()
    # The painters start first and load matplotlib while the records are judged and counted.
    with painters(2 if workers is None else min(workers, 2)) as draw:
        with repo.verdicts(jobs=JOBS if workers is None else workers) as verdicts:
            verdicts.require_open()
            people = stats.count_people(verdicts)
        stored, made = releases.stored_or_made(root, people.people, units, province, repo.today, make_releases)
        st = stats.compute(people.people, units, province, repo.today, dict(people.not_counted),
                           releases.cumulative(stored, units), [r.note for r in stored])
        drawn = draw([(t.title, t.columns, _chart_values(t), t.key == stats.MONTHS) for t in st.tables])
        out = docs / GENERATED
        if out.exists():
            shutil.rmtree(out)
        (out / "charts").mkdir(parents=True)
        (out / RELEASES).mkdir()
        written: list[Path] = []
        links: dict[str, tuple[str, str]] = {}
        for release in stored:  # while the charts are drawn
            name = release.period.label
            csv_path, xlsx_path = out / RELEASES / f"{name}.csv", out / RELEASES / f"{name}.xlsx"
            csv_path.write_text(releases.release_csv(release, units), encoding="utf-8")
            releases.release_xlsx(release, units, xlsx_path)
            links[name] = (f"{RELEASES}/{name}.csv", f"{RELEASES}/{name}.xlsx")
            written += [csv_path, xlsx_path]
        svgs = drawn()
    charts: dict[str, str] = {}
    for t, svg in zip(st.tables, svgs):
        path = out / "charts" / f"{t.key}.svg"
        path.write_text(svg, encoding="utf-8")
        charts[t.key] = f"charts/{t.key}.svg"
        written.append(path)
    csv_name = "stats.csv"
    ordered = stats.ordered_units(units)
    stories = read_stories(docs / POSTS, docs.parent)
    pages = {
        "stats.md": render_stats(st, charts, csv_name, province, links, _upcoming(province, repo.today)),
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
    return Generated(st, people.names, written, problems, made)


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


# ---------------------------------------------------------------------------------------------
# What may be published: the allow-list

#: Pages, styles, scripts and vector graphics (made by MkDocs from docs/ or shipped by the theme).
PUBLISHED_TYPES = (".html", ".css", ".js", ".svg")
#: Raster images: published re-encoded by Pillow, pixels only (no EXIF, GPS, XMP, comments or text chunks).
RASTER_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico")
#: Files MkDocs itself writes: the search index, the sitemap and robots.txt.
SITE_FILES = ("search/search_index.json", "sitemap.xml", "sitemap.xml.gz", "robots.txt")
#: The theme's source maps of its own scripts and styles.
THEME_MAPS = ("assets/javascripts/", "assets/stylesheets/")
#: Tables pingan writes into docs/generated/ (stats.csv …): the only spreadsheets the site offers.
TABLE_TYPES = (".csv", ".xlsx")
_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WEBP", ".ico": "ICO"}
_KEPT_INFO = ("transparency", "duration", "loop", "background")
#: What Pillow reports about an image's encoding, not its content (anything else is metadata: exif, xmp, comment …).
_STRUCTURE = frozenset({*_KEPT_INFO, "jfif", "jfif_version", "jfif_density", "jfif_unit", "dpi", "progressive",
                        "progression", "adobe", "adobe_transform", "gamma", "aspect", "interlace", "version",
                        "compression", "sizes", "srgb", "extension", "disposal", "blend", "bbox", "default_image"})


def _not_allowed(out: Path, rel: str, reason: str, origin: Path | None) -> Problem:
    file = f"docs/{rel}" if origin is not None and (origin / rel).is_file() else f"{out.as_posix()}/{rel}"
    return catalogue.make("LEK002", file, None, reason=reason)


def _is_text(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\0" not in raw


def _image_metadata(path: Path) -> list[str] | None:
    """What a raster image carries besides its pixels (keys), or None when it is not a readable image."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            extra = [str(key) for key in image.info if key not in _STRUCTURE]
            if image.getexif():
                extra.append("exif")
            return sorted(set(extra))
    except Exception:  # noqa: BLE001 - anything Pillow cannot read is not a publishable image
        return None


def _xlsx_unsafe(path: Path) -> bool | None:
    """Whether a cell of the workbook looks like a formula; None when it cannot be read as a workbook."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True)
        try:
            return any(isinstance(value, str) and cellsafe.looks_like_formula(value)
                       for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for value in row)
        finally:
            workbook.close()
    except Exception:  # noqa: BLE001 - anything openpyxl cannot read is not a publishable table
        return None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def neutral_workbooks(folder: Path) -> frozenset[str]:
    """The digests of the workbooks under `folder` whose every cell is formula-neutral.

    The build reads the workbooks it generated while MkDocs builds the pages
    (reading them takes as long as the build's own last step), so that the
    published copies, byte for byte the same, need not be read again.
    """
    return frozenset(_digest(path) for path in sorted(folder.rglob("*.xlsx"))
                     if path.is_file() and not path.is_symlink() and _xlsx_unsafe(path) is False)


def unpublishable(out: Path, origin: Path | None = None, checked: frozenset[str] = frozenset()) -> list[Problem]:
    """Every file of the built site `out` that the allow-list does not let through (LEK002).

    Allowed: HTML, CSS, JS and SVG that are text; raster images without metadata
    (the build re-encodes them first); the CSV/xlsx tables under generated/ with
    formula-neutral cells (a workbook whose digest is in `checked` was read
    already and is neutral); the search index, sitemap and robots.txt; the
    theme's source maps. `origin` is the docs/ folder the site was built from: a
    file that came from there is named as docs/….
    """
    problems = []
    for path in sorted(p for p in out.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(out).as_posix()
        suffix = path.suffix.lower()
        if path.is_symlink():
            problems.append(_not_allowed(out, rel, "符号链接", origin))
        elif rel in SITE_FILES or (rel.startswith(THEME_MAPS) and rel.endswith((".js.map", ".css.map"))):
            continue
        elif suffix in PUBLISHED_TYPES:
            if not _is_text(path.read_bytes()):
                problems.append(_not_allowed(out, rel, f"扩展名是 {suffix}，内容却不是文本", origin))
        elif suffix in RASTER_TYPES:
            extra = _image_metadata(path)
            if extra is None:
                problems.append(_not_allowed(out, rel, "无法作为图片读取", origin))
            elif extra:
                problems.append(_not_allowed(out, rel, f"图片带有元数据（{'、'.join(extra)}）", origin))
        elif suffix in TABLE_TYPES and rel.startswith(f"{GENERATED}/"):
            unsafe = (path.read_text(encoding="utf-8-sig") != cellsafe.neutral_csv(path.read_text(encoding="utf-8-sig"))
                      if suffix == ".csv" else _digest(path) not in checked and _xlsx_unsafe(path))
            if unsafe is None:
                problems.append(_not_allowed(out, rel, "无法作为 Excel 表格读取", origin))
            elif unsafe:
                problems.append(_not_allowed(out, rel, "表格中有以 = + - @ 开头、会被当作公式的单元格", origin))
        else:
            problems.append(_not_allowed(out, rel, f"文件类型 {suffix or '（无扩展名）'} 不在允许发布之列", origin))
    return problems


def reencode_image(path: Path) -> None:
    """Rewrite a raster image with its pixels only (turned upright by its EXIF orientation first)."""
    from PIL import Image, ImageOps

    with Image.open(path) as opened:
        frames = getattr(opened, "n_frames", 1)
        image = ImageOps.exif_transpose(opened) if frames == 1 else opened
        image.load()
        kept = {key: image.info[key] for key in _KEPT_INFO if key in image.info}
        image.info = {}
        kind = _FORMATS[path.suffix.lower()]
        options: dict[str, Any] = dict(kept)
        if frames > 1 and kind in ("GIF", "WEBP", "PNG"):
            options["save_all"] = True
        if kind == "JPEG":
            options["quality"] = 92
            if image.mode not in ("RGB", "L", "CMYK"):
                image = image.convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, kind, **options)
    path.write_bytes(buffer.getvalue())


def publish_clean(out: Path, origin: Path | None = None, checked: frozenset[str] = frozenset()) -> None:
    """Make the built site publishable, or refuse it: raster images re-encoded, tables neutral, allow-list checked
    (`checked`: the digests of neutral workbooks already read, see neutral_workbooks)."""
    for path in sorted(out.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        suffix = path.suffix.lower()
        rel = path.relative_to(out).as_posix()
        if suffix in RASTER_TYPES:
            try:
                reencode_image(path)
            except Exception:  # noqa: BLE001 - reported by unpublishable as an unreadable image
                continue
        elif suffix == ".csv" and rel.startswith(f"{GENERATED}/"):
            text = path.read_text(encoding="utf-8")
            neutral = cellsafe.neutral_csv(text)
            if neutral != text:
                path.write_text(neutral, encoding="utf-8")
    problems = unpublishable(out, origin, checked)
    if problems:
        shutil.rmtree(out, ignore_errors=True)
        raise NotPublishable(problems)


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
          today: date | None = None, workers: int | None = None, site_url: str | None = None,
          make_releases: bool = True) -> Generated:
    """Generate the data pages and build the whole site into `out` (see module docstring).

    `make_releases=False` publishes only the releases already stored: CI builds
    that cannot commit a new release must not draw fresh noise on every push.
    """
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
            generated = generate(root, staging / "docs", today, workers, make_releases=make_releases)
            _named_as_written(generated, origins)
            _refuse_stories(generated)
            with ThreadPoolExecutor(1) as reader:  # MkDocs runs in its own process meanwhile
                reading = reader.submit(neutral_workbooks, staging / "docs" / GENERATED)
                finish()
                checked = reading.result()
        publish_clean(out, staging / "docs", checked)
    return generated
