"""The built site in a real browser (Debian's chromium through Playwright), as a reader would use it.

Served by a local http.server on 127.0.0.1: main pages render, search finds
programme words and puts public pages first, every request stays on 127.0.0.1,
no console errors, axe-core finds no serious or critical WCAG 2 A/AA violation
on any page at 1280 and 390 pixels, a phone-sized screen needs no sideways
scrolling, tables scroll in a focusable, labelled box, chart text is legible on
a 360-pixel phone, and the home page stays within its transfer budget.
Full-page screenshots of every page at both widths go to test-output/site/.
"""
from __future__ import annotations

import functools
import gzip
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import PROJECT

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
AXE = PROJECT / "node_modules/axe-core/axe.min.js"
SHOTS = PROJECT / "test-output/site"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium (make system-deps)")
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 740}
#: Home page at 390 px, cold cache: everything until network idle, each body gzip-compressed at level 6.
HOME_BUDGET = 120 * 1024
STAFF = ("guides/", "stories-guide/", "reference/", "about/zensical/")


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def base_url(demo_site: tuple[Path, Path]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(demo_site[1])))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


class Visit:
    """A page with its requests and console errors recorded."""

    def __init__(self, browser: object, base: str, viewport: dict[str, int] | None = None):
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale="zh-CN")
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.base = base

    def open(self, path: str) -> object:
        self.page.goto(self.base + path, wait_until="networkidle")
        return self.page

    def outside(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.base) and not u.startswith("data:")]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: object, base_url: str) -> Iterator[Visit]:
    v = Visit(browser, base_url)
    yield v
    v.close()


def story_path(demo_site: tuple[Path, Path]) -> str:
    found = sorted((demo_site[1] / "stories").glob("2015/*/*/*/index.html"))
    assert found, "the sample stories were built"
    return found[0].parent.relative_to(demo_site[1]).as_posix() + "/"


MAIN_PAGES = {
    "home": ("", "山西平安志愿者"),
    "plan": ("plan/", "工作推进方案"),
    "guide-traffic": ("guides-service/areas/traffic/", "交通协管"),
    "stats": ("generated/stats/", "数据统计"),
}


@pytest.mark.parametrize("name", [*MAIN_PAGES, "story"])
def test_page_renders_accessibly_with_nothing_from_outside(name: str, visit: Visit, demo_site: tuple[Path, Path]) -> None:
    path, heading = MAIN_PAGES.get(name, (None, "示例"))
    page = visit.open(path if path is not None else story_path(demo_site))
    assert heading in page.locator("article h1").first.inner_text()
    if name == "stats":
        assert page.locator("article table").count() >= 10
        assert page.locator("article img[src$='.svg']").count() >= 8
        assert page.locator("meter").count() == 34
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert visit.outside() == []
    assert visit.errors == []


