"""The error-code reference is generated from the catalogue; every code is fully documented."""
from __future__ import annotations

import pytest

from conftest import PROJECT
from pingan.catalogue import CATALOGUE, FAMILIES, family_of
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
