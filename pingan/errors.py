"""Conditions under which a command cannot go on: one hierarchy, so the CLI maps each to one message.

Problems with records are values (problems.Problem), never exceptions; these
are only for "nothing sensible can be produced" (no repository, broken
settings, an unknown unit, no git history).
"""
from __future__ import annotations

from collections.abc import Sequence

from .problems import Problem


class PinganError(Exception):
    """Base of every condition that stops a command."""


class NotARepository(PinganError):
    """The root holds no data/units/ folder: nothing can be checked."""


class SettingsInvalid(PinganError):
    """data/province.yaml or a unit file has errors: nothing can be built from the records."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


class UnknownUnit(PinganError):
    """A unit code given on the command line is not in data/units/."""


class GitUnavailable(PinganError):
    """git cannot answer: not installed, not a repository, an unknown revision."""


class ChangesUnavailable(GitUnavailable):
    """git cannot tell what changed (not a git repository, unknown ref, no common ancestor)."""


class NoHistory(GitUnavailable):
    """The repository is not a git working tree (or git is missing)."""


class ShallowHistory(GitUnavailable):
    """The clone is shallow: commits before the cut are not there (CI: fetch-depth: 0)."""


class KeysCannotOpen(PinganError):
    """Encrypted records a command must read or change are encrypted for others than the keys held here: what it
    would produce (a roster, statistics, a leak check, a changed record) would silently leave them out or lose
    them, so nothing is produced or written.

    `count` of them; `rels` names them when known, `unit` is whose records they are, `readers` whose keys do open
    them (logins, never values), and `keyless` says that no key is held here at all.
    """

    def __init__(self, count: int, *, rels: Sequence[str] = (), unit: str = "", readers: Sequence[str] = (),
                 keyless: bool = False):
        super().__init__(f"{count} records cannot be opened")
        self.count, self.rels, self.unit, self.readers, self.keyless = count, list(rels), unit, list(readers), keyless


class NoSuchRecord(PinganError):
    """A 编号 given on the command line is badly shaped (`rel` None) or names no record file."""

    def __init__(self, record_id: str, rel: str | None):
        super().__init__(record_id)
        self.record_id, self.rel = record_id, rel


class NotEncrypted(PinganError):
    """A command about keys in a repository whose records are not encrypted (no keys/ci.txt)."""


class RefusedInCI(PinganError):
    """A command that shows personal data in clear text was run in CI, whose logs many people can read."""


class RecordUnreadable(PinganError):
    """A record file cannot be read whole (broken YAML or encryption, fields the writer would drop)."""

    def __init__(self, rel: str, problems: list[Problem]):
        super().__init__(rel)
        self.rel, self.problems = rel, problems

