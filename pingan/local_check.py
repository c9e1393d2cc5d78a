"""`pingan check`: the pull-request gate exactly as CI runs it, on the current branch's committed changes.

A unit's local check used to look at uncommitted edits without an author,
so a file never added to git passed locally while the commit was wrong. This
checks a clean copy of HEAD (a temporary git worktree) against the target
branch, with the author from PINGAN_AUTHOR or `git config pingan.author`,
and lists uncommitted files separately: they are not part of the check.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import gitio
from .errors import GitUnavailable, NoHistory, PinganError
from .problems import Report
from .reader import CACHE_DIR, target_branch
from .validate import validate


class NoAuthor(PinganError):
    """Neither PINGAN_AUTHOR nor `git config pingan.author` names the login to check as."""


@dataclass
class LocalCheck:
    """The gate's report for HEAD, who it was checked as, against what, and what was left uncommitted."""

    report: Report
    author: str
    target: str
    uncommitted: list[str] = field(default_factory=list)


def author_of(root: Path) -> str:
    """The login to check as: PINGAN_AUTHOR, else `git config pingan.author`; raises NoAuthor."""
    login = os.environ.get("PINGAN_AUTHOR", "").strip()
    if not login:
        try:
            login = gitio.text(root, "config", "--get", "pingan.author").strip()
        except GitUnavailable:
            login = ""
    if not login:
        raise NoAuthor(str(root))
    return login


def check_committed(root: Path, today: date | None = None) -> LocalCheck:
    """Run the gate on HEAD's committed tree as CI would; raises NoHistory, NoAuthor."""
    target = target_branch(root)
    if target is None:
        raise NoHistory("origin/main 或 main")
    author = author_of(root)
    status = gitio.text(root, "status", "--porcelain", "-z", "--untracked-files=all", failure=NoHistory)
    uncommitted = sorted({entry[3:] for entry in status.split("\0") if len(entry) > 3})
    with tempfile.TemporaryDirectory(prefix="pingan-check-") as tmp:
        tree = Path(tmp) / "tree"
        gitio.git(root, "worktree", "add", "--quiet", "--detach", str(tree), "HEAD", failure=NoHistory)
        try:
            report = validate(tree, today=today, changed_since=target, authors=[author],
                              cache_dir=root / CACHE_DIR)  # verdicts are keyed by content: the same files reuse them
        finally:
            gitio.git(root, "worktree", "remove", "--force", str(tree), failure=NoHistory)
    return LocalCheck(report, author, target.removeprefix("refs/remotes/").removeprefix("refs/heads/"), uncommitted)