def serious_violations(page: object) -> list[dict[str, object]]:
    """axe-core's serious and critical WCAG 2.0/2.1 A and AA violations on the page."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make node_modules/.installed` (npm ci)")
    # The full-page screenshot scrolls; Material then fades its tabs out and back. axe must judge the page at
    # rest, not a colour caught mid-transition, so transitions end at once and the page is back at the top.
    page.add_style_tag(content="*, *::before, *::after { transition: none !important; animation: none !important; }")
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(100)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def search(page: object, words: str) -> object:
    box = page.locator("input.md-search__input")
    if not box.is_visible():  # narrow screens: the search field opens from the header button
        page.locator(".md-header__button[for='__search']").click()
    box.click()
    page.keyboard.type(words)
    page.keyboard.press("End")  # typing CJK alone does not fire Material's search
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15000)
    return results


def result_links(results: object) -> list[str]:
    return [results.nth(i).locator("a").first.get_attribute("href") or "" for i in range(results.count())]


def test_search_traffic_finds_the_traffic_guide_first(visit: Visit) -> None:
    page = visit.open("")
    results = search(page, "交通协管")
    href = results.first.locator("a").first.get_attribute("href") or ""
    assert "guides-service/areas/traffic/" in href
    page.screenshot(path=str(SHOTS / "search-traffic.png"))
    assert visit.outside() == [] and visit.errors == []


def test_search_drowning_returns_results(visit: Visit) -> None:
    page = visit.open("")
    assert search(page, "溺水").count() >= 1
    assert visit.outside() == [] and visit.errors == []


@pytest.mark.parametrize("words", ["交通协管", "法律援助", "志愿者", "报名", "太原"])
def test_search_puts_public_pages_first(words: str, visit: Visit) -> None:
    page = visit.open("")
    results = search(page, words)
    page.wait_for_timeout(300)  # let the list settle
    first = [urlparse(href).path for href in result_links(results)[:3]]
    assert first, words
    staff = [path for path in first if any(f"/{part}" in path for part in STAFF)]
    assert staff == [], (words, first)


def site_pages(site_dir: Path) -> list[str]:
    pages = sorted(p.parent.relative_to(site_dir).as_posix() + "/" for p in site_dir.rglob("index.html"))
    return ["" if p == "./" else p for p in pages]


HEADINGS_IN_ORDER = """() => {
    const levels = [...document.querySelectorAll('.md-content :is(h1, h2, h3, h4, h5, h6)')]
        .filter(h => !h.closest('.md-typeset .admonition')).map(h => Number(h.tagName[1]));
    const jumps = levels.filter((l, i) => i > 0 && l > levels[i - 1] + 1);
    return {h1: levels.filter(l => l === 1).length, first: levels[0], jumps: jumps.length};
}"""

#: Visible elements whose text, background or border colour is a saturated green, blue or purple.
OFF_PALETTE = r"""() => {
    const hue = (r, g, b) => {
        const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
        if (d < 60) return null;  // grey-ish: not a colour of the palette question
        const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
        return (h * 60 + 360) % 360;
    };
    const found = [];
    for (const el of document.querySelectorAll('body *')) {
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || style.display === 'none' || !el.getClientRects().length) continue;
        for (const prop of ['color', 'background-color', 'border-left-color', 'border-top-color']) {
            const m = style[prop.replace(/-(.)/g, (_, c) => c.toUpperCase())].match(/rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?/);
            if (!m || (m[4] !== undefined && Number(m[4]) < 0.2)) continue;
            if (prop !== 'color' && prop !== 'background-color' && style[prop.replace('-color', '-width').replace(/-(.)/g, (_, c) => c.toUpperCase())] === '0px') continue;
            const h = hue(+m[1], +m[2], +m[3]);
            if (h !== null && h > 75 && h < 320) found.push(el.tagName + '.' + el.className + ' ' + prop + ' ' + m[0]);
        }
    }
    return found.slice(0, 5);
}"""


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["1280", "390"])
def test_every_page_is_accessible_and_on_palette(viewport: dict[str, int], browser: object, base_url: str,
                                                 demo_site: tuple[Path, Path]) -> None:
    """axe-core on every page, headings in order, red/yellow only; a full-page screenshot of each."""
    v = Visit(browser, base_url, viewport)
    shots = SHOTS / str(viewport["width"])
    shots.mkdir(parents=True, exist_ok=True)
    problems: dict[str, object] = {}
    try:
        for path in [*site_pages(demo_site[1]), "404.html"]:
            page = v.open(path)
            name = path.strip("/").replace("/", "_") or "home"
            page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
            if found := serious_violations(page):
                problems[f"{path} axe"] = found
            headings = page.evaluate(HEADINGS_IN_ORDER)
            if headings != {"h1": 1, "first": 1, "jumps": 0}:
                problems[f"{path} headings"] = headings
            if off := page.evaluate(OFF_PALETTE):
                problems[f"{path} colours"] = off
        assert problems == {}
        assert v.outside() == []
        assert [e for e in v.errors if "404" not in e] == []  # 404.html is served with status 200 here
    finally:
        v.close()


def test_home_page_fits_the_transfer_budget(browser: object, base_url: str) -> None:
    v = Visit(browser, base_url, PHONE)
    sizes: dict[str, int] = {}

    def record(response: object) -> None:
        try:
            sizes[response.url] = len(gzip.compress(response.body(), 6))
        except Exception:  # a redirect or an aborted request has no body
            pass

    try:
        v.page.on("response", record)
        v.open("")
        v.page.wait_for_timeout(300)
        index = [size for url, size in sizes.items() if url.endswith("search_index.json")]
        assert index, "the search index was loaded"
        assert sum(sizes.values()) <= HOME_BUDGET, sorted(sizes.items(), key=lambda kv: -kv[1])
    finally:
        v.close()


TABLES = """() => [...document.querySelectorAll('article table')].map(t => {
    const box = t.closest('.md-typeset__scrollwrap');
    const hint = box && box.previousElementSibling;
    return {fits: t.getBoundingClientRect().right <= document.documentElement.clientWidth + 0.5,
            scrolls: !!box && box.scrollWidth > box.clientWidth,
            tabindex: box && box.getAttribute('tabindex'), role: box && box.getAttribute('role'),
            label: box && box.getAttribute('aria-label'),
            hint: !!hint && hint.classList.contains('pa-scroll-hint') && !hint.hidden && hint.offsetHeight > 0,
            cut: [...t.querySelectorAll('td, th')].some(c => c.scrollWidth > c.clientWidth + 1)};
})"""


@pytest.mark.parametrize("viewport", [NARROW, PHONE], ids=["360", "390"])
def test_tables_fit_or_scroll_in_a_labelled_focusable_box(viewport: dict[str, int], browser: object,
                                                          base_url: str) -> None:
    v = Visit(browser, base_url, viewport)
    try:
        for path in ("generated/stats/", "plan/quotas/", "join/", "plan/organisation/"):
            tables = v.open(path).evaluate(TABLES)
            assert tables, path
            for i, t in enumerate(tables):
                assert not t["cut"], (path, i, t)
                if not t["fits"]:
                    assert t["scrolls"] and t["tabindex"] == "0" and t["role"] == "region", (path, i, t)
                    assert t["label"] and re.search(r"[\u4e00-\u9fff]", t["label"]), (path, i, t)
                    assert t["hint"], (path, i, t)
        assert v.errors == []
    finally:
        v.close()


CHART_TEXT = r"""async () => {
    const out = [];
    for (const img of document.querySelectorAll('article img.pa-chart')) {
        const svg = new DOMParser().parseFromString(await (await fetch(img.src)).text(), 'image/svg+xml');
        const viewBox = svg.documentElement.getAttribute('viewBox').split(/\s+/).map(Number);
        const sizes = [...svg.querySelectorAll('text')].map(t => {
            const m = (t.getAttribute('style') || '').match(/font(?:-size)?:[^;]*?([\d.]+)px/);
            return m ? Number(m[1]) : null;
        }).filter(x => x !== null);
        out.push({src: img.getAttribute('src'), px: Math.min(...sizes) * img.clientWidth / viewBox[2], texts: sizes.length});
    }
    return out;
}"""


def test_chart_text_is_legible_on_a_360_pixel_phone(browser: object, base_url: str) -> None:
    v = Visit(browser, base_url, NARROW)
    try:
        charts = v.open("generated/stats/").evaluate(CHART_TEXT)
        assert len(charts) >= 8
        for chart in charts:
            assert chart["texts"] > 0 and chart["px"] >= 11, chart
    finally:
        v.close()


def test_skip_link_works_on_a_phone(browser: object, base_url: str) -> None:
    v = Visit(browser, base_url, PHONE)
    try:
        page = v.open("join/")
        page.keyboard.press("Tab")
        skip = page.evaluate("() => [document.activeElement.classList.contains('md-skip'), "
                             "document.activeElement.textContent.trim()]")
        assert skip == [True, "跳转至"]
        assert page.locator(".md-skip").is_visible()
        page.keyboard.press("Enter")
        page.wait_for_timeout(200)
        top = page.evaluate("""() => {
            const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
            return target && target.closest('article') ? target.getBoundingClientRect().top : null;
        }""")
        assert top is not None and 0 <= top < PHONE["height"] / 2
    finally:
        v.close()


def test_official_face(browser: object, base_url: str) -> None:
    """Organiser in the header and footer, office contacts as links, bold titles, notices at body size."""
    v = Visit(browser, base_url, PHONE)
    try:
        page = v.open("")
        assert "共青团山西省委" in page.locator("header.md-header").inner_text()
        footer = page.locator("footer .md-copyright")
        assert "主办单位：共青团山西省委" in footer.inner_text()
        for where in ("article", "footer"):
            assert page.locator(f"{where} a[href^='tel:']").count() >= 1, where
            assert page.locator(f"{where} a[href^='mailto:']").count() >= 1, where
        looks = page.evaluate("""() => {
            const size = s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize);
            return {h1: getComputedStyle(document.querySelector('article h1')).fontWeight,
                    notice: size('article .admonition.danger p'), body: size('article > p'),
                    header: getComputedStyle(document.querySelector('.md-header')).backgroundColor};
        }""")
        assert int(looks["h1"]) >= 700 and looks["notice"] >= looks["body"], looks
        assert looks["header"] == "rgb(181, 18, 27)", looks
        join = v.open("join/")
        assert join.locator("article a[href^='tel:']").count() >= 1
        assert join.locator("article a[href^='mailto:']").count() >= 1
        missing = v.open("404.html")
        assert "找不到这个页面" in missing.locator("article h1").inner_text()
        hrefs = [missing.locator("article a").nth(i).get_attribute("href") for i in range(2)]
        assert hrefs[0] and hrefs[1] and hrefs[1].endswith("?q=")
        missing.locator("article a", has_text="搜索本站").click()
        missing.locator("input.md-search__input").wait_for(state="visible")
    finally:
        v.close()


@pytest.mark.parametrize("name", [*MAIN_PAGES, "story"])
def test_phone_screen_has_no_sideways_scroll(name: str, browser: object, base_url: str,
                                            demo_site: tuple[Path, Path]) -> None:
    v = Visit(browser, base_url, PHONE)
    try:
        page = v.open(MAIN_PAGES[name][0] if name in MAIN_PAGES else story_path(demo_site))
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"phone-{name}.png"))
        assert overflow <= 0
        assert v.outside() == [] and v.errors == []
    finally:
        v.close()
