"""Data-driven record cases: every valid case passes clean, every invalid case yields exactly its one problem.

An invalid case is named `<CODE>-<what>.yaml` and says on its first line
`# expect: <CODE> <line>:<col>` (or `-` when the problem has no position). A case
may say `# path: data/volunteers/<unit>/<file>.yaml` to be placed elsewhere than
its 编号 implies. A case that is a symbolic link carries its code in its name only.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import make_repo
from pingan.catalogue import CATALOGUE
from pingan.validate import validate

CASES = Path(__file__).parent / "cases"
VALID = sorted((CASES / "valid").glob("*.yaml"))
INVALID = sorted((CASES / "invalid").glob("*.yaml"))
SCENARIOS = Path(__file__).parent / "scenarios"


def header(case: Path, key: str) -> str | None:
    """A `# key: value` line among the case's first two lines (read as bytes: some cases are not UTF-8)."""
    if case.is_symlink():
        return None
    for line in case.read_bytes().splitlines()[:2]:
        match = re.match(rf"# {key}: (.+)", line.decode("ascii", "replace"))
        if match:
            return match.group(1).strip()
    return None


def placed(case: Path, root: Path) -> Path:
    """Copy the case into the repository at its `# path:` or where its 编号 says it belongs."""
    rel = header(case, "path")
    if rel is None:
        target = case.resolve() if case.is_symlink() else case
        number = re.search(rb"\n\xe7\xbc\x96\xe5\x8f\xb7: ([a-z0-9-]+)", target.read_bytes())  # "编号: "
        record_id = number.group(1).decode() if number else "taiyuan-00001"
        rel = f"data/volunteers/{record_id.rsplit('-', 1)[0]}/{record_id}.yaml"
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if case.is_symlink():
        real = path.with_name("real-target.txt")
        real.write_bytes(case.resolve().read_bytes())
        os.symlink(real.name, path)
    else:
        path.write_bytes(case.read_bytes())
    return path


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.stem)
def test_valid_case_has_no_problem(case: Path, tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    report = validate(root, [placed(case, root)])
    assert [(p.code, p.line, p.col, p.message) for p in report.problems] == []


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.stem)
def test_invalid_case_has_exactly_its_problem(case: Path, tmp_path: Path) -> None:
    code = case.name.split("-")[0]
    expect = header(case, "expect") or f"{code} -"
    expected_code, where = expect.split()
    assert expected_code == code, "the expect line names another code than the file name"
    line, col = (None, None) if where == "-" else map(int, where.split(":"))
    root = make_repo(tmp_path)
    report = validate(root, [placed(case, root)])
    assert [(p.code, p.line, p.col) for p in report.problems] == [(code, line, col)]


def scenario_codes() -> set[str]:
    """Codes that multi-file scenarios expect (tests/scenarios/*/expect.txt)."""
    codes: set[str] = set()
    for expect in SCENARIOS.glob("*/expect.txt"):
        codes |= set(re.findall(r"^([A-Z]{2,4}[0-9]{3})\b", expect.read_text(encoding="utf-8"), re.M))
    return codes


#: Codes that no YAML record can produce, each family with the test that produces every one of its codes.
OTHER_FAMILIES = {
    "XLS": Path(__file__).parent / "test_template_import.py",  # test_every_import_code_is_produced
    "STY": Path(__file__).parent / "test_site.py",  # one story case per code
    "LEK": Path(__file__).parent / "test_leak.py",  # the leak-check CLI prints LEK001
    "AUT": Path(__file__).parent / "test_gate.py",  # the hostile pull-request suite
    "NUM": Path(__file__).parent / "test_gate.py",  # numbers are permanent
    "ENC": Path(__file__).parent / "test_encryption.py",  # encrypted records and key files
}


def family_codes() -> set[str]:
    """Codes of the other families whose test file names them (the XLS test also asserts all are produced)."""
    codes: set[str] = set()
    for family, test_file in OTHER_FAMILIES.items():
        text = test_file.read_text(encoding="utf-8")
        codes |= {code for code in CATALOGUE if code.startswith(family) and
                  (code in text or "test_every_import_code_is_produced" in text)}
    return codes


def test_every_catalogue_code_has_a_case() -> None:
    covered = {case.name.split("-")[0] for case in INVALID} | scenario_codes() | family_codes()
    assert sorted(set(CATALOGUE) - covered) == []


def test_every_case_names_a_catalogue_code() -> None:
    named = {case.name.split("-")[0] for case in INVALID} | scenario_codes()
    assert sorted(named - set(CATALOGUE)) == []
