"""The error-code reference is generated from the catalogue; every code is fully documented."""
from __future__ import annotations

import re

import markdown
import pytest
from mkdocs.utils import yaml_load

from conftest import PROJECT
from pingan.catalogue import CATALOGUE, FAMILIES, anchor, family_of, lookup_note, page_url
from pingan.reference import missing_parts, render_codes_page, sections


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_has_title_meaning_fix_and_example(code: str) -> None:
    assert missing_parts(CATALOGUE[code]) == []


def test_committed_page_matches_the_catalogue() -> None:
    committed = (PROJECT / "docs/reference/codes.md").read_text(encoding="utf-8")
    assert committed == render_codes_page(), "run `pingan codes --out docs/reference/codes.md`"
    assert all(f"### {code} " in committed for code in CATALOGUE)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_prefix_has_a_family(code: str) -> None:
    family = family_of(code)
    assert family is not None, f"add the prefix of {code} to FAMILIES in pingan/catalogue.py"
    assert code.startswith(family.prefix) and code[len(family.prefix):].isdigit()


def test_families_are_distinct_and_none_is_empty() -> None:
    prefixes = [family.prefix for family in FAMILIES]
    assert len(set(prefixes)) == len(prefixes)
    assert len({family.title for family in FAMILIES}) == len(FAMILIES)
    assert all(any(family_of(code) == family for code in CATALOGUE) for family in FAMILIES)


def test_page_lists_every_family_in_order_and_nothing_under_other() -> None:
    page = render_codes_page()
    headings = [line.removeprefix("## ") for line in page.splitlines() if line.startswith("## ")]
    assert headings == [family.title for family in FAMILIES]
    assert "## 其他" not in page
    assert [family for family, _ in sections()] == list(FAMILIES)


def _markdown_of_the_site() -> markdown.Markdown:
    """Python-Markdown configured as mkdocs.yml configures it (toc slugify, attr_list), for the headings only."""
    config = yaml_load((PROJECT / "mkdocs.yml").read_text(encoding="utf-8"))
    wanted = {"toc", "attr_list"}
    extensions, configs = [], {}
    for item in config["markdown_extensions"]:
        name, options = next(iter(item.items())) if isinstance(item, dict) else (item, {})
        if name in wanted:
            extensions.append(name)
            configs[name] = options or {}
    assert set(extensions) == wanted, "the page's anchors rely on toc and attr_list in mkdocs.yml"
    return markdown.Markdown(extensions=extensions, extension_configs=configs)


def test_every_code_has_its_fixed_anchor_on_the_built_page() -> None:
    config = yaml_load((PROJECT / "mkdocs.yml").read_text(encoding="utf-8"))
    staff = next(item["工作人员"] for item in config["nav"] if isinstance(item, dict) and "工作人员" in item)
    assert config["use_directory_urls"] is True and {"错误代码": "reference/codes.md"} in staff  # → reference/codes/
    source = (PROJECT / "docs/reference/codes.md").read_text(encoding="utf-8")
    html = _markdown_of_the_site().convert(source)
    ids = re.findall(r'<h3 id="([^"]+)"', html)
    assert ids == [anchor(code) for code in ids_order()]
    for code in CATALOGUE:
        assert page_url(code) == f"reference/codes/#{code.lower()}"
        assert f'<h3 id="{code.lower()}">{code} {CATALOGUE[code].title}<' in html
        assert f"### {code} {CATALOGUE[code].title} {{#{code.lower()}}}" in source


def ids_order() -> list[str]:
    """The codes in the order the page lists them."""
    return [code for _, codes in sections() for code in codes]


def test_lookup_note_names_the_code_and_where_the_page_is() -> None:
    assert lookup_note("ID003") == "（代码 ID003，说明见网站“工作人员 → 错误代码”中的 ID003）"
