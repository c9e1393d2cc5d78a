"""The error-code reference is generated from the catalogue; every code is fully documented."""
from __future__ import annotations

import pytest

from conftest import PROJECT
from pingan.catalogue import CATALOGUE
from pingan.reference import missing_parts, render_codes_page


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_has_title_meaning_fix_and_example(code: str) -> None:
    assert missing_parts(CATALOGUE[code]) == []


def test_committed_page_matches_the_catalogue() -> None:
    committed = (PROJECT / "docs/reference/codes.md").read_text(encoding="utf-8")
    assert committed == render_codes_page(), "run `pingan codes --out docs/reference/codes.md`"
    assert all(f"### {code} " in committed for code in CATALOGUE)
