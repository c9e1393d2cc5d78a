"""`pingan keys rotate --unit U`: a new data key for every record of a unit, every value encrypted again.

`keys sync` only wraps the existing data key for the keys listed now: someone
whose key was removed could still have kept the old data key and open the
new commits. Rotation gives each of the unit's records a new data key, so
what is written from now on is beyond them. What they could read before
(every earlier commit) stays readable to them: rotation cannot undo that.

Every record of the unit must open here and be written back whole before
anything is written, so that a unit is never left half rotated.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .agekeys import Keyring
from .errors import NotEncrypted
from .problems import Problem
from .reader import Repository, unit_of
from .rewritable import blockers


@dataclass
class Rotated:
    """What `rotate` did: how many records got a new data key, or (nothing written) what stopped it."""

    unit: str
    rotated: int = 0
    locked: list[str] = field(default_factory=list)  #: records no key held here opens
    problems: list[Problem] = field(default_factory=list)  #: why the others cannot be written back

    @property
    def done(self) -> bool:
        return not self.locked and not self.problems


def rotate(root: Path, unit: str, keyring: Keyring | None = None) -> Rotated:
    """Encrypt every record of `unit` under a new data key for the keys listed now; all or nothing.

    Raises NotEncrypted, SettingsInvalid and UnknownUnit.
    """
    repo = Repository(root) if keyring is None else Repository(root, keyring=keyring)
    if repo.settings.keys is None:
        raise NotEncrypted(str(root))
    repo.settings.required()
    repo.settings.unit(unit)
    result = Rotated(unit)
    ready: list[tuple[str, dict[str, Any]]] = []
    for rel in (rel for rel in repo.paths if unit_of(rel) == unit):
        loaded = repo.load(rel)
        stopped = blockers(loaded, mac=True)
        if stopped:
            result.problems += stopped
        elif loaded.locked:
            result.locked.append(rel)
        elif loaded.data is not None:  # always, once blockers() found nothing
            ready.append((rel, loaded.data))
    if not result.done:
        return result
    for rel, data in ready:
        repo.write_record(rel, data)  # no `previous`: a new data key
    result.rotated = len(ready)
    return result


__all__ = ["Rotated", "rotate"]
