"""Records as the Excel outputs see them: checked by the same rules as `pingan validate`.

Rosters, forms and templates are built from records that pass every record
rule; a record with an error is left out and counted, never guessed at.
Records stream one at a time in path order (unit folder, then 编号), so a
300,000-record repository never has to fit in memory.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import settings
from .model import Volunteer
from .problems import ERROR, Problem
from .rules import Context
from .validate import NotARepository, Settings, check_file, load_settings, record_paths


class SettingsInvalid(Exception):
    """data/province.yaml or a unit file has errors: nothing can be built from the records."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class Tally:
    """What a pass over the records left out, and why."""

    invalid: list[str] = field(default_factory=list)
    registered_later: int = 0


def repository(root: Path, today: date | None = None) -> tuple[Settings, Context]:
    """The repository's settings and the rule context; raises SettingsInvalid when they have errors."""
    found = load_settings(root)
    errors = [p for p in found.problems if p.level == ERROR]
    if errors or found.province is None:
        raise SettingsInvalid(errors)
    return found, Context(found.units, found.province, today or settings.today())


def unit_paths(root: Path, unit: str | None = None) -> list[Path]:
    """Record files of one unit (or all), in 编号 order."""
    if unit is None:
        return record_paths(root)
    folder = root / settings.VOLUNTEERS_DIR / unit
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml")) if folder.is_dir() else []


def checked(root: Path, ctx: Context, unit: str | None = None) -> Iterator[tuple[Path, list[Problem], dict[str, Any] | None]]:
    """(path, problems, normalised data) of every record file of `unit` (or all)."""
    for path in unit_paths(root, unit):
        problems, data = check_file(path, root, ctx)
        yield path, problems, data


def valid_volunteers(root: Path, ctx: Context, tally: Tally, unit: str | None = None,
                     registered_by: date | None = None) -> Iterator[Volunteer]:
    """Every record without errors as a Volunteer; the others are counted in `tally`.

    With `registered_by`, records registered after that day are left out too
    (a roster "as of" a past day lists who was registered then).
    """
    for path, problems, data in checked(root, ctx, unit):
        if data is None or any(p.level == ERROR for p in problems):
            tally.invalid.append(path.relative_to(root).as_posix())
            continue
        volunteer = Volunteer.model_validate(data)
        if registered_by is not None and volunteer.registered > registered_by:
            tally.registered_later += 1
            continue
        yield volunteer


__all__ = ["NotARepository", "SettingsInvalid", "Tally", "checked", "repository", "unit_paths", "valid_volunteers"]
