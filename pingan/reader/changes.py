"""Which files a pull request changes: git merge-base, diff --name-status -M, and untracked files.

"Changed" means everything between the merge base of REF and HEAD and the
working tree: committed, staged, unstaged and untracked (not ignored) files.
Paths are relative to the repository root given (POSIX), as the validator
names files.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import gitio
from ..errors import ChangesUnavailable

ADDED, MODIFIED, DELETED, RENAMED = "A", "M", "D", "R"


@dataclass(frozen=True)
class Change:
    """One changed path; a rename has the path it had on the base in `old`."""

    status: str
    path: str
    old: str | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path the change touches: the new one, and the old one of a rename."""
        return (self.path,) if self.old is None else (self.path, self.old)


def _git(root: Path, *args: str) -> str:
    return gitio.text(root, *args, failure=ChangesUnavailable)


def merge_base(root: Path, ref: str) -> str:
    """The commit where HEAD left `ref`."""
    if ref.startswith("-"):
        raise ChangesUnavailable(f"不是有效的 git 引用：{ref}")
    return _git(root, "merge-base", ref, "HEAD").strip()


def parse_name_status(output: str) -> list[Change]:
    """`git diff --name-status -z` output as changes (copies count as additions, type changes as edits)."""
    fields = output.split("\0")
    changes: list[Change] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i][0]
        if status in "RC":
            old, new = fields[i + 1], fields[i + 2]
            changes.append(Change(RENAMED, new, old) if status == "R" else Change(ADDED, new))
            i += 3
            continue
        path = fields[i + 1]
        changes.append(Change({"A": ADDED, "D": DELETED}.get(status, MODIFIED), path))
        i += 2
    return changes


def changed_files(root: Path, ref: str) -> list[Change]:
    """Every file changed since the merge base of `ref` and HEAD, including uncommitted and untracked ones."""
    base = merge_base(root, ref)
    diff = _git(root, "-c", "core.quotepath=off", "diff", "--name-status", "-M", "-z", "--relative",
                "--no-ext-diff", base, "--")
    changes = parse_name_status(diff)
    seen = {change.path for change in changes}
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", ".")
    changes += [Change(ADDED, path) for path in untracked.split("\0") if path and path not in seen]
    return sorted(changes, key=lambda c: c.path)


def touched(changes: Sequence[Change]) -> frozenset[str]:
    """Every path that a change adds, edits, deletes or renames (both names of a rename)."""
    return frozenset(path for change in changes for path in change.paths)


def added(changes: Sequence[Change]) -> frozenset[str]:
    """Paths that are new on this side: additions and rename targets."""
    return frozenset(c.path for c in changes if c.status in (ADDED, RENAMED))
