"""The documentation units follow stays true: its example record is valid and its sample error is real."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import PROJECT, make_repo
from pingan.report import text_line
from pingan.validate import validate

UNIT_README = PROJECT / "data/volunteers/README.md"


def example_record() -> str:
    return re.search(r"```yaml\n(.*?)```", UNIT_README.read_text(encoding="utf-8"), re.S).group(1)


def test_unit_readme_example_is_valid(tmp_path: Path) -> None:
    rel = "data/volunteers/taiyuan/taiyuan-00001.yaml"
    root = make_repo(tmp_path, {rel: example_record()})
    assert validate(root).problems == []


def test_unit_readme_sample_error_is_what_the_validator_prints(tmp_path: Path) -> None:
    rel = "data/volunteers/taiyuan/taiyuan-00001.yaml"
    broken = example_record().replace('"140121199001011019"', '"140121199001011018"')
    root = make_repo(tmp_path, {rel: broken})
    lines = [text_line(p) for p in validate(root).problems]
    assert len(lines) == 1 and lines[0] in UNIT_README.read_text(encoding="utf-8")


def test_readme_starts_with_the_two_setup_commands() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```sh\n(.*?)```", readme, re.S).group(1)
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make demo", "make test"]


def test_no_personal_data_is_committed_under_data_volunteers() -> None:
    files = [p.relative_to(PROJECT).as_posix() for p in (PROJECT / "data/volunteers").rglob("*") if p.is_file()]
    assert files == ["data/volunteers/README.md"]
