"""Multi-file scenarios: each folder under tests/scenarios/ is a tiny repository and what `pingan` must say.

A scenario folder holds:

* `expect.txt`: the first line is the command's arguments (`validate …`, PATHs
  relative to the repository); every other line is one expected problem,
  `CODE path:line:col` or `CODE path`, optionally followed by its level
  (错误 / 警告 / 提示) when the level is the point. Lines starting with # are comments.
* `repo/`: files laid over the project's own units and province settings;
* `base/` (optional): files laid first and committed on `main`; `repo/` is then
  laid on a branch and committed, so `--changed-since main` sees it as a pull request;
* `delete.txt` (optional): paths removed on that branch (`base` + `delete` + `repo` = a rename);
* `links.txt` (optional): `path -> target` symbolic links made last.

The problems printed must be exactly the expected ones, no more, no fewer.
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import make_repo
from pingan.cli import main

SCENARIOS = Path(__file__).parent / "scenarios"
NAMES = sorted(p.name for p in SCENARIOS.iterdir() if (p / "expect.txt").is_file())
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def overlay(source: Path, root: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, root, dirs_exist_ok=True)


def lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def build(scenario: Path, root: Path) -> None:
    """Lay out the scenario's repository under `root` (a git repository when it has a base)."""
    make_repo(root)
    if (scenario / "base").is_dir():
        overlay(scenario / "base", root)
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "base")
        git(root, "checkout", "-q", "-b", "change")
    for rel in lines(scenario / "delete.txt"):
        (root / rel).unlink()
    overlay(scenario / "repo", root)
    for line in lines(scenario / "links.txt"):
        link, target = (part.strip() for part in line.split("->"))
        (root / link).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, root / link)
    if (scenario / "base").is_dir():
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "change")


def expected(scenario: Path) -> tuple[list[str], list[tuple[str, str, str | None]]]:
    first, *rest = lines(scenario / "expect.txt")
    problems = []
    for line in rest:
        code, where, *level = line.split()
        problems.append((code, where, level[0] if level else None))
    return shlex.split(first), sorted(problems)


def run(root: Path, args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.chdir(root)
    capsys.readouterr()
    status = main([*args, "--root", str(root), "--format", "json", "--no-cache"])
    report = json.loads(capsys.readouterr().out)
    assert status == (0 if report["valid"] else 1)
    return report


@pytest.mark.parametrize("name", NAMES)
def test_scenario(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                  monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = SCENARIOS / name
    root = tmp_path / "repo"
    build(scenario, root)
    args, want = expected(scenario)
    report = run(root, args, capsys, monkeypatch)
    got = sorted((p["code"], ":".join(str(x) for x in (p["file"], p["line"], p["col"]) if x is not None), p["level"])
                 for p in report["problems"])
    assert [(code, where) for code, where, _ in got] == [(code, where) for code, where, _ in want], \
        "\n".join(f"{c} {w} {lv}" for c, w, lv in got)
    for (_, _, level), (_, _, wanted) in zip(got, want):
        assert wanted is None or level == wanted


def test_every_scenario_is_run() -> None:
    assert len(NAMES) >= 10 and all((SCENARIOS / name / "repo").is_dir() for name in NAMES)


def test_output_shown_in_the_unit_guide_is_real(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Every sample line of `pingan validate` output in docs/guides/unit.md is printed by some scenario."""
    guide = (Path(__file__).parent.parent / "docs/guides/unit.md").read_text(encoding="utf-8")
    shown = [line for line in guide.splitlines() if line.startswith(("data/", "校验未通过", "校验通过")) and "错误" in line]
    printed: set[str] = set()
    for name in ("pre-commit-path", "unit-at-quota-and-over"):
        root = tmp_path / name
        build(SCENARIOS / name, root)
        args, _ = expected(SCENARIOS / name)
        monkeypatch.chdir(root)
        capsys.readouterr()
        main([*args, "--root", str(root), "--no-cache"])
        printed |= set(capsys.readouterr().out.splitlines())
    assert len(shown) >= 3 and [line for line in shown if line not in printed] == []
