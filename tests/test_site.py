"""The public site: data pages, strict builds, navigation, story consent, and the CLI."""
from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import jinja2
import psutil
import pytest

from conftest import PROJECT
from pingan import cli, site
from pingan.charts import bar_chart, painters
from pingan.stories import check_stories, read_stories

TODAY = date(2026, 11, 29)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        for key in ("src", "href"):
            if tag in ("script", "img", "link", "iframe", "source") and values.get(key):
                self.sources.append(values[key] or "")


def parse(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def page_of(site_dir: Path, base: str, href: str) -> Path | None:
    """The file a relative link of page `base` (a site path like "plan/") opens, if inside the site."""
    url = urlparse(urljoin("http://site/" + base, href))
    if url.netloc != "site":
        return None
    path = site_dir / unquote(url.path).lstrip("/")
    return path / "index.html" if path.is_dir() else path


# ---------------------------------------------------------------------------------------------
# Building

def test_zero_records_still_builds(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    generated = site.build(repo, out, today=TODAY)
    assert generated.statistics.registered == 0 and generated.statistics.tables == []
    stats_page = (out / "generated/stats/index.html").read_text(encoding="utf-8")
    assert "暂无数据" in stats_page
    assert "暂无登记数据" in (out / "index.html").read_text(encoding="utf-8")
    rows = list(csv.reader((out / "generated/stats.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["表", "行", "列", "人数"] and ["各单位登记进度", "合计", "已登记", "0"] in rows


def test_small_repository_site(demo_site: tuple[Path, Path]) -> None:
    _, out = demo_site
    page = (out / "generated/stats/index.html").read_text(encoding="utf-8")
    assert "全省已登记青年平安志愿者 <strong>1000</strong> 人" in page
    assert page.count("<meter ") == 34
    for key in ("sex", "age", "education", "political", "ethnicity", "service-type", "service-items",
                "roles", "city", "month"):
        svg = (out / f"generated/charts/{key}.svg").read_text(encoding="utf-8")
        assert "<text" in svg and "font-family" in svg, key  # text kept as text
        assert f'src="../charts/{key}.svg"' in page
    quotas = (out / "plan/quotas/index.html").read_text(encoding="utf-8")
    assert "<strong>总计</strong>" in quotas and "<strong>30000</strong>" in quotas
    contacts = (out / "plan/organisation/index.html").read_text(encoding="utf-8")
    assert "sxzyzgzb@126.com" in contacts
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "stories/posts/demo" not in home  # links were resolved to story pages
    assert home.count('href="stories/2015/') >= 3


def test_csv_holds_exactly_the_published_numbers(demo_site: tuple[Path, Path]) -> None:
    _, out = demo_site
    rows = list(csv.reader((out / "generated/stats.csv").read_text(encoding="utf-8-sig").splitlines()))[1:]
    page = (out / "generated/stats/index.html").read_text(encoding="utf-8")
    cells = [html_cell.replace("&lt;", "<") for html_cell in re.findall(r"<td[^>]*>(?:<strong>)?([^<]*)", page)]
    published = [r[3] for r in rows]
    # Every number in a table cell of the page is in the CSV, and the CSV has nothing the page has not.
    numeric = [c for c in cells if re.fullmatch(r"\d+|<10|≥10|—", c)]
    assert sorted(numeric) == sorted(published)


def test_charts_are_repeatable() -> None:
    first = bar_chart("性别", ["男", "女"], ["120", "<10"])
    assert first == bar_chart("性别", ["男", "女"], ["120", "<10"])
    assert "<10" not in re.sub(r"<text.*?</text>|<!--.*?-->", "", first, flags=re.S).replace("&lt;10", "")


def new_children(before: set[int]) -> list[psutil.Process]:
    return [c for c in psutil.Process().children(recursive=True)
            if c.pid not in before and c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


def test_painters_draw_what_bar_chart_draws_and_hand_back_failures() -> None:
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    specs = [("性别", ["男", "女"], ["120", "<10"], False), ("每月登记人数", ["2014-11"], ["30"], True)]
    with painters(2) as draw:
        assert draw(specs)() == [bar_chart(t, labels, shown, time=v) for t, labels, shown, v in specs]
    with pytest.raises(TypeError), painters(2) as draw:
        draw([("坏图", None, ["1"], False)])()  # type: ignore[list-item]  # labels that are not a list
    with pytest.raises(KeyError), painters(2):
        raise KeyError("the caller failed before drawing")
    assert new_children(before) == []


def test_a_caller_that_fails_while_the_charts_are_drawn_leaves_no_process_and_no_traceback(
        capfd: pytest.CaptureFixture[str]) -> None:
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    with pytest.raises(KeyError), painters(2) as draw:
        draw([("性别", ["男", "女"], ["120", "<10"], False)] * 6)
        raise KeyError("writing the release workbooks failed")
    assert new_children(before) == []
    assert "Traceback" not in capfd.readouterr().err


def test_every_page_is_reachable_from_the_navigation(demo_site: tuple[Path, Path]) -> None:
    _, out = demo_site
    pages = {p for p in out.rglob("index.html")}
    seen, todo = {out / "index.html"}, [out / "index.html"]
    while todo:
        page = todo.pop()
        base = page.parent.relative_to(out).as_posix() + "/" if page.parent != out else ""
        for href in parse(page).links:
            target = page_of(out, base, href.split("#")[0]) if not href.startswith("#") else None
            if target and target.name == "index.html" and target.exists() and target not in seen:
                seen.add(target)
                todo.append(target)
    assert sorted(p.relative_to(out).as_posix() for p in pages - seen) == []


def test_no_page_loads_anything_from_outside(demo_site: tuple[Path, Path]) -> None:
    _, out = demo_site
    outside = []
    for page in out.rglob("*.html"):
        for ref in parse(page).sources:
            if urlparse(ref).scheme in ("http", "https") or ref.startswith("//"):
                outside.append((page.relative_to(out).as_posix(), ref))
    assert outside == []


def test_strict_build_fails_on_a_broken_link_or_anchor(repo: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    for part in ("mkdocs.yml", "docs", "overrides"):
        (shutil.copytree if (PROJECT / part).is_dir() else shutil.copy)(PROJECT / part, sources / part)
    shutil.rmtree(sources / "docs/generated", ignore_errors=True)
    about = sources / "docs/about/index.md"
    about.write_text(about.read_text(encoding="utf-8") + "\n\n[错误锚点](../plan/goals.md#no-such-anchor)\n",
                     encoding="utf-8")
    with pytest.raises(site.MkdocsFailed) as failed:
        site.build(repo, tmp_path / "out", sources=sources, today=TODAY)
    assert "no-such-anchor" in failed.value.log


def test_mkdocs_started_early_is_stopped_when_the_pages_never_come(tmp_path: Path) -> None:
    before = {child.pid for child in psutil.Process().children(recursive=True)}
    with pytest.raises(site.StoriesRefused), site.mkdocs_started(tmp_path, tmp_path / "out"):
        raise site.StoriesRefused([])
    assert new_children(before) == [] and not (tmp_path / "out").exists()


def test_output_folder_that_is_not_a_site_is_refused(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "important"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"x")
    with pytest.raises(site.NotASiteFolder):
        site.build(repo, out, today=TODAY)
    assert (out / "thesis.docx").exists()


def test_prepare_writes_the_snippets_mkdocs_yml_names(repo: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(PROJECT / "docs", sources / "docs", ignore=shutil.ignore_patterns("generated", "demo"))
    shutil.copy(PROJECT / "mkdocs.yml", sources / "mkdocs.yml")
    site.prepare(repo, sources, [PROJECT / "demo/stories"], TODAY)
    names = re.findall(r"^\s+/generated/(\S+)$", (PROJECT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    for name in [*names, "stats.md", "stats.csv"]:
        assert (sources / "docs/generated" / name).is_file(), name
    latest = (sources / "docs/generated/latest-stories.md").read_text(encoding="utf-8")
    assert latest.count("](stories/posts/demo/") == 3


# ---------------------------------------------------------------------------------------------
# Stories: consent of named persons

STORY = """---
date: 2015-05-20
categories:
  - 交通协管
authors:
  - office
人物:
{persons}
---

# 路口的志愿者

{body}
"""


def story_problems(tmp_path: Path, persons: str, body: str, names: set[str] | None = None,
                   vocabulary: str = "") -> list[tuple[str, int | None]]:
    posts = tmp_path / "posts"
    posts.mkdir(exist_ok=True)
    (posts / "x.md").write_text(STORY.format(persons=persons, body=body), encoding="utf-8")
    return [(p.code, p.line) for p in check_stories(read_stories(posts), names or set(), vocabulary)]


def test_story_with_consent_passes(tmp_path: Path) -> None:
    assert story_problems(tmp_path, "  - 姓名: 林晓岚\n    同意公开日期: 2015-05-10", "林晓岚在路口服务。",
                          {"林晓岚"}) == []


def test_story_person_without_consent_date(tmp_path: Path) -> None:
    assert story_problems(tmp_path, "  - 姓名: 林晓岚", "林晓岚在路口服务。") == [("STY003", 8)]


def test_story_consent_after_the_story(tmp_path: Path) -> None:
    assert story_problems(tmp_path, "  - 姓名: 林晓岚\n    同意公开日期: 2015-06-01",
                          "林晓岚在路口服务。") == [("STY004", 8)]


def test_story_person_not_in_the_text(tmp_path: Path) -> None:
    assert story_problems(tmp_path, "  - 姓名: 林晓兰\n    同意公开日期: 2015-05-10",
                          "林晓岚在路口服务。") == [("STY005", 8)]


def test_story_persons_not_a_list(tmp_path: Path) -> None:
    assert story_problems(tmp_path, "  林晓岚", "林晓岚在路口服务。") == [("STY002", 7)]


def test_story_front_matter_unreadable(tmp_path: Path) -> None:
    assert story_problems(tmp_path, "  - 姓名: [", "正文") == [("STY001", 1)]


def test_story_names_an_unlisted_volunteer(tmp_path: Path) -> None:
    found = story_problems(tmp_path, "  - 姓名: 林晓岚\n    同意公开日期: 2015-05-10",
                           "林晓岚和王建国在路口服务，倡导文明出行。", {"林晓岚", "王建国", "文明"}, "不文明行为")
    assert found == [("STY006", 14)]


def test_a_volunteer_name_inside_a_listed_name_is_not_another_person(tmp_path: Path) -> None:
    assert story_problems(tmp_path, "  - 姓名: 郭一鸣\n    同意公开日期: 2015-05-10", "郭一鸣在集市上讲课。",
                          {"郭一", "郭一鸣"}) == []


@pytest.mark.parametrize("written", ["王**建国**", "王<b>建</b>国", "王建&#22269;", "王建&amp;#22269;", "王\u2060建国",
                                     "王 建 国", "王\u3000建\u200b国", "%E7%8E%8B%E5%BB%BA%E5%9B%BD",
                                     "546L5bu65Zu9", '<img alt="王建国" src="a.png">'])
def test_an_unlisted_name_is_found_however_it_is_written(tmp_path: Path, written: str) -> None:
    found = story_problems(tmp_path, "  - 姓名: 林晓岚\n    同意公开日期: 2015-05-10", f"林晓岚和{written}在路口服务。",
                           {"林晓岚", "王建国"})
    assert [code for code, _ in found] == ["STY006"]


def test_an_unlisted_name_in_the_front_matter_is_found(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "x.md").write_text("---\ndate: 2015-05-20\ntitle: 王建国的一天\ndescription: 记王 建国\n---\n\n正文\n",
                                encoding="utf-8")
    assert [p.code for p in check_stories(read_stories(posts), {"王建国"})] == ["STY006"]


@pytest.mark.parametrize("body", ["<script>alert(1)</script>", "<iframe src='https://example.com'></iframe>",
                                  '<img src="a.png" onerror="alert(1)">', "[点我](javascript:alert(1))",
                                  "<SCRIPT src=//example.com/x.js></SCRIPT>", '<embed src="x.swf">'])
def test_a_story_cannot_publish_active_content(tmp_path: Path, body: str) -> None:
    codes = [code for code, _ in story_problems(tmp_path, "  []", body)]
    assert codes and set(codes) == {"STY007"}


@pytest.mark.parametrize("form", ['<form action="https://example.com/collect" method="post">',
                                  "<form method=post action=//example.com/c>",
                                  '<form><button formaction="http://example.com/x">提交</button></form>'])
def test_a_story_form_cannot_post_to_another_site(tmp_path: Path, form: str) -> None:
    assert [code for code, _ in story_problems(tmp_path, "  []", form + "姓名<input name=n></form>")] == ["STY008"]


def test_a_story_form_posting_to_the_site_itself_is_allowed(tmp_path: Path) -> None:
    assert story_problems(tmp_path, "  []", '<form action="../join/">报名</form>') == []


def test_build_refuses_a_story_without_consent(repo: Path, tmp_path: Path) -> None:
    extra = tmp_path / "stories"
    extra.mkdir()
    (extra / "x.md").write_text(STORY.format(persons="  - 姓名: 林晓岚", body="林晓岚在路口服务。"), encoding="utf-8")
    with pytest.raises(site.StoriesRefused) as refused:
        site.build(repo, tmp_path / "out", stories=[extra], today=TODAY)
    assert [p.code for p in refused.value.problems] == ["STY003"]
    assert not (tmp_path / "out").exists()


def test_draft_story_is_not_checked(tmp_path: Path) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "x.md").write_text("---\ndraft: true\n人物:\n  - 姓名: 林晓岚\n---\n正文\n", encoding="utf-8")
    assert check_stories(read_stories(posts)) == []


def test_demo_stories_pass(tmp_path: Path) -> None:
    stories = read_stories(PROJECT / "demo/stories")
    assert len(stories) == 3 and check_stories(stories) == []


# ---------------------------------------------------------------------------------------------
# The command

def test_cli_site_needs_out_or_prepare(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["site", "--root", str(repo)]) == 2
    assert "--out" in capsys.readouterr().err


def test_cli_site_story_refused(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = tmp_path / "stories"
    extra.mkdir()
    (extra / "x.md").write_text(STORY.format(persons="  - 姓名: 林晓岚", body="林晓岚在路口服务。"), encoding="utf-8")
    code = cli.main(["site", "--root", str(repo), "--out", str(tmp_path / "out"), "--stories", str(extra)])
    out = capsys.readouterr()
    assert code == 1
    assert f"{extra.as_posix()}/x.md:8:1: 错误 [STY003] 人物“林晓岚”缺少同意公开日期" in out.out


def test_cli_site_builds(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["site", "--root", str(repo), "--out", str(tmp_path / "out")])
    assert (code, capsys.readouterr().out.splitlines()[0]) == (0, "统计：已登记 0 人，总名额 30000 人。")
    assert (tmp_path / "out/index.html").is_file()


# ---------------------------------------------------------------------------------------------
# The public face (issue 14): contacts, dated text, staff pages, search index, charts

def test_contacts_snippet_has_links_sections_and_facts() -> None:
    from pingan.model import Contact, Province

    province = Province.model_validate({
        **__import__("yaml").safe_load((PROJECT / "data/province.yaml").read_text(encoding="utf-8")),
        "ICP备案号": "晋ICP备00000000号-1"})
    text = site.render_contacts(province)
    assert "[0351-4182850](tel:03514182850)（电话及传真）" in text
    assert "[sxzyzgzb@126.com](mailto:sxzyzgzb@126.com)" in text
    for name in ("table", "office"):
        assert f"[start:{name}]" in text and f"[end:{name}]" in text
    facts = site.site_facts(province)
    assert facts == {"organiser": "共青团山西省委", "phone": "0351-4182850", "tel": "tel:03514182850",
                     "email": "sxzyzgzb@126.com", "icp": "晋ICP备00000000号-1"}
    bare = province.model_copy(update={"organiser": None, "icp_filing": None,
                                       "public_contacts": [Contact.model_validate({"姓名": "高伟"})]})
    assert site.site_facts(bare) == {}
    assert "暂无公开的联系电话和电子邮箱" in site.render_contacts(bare)


def test_plan_phases_and_dated_sentences_follow_the_build_date() -> None:
    from pingan.markdown_ext import dated_text, phase_status

    assert phase_status((2014, 11), (2014, 12), date(2014, 10, 31)) == "later"
    assert phase_status((2014, 11), (2014, 12), date(2014, 12, 31)) == "now"
    assert phase_status((2014, 11), (2014, 12), date(2015, 1, 1)) == "done"
    assert phase_status((2016, 1), None, date(2026, 1, 1)) == "ongoing"
    line = "[[phase 2015-01 2015-06]] [[date 2015-01-01|将为|为]]"
    assert dated_text(line, date(2014, 12, 31)) == '<span class="pa-status pa-status--later">未开始</span> 将为'
    assert dated_text(line, date(2015, 3, 1)) == '<span class="pa-status pa-status--now">进行中</span> 为'


def test_built_face_statuses_footer_and_staff_pages(demo_site: tuple[Path, Path]) -> None:
    _, out = demo_site
    steps = (out / "plan/steps/index.html").read_text(encoding="utf-8")
    assert steps.count(">已完成</span>") == 4 and steps.count(">常态化</span>") == 1  # built on 2026-11-29
    mechanisms = (out / "plan/mechanisms/index.html").read_text(encoding="utf-8")
    assert "中国人寿保险山西省分公司为全省青年平安志愿者提供" in mechanisms and "将为" not in mechanisms
    for page in ("index.html", "join/index.html"):
        text = (out / page).read_text(encoding="utf-8")
        assert text.count('href="tel:03514182850"') >= 2 and text.count('href="mailto:sxzyzgzb@126.com"') >= 2
        assert "主办单位：共青团山西省委" in text and "pa-header__organiser" in text
    assert "ICP" not in (out / "index.html").read_text(encoding="utf-8")  # not set: not shown
    missing = (out / "404.html").read_text(encoding="utf-8")
    assert "找不到这个页面" in missing and "?q=" in missing
    assert 'title="本节链接"' in steps and 'alt="山西平安志愿者标识"' in steps
    staff = (out / "guides/unit/index.html").read_text(encoding="utf-8")
    assert "工作人员资料" in staff


def section_of(path: str) -> str:
    """The top-level navigation section of a site path."""
    if path.startswith(("guides/", "stories-guide/", "reference/", "about/zensical/")):
        return "staff"
    return path.split("/")[0]


def test_previous_and_next_stay_within_a_section(demo_site: tuple[Path, Path]) -> None:
    _, out = demo_site
    crossings = []
    for page in out.rglob("index.html"):
        base = page.parent.relative_to(out).as_posix() + "/" if page.parent != out else ""
        html = page.read_text(encoding="utf-8")
        for href in re.findall(r'<a href="([^"]*)" class="md-footer__link', html):
            target = page_of(out, base, href)
            assert target is not None
            there = target.parent.relative_to(out).as_posix() + "/"
            if section_of(base) != section_of(there):
                crossings.append((base, there))
    assert crossings == []


def test_search_index_is_small_public_and_without_statistics_tables(demo_site: tuple[Path, Path]) -> None:
    _, out = demo_site
    raw = (out / "search/search_index.json").read_bytes()
    assert len(raw) <= 200 * 1024
    index = __import__("json").loads(raw)
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert not [loc for loc in locations if section_of(loc) == "staff"]
    assert "generated/stats/" in locations  # the page itself is found, its tables are not
    stats_text = " ".join(doc["text"] for doc in index["docs"] if doc["location"].startswith("generated/stats/"))
    assert "长治市" not in stats_text and "太原理工大学" not in stats_text  # no table row is indexed


def test_real_build_home_has_no_demo_stories(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    site.build(repo, out, today=TODAY)
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "暂无事迹" in home and "示例" not in home


def test_long_month_series_are_drawn_by_quarter_or_year() -> None:
    from pingan.charts import by_period, number

    months = [f"{y}-{m:02d}" for y in range(2014, 2018) for m in range(1, 13)]  # 48 months
    labels, values = by_period(months, ["12"] * 47 + ["<10"])
    assert labels[0] == "2014年一季度" and len(labels) == 16
    assert values[0] == "36" and values[-1] == "至少 25"
    years = [f"{y}-{m:02d}" for y in range(2014, 2026) for m in range(1, 13)]  # 48 quarters
    labels, values = by_period(years, [5] * len(years))
    assert labels == [f"{y}年" for y in range(2014, 2026)] and values[0] == "60"
    assert by_period(["男"], ["<10"]) == (["男"], ["<10"])
    assert number("1,204") == 1204 and number(7.5) == 7.5 and number("<10") is None


def test_protected_counts_are_drawn_hatched_not_as_zero() -> None:
    svg = bar_chart("性别", ["男", "女"], ["120", "<10"])
    assert "hatch" in svg or "pattern" in svg
    assert svg.count("<10") == 0 and "&lt;10" in svg
    sizes = [float(s) for s in re.findall(r"font(?:-size)?:[^;\"]*?([\d.]+)px", svg)]
    width = float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1))  # type: ignore[union-attr]
    assert min(sizes) * 328 / width >= 11  # at a 360-pixel phone's text width of 328 pixels


def test_templates_compiled_before_the_pages_exist_are_used_by_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """The early MkDocs process compiles the theme's templates; the build's environment then loads them
    compiled and compiles none of them again."""
    from mkdocs.config import load_config

    from pingan import mkdocs_hooks

    class Counted(mkdocs_hooks._Compiled):
        dumped = 0

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            self.dumped += 1
            super().dump_bytecode(bucket)

    cache = Counted()
    monkeypatch.setattr(mkdocs_hooks, "COMPILED", cache)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    mkdocs_hooks.compile_templates(str(PROJECT / "mkdocs.yml"))
    compiled, cache.dumped = cache.dumped, 0
    env = mkdocs_hooks.on_env(load_config(str(PROJECT / "mkdocs.yml")).theme.get_env(), None, None)
    everything = env.list_templates(filter_func=lambda name: name.endswith(".html"))
    assert 20 < compiled == len(cache.code) < len(everything) / 2  # the site's languages, not Material's sixty
    for name in ("main.html", "404.html", "base.html", "partials/languages/zh.html", "partials/footer.html"):
        env.get_template(name)
    assert cache.dumped == 0, "every template the pages use was compiled early"


def test_a_broken_site_configuration_is_reported_in_mkdocs_words_not_as_a_traceback(tmp_path: Path) -> None:
    """The early process reads mkdocs.yml to compile the templates; when it cannot, MkDocs' own build says why."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/index.md").write_text("# 首页\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: [\n", encoding="utf-8")  # the list is never closed
    with pytest.raises(site.MkdocsFailed) as failed:
        site.mkdocs_build(tmp_path, tmp_path / "out")
    assert "error parsing the configuration file" in failed.value.log and "Traceback" not in failed.value.log
