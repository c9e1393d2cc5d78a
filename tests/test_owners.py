"""CODEOWNERS for GitHub and GitLab are generated from the units and never drift."""
from __future__ import annotations

from pathlib import Path

from conftest import PROJECT, make_repo
from pingan.cli import main
from pingan.owners import GITHUB_FILE, GITLAB_FILE, render_codeowners
from pingan.reader import load_settings


def test_committed_codeowners_match_the_units() -> None:
    found = load_settings(PROJECT)
    for rel, host in ((GITHUB_FILE, "github"), (GITLAB_FILE, "gitlab")):
        committed = (PROJECT / rel).read_text(encoding="utf-8")
        assert committed == render_codeowners(found.units, found.province, host), \
            f"{rel} is out of date: run `pingan owners`"


def test_each_unit_folder_is_owned_by_its_maintainers_and_the_office(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    unit = root / "data/units/taiyuan.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("维护者: []", "维护者: [alice, '@bob']"), encoding="utf-8")
    province = root / "data/province.yaml"
    province.write_text(province.read_text(encoding="utf-8").replace("管理员: []", "管理员: [office]"),
                        encoding="utf-8")
    assert main(["owners", "--root", str(root)]) == 0
    text = (root / GITHUB_FILE).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "* @office"
    assert "/data/volunteers/taiyuan/ @alice @bob @office" in lines
    assert "/data/volunteers/datong/ @office" in lines
    assert (root / GITLAB_FILE).is_file()
