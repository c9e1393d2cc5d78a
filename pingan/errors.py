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
    """Records that a command must read are encrypted for others than the keys held here (`count` of them):
    what it would produce (a roster, statistics, a leak check) would silently leave them out."""

    def __init__(self, count: int):
        super().__init__(f"{count} records cannot be opened")
        self.count = count


class NoSuchRecord(PinganError):
    """A 编号 given on the command line is badly shaped (`rel` None) or names no record file."""

    def __init__(self, record_id: str, rel: str | None):
        super().__init__(record_id)
        self.record_id, self.rel = record_id, rel


class NotEncrypted(PinganError):
    """A command about keys in a repository whose records are not encrypted (no keys/ci.txt)."""


class RefusedInCI(PinganError):
    """A command that shows personal data in clear text was run in CI, whose logs many people can read."""


class RecordLocked(PinganError):
    """No key held here opens the record: `readers` are whose keys it is encrypted for (logins, never values)."""

    def __init__(self, rel: str, readers: list[str], keyless: bool):
        super().__init__(rel)
        self.rel, self.readers, self.keyless = rel, readers, keyless


class RecordUnreadable(PinganError):
    """A record file cannot be read whole (broken YAML or encryption, fields the writer would drop)."""

    def __init__(self, rel: str, problems: list[Problem]):
        super().__init__(rel)
        self.rel, self.problems = rel, problems


class KeyNeeded(PinganError):
    """An encrypted record a command must open to change cannot be opened with the keys held here: nothing was
    written. `rels` names those records; empty, no key held here opens any record of `unit` at all."""

    def __init__(self, unit: str, rels: Sequence[str] = ()):
        super().__init__(unit)
        self.unit, self.rels = unit, list(rels)
