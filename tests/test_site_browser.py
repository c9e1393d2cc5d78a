"""The built site in a real browser (Debian's chromium through Playwright), as a reader would use it.

Served by a local http.server on 127.0.0.1: main pages render, search finds
programme words, every request stays on 127.0.0.1, no console errors, axe-core
finds no serious or critical WCAG 2 A/AA violation, and a phone-sized screen
needs no sideways scrolling. Screenshots go to test-output/site/.
"""
from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import PROJECT

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
AXE = PROJECT / "node_modules/axe-core/axe.min.js"
SHOTS = PROJECT / "test-output/site"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium (make system-deps)")


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
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert visit.outside() == []
    assert visit.errors == []
    assert serious_violations(page) == []


def serious_violations(page: object) -> list[dict[str, object]]:
    """axe-core's serious and critical WCAG 2.0/2.1 A and AA violations on the page."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make node_modules/.installed` (npm ci)")
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


@pytest.mark.parametrize("name", [*MAIN_PAGES, "story"])
def test_phone_screen_has_no_sideways_scroll(name: str, browser: object, base_url: str,
                                            demo_site: tuple[Path, Path]) -> None:
    v = Visit(browser, base_url, {"width": 390, "height": 844})
    try:
        page = v.open(MAIN_PAGES[name][0] if name in MAIN_PAGES else story_path(demo_site))
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"phone-{name}.png"))
        assert overflow <= 0
        assert v.outside() == [] and v.errors == []
    finally:
        v.close()
